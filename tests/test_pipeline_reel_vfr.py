"""A variable-rate phone recording's reel: every frame of a highlight shown, none dropped, at the
pace it happened. Sources made here with the project's writer (explicit frame times)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import write_reel
from highlights.video import iter_frames, probe, write_video

# A phone at 30 fps that slowed to 15 in low light for two seconds: 25 fps on average.
TIMES = [i / 30 for i in range(60)] + [2 + i / 15 for i in range(30)] + [4 + i / 30 for i in range(60)]


def _coded(i: int) -> np.ndarray:
    """Frame i shows its index in binary: 8 black or white stripes (read back after two lossy codings)."""
    bits = (i >> np.arange(8)) & 1
    return np.repeat(np.repeat(bits * 255, 8)[None, :, None], 48, axis=0).repeat(3, axis=2).astype(np.uint8)


def _index(rgb: np.ndarray) -> int:
    stripes = rgb[8:-8, :, 1].reshape(rgb.shape[0] - 16, 8, 8).mean(axis=(0, 2))
    return int(((stripes > 128) * (1 << np.arange(8))).sum())


def test_a_variable_rate_reel_shows_every_frame_of_its_highlight_at_its_pace(tmp_path):
    source = write_video(tmp_path / "phone.mp4", (_coded(i) for i in range(len(TIMES))), 30,
                         times_s=TIMES, crf=12)
    info = probe(source)
    assert info.fps == pytest.approx(25.0) and info.frame_rate == pytest.approx(30.0)
    result = write_reel([Highlight(1.0, 5.0, "soccer_shooting", "classifier", 0.8)], source,
                        tmp_path / "reel.mp4", caption=False, crf=12, progress=False)
    reel = probe(result.reel_path)
    assert reel.fps == pytest.approx(30.0)  # the phone's rate, not an average no frame was taken at
    assert reel.duration_s == pytest.approx(4.0, abs=1.5 / 30)
    shown = [_index(f.rgb) for f in iter_frames(result.reel_path)]
    inside = [i for i, t in enumerate(TIMES) if 1.0 <= t < 5.0]
    # Every source frame of the highlight, in order (at 25 fps, one in six of the 30 fps
    # stretches was dropped); each slow-stretch frame lasts its two output frames.
    assert sorted(set(shown)) == inside
    assert shown == sorted(shown)
    reel_times = np.arange(len(shown)) / reel.fps + 1.0
    source_times = np.array([TIMES[i] for i in shown])
    assert np.all(np.abs(reel_times - source_times) <= 1 / 15 + 1e-6)  # at its pace: never ahead or behind


def test_editor_files_of_a_variable_rate_video_name_the_frame_shown_at_each_highlights_time(tmp_path):
    """A phone's 30 fps that slowed to 15 for a second (27.5 fps on average): the EDL, OpenTimelineIO
    and Final Cut files count frames at 30 fps, where every frame's time is a whole frame, so an in
    point names the very frame shown at the highlight's start; at the average they fell between
    frames, and the Final Cut files were left out (27.5 is no Final Cut rate). Each file says so."""
    import opentimelineio as otio

    from highlights.pipeline.outputs import final_cut_left_out, write_all
    from highlights.pipeline.outputs.editor_timeline import ADAPTERS

    times = [i / 30 for i in range(60)] + [2 + i / 15 for i in range(15)] + [3 + i / 30 for i in range(90)]
    source = write_video(tmp_path / "phone.mp4", (_coded(i) for i in range(len(times))), 30, times_s=times, crf=12)
    info = probe(source)
    assert info.fps == pytest.approx(27.5, abs=0.05) and info.frame_rate == pytest.approx(30.0)
    highlights = [Highlight(1.1, 1.5, "baseball_swing", "baseball", 0.7),
                  Highlight(4.5, 5.2, "soccer_shooting", "soccer", 0.8)]
    paths = write_all(highlights, source, tmp_path / "out", reel=False, html=False, progress=False)
    assert {"edl", "otio", "fcp_xml", "fcpx_xml"} <= set(paths) and final_cut_left_out(paths, 30.0) is None
    read = {kind: otio.adapters.read_from_file(str(paths[kind]), adapter_name=ADAPTERS[kind])
            for kind in ("otio", "fcp_xml", "fcpx_xml")}
    read["edl"] = otio.adapters.read_from_file(str(paths["edl"]), adapter_name="cmx_3600", rate=30)
    for kind, timeline in read.items():
        clips = list(timeline.find_clips())
        for clip, h in zip(clips, highlights):
            start = clip.source_range.start_time
            assert start.rate == pytest.approx(30.0), kind
            # the in point is the time of the source frame shown at the highlight's start
            assert start.to_seconds() == pytest.approx(h.start_s, abs=1e-3), kind
            assert min(abs(t - start.to_seconds()) for t in times) < 1e-3, kind
    assert "30 fps" in read["otio"].metadata["highlights"]["note"]
    assert "variable-frame-rate" in paths["edl"].read_text().splitlines()[6]


def test_the_cutting_bar_names_its_count_of_highlights_and_its_unit(tmp_path, capsys, monkeypatch):
    # A log line "cutting 1 highlight(s) 90/120" left a reader to guess what 90 counted.
    import highlights.progress

    monkeypatch.setattr(highlights.progress, "LOG_EVERY_S", 0.0)
    source = write_video(tmp_path / "phone.mp4", (_coded(i) for i in range(len(TIMES))), 30,
                         times_s=TIMES, crf=12)
    write_reel([Highlight(1.0, 5.0, "soccer_shooting", "classifier", 0.8)], source,
               tmp_path / "reel.mp4", caption=False, crf=12, progress=True)
    logged = capsys.readouterr().err
    assert "cutting 1 highlight " in logged and "highlight(s)" not in logged
    assert re.search(r"\b\d+/\d+ frames\b", logged)
