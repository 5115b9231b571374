"""The action threshold a trained pose model keeps when its val split cannot choose one (no val
split, too few val clips, `--clips` without one), and where it came from.

A model trained on the synthetic windows by the packaged model's recipe (its family, a feature
version that recipe was measured on, and its window aggregation) meets real poses as the packaged
model does: it puts much of a real action's probability on `none`. The argmax / 0.5 rule found 2
of 15 actions on the annotated real clips, the low threshold chosen on real clips 11-13 of 15
(docs/measurements.md). Such a model takes the packaged model's threshold, chosen on real clips.
A model of a club's own classes, or of another family, has no threshold measured for it, and keeps
0.5. A threshold set in the training config is kept whatever the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from highlights.pose_classifier.train import PoseTrainConfig

DEFAULT_ACTION_THRESHOLD = 0.5
# The feature versions on which the packaged recipe's threshold was chosen on real clips by the
# packaged model's rule: 1 (the packaged model) and 2 (the recipe remade on version 2 chose the same
# threshold: docs/pose-classifier.md, "The packaged recipe on feature version 2"). A new version
# keeps 0.5 until it is measured.
THRESHOLD_MEASURED_FEATURE_VERSIONS = (1, 2)

# Where a trained model's action threshold came from, as best.json records it.
CHOSEN_ON_VAL = "chosen on val"
PACKAGED = "the packaged model's"
CONFIGURED = "configured"
DEFAULT = "the default"


@dataclass(frozen=True)
class UnchosenThreshold:
    """The threshold a model keeps where its val split cannot choose one, where it came from
    (`PACKAGED`, `CONFIGURED` or `DEFAULT`), and why, for the line `train` prints."""

    threshold: float
    source: str
    why: str = ""


def threshold_if_unchosen(config: PoseTrainConfig) -> UnchosenThreshold:
    """`config`'s action threshold where it sets one; else the packaged model's where the model is
    trained by its recipe on the synthetic windows; else `DEFAULT_ACTION_THRESHOLD`."""
    if config.action_threshold is not None:
        return UnchosenThreshold(float(config.action_threshold), CONFIGURED)
    if not config.synthetic or config.feature_version not in THRESHOLD_MEASURED_FEATURE_VERSIONS:
        return UnchosenThreshold(DEFAULT_ACTION_THRESHOLD, DEFAULT)
    from highlights.model.errors import CheckpointError
    from highlights.pose_classifier.default import load_default_pose_model

    try:
        packaged = load_default_pose_model()
    except CheckpointError:
        return UnchosenThreshold(DEFAULT_ACTION_THRESHOLD, DEFAULT)
    if (config.family, config.aggregation) != (packaged.family, packaged.aggregation):
        return UnchosenThreshold(DEFAULT_ACTION_THRESHOLD, DEFAULT)
    return UnchosenThreshold(
        float(packaged.action_threshold), PACKAGED,
        f"a {config.family} model trained on synthetic poses, as the packaged model was, calls too "
        "few real actions at 0.5; the packaged model's threshold was chosen on real clips")


def said_unchosen(unchosen: UnchosenThreshold, not_chosen: str) -> str:
    """The one line `train` prints for a threshold its val split did not choose (`not_chosen`
    says why not)."""
    if unchosen.source == PACKAGED:
        return (f"action threshold {unchosen.threshold:g}, {PACKAGED} ({not_chosen}: "
                f"{unchosen.why}; `detect --set classifier.action_threshold=T` sets another)")
    return f"action threshold {unchosen.threshold:g} ({not_chosen})"
