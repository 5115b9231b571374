"""Two moments of one static wide shot look as alike as a re-encoded copy: clips whose provenance
says they were cut from the same video at moments that do not overlap (as a review export records
it) are kept as two clips, while clips that say nothing of where they came from are still compared."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.dataset_fixtures import write_manifest
from highlights.datasets import DatasetError, create_version, grow_version
from highlights.datasets.checks import check_video
from highlights.datasets.cut_spans import CutSpan, cut_span
from highlights.review.export import cut_clip
from highlights.video import write_video

FPS = 10.0


def wide_shot(path: Path, seconds: float = 5.0) -> Path:
    """A fixed textured field and one small player running across it: the camera never moves."""
    rng = np.random.default_rng(3)
    field = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    frames = []
    for t in range(int(seconds * FPS)):
        frame = field.copy()
        x = 4 + 3 * t
        frame[60:64, x:x + 2] = 255  # the player: a few pixels of a wide shot
        frames.append(frame)
    return write_video(path, frames, FPS)


def provenance(video: Path, start_s: float, end_s: float) -> str:
    return json.dumps({"source_video": str(video), "start_s": start_s, "end_s": end_s, "review": "accepted"})


@pytest.fixture()
def moments(tmp_path: Path) -> dict:
    video = wide_shot(tmp_path / "game.mp4")
    spans = {"early": (0.5, 2.0), "late": (2.5, 4.0), "overlapping": (1.5, 3.0)}
    clips = {name: cut_clip(video, a, b, tmp_path / "cuts" / f"{name}.mp4", FPS) for name, (a, b) in spans.items()}
    # The premise: by their pictures alone, the two moments pass for copies of one clip.
    assert check_video(clips["early"]).same_pictures(check_video(clips["late"]))
    return {"video": video, "spans": spans, "clips": clips, "root": tmp_path}


def manifest(moments: dict, rows: list[tuple[str, str, bool]]) -> Path:
    """A manifest of (clip, label, with its provenance) rows beside the cut clips."""
    folder = moments["root"] / "cuts"
    return write_manifest(folder / "manifest.csv", [
        {"path": f"{name}.mp4", "label": label, "group": "game",
         "provenance": provenance(moments["video"], *moments["spans"][name]) if traced else "filmed by the club"}
        for name, label, traced in rows])


def test_two_moments_cut_from_one_video_are_two_clips_whatever_they_look_like(moments):
    src = manifest(moments, [("early", "shot", True), ("late", "none", True)])
    version = create_version(src, moments["root"] / "datasets")
    assert sorted(c.label for c in version.real_clips) == ["none", "shot"]
    assert version.meta["skipped"] == []


def test_clips_that_do_not_say_where_they_were_cut_are_still_compared(moments):
    src = manifest(moments, [("early", "shot", False), ("late", "none", False)])
    with pytest.raises(DatasetError) as err:
        create_version(src, moments["root"] / "datasets")
    assert "the same pictures as" in str(err.value) and "late.mp4" in str(err.value)


def test_overlapping_cuts_of_one_moment_are_still_compared(moments):
    src = manifest(moments, [("early", "shot", True), ("overlapping", "none", True)])
    with pytest.raises(DatasetError) as err:
        create_version(src, moments["root"] / "datasets")
    # said as what they are, two cuts over one moment under two labels, not as a re-encoded copy
    folder = moments["root"] / "cuts"
    assert (f"{folder / 'overlapping.mp4'}: cut from 0.50 s of the same moments of {moments['video']} as "
            f"{folder / 'early.mp4'}, labelled 'shot' there") in str(err.value)
    assert "re-encoded" not in str(err.value)


def test_a_new_moment_is_not_taken_for_a_copy_of_a_parent_clip_cut_from_the_same_video(moments):
    root = moments["root"] / "datasets"
    create_version(manifest(moments, [("early", "shot", True)]), root, classes=["none", "shot"])
    later = moments["root"] / "later"
    later.mkdir()
    (later / "late.mp4").write_bytes(moments["clips"]["late"].read_bytes())
    write_manifest(later / "manifest.csv", [{"path": "late.mp4", "label": "none", "group": "game",
                                             "provenance": provenance(moments["video"], *moments["spans"]["late"])}])
    v2 = grow_version(later, root, "v1")
    assert sorted(c.label for c in v2.real_clips) == ["none", "shot"]


@pytest.mark.parametrize("text,span", [
    (json.dumps({"source_video": "/g.mp4", "start_s": 1, "end_s": 2.5}), CutSpan("/g.mp4", 1.0, 2.5)),
    ("filmed by club X 2026-05-02", None),
    (json.dumps({"source_video": "/g.mp4", "start_s": 3, "end_s": 2}), None),
    (json.dumps({"source_video": "/g.mp4", "start_s": "soon", "end_s": 2}), None),
    (json.dumps(["/g.mp4", 1, 2]), None),
    ("{not json", None),
    (json.dumps({"source_video": "/g.mp4", "start_s": 2, "end_s": 2}), None),  # holds no moment
    (json.dumps({"source_video": "", "start_s": 1, "end_s": 2}), None),
    (json.dumps({"source_video": 7, "start_s": 1, "end_s": 2}), None),
    (json.dumps({"source_video": "/g.mp4", "start_s": None, "end_s": 2}), None),
    (json.dumps({"source_video": "/g.mp4", "start_s": float("nan"), "end_s": 2}), None),
    (json.dumps({"source_video": "/g.mp4", "start_s": 1, "end_s": float("inf")}), None),
    (json.dumps({"source_video": "/g.mp4", "start_s": 1}), None),
])
def test_a_span_is_read_only_from_provenance_that_names_one_whole(text, span):
    assert cut_span(text) == span


def test_spans_are_apart_only_on_one_video_with_no_moment_in_common():
    a = CutSpan("/g.mp4", 1.0, 2.0)
    assert a.apart_from(CutSpan("/g.mp4", 2.0, 3.0))
    assert not a.apart_from(CutSpan("/g.mp4", 1.9, 3.0))
    assert not a.apart_from(CutSpan("/other.mp4", 5.0, 6.0))
    assert not a.apart_from(None)


def test_the_seconds_two_cuts_share_are_counted_on_one_video_only():
    a = CutSpan("/g.mp4", 1.0, 2.5)
    assert a.shared_s(CutSpan("/g.mp4", 2.0, 3.0)) == 0.5
    assert a.shared_s(CutSpan("/g.mp4", 0.0, 9.0)) == 1.5
    assert a.shared_s(CutSpan("/g.mp4", 2.5, 3.0)) == 0.0
    assert a.shared_s(CutSpan("/g.mp4", 5.0, 6.0)) == 0.0  # apart on one video: nothing shared, not less
    assert a.shared_s(CutSpan("/other.mp4", 1.0, 2.5)) == 0.0
    assert a.shared_s(None) == 0.0
