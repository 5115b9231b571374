"""Editor timelines and chapters, each read back with its own library: OpenTimelineIO for the
`.otio`, Final Cut Pro 7 XML and X XML files (and for the CMX3600 EDL, through its cmx_3600
adapter), the same frames as the EDL."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import (
    build_timeline, format_chapters, format_edl, write_chapters, write_edl, write_timeline)
from highlights.pipeline.outputs.editor_timeline import ADAPTERS, supports, timeline_rate
from highlights.pipeline.outputs.timecode import seconds_to_frame

NTSC = 30000 / 1001


def _highlights() -> list[Highlight]:
    return [Highlight(65.0, 67.5, "soccer_shooting", "soccer", 0.75, 66.0),
            Highlight(1.5, 3.0, "baseball_swing", "baseball", 0.9, 2.0),
            Highlight(3661.2, 3663.0, "basketball  layup", "basketball", 0.6, None)]


@pytest.mark.parametrize("kind,fps", [(k, f) for k in ("otio", "fcp_xml") for f in (30.0, NTSC, 25.0)]
                         + [("fcpx_xml", 30.0), ("fcpx_xml", 25.0)])
def test_timeline_reads_back_with_the_same_cuts(tmp_path: Path, kind: str, fps: float):
    source = tmp_path / "game 1.mp4"
    timeline = build_timeline(_highlights(), fps=fps, source_path=source, duration_s=4000.0)
    path = write_timeline(timeline, tmp_path / f"h.{kind}", kind)
    back = otio.adapters.read_from_file(str(path), adapter_name=ADAPTERS[kind])
    clips = list(back.find_clips())
    assert [c.name for c in clips] == ["001 baseball_swing", "002 soccer_shooting", "003 basketball  layup"]
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    # 29.97 reads back as exactly 30000/1001: 4 ms apart after an hour, far under a frame.
    tol = 5e-3
    rate = timeline_rate(fps)
    for clip, h in zip(clips, ordered):
        start = seconds_to_frame(h.start_s, rate) / rate
        end = seconds_to_frame(h.end_s, rate) / rate
        assert clip.source_range.start_time.to_seconds() == pytest.approx(start, abs=tol)
        assert clip.source_range.end_time_exclusive().to_seconds() == pytest.approx(end, abs=tol)
        assert Path(clip.media_reference.target_url.removeprefix("file://")).name == source.name \
            or "game%201.mp4" in clip.media_reference.target_url
    # clips back to back on the record side
    assert back.duration().to_seconds() == pytest.approx(
        sum(c.source_range.duration.to_seconds() for c in clips), abs=1e-6)
    if kind == "otio":
        assert clips[0].metadata["highlights"]["score"] == 0.9
        assert [m.name for m in clips[1].markers] == ["soccer_shooting"]
        assert clips[1].markers[0].marked_range.start_time.to_seconds() == pytest.approx(
            seconds_to_frame(66.0, rate) / rate)


def test_edl_reads_back_with_opentimelineio(tmp_path: Path):
    path = write_edl(_highlights(), tmp_path / "h.edl", fps=25.0, source_name="game.mp4")
    back = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=25)
    clips = list(back.find_clips())
    assert len(clips) == 3
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    for clip, h in zip(clips, ordered):
        assert clip.source_range.start_time.to_frames() == seconds_to_frame(h.start_s, 25.0)
        assert clip.source_range.end_time_exclusive().to_frames() == seconds_to_frame(h.end_s, 25.0)


def test_empty_timeline_writes_and_reads(tmp_path: Path):
    for kind in ("otio", "fcp_xml"):
        path = write_timeline(build_timeline([], fps=30.0, source_path="g.mp4", duration_s=10.0),
                              tmp_path / f"e.{kind}", kind)
        assert list(otio.adapters.read_from_file(str(path), adapter_name=ADAPTERS[kind]).find_clips()) == []


def test_chapters(tmp_path: Path):
    # YouTube shows chapters only when the first is at 00:00:00 and each lasts 10 s or more: the
    # highlight 1.5 s in is the first chapter itself rather than a 1 s `start` chapter before it.
    text = write_chapters(_highlights(), tmp_path / "chapters.txt").read_text()
    assert text.splitlines() == ["00:00:00 baseball_swing", "00:01:05 soccer_shooting", "01:01:01 basketball layup"]
    at_zero = [Highlight(0.4, 2.0, "goal", "soccer", 0.5)]
    assert format_chapters(at_zero).splitlines() == ["00:00:00 goal"]
    assert format_chapters([]).splitlines() == ["00:00:00 start"]


def test_chapters_are_never_shorter_than_youtube_allows():
    # An amateur game: highlights a few seconds apart, one near the end of the video.
    starts = [(12.2, "basketball_layup"), (14.9, "soccer_shooting"), (19.5, "basketball_layup"),
              (40.0, "basketball_layup"), (95.1, "baseball_swing")]
    highlights = [Highlight(s, s + 4.5, label, label.split("_")[0], 0.5) for s, label in starts]
    lines = format_chapters(highlights, duration_s=100.0).splitlines()
    assert lines == ["00:00:00 start", "00:00:12 basketball_layup, soccer_shooting",
                     "00:00:40 basketball_layup, baseball_swing"]
    seconds = [int(line[:2]) * 3600 + int(line[3:5]) * 60 + int(line[6:8]) for line in lines] + [100]
    assert all(b - a >= 10 for a, b in zip(seconds, seconds[1:]))


def test_fcpx_only_at_its_rates(tmp_path: Path):
    assert supports("fcpx_xml", NTSC) and supports("fcpx_xml", 25.0) and not supports("fcpx_xml", 15.0)
    assert supports("fcp_xml", NTSC) and supports("fcp_xml", 48.0) and not supports("fcp_xml", 10.0)
    assert supports("otio", 10.0) and timeline_rate(NTSC) == 29.97
    timeline = build_timeline(_highlights()[:1], fps=15.0, source_path="g.mp4", duration_s=100.0)
    with pytest.raises(ValueError, match="frame rates"):
        write_timeline(timeline, tmp_path / "x.fcpxml", "fcpx_xml")


def test_a_whole_rate_measured_a_hair_off_is_that_rate_for_editors():
    # A copied trim of a 30 fps HEVC phone clip, its pictures moved 1 s later, averages 30.0000018
    # fps over the duration its edit list rounds: still 30 for an editor. A phone's 29.89 is not.
    assert timeline_rate(30.0000017751) == 30.0 and supports("fcpx_xml", 30.0000017751)
    assert supports("fcp_xml", 25.0004)
    assert timeline_rate(29.89) == 29.89 and not supports("fcpx_xml", 29.89)


def test_slow_motion_gets_no_edl_whose_timecodes_would_not_parse(tmp_path: Path):
    # At 240 fps a CMX3600 timecode's frames took three digits (00:00:04:120), which no editor
    # reads; the EDL is left out like the Final Cut files, and the terminal says so.
    import numpy as np

    from highlights.pipeline.outputs import final_cut_left_out, write_all
    from highlights.video import write_video

    source = write_video(tmp_path / "slomo.mp4", (np.full((48, 64, 3), 90, np.uint8) for _ in range(240)), 240.0)
    paths = write_all([Highlight(0.25, 0.75, "a", "soccer", 0.5)], source, tmp_path / "out", reel=False,
                      html=True, progress=False)
    assert "otio" in paths and not {"edl", "fcp_xml", "fcpx_xml"} & set(paths)
    assert not (tmp_path / "out" / "highlights.edl").exists()
    note = final_cut_left_out(paths, 240.0)
    assert note.startswith("no highlights.edl, highlights.fcp.xml or highlights.fcpxml: the video's 240 fps")
    assert "\n" not in note
    with pytest.raises(ValueError, match="99 frames a second"):
        format_edl([Highlight(0.25, 0.75, "a", "soccer", 0.5)], fps=240.0, source_name="slomo.mp4")


@pytest.mark.parametrize("fps,left_out", [(29.0, "highlights.fcp.xml or highlights.fcpxml"), (NTSC, None)])
def test_a_phone_rate_without_final_cut_files_is_said_in_one_line(tmp_path: Path, fps: float, left_out):
    # Phones record at rates such as 29 fps, where the Final Cut files are left out: the terminal
    # says so rather than leave a user to look for files the README lists.
    import numpy as np

    from highlights.pipeline.outputs import final_cut_left_out, write_all
    from highlights.video import write_video

    source = write_video(tmp_path / "phone.mp4", (np.full((48, 64, 3), 90, np.uint8) for _ in range(60)), fps)
    paths = write_all([Highlight(0.5, 1.0, "a", "soccer", 0.5)], source, tmp_path / "out", reel=False,
                      html=False, progress=False)
    note = final_cut_left_out(paths, fps)
    if left_out is None:
        assert note is None and {"fcp_xml", "fcpx_xml"} <= set(paths)
    else:
        assert note.startswith(f"no {left_out}: the video's 29 fps is not a Final Cut Pro frame rate")
        assert "\n" not in note and not {"fcp_xml", "fcpx_xml"} & set(paths)


def test_fcpx_at_ntsc_has_exact_rational_times(tmp_path: Path):
    # OpenTimelineIO's FCP X reader re-times NTSC clips on int(29.97) = 29 fps, so the file itself
    # is checked: each clip starts at its first frame counted at 29.97 fps, as the writer puts it.
    import xml.etree.ElementTree as ET
    from fractions import Fraction

    path = write_timeline(build_timeline(_highlights(), fps=NTSC, source_path="g.mp4", duration_s=4000.0),
                          tmp_path / "h.fcpxml", "fcpx_xml")
    clips = ET.parse(path).getroot().findall(".//spine/clip")
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    assert [c.get("name")[4:] for c in clips] == [h.label for h in ordered]
    for clip, h in zip(clips, ordered):
        assert Fraction(clip.get("start").rstrip("s")) == seconds_to_frame(h.start_s, 29.97) / Fraction("29.97")
