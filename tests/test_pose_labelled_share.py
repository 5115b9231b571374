"""A user's labelled clips weigh what `PoseTrainConfig.labelled_share` says beside the synthetic
windows: their windows are repeated until they make up that share of the training windows, and a
label that contradicts the synthetic model is then learnt on the windows it was given for."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from highlights.pose_classifier.labelled_share import (
    DEFAULT_LABELLED_SHARE, OWN_CAMERA_SHARE, labelled_repeats, with_labelled_windows,
)
from highlights.pose_classifier.model import PoseClassifier
from highlights.pose_classifier.skeleton import normalise
from highlights.pose_classifier.synth_data import SynthWindowSpec, synth_windows
from highlights.pose_classifier.train import PoseTrainConfig, fit_network
from highlights.synth.clip import LABELS


@pytest.mark.parametrize("share", [0.05, 0.25, OWN_CAMERA_SHARE, 0.8])
def test_the_labelled_windows_make_up_the_share_the_setting_says(share):
    synthetic = np.zeros((3000, 4, 17, 3), np.float32)
    labelled = np.ones((37, 4, 17, 3), np.float32)
    windows, labels, made = with_labelled_windows(synthetic, np.zeros(3000, np.int64), labelled,
                                                  np.full(37, 2, np.int64), share)
    part = float((labels == 2).mean())
    repeats = made["repeats"]
    assert part >= share and made["share_of_training_windows"] == round(part, 4)
    # The fewest repeats that reach it: one fewer falls short (or it is counted once).
    assert repeats == 1 or (repeats - 1) * 37 / (3000 + (repeats - 1) * 37) < share
    assert len(labels) == 3000 + 37 * repeats and (windows[3000:] == 1).all()
    assert (windows[:3000] == 0).all() and made["share_setting"] == share


def test_a_share_of_0_adds_the_labelled_windows_once_and_none_leaves_the_synthetic_ones_alone():
    rng = np.random.default_rng(0)
    synthetic, labelled = rng.random((50, 4, 17, 3)), rng.random((7, 4, 17, 3))
    labels, labelled_labels = rng.integers(0, 4, 50), rng.integers(0, 4, 7)
    windows, all_labels, made = with_labelled_windows(synthetic, labels, labelled,
                                                      labelled_labels, 0.0)
    assert made["repeats"] == 1
    assert np.array_equal(windows, np.concatenate([synthetic, labelled]))
    assert np.array_equal(all_labels, np.concatenate([labels, labelled_labels]))
    # The synthetic-only path (no clips) is the synthetic windows as they were, whatever the share.
    alone, alone_labels, _ = with_labelled_windows(synthetic, labels, labelled[:0],
                                                   labelled_labels[:0], 0.5)
    assert np.array_equal(alone, synthetic) and np.array_equal(alone_labels, labels)
    assert labelled_repeats(3000, 0, 0.5) == 1


@pytest.fixture(scope="module")
def relabelled_shots():
    """400 synthetic training windows, and 16 other synthetic soccer_shooting windows."""
    synthetic, labels, _ = synth_windows(SynthWindowSpec(count=400, seed=0))
    drawn, drawn_labels, _ = synth_windows(SynthWindowSpec(count=200, seed=71))
    return synthetic, labels, drawn[drawn_labels == LABELS.index("soccer_shooting")][:16]


def _contradicted_in_sample(relabelled_shots, share: float) -> float:
    """The share of the 16 shots, labelled `none`, that a model trained with them at `share` calls
    `none` (argmax): what a user who relabels clips the model calls shots expects to move. Nothing
    tells them from the synthetic shots: only their weight can."""
    synthetic, labels, shots = relabelled_shots
    config = replace(PoseTrainConfig(out_dir="-", epochs=20), labelled_share=share)
    relabelled = np.full(len(shots), LABELS.index("none"))
    windows, all_labels, _ = with_labelled_windows(synthetic, labels, shots, relabelled, share)
    net = fit_network(config, windows, all_labels,
                      class_weight_labels=np.concatenate([labels, relabelled]))
    clf = PoseClassifier(net, list(LABELS), config.window, config.family, {})
    proba = clf.window_proba([normalise(w) for w in shots])
    return float((proba.argmax(axis=1) == clf.none_index).mean())


def test_a_contradicting_label_is_learnt_in_sample_at_the_own_camera_share_and_not_once(
        relabelled_shots):
    assert _contradicted_in_sample(relabelled_shots, OWN_CAMERA_SHARE) >= 0.75
    assert DEFAULT_LABELLED_SHARE == 0.0  # the default adds them once
    assert _contradicted_in_sample(relabelled_shots, DEFAULT_LABELLED_SHARE) <= 0.25
