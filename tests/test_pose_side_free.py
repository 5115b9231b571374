"""Side-free input: no feature of the pose model changes when left and right swap in some frames."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from highlights.errors import ConfigError
from highlights.pose_classifier.features import feature_names, window_features
from highlights.pose_classifier.model import PoseClassifier, PoseWindowSpec, build_network
from highlights.pose_classifier.skeleton import FLIP, L_ANKLE, R_ANKLE, normalise
from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
from highlights.pose_classifier.train import PoseTrainConfig
from highlights.synth.clip import LABELS

# Every left/right pair: eyes, ears, shoulders, elbows, wrists, hips, knees, ankles.
PAIRS = [(j, FLIP[j]) for j in range(17) if FLIP[j] > j]


def _swapped(norm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each pair of joints swapped, on its own, in a random half of the frames (as MoveNet swaps a
    walking player's legs), some joints unseen on one side."""
    out = norm.copy()
    for t in range(len(out)):
        for a, b in PAIRS:
            if rng.random() < 0.5:
                out[t, [a, b]] = out[t, [b, a]]
    return out


@pytest.fixture(scope="module")
def windows() -> list[np.ndarray]:
    raw, _, _ = synth_windows(SynthWindowSpec(count=16, seed=5))
    rng = np.random.default_rng(3)
    norms = [normalise(w) for w in raw]
    for n in norms[::2]:   # some joints unseen, on one side only, so seen and unseen swap too
        n[rng.random(n.shape[:2]) < 0.15, 2] = 0.0
    return norms


def test_a_per_frame_swap_changes_the_sided_features_and_no_side_free_one(windows):
    rng = np.random.default_rng(0)
    names = feature_names()
    sided_moved = set()
    for norm in windows:
        swapped = _swapped(norm, rng)
        sided = window_features(norm, 10.0, 1)[0] - window_features(swapped, 10.0, 1)[0]
        sided_moved |= {names[i] for i in np.flatnonzero(np.abs(sided) > 1e-3)}
        for version in (1, 2):
            free, free_swapped = (window_features(w, 10.0, version, side_free=True)[0]
                                  for w in (norm, swapped))
            np.testing.assert_allclose(free, free_swapped, rtol=1e-5, atol=1e-5)
    # The packaged model's input reads a swap as the limbs' ends jumping across the body.
    assert {"ankle_speed_hi_max", "knee_speed_hi_mean", "wrist_speed_hi_mean"} <= sided_moved


def test_side_free_speeds_by_hand():
    """Two frames at 10 fps: the left ankle moves 0.1 to the right, the right one 0.3."""
    n = np.zeros((2, 17, 3), np.float32)
    n[:, :, 2] = 1.0
    n[0, L_ANKLE, :2], n[1, L_ANKLE, :2] = (0.0, -2.0), (0.1, -2.0)
    n[0, R_ANKLE, :2], n[1, R_ANKLE, :2] = (1.0, -2.0), (1.3, -2.0)
    names = feature_names()

    def speeds(w):
        values = window_features(w, 10.0, side_free=True)[0]
        return (values[names.index("ankle_speed_hi_max")],
                values[names.index("ankle_speed_lo_max")])

    assert speeds(n) == pytest.approx((3.0, 1.0))
    swapped = n.copy()
    swapped[1, [L_ANKLE, R_ANKLE]] = swapped[1, [R_ANKLE, L_ANKLE]]
    assert speeds(swapped) == pytest.approx((3.0, 1.0))
    sided = window_features(swapped, 10.0)[0]
    assert sided[names.index("ankle_speed_hi_max")] == pytest.approx(13.0)   # 1.3 in a frame
    # One ankle unseen in the second frame: the shorter move to the one seen is the faster speed.
    one = n.copy()
    one[1, R_ANKLE, 2] = 0.0
    assert speeds(one) == pytest.approx((1.0, 0.0))


def _classifier(side_free: bool) -> PoseClassifier:
    torch.manual_seed(0)
    net = build_network("features_linear", len(LABELS))
    return PoseClassifier(net, list(LABELS), PoseWindowSpec(), "features_linear", {},
                          side_free=side_free)


def test_a_side_free_model_answers_the_same_for_a_swapped_window_and_keeps_the_setting(
        windows, tmp_path):
    swapped = _swapped_all(windows)
    sided = _classifier(False)
    assert not np.allclose(sided.window_proba(windows), sided.window_proba(swapped), atol=1e-4)
    path = _classifier(True).save(tmp_path / "side_free.pt")
    loaded = PoseClassifier.load(path)
    assert loaded.side_free is True
    np.testing.assert_allclose(loaded.window_proba(windows), loaded.window_proba(swapped),
                               atol=1e-5)
    assert PoseClassifier.load(sided.save(tmp_path / "sided.pt")).side_free is False


def _swapped_all(windows: list[np.ndarray]) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [_swapped(w, rng) for w in windows]


def test_a_model_written_before_the_setting_reads_as_sided_and_a_bad_value_is_refused(tmp_path):
    path = _classifier(False).save(tmp_path / "old.pt")
    payload = torch.load(path, weights_only=True)
    del payload["meta"]["model"]["side_free"]
    torch.save(payload, path)
    assert PoseClassifier.load(path).side_free is False
    payload["meta"]["model"]["side_free"] = "yes"
    torch.save(payload, path)
    with pytest.raises(Exception, match="side_free 'yes'"):
        PoseClassifier.load(path)


def test_side_free_is_refused_for_the_family_that_reads_the_joints():
    with pytest.raises(ConfigError, match="side_free"):
        PoseTrainConfig(out_dir="-", family="tcn", side_free=True)
    assert PoseTrainConfig(out_dir="-").side_free is False
    assert PoseTrainConfig.from_dict({**PoseTrainConfig(out_dir="-").to_dict(),
                                      "side_free": True}).side_free is True
