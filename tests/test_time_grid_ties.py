"""Sampling a 25 fps or 15 fps video (15: a phone in low light) at the pipeline's 10 fps: half
the grid times fall exactly halfway between two frames (0.1 s between 0.08 and 0.12 at 25 fps).
Each grid time takes one frame, the later, wherever float rounding lands the midpoint."""

from __future__ import annotations

import av
import numpy as np
import pytest

from highlights.synth import render_clip
from highlights.video import iter_frames, probe
from tests.synth_fixtures import request
from tests.video_fixtures import mux_frames, video_stream


@pytest.mark.parametrize("fps", [25, 15])
def test_each_grid_time_takes_one_frame_where_it_lies_halfway_between_two(tmp_path, fps):
    frames, _truth = render_clip(request("soccer_shooting", 11, seconds=6.0, fps=fps))
    path = tmp_path / f"synth{fps}.mp4"
    with av.open(str(path), "w") as out:
        stream = video_stream(out, frames.shape[2], frames.shape[1], rate=fps)
        mux_frames(out, stream, (np.ascontiguousarray(f) for f in frames))
    step = 1 / 10
    grid_times = int(np.ceil(probe(path).duration_s / step - 1e-9))
    kept = [f.time_s for f in iter_frames(path, target_fps=10, max_short_side=32)]
    assert len(kept) == grid_times == 60
    # each one is the frame nearest its grid time, the later of two equally near
    expected = [np.ceil(round(k * step * fps, 6)) / fps for k in range(grid_times)]
    np.testing.assert_allclose(kept, expected, atol=1e-6)
