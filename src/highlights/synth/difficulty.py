"""The `difficulty` knob: one number in [0, 1] that sets how hard the footage is.

| knob | difficulty 0 | 0.5 (default) | 1 |
|---|---|---|---|
| actor height, fraction of frame height | 0.55-0.90 | 0.35-0.80 | 0.15-0.70 |
| chance of a far shot (actor 6-20% of the frame) | 0 | 0 | 0.3 |
| handheld shake, fraction of frame height / roll | 0.2% / 0.2 deg | 0.8% / 0.95 deg | 1.4% / 1.7 deg |
| camera follow lag (s) | 0.1-0.3 | 0.25-0.6 | 0.4-0.9 |
| chance of a post/pole occluder / a passer-by close to the camera | 5% / 0 | 25% / 15% | 45% / 30% |
| distractor people | 0-1 | 0-3 | 0-5 |
| `none` clips that are confusers (check swing, take, jump without shot, slow pass) | 10% | 40% | 70% |
| action amplitude (how pronounced the swing, jump, kick are) | 1.0-1.1 | 0.75-1.05 | 0.5-1.0 |
| motion speed spread | 1.0 | 0.88-1.12 | 0.75-1.25 |
| exposure change over a clip | 5% | 17% | 30% |

At the default, a small 3D CNN at 112x112 learns the four classes well above chance but does not
saturate: the hard cases are the confusers and the small, occluded players, as on real phone
footage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from highlights.errors import ConfigError

DEFAULT_DIFFICULTY = 0.5


def check_difficulty(difficulty: float) -> None:
    """Refuses a difficulty outside [0, 1] (NaN too) in one line: a config is checked when it is
    made, not when its first clip is drawn."""
    if not 0.0 <= difficulty <= 1.0:
        raise ConfigError(f"difficulty {difficulty:g}: from 0 (easy) to 1 (hard)")


@dataclass(frozen=True)
class DifficultyKnobs:
    difficulty: float
    actor_height: tuple[float, float]
    far_shot_prob: float
    far_actor_height: tuple[float, float]
    shake: float
    shake_rotation: float
    follow_lag: tuple[float, float]
    occluder_prob: float
    passerby_prob: float
    max_distractors: int
    confuser_prob: float
    amp: tuple[float, float]
    speed: tuple[float, float]
    lighting: float

    def to_dict(self) -> dict:
        return asdict(self)


def knobs_for(difficulty: float) -> DifficultyKnobs:
    check_difficulty(difficulty)
    d = float(difficulty)
    return DifficultyKnobs(
        difficulty=d,
        actor_height=(0.55 - 0.4 * d, 0.9 - 0.2 * d),
        far_shot_prob=max(0.0, d - 0.5) * 0.6,
        far_actor_height=(0.06, 0.2),
        shake=0.002 + 0.012 * d,
        shake_rotation=0.2 + 1.5 * d,
        follow_lag=(0.1 + 0.3 * d, 0.3 + 0.6 * d),
        occluder_prob=0.05 + 0.4 * d,
        passerby_prob=0.3 * d,
        max_distractors=int(round(1 + 4 * d)),
        confuser_prob=0.1 + 0.6 * d,
        amp=(1.0 - 0.5 * d, 1.1 - 0.1 * d),
        speed=(1.0 - 0.25 * d, 1.0 + 0.25 * d),
        lighting=0.05 + 0.25 * d,
    )
