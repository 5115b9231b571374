"""A running game's progress file on a hand-driven clock: written at once, then at most every
few seconds, at once again for what the game keeps, and read back by the batch."""

from __future__ import annotations

import json

from highlights.batch.game_progress import PROGRESS_SUFFIX, WRITE_EVERY_S, GameProgressFile, in_flight


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _read(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_seconds_analysed_are_written_at_once_then_at_most_every_few_seconds(tmp_path):
    clock, path = _Clock(), tmp_path / f"alpha{PROGRESS_SUFFIX}"
    progress = GameProgressFile(path, "alpha", clock=clock)
    progress(1.23456)
    assert _read(path) == {"game_id": "alpha", "video_s": 1.235}
    clock.now += WRITE_EVERY_S - 0.25
    progress(2.0)
    assert _read(path)["video_s"] == 1.235          # too soon: the file keeps the last write
    clock.now += 0.25                                 # exactly the interval since it: written
    progress(3.0)
    assert _read(path)["video_s"] == 3.0
    clock.now += 1.0
    progress(4.0)
    assert _read(path)["video_s"] == 3.0


def test_what_the_game_keeps_is_written_at_once_with_the_latest_seconds(tmp_path):
    clock, path = _Clock(), tmp_path / f"alpha{PROGRESS_SUFFIX}"
    progress = GameProgressFile(path, "alpha", clock=clock)
    progress(1.0)
    progress(2.5)                                     # not written yet: too soon
    progress.kept(2.0, 0)
    assert _read(path) == {"game_id": "alpha", "video_s": 2.5, "kept_until_s": 2.0}
    progress.read_back(1.5)
    progress.kept(2.0, 3)
    assert _read(path) == {"game_id": "alpha", "video_s": 2.5, "read_back_until_s": 1.5, "kept_until_s": 2.0,
                           "kept_clips": 3}
    assert in_flight(tmp_path) == {"alpha": (2.5, 1.5)}
    progress.remove()
    progress.remove()                                 # gone already: nothing to say
    assert in_flight(tmp_path) == {}


def test_the_batch_reads_each_game_in_flight_and_skips_a_file_it_cannot_read(tmp_path):
    GameProgressFile(tmp_path / f"alpha{PROGRESS_SUFFIX}", "alpha")(12.0)
    (tmp_path / f"bravo{PROGRESS_SUFFIX}").write_text(json.dumps({"game_id": "bravo", "video_s": -0.5}))
    (tmp_path / f"delta{PROGRESS_SUFFIX}").write_text(json.dumps({"game_id": "delta", "video_s": "7",
                                                                  "read_back_until_s": "2"}))
    going_on = GameProgressFile(tmp_path / f"echo{PROGRESS_SUFFIX}", "echo")
    going_on.read_back(0.0)                           # went on from the very start: still said
    going_on(0.5)
    for name, text in (("half", '{"game_id": "c", "vid'), ("list", "[1, 2]"), ("nameless", '{"video_s": 1}'),
                       ("wordy", '{"game_id": "d", "video_s": "soon"}'), ("null", '{"game_id": "e", "video_s": null}')):
        (tmp_path / f"{name}{PROGRESS_SUFFIX}").write_text(text)
    (tmp_path / "alpha.json").write_text(json.dumps({"game_id": "other", "video_s": 1.0}))   # not a progress file
    assert in_flight(tmp_path) == {"alpha": (12.0, None), "bravo": (0.0, None), "delta": (7.0, 2.0),
                                   "echo": (0.5, 0.0)}
