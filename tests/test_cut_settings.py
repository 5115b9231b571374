"""Every option of `write_reel` reaches what it cuts: `write_reel` takes each field of
`CutSettings` with its default, and one cut with every field set otherwise shows each in the reel,
clip and thumbnail it writes. A field that the function does not take, does not pass on, or that
has no check here fails these tests."""

from __future__ import annotations

import inspect
from dataclasses import asdict, fields
from pathlib import Path

import cv2
import numpy as np
import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import write_reel
from highlights.pipeline.outputs.cut_settings import CutSettings
from highlights.video import iter_frames, probe, write_video
from tests.outputs_fixtures import FPS, source_frame

# Every field other than its default; the reel's crf and the clips' are lossier still.
CHANGED = CutSettings(caption=False, clip_short_side=40, reel_short_side=60, reel_max_fps=15.0,
                      thumbnail_width=64, crf=40, clip_crf=45)
HIGHLIGHT = Highlight(1.0, 2.0, "soccer_shooting", "soccer", 0.5, 1.5)


def test_write_reel_takes_every_cut_setting_with_its_default() -> None:
    parameters = inspect.signature(write_reel).parameters
    for field in fields(CutSettings):
        assert parameters[field.name].kind is inspect.Parameter.KEYWORD_ONLY, field.name
        assert parameters[field.name].default == field.default, field.name
        assert getattr(CHANGED, field.name) != field.default, field.name


@pytest.fixture(scope="module")
def noisy_source(tmp_path_factory) -> Path:
    """3 s of the colour-coded frames (160x90) with seeded noise, which a higher crf visibly
    coarsens (a flat colour costs x264 almost nothing at any crf)."""
    rng = np.random.default_rng(0)
    frames = [np.clip(source_frame(i).astype(int) + rng.integers(-12, 13, (90, 160, 3)), 0, 255)
              .astype(np.uint8) for i in range(int(3 * FPS))]
    return write_video(tmp_path_factory.mktemp("src") / "noisy.mp4", iter(frames), FPS)


def _cut(source: Path, out: Path, settings: CutSettings):
    return write_reel([HIGHLIGHT], source, out / "reel.mp4", clips_dir=out / "clips",
                      thumbnails=True, progress=False, **asdict(settings))


def test_every_cut_setting_reaches_the_files_cut(noisy_source: Path, tmp_path: Path) -> None:
    changed = _cut(noisy_source, tmp_path / "changed", CHANGED)
    sharper = _cut(noisy_source, tmp_path / "sharper", CutSettings(
        **{**asdict(CHANGED), "crf": CutSettings.crf, "clip_crf": CutSettings.clip_crf}))
    reel, clip = probe(changed.reel_path), probe(changed.clip_paths[0])
    first = next(iter_frames(changed.reel_path)).rgb
    thumbnail = cv2.imdecode(np.frombuffer(changed.thumbnails_jpeg[0], np.uint8), cv2.IMREAD_COLOR)
    seen = {
        # No caption: the top-left corner, where its dark band goes, shows the picture.
        "caption": abs(float(first[:6, :6].mean()) - float(first[30:45, 40:66].mean())) < 12,
        "clip_short_side": (clip.width, clip.height) == (70, 40),
        "reel_short_side": (reel.width, reel.height) == (106, 60),
        "reel_max_fps": reel.fps == pytest.approx(15.0),
        "thumbnail_width": thumbnail.shape[1] == 64,
        "crf": changed.reel_path.stat().st_size < sharper.reel_path.stat().st_size,
        "clip_crf": changed.clip_paths[0].stat().st_size < sharper.clip_paths[0].stat().st_size,
    }
    assert set(seen) == {field.name for field in fields(CutSettings)}  # a new field needs its check
    assert [name for name, ok in seen.items() if not ok] == []
