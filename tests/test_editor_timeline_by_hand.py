"""The editor timeline's clips and markers, worked out by hand at 25 fps on a 10 s video."""

from __future__ import annotations

from pathlib import Path

import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import build_timeline


def _ranges(timeline):
    return [(clip.name, clip.source_range.start_time.value, clip.source_range.duration.value,
             clip.markers[0].marked_range.start_time.value) for clip in timeline.find_clips()]


def test_clips_stay_inside_the_video_and_each_marker_inside_its_clip(tmp_path: Path):
    highlights = [
        Highlight(9.99, 12.0, "soccer_shooting", "soccer", 0.8, 11.0),   # runs past the end of the video
        Highlight(2.0, 3.0, "baseball_swing", "baseball", 0.9, 5.0),     # its key moment after its end
        Highlight(4.0, 5.0, "basketball_layup", "basketball", 0.7, 1.0),  # its key moment before its start
        Highlight(1.0, 1.01, "soccer_pass", "soccer", 0.6, 1.0),          # both ends round to frame 25
    ]
    timeline = build_timeline(highlights, fps=25.0, source_path=tmp_path / "game.mp4", duration_s=10.0)
    assert _ranges(timeline) == [
        ("001 soccer_pass", 25, 1, 25),            # still one frame long
        ("002 baseball_swing", 50, 25, 74),        # frames 50-74, marker on its last frame
        ("003 basketball_layup", 100, 25, 100),    # marker on its first frame
        ("004 soccer_shooting", 249, 1, 249),      # the video's last frame (250 frames in all)
    ]
    assert timeline.name == "Highlights of game.mp4" and "highlights" not in timeline.metadata


def test_a_video_shorter_than_half_a_frame_still_holds_its_one_frame(tmp_path: Path):
    timeline = build_timeline([Highlight(0.0, 1.0, "soccer_pass", "soccer", 0.6, 0.5)], fps=25.0,
                              source_path=tmp_path / "blink.mp4", duration_s=0.01)
    assert _ranges(timeline) == [("001 soccer_pass", 0, 1, 0)]


def test_the_note_goes_in_the_timelines_metadata_and_an_unknown_kind_is_refused(tmp_path: Path):
    from highlights.pipeline.outputs import write_timeline

    timeline = build_timeline([Highlight(1.0, 2.0, "soccer_pass", "soccer", 0.6)], fps=25.0, name="Cup final",
                              source_path=tmp_path / "game.mp4", duration_s=10.0, note="frames counted at 25 fps")
    assert timeline.name == "Cup final"
    assert dict(timeline.metadata["highlights"]) == {"frame_rate": 25.0, "note": "frames counted at 25 fps"}
    with pytest.raises(ValueError, match="unknown timeline kind 'edl'"):
        write_timeline(timeline, tmp_path / "cut.edl", "edl")
    assert not (tmp_path / "cut.edl").exists()
