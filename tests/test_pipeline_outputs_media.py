"""The reel, per-highlight clips, thumbnails and review page, cut from a real encoded video.

The source video encodes time in colour (`tests.outputs_fixtures`), so any decoded frame or
thumbnail says exactly which source frame it came from.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import cv2
import numpy as np
import pytest

import highlights.pipeline.outputs.reel as reel_module
import highlights.pipeline.outputs.stream_writer as stream_writer
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import write_all, write_reel
from highlights.video import VideoError, iter_frames, probe, write_video
from tests.html_page import HtmlPage
from tests.outputs_fixtures import FPS, HEIGHT, SECONDS, WIDTH, game_with_sound, source_frame, source_frame_index
from tests.video_fixtures import mux_frames, video_stream


def _highlights() -> list[Highlight]:
    return [
        Highlight(7.25, 8.5, "soccer_shooting", "soccer", 0.75, 8.0, {"candidate": "motion"}),
        Highlight(1.5, 3.0, "baseball_swing", "baseball", 0.9, 2.0, {"kinematics": {"wrist_speed": 3.14159}}),
        Highlight(4.0, 5.0, "<script>alert(1)</script>", "basketball", 0.6, None, {"pose": {"ok": True}}),
    ]


def _expected_source_frames(highlights: list[Highlight]) -> list[int]:
    return [i for i in range(int(SECONDS * FPS)) if any(h.start_s <= i / FPS < h.end_s for h in highlights)]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("src") / "game.mp4"
    write_video(path, (source_frame(i) for i in range(int(SECONDS * FPS))), FPS)
    return path


@pytest.fixture(scope="module")
def outputs(source: Path, tmp_path_factory) -> tuple[dict[str, Path], list[Highlight]]:
    annotation = SimpleNamespace(
        events=[SimpleNamespace(sport="baseball", label="baseball_swing", start_s=1.4, end_s=2.9, key_s=2.0)]
    )
    highlights = _highlights()
    out_dir = tmp_path_factory.mktemp("out")
    # The pipeline writes highlights.json first and hands its path on; the page links it.
    result_file = out_dir / "highlights.json"
    result_file.write_text(json.dumps([h.to_dict() for h in highlights]))
    paths = write_all(
        highlights,
        source,
        out_dir,
        config_dict={"merge": {"pad_s": 0.5, "min_len_s": 1.0}},
        annotation=annotation,
        progress=False,
        highlights_json=result_file,
    )
    return paths, highlights


def test_source_colour_code_round_trips(source: Path):
    # The test's own decoder must be right before it judges anything else.
    assert [source_frame_index(f.rgb) for f in iter_frames(source)] == list(range(300))


def test_write_all_returns_every_output(outputs):
    paths, _ = outputs
    assert set(paths) == {"csv", "edl", "otio", "fcp_xml", "fcpx_xml", "chapters", "timeline", "reel",
                          "clips", "thumbs", "html"}
    for key in ("csv", "edl", "otio", "fcp_xml", "fcpx_xml", "chapters", "timeline", "reel", "html"):
        assert paths[key].is_file() and paths[key].stat().st_size > 0
    assert paths["edl"].read_text().splitlines()[0] == "TITLE: game"
    with paths["csv"].open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 3
    assert not list(paths["html"].parent.rglob(".*.tmp*"))


def test_reel_has_the_highlight_frames_in_order(outputs):
    paths, highlights = outputs
    expected = _expected_source_frames(highlights)
    info = probe(paths["reel"])
    assert info.fps == pytest.approx(FPS)
    assert (info.width, info.height) == (WIDTH, HEIGHT)
    total = sum(h.duration_s for h in highlights)
    assert abs(info.duration_s - total) <= 2 / FPS
    got = [source_frame_index(f.rgb) for f in iter_frames(paths["reel"])]
    assert got == expected


def test_reel_frames_carry_a_caption(outputs):
    paths, _ = outputs
    first = next(iter(iter_frames(paths["reel"])))
    band = first.rgb[:12, :60].astype(int)
    # White text on a black band; the frame itself (source frame 45) is neither grey extreme.
    dark, light = (band < 40).all(axis=2).mean(), (band > 200).all(axis=2).mean()
    assert dark > 0.4 and light > 0.03
    # Top-left, none of it at the bottom, where a browser's player draws its controls over the
    # video while it is paused: bottom-left, they covered the caption.
    bottom = first.rgb[-first.rgb.shape[0] // 4:, :].astype(int)
    assert not (bottom < 40).all(axis=2).any() and not (bottom > 200).all(axis=2).any()


def test_one_clip_per_highlight_cut_at_its_times(outputs):
    paths, highlights = outputs
    clips = sorted(paths["clips"].glob("*.mp4"))
    assert [c.name for c in clips] == [
        "hl_001_baseball_swing.mp4",
        "hl_002_script_alert_1_script.mp4",
        "hl_003_soccer_shooting.mp4",
    ]
    for clip, h in zip(clips, sorted(highlights, key=lambda h: h.start_s)):
        got = [source_frame_index(f.rgb) for f in iter_frames(clip)]
        assert got == _expected_source_frames([h])


def test_single_forward_pass_over_the_source(source: Path, tmp_path: Path, monkeypatch):
    calls = []
    real = reel_module.iter_frames

    def counting(path, **kwargs):
        calls.append(kwargs)
        yield from real(path, **kwargs)

    monkeypatch.setattr(reel_module, "iter_frames", counting)
    result = write_reel(
        _highlights(), source, tmp_path / "r.mp4", clips_dir=tmp_path / "c", thumbnails=True, progress=True
    )
    assert len(calls) == 1
    assert result.reel_frames == len(_expected_source_frames(_highlights()))
    assert all(p is not None and p.is_file() for p in result.clip_paths)


def _parse(path: Path) -> HtmlPage:
    page = HtmlPage()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def test_html_page_is_self_contained_and_complete(outputs):
    paths, highlights = outputs
    page = _parse(paths["html"])
    tags = [t for t, _ in page.tags]
    text = "".join(page.text)
    assert "script" not in tags  # the label's <script> is text, not markup
    assert "<script>alert(1)</script>" in text
    ids = {a.get("id") for _, a in page.tags}
    assert {"hl-001", "hl-002", "hl-003"} <= ids
    for h in highlights:
        assert h.label in text
    # Every link is in-page, a data URI, or a relative path to a file that exists.
    links = [a[k] for _, a in page.tags for k in ("href", "src", "poster") if a.get(k)]
    for link in links:
        assert not link.startswith(("http:", "https:", "//"))
        if link.startswith("#"):
            assert link[1:] in ids
        elif not link.startswith("data:"):
            assert (paths["html"].parent / unquote(link)).is_file(), link
    assert "highlights.json" in links and "highlights.edl" in links and "timeline.png" in links
    videos = [a["src"] for t, a in page.tags if t == "video"]
    assert "reel.mp4" in videos and sum(v.startswith("clips/") for v in videos) == 3
    # Timeline: three bars linking to the cards and a ground-truth lane.
    assert sum(1 for t, a in page.tags if t == "a" and (a.get("href") or "").startswith("#hl-")) >= 6
    assert sum(1 for t, a in page.tags if t == "rect" and a.get("class") == "truth") == 1
    assert "details" in tags and '"min_len_s": 1.0' in text
    assert "kinematics.wrist_speed=3.14" in text


def test_thumbnails_are_jpeg_files_beside_the_page_at_the_key_moment(outputs):
    paths, _ = outputs
    page = _parse(paths["html"])
    images = [a for t, a in page.tags if t == "img"]
    # One file per highlight, shown on its card (under its clip) and in the table, each fetched
    # as it comes near the view, with its size known before it arrives.
    thumbs = [a["src"] for a in images[:3]]
    assert thumbs == ["thumbs/hl_001_baseball_swing.jpg", "thumbs/hl_002_script_alert_1_script.jpg",
                      "thumbs/hl_003_soccer_shooting.jpg"]
    assert [a["src"] for a in images[3:]] == thumbs
    assert all(a["loading"] == "lazy" and (a["width"], a["height"]) == (str(WIDTH), str(HEIGHT)) for a in images)
    frames = []
    for href in thumbs:
        jpeg = (paths["html"].parent / unquote(href)).read_bytes()
        assert jpeg[:2] == b"\xff\xd8"
        bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        frames.append(source_frame_index(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    # key 2.0 s -> frame 60; no key -> midpoint 4.5 s -> frame 135; key 8.0 s -> frame 240.
    assert frames == [60, 135, 240]
    # No poster: a browser fetches every video's poster at page open.
    assert not [a for t, a in page.tags if t == "video" and "poster" in a]


def test_page_holds_no_picture_data_and_works_from_a_moved_folder(outputs, tmp_path: Path):
    paths, _ = outputs
    text = paths["html"].read_text(encoding="utf-8")
    assert "base64" not in text and "data:image" not in text
    moved = tmp_path / "moved to a usb stick"
    shutil.copytree(paths["html"].parent, moved)
    page = _parse(moved / "highlights.html")
    links = [a[k] for _, a in page.tags for k in ("src", "poster") if a.get(k)]
    assert len(links) == 1 + 3 + 3 + 3  # the reel, three clips, three card and three table thumbnails
    assert all((moved / unquote(link)).is_file() for link in links)


def test_a_rerun_with_fewer_highlights_leaves_no_stale_thumbnail(source: Path, tmp_path: Path):
    write_all(_highlights(), source, tmp_path, progress=False, reel=False)
    write_all(_highlights()[:1], source, tmp_path, progress=False, reel=False)
    assert [p.name for p in (tmp_path / "thumbs").iterdir()] == ["hl_001_soccer_shooting.jpg"]


def test_no_highlights_still_writes_valid_files(source: Path, tmp_path: Path):
    paths = write_all([], source, tmp_path, progress=False)
    assert "reel" not in paths
    assert paths["csv"].read_text().count("\n") == 1
    assert "FCM: NON-DROP FRAME" in paths["edl"].read_text()
    assert paths["timeline"].read_bytes()[:4] == b"\x89PNG"
    page = _parse(paths["html"])
    assert "no highlights found" in "".join(page.text).lower()
    assert not any(t == "video" for t, _ in page.tags)
    assert list(paths["clips"].iterdir()) == []


def test_rerun_removes_stale_clips_and_reel(source: Path, tmp_path: Path):
    write_all(_highlights()[:2], source, tmp_path, progress=False)
    assert len(list((tmp_path / "clips").glob("*.mp4"))) == 2
    paths = write_all(_highlights()[1:2], source, tmp_path, progress=False)
    assert [p.name for p in (tmp_path / "clips").glob("*.mp4")] == ["hl_001_baseball_swing.mp4"]
    write_all([], source, tmp_path, progress=False)
    assert not (tmp_path / "reel.mp4").exists() and paths["csv"].is_file()


def test_highlight_past_the_end_gets_no_clip_but_the_rest_do(source: Path, tmp_path: Path):
    highlights = [Highlight(1.0, 1.5, "a", "soccer", 0.5), Highlight(20.0, 21.0, "b", "soccer", 0.5, 20.5)]
    result = write_reel(
        highlights, source, tmp_path / "r.mp4", clips_dir=tmp_path / "c", thumbnails=True, progress=False
    )
    assert result.clip_paths[0] is not None and result.clip_paths[1] is None
    assert result.reel_frames == 15
    assert all(t is not None for t in result.thumbnails_jpeg)  # past the end: the last frame


def test_odd_sized_source_and_ntsc_rate(tmp_path: Path):
    path = tmp_path / "odd.mp4"
    write_video(path, (np.full((37, 65, 3), 90, np.uint8) for _ in range(45)), 30000 / 1001)
    paths = write_all([Highlight(0.5, 1.0, "a", "soccer", 0.5)], path, tmp_path / "out", progress=False)
    info = probe(paths["reel"])
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert info.fps == pytest.approx(30000 / 1001, rel=1e-3)
    event = [line.split() for line in paths["edl"].read_text().splitlines() if line.startswith("001")][0]
    assert event[4:6] == ["00:00:00:15", "00:00:01:00"]  # frames 15 (14.99) and 30 (29.97)


def test_variable_frame_rate_source_keeps_its_pace_in_the_reel_and_clips(tmp_path: Path):
    # A phone's variable rate: 30 frames a second for 5 s, then 10 a second. The file's average
    # rate (about 20 fps) is right for neither half; one output frame per source frame would play
    # the first half's highlight 1.5 times too slow and the second half's twice too fast. The
    # reel is written at the rate the frames are laid on (30), showing each frame its time.
    times = [i / 30 for i in range(150)] + [5 + i / 10 for i in range(50)]
    path = tmp_path / "vfr.mp4"
    write_video(path, (source_frame(i) for i in range(len(times))), 20.0, times_s=times)
    nominal = probe(path).steady_fps
    highlights = [Highlight(1.0, 3.0, "a", "soccer", 0.5, 2.0), Highlight(6.0, 8.0, "b", "soccer", 0.5, 7.0)]
    result = write_reel(highlights, path, tmp_path / "reel.mp4", clips_dir=tmp_path / "clips", progress=False)
    reel = probe(result.reel_path)
    assert reel.fps == pytest.approx(nominal, rel=1e-3)
    assert abs(reel.duration_s - 4.0) <= 1.5 / nominal
    for clip in result.clip_paths:
        assert abs(probe(clip).duration_s - 2.0) <= 1.5 / nominal
    shown = [times[source_frame_index(f.rgb)] for f in iter_frames(result.reel_path)]
    assert shown == sorted(shown)
    assert all(1.0 <= t < 3.0 or 6.0 <= t < 8.0 for t in shown)
    # Each output frame shows the source frame on screen at its moment of the highlight.
    first = [t for t in shown if t < 5]
    assert all(abs(t - (1.0 + k / nominal)) <= 1 / 30 + 1e-6 for k, t in enumerate(first))


def test_the_reel_carries_the_sound_of_the_moments_it_shows(tmp_path: Path):
    import av

    source = game_with_sound(tmp_path / "loud.mp4")
    result = write_reel(_highlights(), source, tmp_path / "reel.mp4", clips_dir=tmp_path / "clips", progress=False)
    with av.open(str(result.reel_path)) as reel:
        assert [s.type for s in reel.streams] == ["video", "audio"]
        rate = reel.streams.audio[0].rate
        sound = np.concatenate([f.to_ndarray()[0] for f in reel.decode(audio=0)])
    pictures = len(list(iter_frames(result.reel_path)))
    assert pictures == len(_expected_source_frames(_highlights()))
    assert abs(len(sound) / rate - pictures / FPS) < 0.1
    # The reel shows 1.5-3.0 s, 4.0-5.0 s and 7.25-8.5 s of the game: its sound at reel time r is the
    # game's at that moment, so the tone is as loud as there (RMS of a sine: amplitude / sqrt 2).
    for reel_s, game_s in ((0.5, 2.0), (2.0, 4.5), (3.2, 7.95)):
        window = sound[int((reel_s - 0.1) * rate):int((reel_s + 0.1) * rate)]
        rms = float(np.sqrt(np.mean(window ** 2)))
        assert rms == pytest.approx((0.05 + 0.05 * game_s) / np.sqrt(2), rel=0.1)
    for clip in result.clip_paths:  # the page's small clips stay silent
        with av.open(str(clip)) as c:
            assert [s.type for s in c.streams] == ["video"]
    # the reel was rewritten in place: no temp file of the rewrite is left beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clips", "loud.mp4", "reel.mp4"]


def test_the_reel_carries_surround_sound_of_eight_channels(tmp_path: Path):
    """7.1 sound (a camera's or an editor's export): the reel keeps its eight channels, where the
    cutting of planar samples crashed the interpreter (PyAV, more than 7 planes)."""
    import subprocess
    import sys
    from fractions import Fraction

    import av

    source = tmp_path / "surround.mp4"
    rate, n = 16000, 2 * 16000
    with av.open(str(source), "w") as out:
        video = video_stream(out, 64, 48)
        sound = out.add_stream("aac", rate=rate, layout="7.1")
        mux_frames(out, video, (np.full((48, 64, 3), i * 4, np.uint8) for i in range(50)))
        t = np.arange(n) / rate
        # channel c plays a 440 Hz tone at loudness 0.02 (c + 1)
        tone = np.stack([0.02 * (c + 1) * np.sin(2 * np.pi * 440 * t) for c in range(8)]).astype(np.float32)
        for start in range(0, n, 1024):
            chunk = np.ascontiguousarray(tone[:, start:start + 1024].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="7.1")
            frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
            for packet in sound.encode(frame):
                out.mux(packet)
        for packet in sound.encode():
            out.mux(packet)
    reel = tmp_path / "reel.mp4"
    # in a child process: before, the interpreter died (segmentation fault) and took pytest with it
    code = ("import sys; from highlights.pipeline.highlight import Highlight; "
            "from highlights.pipeline.outputs import write_reel; "
            "write_reel([Highlight(0.4, 1.6, 'x', 'y', 0.5)], sys.argv[1], sys.argv[2], progress=False)")
    run = subprocess.run([sys.executable, "-c", code, str(source), str(reel)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    with av.open(str(reel)) as got:
        audio = got.streams.audio[0]
        assert len(audio.layout.channels) == 8
        packed = av.AudioResampler(format="flt", layout="7.1", rate=rate)  # (planar 7.1 crashes PyAV)
        samples = np.concatenate([out.to_ndarray().reshape(-1, 8).T for f in got.decode(audio)
                                  for out in packed.resample(f)], axis=1)
    middle = samples[:, rate // 4: 3 * rate // 4]
    loudness = np.sqrt((middle ** 2).mean(axis=1)) * np.sqrt(2)
    full_range = [0, 1, 2, 4, 5, 6, 7]  # not the LFE channel (3): AAC keeps only its low end
    np.testing.assert_allclose(loudness[full_range], 0.02 * (np.array(full_range) + 1), rtol=0.15)


def test_the_reel_has_the_sound_of_a_stream_whose_sound_starts_late(tmp_path: Path):
    """A transport stream whose sound starts after more picture data than FFmpeg probes (a
    recording cut at the start, a broadcast capture) opens with its sound stream described as
    '0 channels'; the reel takes the layout from the first decoded sound instead of going silent."""
    from fractions import Fraction

    import av

    source, rate = tmp_path / "late.ts", 16000
    noise = np.random.default_rng(0)
    with av.open(str(source), "w", format="mpegts") as out:
        # incompressible pictures: 6 s of them outweigh the probe's 5 MB before the sound begins
        video = video_stream(out, 320, 240, rate=10, options={"preset": "ultrafast", "qp": "0"})
        sound = out.add_stream("aac", rate=rate, layout="mono")
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
        done = 0
        for i in range(70):
            frame = av.VideoFrame.from_ndarray(noise.integers(0, 255, (240, 320, 3), dtype=np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 10)
            for packet in video.encode(frame):
                out.mux(packet)
            while i >= 60 and done < len(tone) and 6 + done / rate <= i / 10:  # sound from 6 s to 7 s
                chunk = av.AudioFrame.from_ndarray(tone[None, done:done + 1024].copy(), format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts, chunk.time_base = rate, 6 * rate + done, Fraction(1, rate)
                for packet in sound.encode(chunk):
                    out.mux(packet)
                done += 1024
        for stream in (video, sound):
            for packet in stream.encode():
                out.mux(packet)
    with av.open(str(source)) as probe_only:
        assert len(probe_only.streams.audio[0].layout.channels) == 0  # what the sound pass is given
    result = write_reel([Highlight(6.2, 6.8, "x", "y", 0.5)], source, tmp_path / "reel.mp4", progress=False)
    with av.open(str(result.reel_path)) as reel:
        assert [s.type for s in reel.streams] == ["video", "audio"]
        sound_out = np.concatenate([f.to_ndarray()[0] for f in reel.decode(audio=0)])
    middle = sound_out[len(sound_out) // 4: 3 * len(sound_out) // 4]
    assert float(np.sqrt((middle ** 2).mean())) == pytest.approx(0.3 / np.sqrt(2), rel=0.15)


def test_missing_source_is_a_video_error_naming_the_file(tmp_path: Path):
    with pytest.raises(VideoError, match="nope.mp4"):
        write_all(_highlights(), tmp_path / "nope.mp4", tmp_path / "out", progress=False)


def test_source_failing_mid_pass_leaves_no_partial_outputs(source: Path, tmp_path: Path, monkeypatch):
    real = reel_module.iter_frames

    def breaks_after_a_while(path, **kwargs):
        for n, frame in enumerate(real(path, **kwargs)):
            if n == 100:
                raise VideoError(path, "decoding failed: truncated")
            yield frame

    monkeypatch.setattr(reel_module, "iter_frames", breaks_after_a_while)
    with pytest.raises(VideoError, match="truncated"):
        write_reel(_highlights(), source, tmp_path / "r.mp4", clips_dir=tmp_path / "c", progress=False)
    # The first clip had finished before the failure; the reel and the open clip were abandoned.
    assert not (tmp_path / "r.mp4").exists()
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["hl_001_baseball_swing.mp4"]
    assert not list(tmp_path.rglob(".*tmp*"))


def test_encoder_failure_stops_the_pass_with_its_error(source: Path, tmp_path: Path, monkeypatch):
    def failing_write_video(path, frames, fps, **kwargs):
        next(iter(frames))
        raise OSError(f"{path}: disk full")

    monkeypatch.setattr(stream_writer, "write_video", failing_write_video)
    with pytest.raises(OSError, match="disk full"):
        write_reel(_highlights(), source, tmp_path / "r.mp4", progress=False)


def test_a_long_stretch_without_highlights_is_sought_over_not_decoded(source: Path, tmp_path: Path, monkeypatch):
    # A whole game's highlights lie minutes apart: decoding every frame between them at full size
    # made cutting a few of them take as long as decoding the game.
    yielded = []
    real = reel_module.iter_frames

    def counting(path, **kwargs):
        for frame in real(path, **kwargs):
            yielded.append(frame.time_s)
            yield frame

    monkeypatch.setattr(reel_module, "iter_frames", counting)
    # the gap between 5.0 s and 7.25 s counts as long
    monkeypatch.setattr(reel_module, "SEEK_PAST_S", 1.5, raising=False)
    result = write_reel(
        _highlights(), source, tmp_path / "r.mp4", clips_dir=tmp_path / "c", thumbnails=True, progress=False
    )
    assert not [t for t in yielded if 5.1 < t < 7.1]
    assert [source_frame_index(f.rgb) for f in iter_frames(result.reel_path)] == _expected_source_frames(_highlights())
    clips = [p for p in result.clip_paths if p is not None]
    for clip, h in zip(clips, sorted(_highlights(), key=lambda h: h.start_s)):
        assert [source_frame_index(f.rgb) for f in iter_frames(clip)] == _expected_source_frames([h])
    assert all(jpeg is not None for jpeg in result.thumbnails_jpeg)


def test_the_reel_sound_is_streamed_not_held_whole(tmp_path: Path):
    # A whole game's uncapped reel holds tens of minutes of sound: held as one array (twice, while
    # it was joined) it took gigabytes where the rest of the run took under one.
    import tracemalloc

    import av

    from highlights.pipeline.outputs.reel_sound import add_source_sound
    from tests.video_fixtures import mux_frames, mux_tone, video_stream

    seconds, rate = 120, 48000
    source = tmp_path / "long.mp4"
    with av.open(str(source), "w") as out:
        video = video_stream(out, 32, 32, rate=2)
        sound = out.add_stream("aac", rate=rate, layout="mono")
        mux_frames(out, video, [np.full((32, 32, 3), 9 * (i % 20), np.uint8) for i in range(seconds * 2)])
        mux_tone(out, sound, seconds, slope=0.002)
    reel = write_video(tmp_path / "reel.mp4", [np.zeros((32, 32, 3), np.uint8)] * (seconds * 10), 10.0)

    tracemalloc.start()
    try:
        assert add_source_sound(reel, source, [(0.0, seconds / 2), (seconds / 2, float(seconds))])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    whole = seconds * rate * 4  # the reel's sound as one float32 array
    assert peak < whole / 4, f"{peak / 1e6:.1f} MB at the peak for {whole / 1e6:.1f} MB of sound"
    with av.open(str(reel)) as done:
        heard = sum(f.samples for f in done.decode(audio=0)) / rate
    assert abs(heard - seconds) < 0.1


def test_the_reel_is_scaled_down_to_its_short_side_never_up_and_keeps_its_sound(tmp_path: Path):
    import av

    source = game_with_sound(tmp_path / "loud.mp4")  # 160x90
    small = write_reel(_highlights(), source, tmp_path / "small.mp4", reel_short_side=60, progress=False)
    assert (probe(small.reel_path).width, probe(small.reel_path).height) == (106, 60)
    frames = list(iter_frames(small.reel_path))
    assert [source_frame_index(f.rgb) for f in frames] == _expected_source_frames(_highlights())
    with av.open(str(small.reel_path)) as reel:
        rate = reel.streams.audio[0].rate
        sound = np.concatenate([f.to_ndarray()[0] for f in reel.decode(audio=0)])
    assert abs(len(sound) / rate - len(frames) / FPS) < 0.1
    window = sound[int(1.9 * rate):int(2.1 * rate)]  # reel 2.0 s is the game's 4.5 s
    assert float(np.sqrt(np.mean(window ** 2))) == pytest.approx((0.05 + 0.05 * 4.5) / np.sqrt(2), rel=0.1)
    for short_side in (0, 1080):  # the source's size; a 1080 reel of a 90-pixel game is not blown up
        whole = write_reel(_highlights(), source, tmp_path / f"r{short_side}.mp4", reel_short_side=short_side,
                           progress=False)
        assert (probe(whole.reel_path).width, probe(whole.reel_path).height) == (WIDTH, HEIGHT)


def test_a_portrait_reel_is_scaled_by_its_width(tmp_path: Path):
    source = tmp_path / "portrait.mp4"
    write_video(source, (np.full((160, 90, 3), 10 * (i % 20), np.uint8) for i in range(60)), FPS)
    result = write_reel([Highlight(0.5, 1.5, "a", "soccer", 0.5, 1.0)], source, tmp_path / "reel.mp4",
                        reel_short_side=60, progress=False)
    assert (probe(result.reel_path).width, probe(result.reel_path).height) == (60, 106)


def test_detect_cuts_the_reel_at_1080_by_default_and_the_setting_is_checked():
    from highlights.errors import ConfigError
    from highlights.pipeline.config import PipelineConfig

    assert PipelineConfig().merge.reel_height == 1080
    assert PipelineConfig().with_overrides({"merge.reel_height": 0}).merge.reel_height == 0
    with pytest.raises(ConfigError, match="merge.reel_height"):
        PipelineConfig().with_overrides({"merge.reel_height": -1})


def test_a_reel_capped_at_half_the_rate_keeps_its_length_its_sound_and_every_other_frame(tmp_path: Path):
    import av

    source = game_with_sound(tmp_path / "loud.mp4")  # 30 fps
    result = write_reel(_highlights(), source, tmp_path / "reel.mp4", reel_max_fps=15.0, progress=False)
    reel = probe(result.reel_path)
    assert reel.fps == pytest.approx(15.0)
    shown = [source_frame_index(f.rgb) for f in iter_frames(result.reel_path)]
    expected = _expected_source_frames(_highlights())
    assert len(shown) == pytest.approx(len(expected) / 2, abs=2) and set(shown) <= set(expected)
    # Each reel frame shows the source frame on screen at its middle: every other one, give or take
    # one where the two lie equally near (10 or more apart: the next highlight).
    assert shown == sorted(shown) and all(b - a <= 3 for a, b in zip(shown, shown[1:]) if b - a < 10)
    with av.open(str(result.reel_path)) as container:
        rate = container.streams.audio[0].rate
        sound = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    assert abs(len(sound) / rate - len(shown) / 15.0) < 0.1  # as long as at 30 fps
    window = sound[int(1.9 * rate):int(2.1 * rate)]  # reel 2.0 s is still the game's 4.5 s
    assert float(np.sqrt(np.mean(window ** 2))) == pytest.approx((0.05 + 0.05 * 4.5) / np.sqrt(2), rel=0.1)
    above = write_reel(_highlights(), source, tmp_path / "same.mp4", reel_max_fps=60.0, progress=False)
    assert probe(above.reel_path).fps == pytest.approx(FPS)  # a cap above the source's rate changes nothing


def test_frames_only_the_clips_need_are_decoded_at_the_clips_size(tmp_path: Path, monkeypatch):
    # 640x360: the page's clips (180 short side) are smaller than the source, the reel is not.
    path = write_video(tmp_path / "big.mp4", (np.repeat(np.repeat(source_frame(i), 4, 0), 4, 1)
                                              for i in range(int(SECONDS * FPS))), FPS)
    in_the_reel = Highlight(1.5, 3.0, "baseball_swing", "baseball", 0.9, 2.0, {})
    page_only = Highlight(4.0, 5.0, "soccer_shooting", "soccer", 0.6, 4.5, {})
    decoded: dict[int, tuple[int, ...]] = {}
    real = reel_module.iter_frames

    def recording(path, **kwargs):
        for frame in real(path, **kwargs):
            decoded[round(frame.time_s * FPS)] = frame.rgb.shape
            yield frame

    monkeypatch.setattr(reel_module, "iter_frames", recording)
    result = write_reel([in_the_reel, page_only], path, tmp_path / "r.mp4", clips_dir=tmp_path / "c",
                        thumbnails=True, progress=False, in_reel=lambda h: h is in_the_reel)
    full, small = (360, 640, 3), (180, 320, 3)
    assert {decoded[i] for i in _expected_source_frames([in_the_reel])} == {full}
    key = round(page_only.key_s * FPS)
    # The frames about the thumbnail's key moment are full size; the rest of that highlight comes small.
    assert {decoded[i] for i in _expected_source_frames([page_only]) if abs(i - key) > 2} == {small}
    assert decoded[key] == full
    for clip, h in zip(result.clip_paths, (in_the_reel, page_only)):
        frames = list(iter_frames(clip))
        assert {f.rgb.shape for f in frames} == {small}
        assert [source_frame_index(f.rgb) for f in frames] == _expected_source_frames([h])
    reel = list(iter_frames(result.reel_path))
    assert {f.rgb.shape for f in reel} == {full}
    assert [source_frame_index(f.rgb) for f in reel] == _expected_source_frames([in_the_reel])
    assert all(len(j) > 0 for j in result.thumbnails_jpeg)
    assert cv2.imdecode(np.frombuffer(result.thumbnails_jpeg[1], np.uint8), cv2.IMREAD_COLOR).shape == small


@pytest.mark.parametrize("width, height", [(1080, 1920), (360, 640), (240, 426), (384, 216), (1280, 720)])
@pytest.mark.parametrize("label", ["soccer_shooting", "basketball_layup_from_the_left_side_of_court"])
def test_a_reels_caption_lies_whole_inside_the_frame_of_an_upright_phone_video_too(width, height, label):
    """The caption's size followed the frame's height alone: on an upright phone video (1080x1920)
    a long class name ran past the right edge, and on 360x640 even "soccer_shooting" did."""

    from highlights.pipeline.outputs.reel import draw_caption

    frame = np.full((height, width, 3), 128, np.uint8)
    draw_caption(frame, f"{label} 0.87 @ 00:01:23.400")
    band = (frame == 0).all(-1)
    text = (frame > 200).all(-1)
    assert text.any() and not band[:, -1].any()  # the dark band ends before the right edge
    columns = np.flatnonzero(text.any(axis=0))
    assert columns.max() < width - 1
    # legible: its letters at least as tall as at the least scale
    rows = np.flatnonzero(text.any(axis=1))
    assert rows.max() - rows.min() >= 6
    # at the top, clear of the bottom edge a browser's controls cover while the video is paused
    assert np.flatnonzero(band.any(axis=1)).min() == 0 and rows.max() < height // 4
