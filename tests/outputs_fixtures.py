"""The source game of the outputs tests, a real encoded video that encodes time in colour: frame
i's index, written in base 7, gives the red, green and blue levels (10 + 36 * digit), so any
decoded frame or thumbnail says exactly which source frame it came from; H.264's colour error (a
few levels) is far below the 36-level step."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

FPS = 30.0
SECONDS = 10
WIDTH, HEIGHT = 160, 90


def source_frame(i: int) -> np.ndarray:
    """Source frame i: its index's base-7 digits as the red, green and blue levels."""
    digits = [(i // 7**k) % 7 for k in range(3)]
    rgb = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    rgb[:] = [10 + 36 * d for d in digits]
    return rgb


def source_frame_index(rgb: np.ndarray) -> int:
    """Source frame index read back from a frame's colour (a patch below the middle, away from the
    caption at the top, which takes the top 26 rows of a 60-row reel)."""
    h, w = rgb.shape[:2]
    levels = rgb[h // 2 : 3 * h // 4, w // 3 : 2 * w // 3].reshape(-1, 3).mean(axis=0)
    digits = [int(round((v - 10) / 36)) for v in levels]
    return sum(d * 7**k for k, d in enumerate(digits))


def game_with_sound(path: Path, rate: int = 16000) -> Path:
    """SECONDS of colour-coded pictures with a 440 Hz tone whose loudness says the time: 0.05 + 0.05 t."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=int(FPS))
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        sound = out.add_stream("aac", rate=rate, layout="mono")
        for i in range(int(SECONDS * FPS)):
            for packet in video.encode(av.VideoFrame.from_ndarray(source_frame(i), format="rgb24")):
                out.mux(packet)
        t = np.arange(SECONDS * rate) / rate
        tone = ((0.05 + 0.05 * t) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            frame = av.AudioFrame.from_ndarray(tone[None, start:start + 1024].copy(), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, start
            for packet in sound.encode(frame):
                out.mux(packet)
        for stream in (video, sound):
            for packet in stream.encode():
                out.mux(packet)
    return path
