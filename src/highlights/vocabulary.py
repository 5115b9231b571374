"""The classes the project recognises and the sport each belongs to: the one list every part reads.

The clip classifier's default classes, the synthetic generator's labels, the pipeline's labels and
the test report's cross-sport confusions all come from here.
"""

from __future__ import annotations

NONE_LABEL = "none"  # the class of a clip with none of the actions in it
ACTIONS: tuple[str, ...] = ("baseball_swing", "basketball_layup", "soccer_shooting")
CLASSES: tuple[str, ...] = (*ACTIONS, NONE_LABEL)
SPORT_OF_LABEL: dict[str, str] = {
    "baseball_swing": "baseball", "basketball_layup": "basketball", "soccer_shooting": "soccer",
}
LABEL_OF_SPORT: dict[str, str] = {sport: label for label, sport in SPORT_OF_LABEL.items()}
SPORTS: tuple[str, ...] = tuple(SPORT_OF_LABEL[a] for a in ACTIONS)
# The label of a highlight that neither kinematics nor the classifier named.
UNLABELLED = "highlight"
UNKNOWN_SPORT = "unknown"


def sport_of(label: str | None) -> str:
    """The sport a class belongs to: the known one, else the part of the label before the first
    underscore (`tennis_serve` -> `tennis`), so the classes of a user's own dataset get one too;
    `unknown` when there is no label."""
    if not label:
        return UNKNOWN_SPORT
    return SPORT_OF_LABEL.get(label, label.split("_", 1)[0])
