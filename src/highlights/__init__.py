"""highlights: decide what is happening in amateur sports video and cut the highlights out of it.

Every failure a caller can cause (a missing or corrupt video, a setting that cannot be used)
raises `HighlightsError`, named here so that a service catches the one class without knowing
which module raised it. Importing the package loads nothing else (`highlights.errors` needs only
the standard library).
"""

from highlights.errors import HighlightsError

__version__ = "0.1.0"
__all__ = ["HighlightsError", "__version__"]
