"""The one progress bar every long job shows (rich): what it is doing, a bar, how far, elapsed time
and an ETA, on stderr so it never mixes with a command's output."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.progress import (
    BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
)
from rich.text import Text

from highlights.console import plain_console

T = TypeVar("T")
_STDERR = plain_console(stderr=True)


class _Progress(Progress):
    def stop(self) -> None:
        # rich ends a bar with an empty line when its output is not a terminal (a log file, a
        # pipe), also a disabled bar that drew nothing: `--no-progress` runs would print blank lines.
        if not self.disable:
            super().stop()


def progress_bar(*, enabled: bool = True, amount: ProgressColumn | None = None,
                 extra: Iterable[ProgressColumn] = ()) -> Progress:
    """A `rich.progress.Progress`; `amount` replaces the done/total count (e.g. seconds of video),
    `extra` columns go before the times. Disabled, it draws nothing, not even an empty line."""
    description = TextColumn("{task.description}", style="bold", markup=False)  # a file name, as it is
    return _Progress(description, BarColumn(), amount or MofNCompleteColumn(), *extra, TimeElapsedColumn(),
                     TextColumn("ETA"), TimeRemainingColumn(), console=_STDERR, disable=not enabled, transient=False)


def track(items: Iterable[T], description: str, *, enabled: bool, total: int | None = None) -> Iterator[T]:
    """`items`, with a progress bar while they are consumed."""
    if not enabled:
        yield from items
        return
    with progress_bar() as bar:
        yield from bar.track(items, total=total, description=description)


@contextmanager
def status_line(description: str, *, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A rich spinner on stderr while a step of unknown length runs; yields `show(line)`, which
    puts the step's current line beside the description. Disabled, it draws nothing."""
    if not enabled:
        yield lambda line: None
        return
    with _STDERR.status(Text(description)) as status:
        yield lambda line: status.update(Text(f"{description}: {line}"))
