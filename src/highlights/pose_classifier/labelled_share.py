"""How much a user's labelled clips weigh beside the synthetic windows they are trained with.

A few dozen labelled clips give a few hundred windows; added once to some 3,000 synthetic ones
they are a tenth of an epoch or less, and a clip whose label contradicts the synthetic model kept
the synthetic model's answer after retraining. `PoseTrainConfig.labelled_share` repeats them until
they make up that share of the training windows at least; training augments every repeat afresh
(a fresh copy each epoch for the sequence network, `copies` fresh copies for the features
families), as `own_classes.repeated_to_an_epoch` does for a club's own classes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# The smallest share of those tried (0, 0.2, 0.3, 0.4, 0.5, 0.6) at which a model learnt, on a
# synthetic camera of its own, the label its user gave shots it called shots
# (docs/pose-classifier.md, "How much your clips weigh").
OWN_CAMERA_SHARE = 0.6
# Not it by default: on real-dev's clips of other cameras, a model trained with 0.6 scored lower
# than one with the clips added once (macro-F1 0.47 against 0.56, intervals overlapping), and the
# same-camera gain was measured on synthetic clips only. `train --help` shows both: this module
# imports numpy only where it concatenates, so that the command's help does not wait on it.
DEFAULT_LABELLED_SHARE = 0.0


def labelled_repeats(others: int, labelled: int, share: float) -> int:
    """How many times `labelled` windows are counted beside `others` so that they make up
    `share` of them all at least: once at least (0 keeps them once, as they are), and once when
    there are none."""
    if labelled == 0 or share <= 0.0:
        return 1
    return max(1, math.ceil(share * others / ((1.0 - share) * labelled)))


def with_labelled_windows(windows: np.ndarray, labels: np.ndarray, labelled: np.ndarray,
                          labelled_labels: np.ndarray, share: float
                          ) -> tuple[np.ndarray, np.ndarray, dict]:
    """The training windows and labels with the labelled ones repeated to `share` of them, and
    what was done (for the provenance): the repeats and the share they make up."""
    import numpy as np

    repeats = labelled_repeats(len(labels), len(labelled_labels), share)
    all_windows = np.concatenate([windows] + [labelled] * repeats)
    all_labels = np.concatenate([labels] + [labelled_labels] * repeats)
    made = repeats * len(labelled_labels) / max(1, len(all_labels))
    return all_windows, all_labels, {"share_setting": share, "repeats": repeats,
                                     "share_of_training_windows": round(made, 4)}
