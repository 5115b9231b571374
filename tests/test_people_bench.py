"""bench/bench_people.py's BlazePose reference row: the estimator it builds runs on a frame."""

from __future__ import annotations

import numpy as np
import pytest

from tests.bench_modules import bench_module

pytest.importorskip("mediapipe")


def test_the_blazepose_row_estimates_a_frame():
    with bench_module("bench_people") as bench:
        estimate = bench.blazepose()
        assert estimate(np.zeros((180, 320, 3), np.uint8)) == []  # nobody in an empty frame
