"""The one progress bar every long job shows (rich): what it is doing, a bar, how far, elapsed time
and an ETA, on stderr so it never mixes with a command's output; in a log or a pipe, its line
once a minute."""

from __future__ import annotations

import math
import time
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


# A task's field `rate_from` changes how its ETA is estimated: LATER (no estimate yet: the part
# done so far went at a speed that says nothing of the rest, such as a run reading back what an
# earlier, stopped run kept), or (time, completed) from when the rest began: the ETA is the rest
# at the average speed since then, once it has gone on `SETTLING_S` (or a third element's seconds).
LATER = "later"
SETTLING_S = 5.0  # seconds of the rest before its speed is trusted for an ETA


class _TimeRemaining(TimeRemainingColumn):
    """rich's ETA (the speed over its last 30 s), or one told by the task's `rate_from` field."""

    def render(self, task) -> Text:
        since = task.fields.get("rate_from")
        if since is None or task.finished or task.total is None:
            return super().render(task)
        unknown = Text("-:--:--", style="progress.remaining")
        if since == LATER:
            return unknown
        started, done_then, *settling = since
        elapsed = task.get_time() - started
        done = task.completed - done_then
        if elapsed < (settling[0] if settling else SETTLING_S) or done <= 0:
            return unknown
        minutes, seconds = divmod(int(math.ceil((task.total - task.completed) * elapsed / done)), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"{hours:d}:{minutes:02d}:{seconds:02d}", style="progress.remaining")


def time_remaining_column() -> ProgressColumn:
    """An ETA column that follows a task's `rate_from` field (LATER, or (time, completed))."""
    return _TimeRemaining()


# Written to a log or a pipe, a bar cannot be redrawn in place (rich draws it once, when it ends):
# it prints its line this often instead, so a long job's log shows how far it got and its ETA.
LOG_EVERY_S = 60.0


class _Progress(Progress):
    def __init__(self, *columns, **kwargs) -> None:
        super().__init__(*columns, **kwargs)
        self._logged_at = time.monotonic()

    def update(self, task_id, **kwargs) -> None:
        super().update(task_id, **kwargs)
        self._log_now_and_then()

    def advance(self, task_id, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log_now_and_then()

    def _log_now_and_then(self) -> None:
        if self.disable or self.console.is_terminal or time.monotonic() - self._logged_at < LOG_EVERY_S:
            return
        self._logged_at = time.monotonic()
        unfinished = [task for task in self.tasks if task.visible and not task.finished]
        if unfinished:
            self.console.print(self.make_tasks_table(unfinished))

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
                     TextColumn("ETA"), _TimeRemaining(), console=_STDERR, disable=not enabled, transient=False)


def progress_of(*columns: ProgressColumn, enabled: bool = True) -> Progress:
    """A bar of one's own columns, on stderr and printed now and then in a log, as `progress_bar`."""
    return _Progress(*columns, console=_STDERR, disable=not enabled, transient=False)


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
