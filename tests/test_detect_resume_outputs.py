"""A `detect` stopped while it writes its outputs goes on: the page's clips and thumbnails it had
finished are kept as they are cut, a second write of the same highlights reuses them (cutting
only the rest, and not decoding the stretches only they needed) and writes what a write never
stopped writes; another cut starts over, and a finished run leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import highlights.pipeline.outputs.reel as reel_module
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.kept_clips import KeptClips
from highlights.pipeline.outputs import write_reel
from highlights.video import iter_frames, write_video
from tests.outputs_fixtures import FPS, HEIGHT, WIDTH, source_frame, source_frame_index
from tests.resume_fixtures import stop_at

SECONDS = 16


def _source_frame(i: int) -> np.ndarray:
    # The frame's index in its colour, plus texture in its top fifth, so the encoder has real work
    # and a frame taken from the wrong time would show.
    rgb = source_frame(i)
    rgb[: HEIGHT // 5] = np.random.default_rng(i).integers(0, 256, (HEIGHT // 5, WIDTH, 3), dtype=np.uint8)
    return rgb


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("src") / "game.mp4"
    write_video(path, (_source_frame(i) for i in range(int(SECONDS * FPS))), FPS)
    return path


def _highlights() -> list[Highlight]:
    # Far enough apart (with SEEK_PAST_S below) that each is its own stretch of the source.
    return [Highlight(1.0 + 3.0 * n, 2.5 + 3.0 * n, "soccer_shooting", "soccer", 0.5 + 0.05 * n, 1.8 + 3.0 * n)
            for n in range(5)]


def _in_reel(h: Highlight) -> bool:
    return h.start_s in (4.0, 10.0)  # the second and fourth


@pytest.fixture
def counted(monkeypatch):
    """The clips encoded (writers opened in a `clips` folder) and the source frames decoded."""
    seen = {"clips": 0, "frames": 0}
    feed, frames = reel_module._ConstantRateFeed, reel_module.iter_frames

    class Counted(feed):
        def __init__(self, path, *args, **kwargs):
            super().__init__(path, *args, **kwargs)
            seen["clips"] += Path(path).parent.name == "clips"

    def counting(path, **kwargs):
        for frame in frames(path, **kwargs):
            seen["frames"] += 1
            yield frame

    monkeypatch.setattr(reel_module, "_ConstantRateFeed", Counted)
    monkeypatch.setattr(reel_module, "iter_frames", counting)
    monkeypatch.setattr(reel_module, "SEEK_PAST_S", 0.5)
    return seen


def _write(source: Path, out: Path, kept: KeptClips | None, highlights=None, progress=False):
    return write_reel(highlights or _highlights(), source, out / "reel.mp4", clips_dir=out / "clips",
                      thumbnails=True, in_reel=_in_reel, kept=kept, progress=progress)


def _frames_of(path: Path) -> list[int]:
    return [source_frame_index(frame.rgb) for frame in iter_frames(path)]


def test_a_write_stopped_part_way_goes_on_with_the_clips_it_had_cut(source, tmp_path, counted):
    whole = _write(source, tmp_path / "whole", None)
    whole_frames, counted["frames"] = counted["frames"], 0
    assert counted["clips"] == 5
    counted["clips"] = 0

    key = {"video": "game.mp4"}
    with pytest.raises(KeyboardInterrupt):
        _write(source, tmp_path / "stopped", KeptClips(key, root=tmp_path / "cache"),
               progress=stop_at(0.6, "cutting"))
    (folder,) = (tmp_path / "cache").iterdir()
    kept = sorted(p.name for p in folder.glob("clip-*.mp4"))
    assert 1 <= len(kept) < 5  # stopped part way, the finished clips kept
    counted["clips"] = counted["frames"] = 0

    said = []
    again = KeptClips(key, root=tmp_path / "cache", say=said.append)
    result = _write(source, tmp_path / "again", again)
    assert counted["clips"] == 5 - len(kept)  # only the rest are cut
    assert counted["frames"] < whole_frames  # and the stretches only kept clips needed are not read
    assert again.found_clips == len(kept) and len(said) == 1
    assert f"{len(kept)} clips of 5 were cut by an earlier run of this video, stopped or still running" in said[0]

    # What a write never stopped writes: the same clips, thumbnails and reel.
    for a, b in zip(whole.clip_paths, result.clip_paths):
        assert a.name == b.name and a.read_bytes() == b.read_bytes()
    assert result.thumbnails_jpeg == whole.thumbnails_jpeg
    assert _frames_of(result.reel_path) == _frames_of(whole.reel_path)
    assert result.reel_frames == whole.reel_frames


def test_another_cut_starts_over(source, tmp_path, counted):
    key = {"video": "game.mp4"}
    with pytest.raises(KeyboardInterrupt):
        _write(source, tmp_path / "stopped", KeptClips(key, root=tmp_path / "cache"),
               progress=stop_at(0.6, "cutting"))
    counted["clips"] = 0
    other = _highlights()
    other[-1].score = 0.99  # its caption changes: every clip's folder is another
    again = KeptClips(key, root=tmp_path / "cache")
    _write(source, tmp_path / "again", again, highlights=other)
    assert again.found_clips == 0 and counted["clips"] == 5

    counted["clips"] = 0
    again = KeptClips({"video": "another.mp4"}, root=tmp_path / "cache")
    _write(source, tmp_path / "third", again)
    assert again.found_clips == 0 and counted["clips"] == 5


def test_a_cache_folder_that_cannot_be_written_keeps_nothing_and_the_write_goes_through(source, tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder would be")
    kept = KeptClips({"video": "game.mp4"}, root=blocked)
    result = _write(source, tmp_path / "out", kept)
    assert all(p is not None and p.is_file() for p in result.clip_paths)
    assert not kept.writable and kept.kept_clips == 0


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    """20 s of the generator's game, its people and poses read from its ground truth."""
    from highlights.synth.game import GameConfig, generate_game

    config = GameConfig(minutes=1 / 3, width=320, height=180, seed=3, events_per_minute=12.0, name="game")
    return generate_game(tmp_path_factory.mktemp("write-game"), config)["video"]


def test_detect_stopped_while_writing_goes_on_and_writes_what_an_uninterrupted_run_writes(game, tmp_path,
                                                                                       monkeypatch):
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(tmp_path / "cache"))
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt"})
    detect_highlights(game, config, tmp_path / "whole", progress=False, go_on=False)
    whole = sorted((tmp_path / "whole" / "clips").iterdir())
    assert len(whole) >= 3  # enough clips that a stop part way keeps some and not all

    with pytest.raises(KeyboardInterrupt) as stop:
        detect_highlights(game, config, tmp_path / "out", progress=stop_at(0.7, "cutting"))
    assert 1 <= stop.value.kept_clips < len(whole)
    assert not (tmp_path / "out").exists()

    said = []
    detect_highlights(game, config, tmp_path / "out", progress=False, say=said.append)
    assert [line for line in said if "going on with the page's clips" in line]
    again = sorted((tmp_path / "out" / "clips").iterdir())
    assert [p.name for p in again] == [p.name for p in whole]
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in whole]
    assert sorted(p.read_bytes() for p in (tmp_path / "out" / "thumbs").iterdir()) == \
        sorted(p.read_bytes() for p in (tmp_path / "whole" / "thumbs").iterdir())
    a, b = (json.loads((tmp_path / d / "highlights.json").read_text())["highlights"] for d in ("whole", "out"))
    assert a == b
    assert not any((tmp_path / "cache" / "detect-clips").iterdir())  # a finished run leaves nothing


def test_the_command_says_which_clips_were_kept_and_goes_on_from_them(game, tmp_path, monkeypatch, cli):
    from highlights.pipeline import kept_clips

    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ("detect", game, "--out", out, "--set", "detection.backend=gt", "--set", "pose.backend=gt", "--no-progress")
    keep = kept_clips.KeptClips.keep_clip

    def stopping(self, index, path):
        keep(self, index, path)
        if self.kept_clips == 2:
            raise KeyboardInterrupt  # Ctrl-C once the second clip is kept

    with monkeypatch.context() as m:
        m.setattr(kept_clips.KeptClips, "keep_clip", stopping)
        res = cli(*args)
    said = " ".join(res.output.split())
    assert res.exit_code == 130, res.output
    assert (f"interrupted: nothing was written to {out} (it is replaced whole at the end of a run, or left as it "
            "was); 2 clips of its page are kept: run the same command again to go on from there") in said
    assert not out.exists()
    res = cli(*args)
    assert res.exit_code == 0, res.output
    going_on = [line for line in res.output.splitlines() if line.startswith("going on with the page's clips")]
    assert len(going_on) == 1 and going_on[0].startswith("going on with the page's clips: 2 clips of ")
    assert (out / "highlights.html").is_file() and list((tmp_path / "cache" / "detect-clips").iterdir()) == []


def test_one_kept_clip_is_said_as_one(tmp_path):
    said = []
    kept = KeptClips({"video": "game.mp4"}, root=tmp_path / "cache", say=said.append)
    kept.plan({"highlights": [1, 2, 3]})
    kept.folder.mkdir(parents=True)
    (kept.folder / "clip-00000.mp4").write_bytes(b"a finished clip")
    again = KeptClips({"video": "game.mp4"}, root=tmp_path / "cache", say=said.append)
    again.plan({"highlights": [1, 2, 3]})
    assert said == [f"going on with the page's clips: 1 clip of 3 was cut by an earlier run of this video, stopped or "
                    f"still running (kept in {again.folder}), and is reused, not cut again; "
                    f"the reel is cut again whole"]


def test_kept_clips_of_writes_never_finished_are_bounded_like_kept_detections(tmp_path):
    """The newest KEEP_RUNS - 1 other folders stay beside this run's, none older than KEEP_DAYS."""
    import os
    import time

    from highlights.pipeline import kept_clips

    now = time.time()
    for n in range(kept_clips.KEEP_RUNS + 2):   # n hours old
        folder = tmp_path / f"run{n:02d}"
        folder.mkdir()
        os.utime(folder, (now - 3600 * n, now - 3600 * n))
    stale = tmp_path / "stale"
    stale.mkdir()
    os.utime(stale, (now - (kept_clips.KEEP_DAYS + 1) * 86400,) * 2)
    kept = kept_clips.KeptClips({"video": "x"}, root=tmp_path)
    kept.plan({"highlights": []})
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [f"run{n:02d}" for n in range(kept_clips.KEEP_RUNS - 1)]
