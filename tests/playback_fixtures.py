"""Sources made with PyAV for the review's playback tests: a phone clip (10-bit HEVC by default,
or any encoder, pixel format and container) whose pictures' grey levels and sound's loudness say
the time, and a detect folder over one."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from highlights.video import iter_frames
from tests.video_fixtures import mux_tone

FPS, FRAMES, RATE = 25, 40, 16000
LATE_S = 0.4  # pictures start this long after the sound, as in a stream-copied trim
needs_hevc = pytest.mark.skipif("libx265" not in av.codecs_available, reason="no HEVC encoder in this FFmpeg")


def phone_source(path: Path, encoder: str = "libx265", pix_fmt: str = "yuv420p10le", fmt: str | None = None,
                 sound_codec: str = "aac") -> Path:
    """Picture i is grey level 30 + 5 i, from 0.4 s on; a 440 Hz tone from 0 s whose loudness says the time
    (0.05 + 0.1 t)."""
    with av.open(str(path), "w", format=fmt) as out:
        options = {"preset": "ultrafast", "qp": "0"}  # lossless: the grey levels stay exact
        if encoder == "libx265":
            options = {"preset": "ultrafast", "x265-params": "lossless=1:log-level=error"}
        video = out.add_stream(encoder, rate=FPS, options=options)
        video.width, video.height, video.pix_fmt = 96, 64, pix_fmt
        sound = out.add_stream(sound_codec, rate=RATE, layout="mono")
        for i in range(FRAMES):
            frame = av.VideoFrame.from_ndarray(np.full((64, 96, 3), 30 + 5 * i, np.uint8), format="rgb24")
            frame = frame.reformat(format=pix_fmt)
            frame.pts, frame.time_base = round(LATE_S * FPS) + i, Fraction(1, FPS)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        mux_tone(out, sound, LATE_S + FRAMES / FPS, slope=0.1)
    return path


def grey_pictures(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(time, grey level) of every picture."""
    frames = list(iter_frames(path))
    return np.array([f.time_s for f in frames]), np.array([float(f.rgb.mean()) for f in frames])


def playback_detect_folder(tmp_path: Path, source: Path) -> Path:
    """`tmp_path/game-highlights`, a detect folder over `source` with one highlight at 0.5-1.5 s."""
    folder = tmp_path / "game-highlights"
    folder.mkdir()
    (folder / "highlights.json").write_text(json.dumps({
        "video": {"path": str(source), "duration_s": LATE_S + FRAMES / FPS, "fps": FPS},
        "highlights": [{"start_s": 0.5, "end_s": 1.5, "label": "basketball_layup", "score": 0.8, "key_s": 1.0}]}))
    return folder
