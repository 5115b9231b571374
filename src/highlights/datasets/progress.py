"""Progress bars for long dataset work (rich, with ETA), off unless asked for."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import track

T = TypeVar("T")
_STDERR = Console(stderr=True)


def progress(items: Iterable[T], description: str, *, enabled: bool, total: int | None = None) -> Iterator[T]:
    if not enabled:
        yield from items
        return
    yield from track(items, description=description, total=total, console=_STDERR, transient=False)
