"""Progress across games: games done, video-hours done, and an ETA from the video time left."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from highlights.batch.game_progress import in_flight_seconds

# How often the bar adds the running games' progress (their files are written every few seconds).
TICK_S = 5.0


class BatchProgress:
    """A rich bar over the batch's video time (games of unknown length count once they finish).

    With `partial_dir`, the seconds the running games have analysed so far count too, read from
    their progress files every `TICK_S` (`game_progress`): an hour-long game moves the bar, and in a
    log the once-a-minute line, while it runs, not only when it ends."""

    def __init__(self, jobs, *, enabled: bool, partial_dir: str | Path | None = None) -> None:
        self.enabled = enabled and bool(jobs)
        self.games = len(jobs)
        self.total_s = sum(float(j.duration_s or 0.0) for j in jobs)
        self.done = self.failed = 0
        self.video_s = 0.0  # of the finished games
        self.running: dict[str, float] = {}  # game id -> seconds analysed so far, of the games in flight
        self.partial_dir = None if partial_dir is None else Path(partial_dir)
        self._progress = self._task = None
        self._lock = threading.Lock()
        self._finished: set[str] = set()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

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
            if self.partial_dir is not None:
                self._ticker = threading.Thread(target=self._tick, name="batch progress", daemon=True)
                self._ticker.start()
        return self

    def _games(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.done}/{self.games}{failed}"

    def _hours(self) -> str:
        return f"{self._shown_s() / 3600:.2f}/{self.total_s / 3600:.2f}"

    def _shown_s(self) -> float:
        return min(self.video_s + sum(self.running.values()), self.total_s)

    def _show(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=self._shown_s(), games=self._games(), hours=self._hours())

    def refresh(self) -> None:
        """Counts the running games' seconds from their progress files now."""
        if self.partial_dir is None:
            return
        running = in_flight_seconds(self.partial_dir)
        with self._lock:
            self.running = {game: s for game, s in running.items() if game not in self._finished}
            self._show()

    def _tick(self) -> None:
        while not self._stop.wait(TICK_S):
            self.refresh()

    def finished(self, record: dict[str, Any]) -> None:
        with self._lock:
            self.done += 1
            self.failed += record.get("status") == "failed"
            self.video_s += float(record.get("duration_s") or 0.0)
            # Its whole length counts now; a tick that read its file just before it ended must not add it again.
            self._finished.add(str(record.get("game_id")))
            self.running.pop(str(record.get("game_id")), None)
            self._show()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._progress is not None:
            self._progress.__exit__(*exc)
