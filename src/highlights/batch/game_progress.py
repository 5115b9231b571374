"""How far each game in flight has got, for the batch's progress: a small file per running game.

A game runs in a worker process (or, with Ray, on another node) and may be an hour of video: a
batch bar that moved only when a game finished showed nothing for that hour, and a log none of
the once-a-minute lines a long job prints. So each running game writes, every few seconds, how
many seconds of its video it has analysed to `.partial/<its staging folder>.progress.json`
(beside its staging folder, in the output folder every worker writes to), and the batch adds
those seconds to the finished games' on a timer. The file also says what the game has kept for
going on after a stop (the people found up to some time of its video, the page's clips cut), as
soon as each is kept: a stopped batch says so for every game in flight, and its workers, stopped
or killed with it (on a Ray node, the coordinator never hears from them again), cannot say it
then. The files are removed when their game ends, kept when it is stopped (the batch reads them
as it stops), and, like any staging left by a stopped run, removed by the next batch.
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
        self.video_s = 0.0
        self.kept_until_s: float | None = None  # the people found up to here are kept for going on
        self.kept_clips = 0  # the page's clips kept for going on

    def read_back(self, until_s: float) -> None:
        """The game goes on: its video up to `until_s` is read back from what a stopped run kept."""
        self.read_back_until_s = float(until_s)

    def kept(self, until_s: float | None, clips: int) -> None:
        """What the game has kept for going on after a stop, written at once: a stop may come
        before the next timed write, and a worker stopped with its batch says nothing after."""
        if (until_s, clips) == (self.kept_until_s, self.kept_clips):
            return
        self.kept_until_s, self.kept_clips = until_s, int(clips)
        self._write()

    def __call__(self, video_s: float) -> None:
        self.video_s = float(video_s)
        now = self._clock()
        if self._written_at is not None and now - self._written_at < WRITE_EVERY_S:
            return
        self._written_at = now
        self._write()

    def _write(self) -> None:
        state = {"game_id": self.game_id, "video_s": round(self.video_s, 3)}
        if self.read_back_until_s is not None:
            state["read_back_until_s"] = self.read_back_until_s
        if self.kept_until_s is not None:
            state["kept_until_s"] = round(float(self.kept_until_s), 3)
        if self.kept_clips:
            state["kept_clips"] = self.kept_clips
        try:
            atomic_write_json(self.path, state)
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


def kept_in_flight(partial_dir: str | Path) -> dict[str, tuple[float | None, int]]:
    """Each game in flight's (the video time up to which the people it found are kept, or None;
    the page's clips it kept), by game id, as its file last said."""
    seen: dict[str, tuple[float | None, int]] = {}
    for path in Path(partial_dir).glob(f"*{PROGRESS_SUFFIX}"):
        try:
            written = json.loads(path.read_text(encoding="utf-8"))
            until = written.get("kept_until_s")
            seen[str(written["game_id"])] = (None if until is None else float(until),
                                             int(written.get("kept_clips") or 0))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return seen
