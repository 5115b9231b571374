"""A synthetic clip and its ground truth are written together: a disk that fills after the video
leaves neither, and the clip an earlier run wrote at that name stays as it was."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from highlights.atomic import DiskFullError
from highlights.synth import clip as synth_clip
from tests.synth_fixtures import request


def test_a_disk_full_at_the_truth_leaves_the_earlier_clip_and_truth_and_no_temp_file(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    video = tmp_path / "none" / "none-s0-0000.mp4"
    earlier = synth_clip.write_clip(request("none", 1, sport="soccer", seconds=0.3, size=(64, 36)), video)
    video_bytes, truth_text = video.read_bytes(), video.with_suffix(".json").read_text()
    assert json.loads(truth_text)["frames"] == earlier["frames"]

    def out_of_space(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    # The truth is written after the video; the disk is full by then.
    monkeypatch.setattr(synth_clip, "atomic_write_json", out_of_space)
    with pytest.raises(OSError) as stopped:
        synth_clip.write_clip(request("none", 2, sport="soccer", seconds=0.3, size=(64, 36)), video)
    assert stopped.value.errno == errno.ENOSPC or isinstance(stopped.value, DiskFullError)
    assert video.read_bytes() == video_bytes
    assert video.with_suffix(".json").read_text() == truth_text
    assert sorted(p.name for p in video.parent.iterdir()) == ["none-s0-0000.json", "none-s0-0000.mp4"]


@pytest.mark.parametrize("where", ["video", "annotation"])
def test_a_disk_full_part_way_through_a_game_leaves_the_earlier_game_whole(tmp_path: Path, monkeypatch,
                                                                           where: str) -> None:
    from highlights.synth import GameConfig, generate_game
    from highlights.synth import game as synth_game

    def config(seed: int) -> GameConfig:
        return GameConfig(minutes=0.05, sport="soccer", width=64, height=36, fps=10.0, seed=seed, name="match")

    paths = generate_game(tmp_path, config(1))
    earlier = {p.name: p.read_bytes() for p in paths.values()}

    def out_of_space(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    # The video is written after the truth streamed beside it; the annotation after both.
    if where == "video":
        import highlights.video as video_package
        monkeypatch.setattr(video_package, "write_video", out_of_space)
    else:
        monkeypatch.setattr(synth_game, "atomic_write_json", out_of_space)  # the annotation
    with pytest.raises(OSError):
        generate_game(tmp_path, config(2))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == earlier


def _out_of_space_after_two_clips(args):
    """A clip set's renderer on a disk with room for its first two clips: those it writes whole."""
    from highlights.synth import clipset

    out_dir, relpath = args[0], args[1]
    if relpath.endswith(("-0000.mp4", "-0001.mp4")):
        return clipset.write_clip(args[2], Path(out_dir) / relpath, crf=args[3]) and relpath
    raise DiskFullError(Path(out_dir) / relpath)


def _whole_clips(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*.mp4") if p.with_suffix(".json").is_file())


@pytest.mark.parametrize("workers", [1, 2])
def test_a_disk_full_part_way_through_a_clip_set_says_how_many_clips_it_wrote(tmp_path: Path, monkeypatch,
                                                                              workers: int) -> None:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from highlights.synth import clipset

    # The renderers must see the failing job: a pool of forked processes, which inherit it.
    monkeypatch.setattr(clipset, "_make", _out_of_space_after_two_clips)
    monkeypatch.setattr(clipset, "ProcessPoolExecutor",
                        lambda **kwargs: ProcessPoolExecutor(max_workers=2, mp_context=get_context("fork")))
    out = tmp_path / "clips"
    cfg = clipset.ClipSetConfig(per_class=5, classes=("none",), seconds=0.2, size="64x36", workers=workers)
    with pytest.raises(DiskFullError) as stopped:
        clipset.generate_clip_set(out, cfg)
    said = str(stopped.value)
    assert _whole_clips(out) == ["none-s0-0000.mp4", "none-s0-0001.mp4"]
    assert "nothing earlier was changed" not in said and "\n" not in said
    assert f"; 2 of the 5 clips were written whole before it and stay, but {out / 'manifest.csv'} is written only " \
           "once every clip is; free some space and run the same command again" in said
    assert not (out / "manifest.csv").exists()


def test_a_clip_set_on_a_disk_that_fills_names_the_clips_it_left(tmp_path: Path) -> None:
    from tests.small_filesystem import nearly_full_filesystem

    from highlights.synth.clipset import ClipSetConfig, generate_clip_set

    cfg = ClipSetConfig(per_class=12, classes=("none",), seconds=0.3, size="64x36", workers=1)
    with nearly_full_filesystem(tmp_path / "disk", 40 * 1024) as disk:
        out = disk / "clips"
        with pytest.raises(DiskFullError) as stopped:
            generate_clip_set(out, cfg)
        whole = _whole_clips(out)
        assert 0 < len(whole) < 12, whole
        were = "was" if len(whole) == 1 else "were"
        assert f"; {len(whole)} of the 12 clips {were} written whole before it" in str(stopped.value)
        assert not (out / "manifest.csv").exists()


@pytest.mark.parametrize(("written", "total", "said"), [
    (0, 5, "none of the 5 clips was written; free some space"),
    (1, 5, "1 of the 5 clips was written whole before it and stays, but "),
    (3, 5, "3 of the 5 clips were written whole before it and stay, but "),
    (5, 5, "all 5 clips were written whole before it and stay; free some space"),
    (0, 1, "its one clip was not written; free some space"),
    (1, 1, "its one clip was written whole before it and stays; free some space")])
def test_what_a_full_disk_left_is_said_in_the_number_of_its_clips(tmp_path: Path, written, total, said) -> None:
    from highlights.synth.clipset import _kept_after_full_disk

    kept = _kept_after_full_disk(written, total, tmp_path)
    assert kept.startswith(said), kept
    assert ("manifest.csv is written only once every clip is" in kept) == (0 < written < total)
