"""How far each game in flight has got, for the batch's progress: a small file per running game.

A game runs in a worker process (or, with Ray, on another node) and may be an hour of video: a
batch bar that moved only when a game finished showed nothing for that hour, and a log none of
the once-a-minute lines a long job prints. So each running game writes, every few seconds, how
many seconds of its video it has analysed to `.partial/<its staging folder>.progress.json`
(beside its staging folder, in the output folder every worker writes to), and the batch adds
those seconds to the finished games' on a timer. The files are removed when their game ends and,
like any staging left by a killed run, by the next batch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from highlights.atomic import atomic_write_json
from highlights.errors import HighlightsError

PROGRESS_SUFFIX = ".progress.json"
WRITE_EVERY_S = 5.0  # wall seconds between two writes of one game's file


class GameProgressFile:
    """Called with the video seconds analysed so far; writes them at most every `WRITE_EVERY_S`."""

    def __init__(self, path: str | Path, game_id: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.path, self.game_id, self._clock = Path(path), game_id, clock
        self._written_at: float | None = None
        self.read_back_until_s: float | None = None  # the video an earlier, stopped run kept

    def read_back(self, until_s: float) -> None:
        """The game goes on: its video up to `until_s` is read back from what a stopped run kept."""
        self.read_back_until_s = float(until_s)

    def __call__(self, video_s: float) -> None:
        now = self._clock()
        if self._written_at is not None and now - self._written_at < WRITE_EVERY_S:
            return
        self._written_at = now
        try:
            read_back = {} if self.read_back_until_s is None else {"read_back_until_s": self.read_back_until_s}
            atomic_write_json(self.path, {"game_id": self.game_id, "video_s": round(float(video_s), 3), **read_back})
        except (OSError, HighlightsError):
            pass  # progress is shown on a best-effort basis; the game's own outputs decide its fate

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def in_flight(partial_dir: str | Path) -> dict[str, tuple[float, float | None]]:
    """Each running game's (video seconds done so far, the seconds read back from a stopped run's
    kept detections or None), by game id, from their files in `partial_dir`."""
    seen: dict[str, tuple[float, float | None]] = {}
    for path in Path(partial_dir).glob(f"*{PROGRESS_SUFFIX}"):
        try:
            written = json.loads(path.read_text(encoding="utf-8"))
            until = written.get("read_back_until_s")
            seen[str(written["game_id"])] = (max(0.0, float(written["video_s"])),
                                             None if until is None else float(until))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # removed as its game ended: it counts as finished
    return seen
