"""highlights: decide what is happening in amateur sports video and cut the highlights out of it.

Every failure a caller can cause (a missing or corrupt video, a setting that cannot be used)
raises `HighlightsError`, named here so that a service catches the one class without knowing
which module raised it. Importing the package loads nothing else (`highlights.errors` and
`highlights.supported_system` need only the standard library). On native Windows it raises
`supported_system.UnsupportedSystemError`, an ImportError saying to run it under WSL2, before
any module that needs POSIX is loaded.
"""

from highlights.supported_system import check_supported_system

check_supported_system()

from highlights.errors import HighlightsError  # noqa: E402  (after the check, by design)

__version__ = "0.1.0"
__all__ = ["HighlightsError", "__version__"]
