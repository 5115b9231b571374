"""The MediaPipe BlazePose backend runs offline on a rendered frame and refuses models it would download."""

from __future__ import annotations

import socket

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.mediapipe
pytest.importorskip("mediapipe")

from highlights.pipeline.blazepose import BLAZEPOSE_TO_COCO, BlazePose  # noqa: E402


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the MediaPipe backend tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _figure_frame() -> np.ndarray:
    rgb = np.full((180, 320, 3), (70, 130, 70), np.uint8)
    cv2.circle(rgb, (160, 40), 12, (230, 200, 170), -1)
    cv2.rectangle(rgb, (145, 55), (175, 110), (200, 40, 40), -1)
    for a, b in (((150, 110), (145, 165)), ((170, 110), (175, 165)), ((147, 60), (125, 100)), ((173, 60), (195, 100))):
        cv2.line(rgb, a, b, (40, 40, 160), 7)
    return rgb


@pytest.mark.parametrize("video_mode", [True, False])
def test_blazepose_runs_offline_on_a_rendered_frame(no_network, video_mode):
    model = BlazePose(video_mode=video_mode)
    try:
        frame = _figure_frame()
        for index in range(3):
            kp = model.landmarks(index, frame, (640, 360))
            assert kp is None or (kp.shape == (17, 3) and np.isfinite(kp).all())
        # Asked twice for one frame, the model runs once and answers the same.
        again = model.landmarks(2, frame, (640, 360))
        assert again is kp
    finally:
        model.close()
    assert len(BLAZEPOSE_TO_COCO) == 17


@pytest.mark.parametrize("complexity", [0, 2])
def test_models_that_would_download_are_refused(no_network, complexity):
    with pytest.raises(ValueError, match="download"):
        BlazePose(video_mode=True, model_complexity=complexity)
