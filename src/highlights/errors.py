"""The package's one error base class.

Every failure a user can cause (a missing or corrupt file, a flag value that cannot be used, a
folder that already holds a run) raises a `HighlightsError` subclass whose message is one line
stating the fact, usually ``<path>: <cause>``. The `highlights` command catches this one class
where it starts, prints ``error: <message>`` and exits with status 1; any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

import os

from highlights.one_line_name import one_line_name

# The exit status of a command Ctrl-C stopped: 128 + SIGINT, what a shell gives a command Ctrl-C
# ended (SIGTERM, taken as Ctrl-C, exits 128 + SIGTERM: `cli.termination.EXIT_TERMINATED`). Not a
# failure, so not a `HighlightsError`.
EXIT_INTERRUPTED = 130


def mark_stop_said(stop: BaseException) -> None:
    """Marks a Ctrl-C (`KeyboardInterrupt`) that the code it stopped has already said a line about
    (what was kept, how to go on) before letting it go on up: the `highlights` command then ends
    with status 130 and adds no line of its own."""
    stop.highlights_stop_said = True  # type: ignore[attr-defined]


def stop_was_said(stop: BaseException) -> bool:
    return bool(getattr(stop, "highlights_stop_said", False))


class HighlightsError(Exception):
    """A failure the user can fix; ``str(e)`` is the whole message."""


class ConfigError(HighlightsError, ValueError):
    """A setting, flag value or config file that cannot be used."""


class MissingFileError(HighlightsError, FileNotFoundError):
    """A file the user named (or the run needs) does not exist; ``str(e) == "<path>: <cause>"``."""

    def __init__(self, path: str | os.PathLike, cause: str = "no such file") -> None:
        self.path = str(path)
        self.cause = " ".join(str(cause).split())
        super().__init__(f"{one_line_name(self.path)}: {self.cause}")

    def __str__(self) -> str:  # FileNotFoundError's own __str__ would show an errno tuple
        return f"{one_line_name(self.path)}: {self.cause}"
