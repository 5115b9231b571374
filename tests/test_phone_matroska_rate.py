"""A variable-rate phone recording remuxed into Matroska (an Android clip saved by an editor or a
screen recorder's .mkv): its index lists no frames and its rate is the fastest its timestamps
reach, so it holds fewer frames than its length at that rate, and is still a whole clip."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from highlights.video.errors import VideoError
from highlights.video.verify import verify_video
from tests.synth_fixtures import rendered
from tests.video_fixtures import video_stream

FPS = 30


def _variable_rate_matroska(path: Path) -> tuple[Path, int]:
    """A synthetic swing at 30 fps whose middle third lost every other frame (15 fps, as phones
    record in low light), each kept frame at its own time, written into Matroska."""
    frames, _truth = rendered("baseball_swing", 7, seconds=3.0)
    n = len(frames)
    kept = [i for i in range(n) if not (n // 3 <= i < 2 * n // 3 and i % 2)]
    with av.open(str(path), "w", format="matroska") as out:
        stream = video_stream(out, frames.shape[2], frames.shape[1], rate=FPS)
        for i in kept:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frames[i]), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path, len(kept)


def test_a_variable_rate_matroska_clip_is_whole_and_one_cut_off_is_not(tmp_path):
    path, kept = _variable_rate_matroska(tmp_path / "phone.mkv")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert not stream.frames and float(stream.guessed_rate) == pytest.approx(FPS)
    verified = verify_video(path)
    assert verified.decoded_frames == kept < 0.9 * verified.duration_s * FPS

    cut = tmp_path / "cut.mkv"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(VideoError) as err:
        verify_video(cut)
    assert str(err.value).startswith(f"{cut}: truncated or damaged")
