"""bench/bench_audio_cue.py: onsets of a click track muxed into a small video are found at their
times on the video's timeline, silent tracks are told apart, and the whole bench runs on a tiny
real-dev tree of such videos (nothing of real-dev is read)."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.bench_modules import BENCH_DIR, bench_module

av = pytest.importorskip("av")

RATE = 44100


def _video_with_sound(path: Path, seconds: float, clicks_s=(), *, audio_delay_s: float = 0.0,
                      silent: bool = False, with_audio: bool = True) -> Path:
    """A 64x48 video of `seconds` at 25 fps with a mono AAC track of faint noise and a burst of
    loud noise (a broadband click, 200 samples) at each of `clicks_s` on the audio's own clock; the
    track starts `audio_delay_s` after the picture. `silent`: the track is digital zeros."""
    rng = np.random.default_rng(0)
    n = int(round((seconds - audio_delay_s) * RATE))
    samples = np.zeros(n, np.float32) if silent else (rng.standard_normal(n) * 0.003).astype(np.float32)
    for t in clicks_s:
        i = int(round(t * RATE))
        samples[i:i + 200] += (rng.standard_normal(200) * 0.5).astype(np.float32)
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = None
        if with_audio:
            audio = out.add_stream("aac", rate=RATE)
            audio.layout = "mono"
        for k in range(int(seconds * 25)):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), k * 3 % 255, np.uint8), format="rgb24")
            frame.pts = k
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio is not None:
            for j in range(0, n, 1024):
                frame = av.AudioFrame.from_ndarray(samples[j:j + 1024].reshape(1, -1), format="flt", layout="mono")
                frame.sample_rate, frame.time_base = RATE, Fraction(1, RATE)
                frame.pts = int(round(audio_delay_s * RATE)) + j
                for packet in audio.encode(frame):
                    out.mux(packet)
            for packet in audio.encode():
                out.mux(packet)
    return path


def test_clicks_are_found_at_their_times_on_the_videos_timeline_when_the_sound_starts_late(tmp_path):
    # The clicks are 0.3 s and 1.4 s into a track that starts 0.5 s after the picture: a player
    # shows them at 0.8 s and 1.9 s, and so must the onsets (the key moments are on that timeline).
    path = _video_with_sound(tmp_path / "late.mp4", 2.5, (0.3, 1.4), audio_delay_s=0.5)
    with bench_module("bench_audio_cue") as bench:
        sound = bench.decode_sound(path)
        assert sound.audible
        onsets = sound.onsets()
        assert len(onsets) == 2
        assert np.allclose(onsets, [0.8, 1.9], atol=0.04)
        assert sound.strongest_near(0.8, 0.1) >= bench.ONSET_Z
        assert sound.strongest_near(1.3, 0.2) < bench.ONSET_Z
        # two onsets on a 2 s timeline: within 0.3 s of one is 4 * 0.3 s of it
        assert sound.chance_near_onset(0.3) == pytest.approx(1.2 / (sound.times[-1] - sound.times[0]), abs=0.05)


def test_a_track_of_zeros_is_not_heard_and_a_video_without_sound_has_none(tmp_path):
    with bench_module("bench_audio_cue") as bench:
        zeros = bench.decode_sound(_video_with_sound(tmp_path / "zeros.mp4", 2.0, silent=True))
        assert not zeros.audible
        assert bench.sound_reading(bench.sound_stats(zeros)) == "digital silence (all zeros)"
        assert len(zeros.onsets()) == 0
        assert bench.decode_sound(_video_with_sound(tmp_path / "mute.mp4", 1.0, with_audio=False)) is None


def test_a_steady_click_track_keeps_a_beat_and_scattered_clicks_do_not():
    with bench_module("bench_audio_cue") as bench:
        rng = np.random.default_rng(1)
        rate = bench.RATE
        steady = (rng.standard_normal(6 * rate) * 0.003).astype(np.float32)
        scattered = steady.copy()
        for t in np.arange(0.25, 6.0, 0.5):  # 120 beats a minute
            steady[int(t * rate):int(t * rate) + 100] += 0.5
        for t in (0.4, 1.9, 2.2, 4.7):
            scattered[int(t * rate):int(t * rate) + 100] += 0.5
        assert bench.beat_regularity(bench.spectral_flux(steady)[1]) > 0.5
        assert bench.beat_regularity(bench.spectral_flux(scattered)[1]) < 0.5


def test_the_loudest_10_ms_is_measured_against_the_median_level():
    with bench_module("bench_audio_cue") as bench:
        block = bench.RATE // 100
        samples = np.full(20 * block, 0.01, np.float32)
        samples[7 * block:8 * block] = 0.1  # one block ten times as loud: 20 dB
        assert bench.peak_over_median_db(samples) == pytest.approx(20.0, abs=1e-4)
        assert bench.peak_over_median_db(samples[:block // 2]) == 0.0


def test_the_bench_runs_on_a_small_tree_of_clips_with_clicks(tmp_path):
    """Two action clips click at their labelled moment and one `none` clip elsewhere; a fourth
    clip's track is zeros and is left out of the clip level."""
    tree = tmp_path / "real-dev"
    for folder in ("baseball_swing", "none", "annotations"):
        (tree / folder).mkdir(parents=True)
    _video_with_sound(tree / "baseball_swing" / "a.mp4", 3.0, (1.2,))
    _video_with_sound(tree / "baseball_swing" / "b.mp4", 3.0, (2.0,))
    _video_with_sound(tree / "baseball_swing" / "c.mp4", 3.0, silent=True)
    _video_with_sound(tree / "none" / "d.mp4", 3.0, (0.4,))
    rows = ["label\tfile\tnotes",
            "baseball_swing\tbaseball_swing/a.mp4\tamateur phone video: swing ~1.0-1.3 s",
            "baseball_swing\tbaseball_swing/b.mp4\tBROADCAST: swing ~1.9-2.1 s",
            "baseball_swing\tbaseball_swing/c.mp4\tswing ~1.0-1.5 s",
            "none\tnone/d.mp4\tpass ~2.0-2.4 s"]
    (tree / "clips.tsv").write_text("\n".join(rows) + "\n")
    done = subprocess.run([sys.executable, str(BENCH_DIR / "bench_audio_cue.py"), "--real-dev", str(tree),
                           "--skip-pipeline", "--per-clip"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "2 action clips and 1 `none` clips with sound" in out
    assert "a track below -60 dBFS: 1 action and 0 `none` clips" in out
    assert "action clips whose strongest onset is within 0.5 s of the labelled moment: 2/2 = 1.00" in out
    assert "`none` clips whose strongest onset is within 0.5 s of the labelled moment: 0/1 = 0.00" in out
    assert "other measure, z over 2-8 kHz only:" in out
    assert "digital silence (all zeros)" in out
    assert "broadcast" in out
