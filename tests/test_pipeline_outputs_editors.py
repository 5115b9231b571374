"""Editor timelines and chapters, each read back with its own library: OpenTimelineIO for the
`.otio`, Final Cut Pro 7 XML and X XML files (and for the CMX3600 EDL, through its cmx_3600
adapter), the same frames as the EDL."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import (
    EdlOptions, build_timeline, format_chapters, format_edl, write_chapters, write_edl, write_timeline)
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
    path = write_edl(_highlights(), tmp_path / "h.edl", EdlOptions(fps=25.0, source_name="game.mp4"))
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
        format_edl([Highlight(0.25, 0.75, "a", "soccer", 0.5)], EdlOptions(fps=240.0, source_name="slomo.mp4"))


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
    # is checked: each time is a whole number of its frames (1001/30000 s), as Final Cut wants.
    import xml.etree.ElementTree as ET
    from fractions import Fraction

    path = write_timeline(build_timeline(_highlights(), fps=NTSC, source_path="g.mp4", duration_s=4000.0),
                          tmp_path / "h.fcpxml", "fcpx_xml")
    clips = ET.parse(path).getroot().findall(".//spine/asset-clip")
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    assert [c.get("name")[4:] for c in clips] == [h.label for h in ordered]
    for clip, h in zip(clips, ordered):
        assert Fraction(clip.get("start").rstrip("s")) == seconds_to_frame(h.start_s, NTSC) * Fraction(1001, 30000)
    frame = Fraction(1001, 30000)
    assert ET.parse(path).getroot().find(".//format").get("frameDuration") == "1001/30000s"
    for element in ET.parse(path).getroot().iter():
        for name in ("offset", "duration", "start"):
            if element.get(name):
                assert (Fraction(element.get(name).rstrip("s")) / frame).denominator == 1, (element.tag, name)


@pytest.mark.parametrize("fps,timecode,first_frame,header", [
    (NTSC, "01:00:00;00", 107892, "FCM: DROP FRAME"),       # an hour of drop-frame 29.97 fps
    (25.0, "10:00:00:00", 900000, "FCM: NON-DROP FRAME"),
    (60.0, "00:00:10:30", 630, "FCM: NON-DROP FRAME"),
])
def test_edl_counts_from_the_sources_start_timecode(tmp_path: Path, fps, timecode, first_frame, header):
    # A camera that writes a timecode track numbers its frames from it; an editor finds each
    # event's frames by those numbers, so an EDL counted from 00:00:00:00 names frames the clip
    # does not have.
    path = write_edl(_highlights(), tmp_path / "h.edl",
                     EdlOptions(fps=fps, source_name="cam.mp4", source_timecode=timecode))
    assert path.read_text().splitlines()[1] == header
    back = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=fps)
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    for clip, h in zip(back.find_clips(), ordered):
        assert clip.source_range.start_time.to_frames() == first_frame + seconds_to_frame(h.start_s, fps)
        assert clip.source_range.end_time_exclusive().to_frames() == first_frame + seconds_to_frame(h.end_s, fps)
    assert list(back.find_clips())[0].range_in_parent().start_time.to_frames() == 0   # the cut starts at zero


def test_drop_frame_timecodes_match_opentimelineio():
    from highlights.pipeline.outputs.timecode import frame_to_smpte, timecode_start

    for rate, base in ((NTSC, 30), (60000 / 1001, 60)):
        for frame in (0, 1, base * 60 - 1, base * 60, base * 600, 107891, 107892, 1_000_003):
            text = frame_to_smpte(frame, base, drop_frame=True)
            assert text == otio.opentime.to_timecode(otio.opentime.RationalTime(frame, rate), rate, True)
            assert timecode_start(text, rate) == (frame, True)
    assert timecode_start("01:00:00;00", 25.0) == (90000, False)   # no drop-frame at 25 fps
    assert timecode_start("", 30.0) == timecode_start("not a timecode", 30.0) == (0, False)


@pytest.mark.parametrize("kind", ["otio", "fcp_xml"])
def test_timeline_media_starts_at_the_sources_timecode(tmp_path: Path, kind: str):
    source = tmp_path / "cam été 1.mp4"
    timeline = build_timeline(_highlights(), fps=NTSC, source_path=source, duration_s=4000.0,
                              source_timecode="01:00:00;00")
    path = write_timeline(timeline, tmp_path / f"h.{kind}", kind)
    back = otio.adapters.read_from_file(str(path), adapter_name=ADAPTERS[kind])
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    for clip, h in zip(back.find_clips(), ordered):
        assert clip.media_reference.available_range.start_time.to_frames() == 107892
        assert clip.source_range.start_time.to_frames() == 107892 + seconds_to_frame(h.start_s, NTSC)
    if kind == "fcp_xml":
        text = path.read_text()
        assert "<string>01:00:00;00</string>" in text and "<displayformat>DF</displayformat>" in text
        assert "<name>cam été 1.mp4</name>" in text     # the file's name, not its URL's %20
        # a clip's marker counts from its media's first frame, as its in and out do
        first = sorted(_highlights(), key=lambda h: h.start_s)[0]
        assert f"<in>{seconds_to_frame(first.key_s, NTSC)}</in>" in text and "<in>107" not in text


def test_probe_reads_the_start_timecode_a_camera_wrote(tmp_path: Path):
    from fractions import Fraction

    import av
    import numpy as np

    from highlights.video import probe

    with av.open(str(tmp_path / "cam.mp4"), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(30000, 1001))
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.metadata["timecode"] = "01:00:00;00"   # written as a tmcd track, as cameras do
        for _ in range(10):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.full((48, 64, 3), 90, np.uint8), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    assert probe(tmp_path / "cam.mp4").timecode == "01:00:00;00"
    from highlights.video import write_video

    plain = write_video(tmp_path / "plain.mp4", (np.full((48, 64, 3), 90, np.uint8) for _ in range(10)), 30.0)
    assert probe(plain).timecode == ""


def test_fcpx_asset_starts_at_the_sources_drop_frame_timecode(tmp_path: Path):
    import xml.etree.ElementTree as ET
    from fractions import Fraction

    timeline = build_timeline(_highlights(), fps=NTSC, source_path="cam.mp4", duration_s=4000.0,
                              source_timecode="01:00:00;00")
    root = ET.parse(write_timeline(timeline, tmp_path / "h.fcpxml", "fcpx_xml")).getroot()
    frame = Fraction(1001, 30000)
    assert Fraction(root.find(".//asset").get("start").rstrip("s")) == 107892 * frame   # 01:00:00;00
    first = sorted(_highlights(), key=lambda h: h.start_s)[0]
    # an asset clip: its start is on the asset's timeline, which begins at the timecode (the
    # adapter's clip held the file's picture at time 0, an hour before the clip's start)
    assert root.find(".//spine/clip") is None and root.find(".//spine/asset-clip").get("ref") == "r2"
    assert Fraction(root.find(".//spine/asset-clip").get("start").rstrip("s")) == \
        (107892 + seconds_to_frame(first.start_s, NTSC)) * frame


@pytest.mark.parametrize("channels,field,tracks", [(0, "V", ["V"]), (1, "B", ["V", "A1"]),
                                                    (2, "AA/V", ["V", "A1", "A2"])])
def test_edl_events_take_the_sources_sound(tmp_path: Path, channels, field, tracks):
    # An event of picture only ("V") opens silent in the editor, though the game has its sound.
    path = write_edl(_highlights(), tmp_path / "h.edl",
                     EdlOptions(fps=25.0, source_name="game.mp4", sound_channels=channels))
    assert path.read_text().splitlines()[3].startswith(f"001  AX       {field:<6}C        00:00:01:13 ")
    back = otio.adapters.read_from_file(str(path), adapter_name="cmx_3600", rate=25)
    assert sorted(t.name for t in back.tracks) == sorted(tracks)
    for track in back.tracks:
        assert [c.source_range.start_time.to_frames() for c in track.find_clips()] == \
            [seconds_to_frame(h.start_s, 25.0) for h in sorted(_highlights(), key=lambda h: h.start_s)]


@pytest.mark.parametrize("kind", ["otio", "fcp_xml", "fcpx_xml"])
def test_timeline_of_a_source_with_sound_has_its_sound_under_the_same_cuts(tmp_path: Path, kind: str):
    timeline = build_timeline(_highlights(), fps=25.0, source_path=tmp_path / "game 1.mp4", duration_s=4000.0,
                              sound=True)
    back = otio.adapters.read_from_file(str(write_timeline(timeline, tmp_path / f"h.{kind}", kind)),
                                        adapter_name=ADAPTERS[kind])
    kinds = [t.kind for t in back.tracks]
    if kind == "fcpx_xml":   # each clip is an asset clip of the source: its picture and sound
        import xml.etree.ElementTree as ET

        root = ET.parse(tmp_path / "h.fcpx_xml").getroot()
        assert root.find(".//asset").get("hasAudio") == "1" and root.find(".//asset").get("name") == "game 1.mp4"
        spine = list(root.find(".//spine"))
        assert [c.tag for c in spine] == ["asset-clip"] * 3 and {c.get("ref") for c in spine} == {"r2"}
        assert [c.source_range for c in back.find_clips()] == [c.source_range for c in timeline.find_clips()][:3]
        return
    assert kinds == [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio]
    pictures, sound = ([(c.name, c.source_range, c.range_in_parent()) for c in t.find_clips()] for t in back.tracks)
    assert sound == pictures and len(sound) == 3
    if kind == "fcp_xml":
        text = (tmp_path / "h.fcp_xml").read_text()
        assert text.count("<mediatype>audio</mediatype>") == 3 and text.count("<clipitem ") == 6


def test_probe_counts_the_sources_sound_channels(tmp_path: Path):
    import numpy as np

    from highlights.video import probe, write_video
    from tests.outputs_fixtures import game_with_sound

    assert probe(game_with_sound(tmp_path / "loud.mp4")).sound_channels == 1
    silent = write_video(tmp_path / "silent.mp4", (np.full((48, 64, 3), 90, np.uint8) for _ in range(10)), 30.0)
    assert probe(silent).sound_channels == 0


def test_fcpx_format_is_the_pictures_shown_size_a_portrait_video_standing(tmp_path: Path):
    # The adapter named the format after ffprobe's stored size (machines without ffprobe: no name),
    # a portrait 720x1280 phone video as landscape "FFVideoFormat720p...": the project came out
    # landscape. The format now gives the shown size, the same on every machine.
    import xml.etree.ElementTree as ET

    import numpy as np

    from highlights.video import write_video

    source = write_video(tmp_path / "phone.mp4", (np.full((128, 72, 3), 90, np.uint8) for _ in range(30)), 30.0)
    timeline = build_timeline(_highlights()[:1], fps=30.0, source_path=source, duration_s=1.0)
    path = write_timeline(timeline, tmp_path / "h.fcpxml", "fcpx_xml", frame_size=(72, 128))
    fmt = ET.parse(path).getroot().find(".//format")
    assert (fmt.get("width"), fmt.get("height"), fmt.get("name"), fmt.get("frameDuration")) == \
        ("72", "128", None, "100/3000s")
