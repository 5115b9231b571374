"""The synthetic sports footage generator: labelled clips and whole games with ground truth.

Test and demo data only, made by the project itself: a 2D articulated person (COCO-17
keypoints) performs a baseball swing, a basketball layup, a soccer shot or background play in a
per-sport scene filmed by a handheld phone camera. It is never a substitute for users' footage.

- `write_clip(ClipRequest(...), path)` / `render_clip(...)`: one clip and its truth.
- `generate_clip_set(out, ClipSetConfig(...))`: a folder of clips plus `manifest.csv`.
- `generate_game(out, GameConfig(...))`: an untrimmed game, its event annotation and truth.
- `knobs_for(difficulty)`: what the difficulty knob changes.
"""

from highlights.synth.clip import (
    GENERATOR,
    LABEL_OF_SPORT,
    LABELS,
    SPORT_OF_LABEL,
    SPORTS,
    ClipRequest,
    plan_clip,
    render_clip,
    write_clip,
)
from highlights.synth.clipset import ClipSetConfig, generate_clip_set, plan_clip_set
from highlights.synth.difficulty import DEFAULT_DIFFICULTY, DifficultyKnobs, knobs_for
from highlights.synth.game import GameConfig, generate_game, plan_game

__all__ = [
    "DEFAULT_DIFFICULTY", "GENERATOR", "LABELS", "LABEL_OF_SPORT", "SPORTS", "SPORT_OF_LABEL",
    "ClipRequest", "ClipSetConfig", "DifficultyKnobs", "GameConfig", "generate_clip_set",
    "generate_game", "knobs_for", "plan_clip", "plan_clip_set", "plan_game", "render_clip",
    "write_clip",
]
