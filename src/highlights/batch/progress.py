"""Progress across games: games done, video-hours done, and an ETA from the video time left."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from highlights.batch.game_progress import in_flight
from highlights.batch.video_time import video_progress_text

# How often the bar adds the running games' progress (their files are written every few seconds).
TICK_S = 5.0
# After a game read back what a stopped run kept, how long the rest runs before its speed gives an
# ETA: the bar moves in steps of TICK_S, and between games not at all while outputs are written.
SETTLING_S = 30.0


class BatchProgress:
    """A rich bar over the batch's video time (games of unknown length count once they finish).

    With `partial_dir`, the seconds the running games have analysed so far count too, read from
    their progress files every `TICK_S` (`game_progress`): an hour-long game moves the bar, and in a
    log the once-a-minute line, while it runs, not only when it ends.

    A game that goes on after a stop reads back the part of its video an earlier run kept several
    times faster than it analyses the rest: while it does the bar shows no ETA (from that speed it
    would be several times too short), and from there on, after `SETTLING_S`, one from the speed
    since then alone, as `detect`'s own bar does."""

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
        self._read_back: set[str] = set()  # games going on whose kept part the bar has seen read back

    def __enter__(self) -> "BatchProgress":
        if self.enabled:
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

            from highlights.progress import progress_of, time_remaining_column

            self._progress = progress_of(
                TextColumn("[bold]games {task.fields[games]}"), BarColumn(),
                TextColumn("{task.fields[hours]}"), TimeElapsedColumn(),
                TextColumn("ETA"), time_remaining_column())
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
        return video_progress_text(self._shown_s(), self.total_s)

    def _shown_s(self) -> float:
        return min(self.video_s + sum(self.running.values()), self.total_s)

    def _show(self) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=self._shown_s(), games=self._games(), hours=self._hours())

    def refresh(self) -> None:
        """Counts the running games' seconds from their progress files now."""
        if self.partial_dir is None:
            return
        running = {game: seen for game, seen in in_flight(self.partial_dir).items() if game not in self._finished}
        with self._lock:
            self.running = {game: video_s for game, (video_s, _) in running.items()}
            self._show()
            reading = [game for game, (video_s, until) in running.items() if until is not None and video_s < until]
            rest = [game for game, (video_s, until) in running.items()
                    if until is not None and video_s >= until and game not in self._read_back]
            if self._progress is None:
                return
            from highlights.progress import LATER

            if reading:
                self._progress.update(self._task, rate_from=LATER)
            elif rest:  # the rest starts here: its speed alone gives the ETA
                self._progress.update(self._task, rate_from=(self._progress.get_time(), self._shown_s(), SETTLING_S))
            self._read_back.update(rest)

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
