"""Which sport a highlight label belongs to, and which label each kinematic trigger suggests."""

from __future__ import annotations

SPORT_OF_LABEL: dict[str, str] = {
    "baseball_swing": "baseball",
    "basketball_layup": "basketball",
    "soccer_shooting": "soccer",
}
NONE_LABEL = "none"
# The label generic clips get when neither kinematics nor the classifier named one.
UNLABELLED = "highlight"


def sport_of(label: str | None) -> str:
    if not label:
        return "unknown"
    return SPORT_OF_LABEL.get(label, label.split("_", 1)[0])
