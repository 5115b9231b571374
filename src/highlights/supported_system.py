"""The systems highlights runs on, checked first when the package is imported.

It runs on Linux and macOS. Native Windows lacks what it is built on: ``fcntl.flock`` (output
folders, datasets and caches are locked with it), ``resource``, and ``os.kill(pid, 0)``, which
asks whether a process runs on POSIX but ends the process on Windows. There, importing the
package raises `UnsupportedSystemError` (an ImportError) whose message says to run it under
WSL2, before any module that needs POSIX is imported. The `highlights` command's first import
is this package, so it prints that one line and exits 1 instead of a traceback ending in
"No module named 'fcntl'".
"""

from __future__ import annotations

import sys

from highlights.errors import HighlightsError

WINDOWS_MESSAGE = ("highlights runs on Linux and macOS, not on native Windows (it needs POSIX file "
                   "locks and processes): on Windows, install and run it under WSL2 (Windows "
                   "Subsystem for Linux), as on Linux")


class UnsupportedSystemError(HighlightsError, ImportError):
    """This system cannot run highlights; ``str(e)`` says which systems can."""


def check_supported_system(platform: str | None = None) -> None:
    """Raise `UnsupportedSystemError` on native Windows (``platform`` defaults to ``sys.platform``)."""
    if (sys.platform if platform is None else platform) != "win32":
        return
    _print_uncaught_as_one_line()
    raise UnsupportedSystemError(WINDOWS_MESSAGE)


def _print_uncaught_as_one_line() -> None:
    """Where nothing catches the error (the `highlights` command, `python -m highlights`), Python
    prints it through ``sys.excepthook``: this one prints `UnsupportedSystemError` as the CLI
    prints every user-facing error, ``error: <message>``, and passes anything else on. Python
    then exits with status 1, as for any uncaught exception."""
    previous = sys.excepthook
    if getattr(previous, "_highlights_one_line", False):
        return  # a second import attempt in the same process: already installed

    def one_line(kind, error, traceback):
        if isinstance(error, UnsupportedSystemError):
            print(f"error: {error}", file=sys.stderr)
        else:
            previous(kind, error, traceback)

    one_line._highlights_one_line = True
    sys.excepthook = one_line
