"""Progress across games: games done, video-hours done, and an ETA from the video time left."""

from __future__ import annotations

from typing import Any


class BatchProgress:
    """A rich bar over the batch's video time (games of unknown length count once they finish)."""

    def __init__(self, jobs, *, enabled: bool) -> None:
        self.enabled = enabled and bool(jobs)
        self.games = len(jobs)
        self.total_s = sum(float(j.duration_s or 0.0) for j in jobs)
        self.done = self.failed = 0
        self.video_s = 0.0
        self._progress = self._task = None

    def __enter__(self) -> "BatchProgress":
        if self.enabled:
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            from highlights.progress import progress_of

            self._progress = progress_of(
                TextColumn("[bold]games {task.fields[games]}"), BarColumn(),
                TextColumn("{task.fields[hours]} video-hours"), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn())
            self._progress.__enter__()
            self._task = self._progress.add_task("batch", total=max(self.total_s, 1e-6),
                                                 games=self._games(), hours=self._hours())
        return self

    def _games(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.done}/{self.games}{failed}"

    def _hours(self) -> str:
        return f"{self.video_s / 3600:.2f}/{self.total_s / 3600:.2f}"

    def finished(self, record: dict[str, Any]) -> None:
        self.done += 1
        self.failed += record.get("status") == "failed"
        self.video_s += float(record.get("duration_s") or 0.0)
        if self._progress is not None:
            self._progress.update(self._task, completed=min(self.video_s, self.total_s),
                                  games=self._games(), hours=self._hours())

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)
