"""Training windows cut from whole synthetic games the way the pipeline cuts them, without rendering.

The pipeline does not see trimmed clips: it sees a 2 s window centred on every kinematic trigger
of every tracked person of an untrimmed game, so most of what it classifies is the followed
player's own running, crossing and passing, and windows a few seconds off an action. Here a game
is planned with the generator (`synth.game.plan_game`: the same shots, camera, players, background
play and events as a rendered game), every person's ground-truth COCO-17 points are projected
into the frame through the shot's camera at the classifier's frame rate (no pixel is drawn, no
pose model runs), and the pipeline's own trigger finder (`pipeline.kinematics.find_triggers`,
default thresholds) picks the window centres on each track. A few windows at random times per
track stand in for the triggers a real estimator's noise adds.

Labels come from the generator's events: a window of the followed player whose centre lies
within `action_within_s` of an event's key moment is that event's class (every event also gives
one such window even where no trigger fell that close); one whose centre is `none_beyond_s` or
more from every key moment, and every window of another player, is `none`; the ones between are
left out (they would be counted as found events, or as duplicates, not as false highlights).

Game seeds are drawn from their own range (`game_seed`), which never holds the games the project
measures on (`HELD_OUT_GAME_SEEDS`: the synthetic-game bench's test and fit games, the demo's game).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np

from highlights.errors import ConfigError
from highlights.progress import progress_bar
from highlights.synth.game import GameConfig, plan_game, shot_camera_path, shot_frames
from highlights.synth.render import to_frame

# bench/bench_synthetic_game.py's test games (202-204) and fit game (101), the demo's game (3).
HELD_OUT_GAME_SEEDS = frozenset({3, 101, 202, 203, 204})
MIN_SEEN_JOINTS = 6   # a person with fewer joints in the frame has no pose that frame


@dataclass(frozen=True)
class GameWindowSpec:
    games: int = 0
    seed: int = 0                  # which range of game seeds (`game_seed`)
    minutes: float = 5.0
    width: int = 640
    height: int = 360
    video_fps: float = 30.0
    difficulty: tuple[float, float] = (0.3, 0.8)
    fps: float = 10.0              # the classifier's rate (`model.PoseWindowSpec`)
    window_frames: int = 20
    action_within_s: float = 0.5   # window centre this close to a key moment: the action
    none_beyond_s: float = 1.5     # this far from every key moment: `none`
    random_every_s: float = 5.0    # one window at a random time per this many seconds of track
    min_height: float = 0.06       # people shorter than this share of the frame are not tracked

    def __post_init__(self) -> None:
        if self.games < 0 or self.minutes <= 0:
            raise ConfigError(f"game windows: games must be >= 0 and minutes > 0, got {self.games}, {self.minutes}")
        if not 0 < self.action_within_s <= self.none_beyond_s:
            raise ConfigError("game windows: need 0 < action_within_s <= none_beyond_s")

    def to_dict(self) -> dict:
        return asdict(self)


def game_seed(spec: GameWindowSpec, i: int) -> int:
    seed = 10_000 + 1_000 * int(spec.seed) + int(i)
    if seed in HELD_OUT_GAME_SEEDS:   # cannot happen with the range above; kept as the rule's guard
        raise ConfigError(f"game seed {seed} is one the project measures on")
    return seed


def _track_points(shot, person, times: np.ndarray, affines: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(T, 17, 3) frame pixels (x right, y down) with visibility 1 where the joint is in the frame."""
    proj = shot.projector
    out = np.zeros((len(times), 17, 3), np.float32)
    for k, t in enumerate(times):
        skel, _, _ = person.timeline.at(float(t))
        pts = skel.points[:17]
        u, v = proj.to_pano(pts[:, 0], pts[:, 1], person.depth)
        px = to_frame(affines[k], u, v)
        inside = (px[:, 0] >= 0) & (px[:, 0] < size[0]) & (px[:, 1] >= 0) & (px[:, 1] < size[1])
        out[k, :, :2] = px
        out[k, :, 2] = inside
    return out


def _centres(times: np.ndarray, kp: np.ndarray, rng: np.random.Generator,
             spec: GameWindowSpec, kinematics) -> list[tuple[float, str]]:
    """Window centres on one track: its kinematic triggers, found as the pipeline finds them (joints
    outside the frame unseen, speeds in the body heights the pipeline measures), and a few random times."""
    from highlights.pipeline.kinematics import body_height, find_triggers, suppress

    pts = kp.astype(np.float64).copy()
    pts[pts[:, :, 2] < 0.5, :2] = np.nan
    height = float(np.nanmedian([body_height(frame, None) for frame in pts]))
    triggers = suppress(find_triggers(times, pts, scale=height, config=kinematics), kinematics.trigger_nms_s)
    out = [(t.key_s, "trigger") for t in triggers]
    span = float(times[-1] - times[0])
    for _ in range(int(rng.poisson(span / spec.random_every_s))):
        out.append((float(rng.uniform(times[0], times[-1])), "random"))
    return out


def game_config(spec: GameWindowSpec, i: int) -> GameConfig:
    """The `i`-th training game of `spec`."""
    seed = game_seed(spec, i)
    difficulty = float(np.random.default_rng([seed, 31]).uniform(*spec.difficulty))
    return GameConfig(minutes=spec.minutes, width=spec.width, height=spec.height, fps=spec.video_fps,
                      difficulty=difficulty, seed=seed)


def game_tracks(cfg: GameConfig, fps: float) -> Iterator[tuple[object, object, np.ndarray, np.ndarray]]:
    """Every person of every shot of the game `cfg` plans, seen through the shot's camera:
    (shot plan, person, times, (T, 17, 3) frame pixels with visibility 1 where the joint is inside
    the frame), at the video frames nearest `fps` (every frame when `fps` >= the video's)."""
    shots, _, n_frames = plan_game(cfg)
    step = max(1, int(round(cfg.fps / fps)))
    for shot in shots:
        frames = shot_frames(shot, cfg, n_frames)[::step]
        if not frames:
            continue
        affines = shot_camera_path(shot, cfg, frames)
        times = np.asarray(frames, dtype=np.float64) / cfg.fps
        for person in shot.people:
            yield shot, person, times, _track_points(shot, person, times, affines, (cfg.width, cfg.height))


def window_label(centre: float, keys: list[tuple[float, str]], followed: bool,
                 spec: GameWindowSpec) -> tuple[str, str] | None:
    """(class, origin) of a window centred at `centre` s on a track, given the (key moment, class)
    of the events that track performs; None for a window too near an event to be `none` and too
    far to hold its key moment in the middle."""
    near = min(keys, key=lambda kl: abs(kl[0] - centre), default=None)
    d = abs(near[0] - centre) if near is not None else np.inf
    if d <= spec.action_within_s:
        return near[1], f"game:{near[1]}"
    if d >= spec.none_beyond_s:
        return "none", ("game_none:followed" if followed else "game_none:background")
    return None


def game_windows(spec: GameWindowSpec, *, show_progress: bool = False,
                 classes: tuple[str, ...] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(N, T, 17, 3) frame-pixel windows (x right, y down, visibility 0/1), (N,) class indices into
    `classes` (default: the generator's), and each window's origin (`game:<label>`, or
    `game_none:followed`, `game_none:background`)."""
    from highlights.pipeline.config import KinematicsConfig
    from highlights.synth.clip import LABELS

    classes = tuple(classes or LABELS)
    kinematics = KinematicsConfig()
    T = spec.window_frames
    windows: list[np.ndarray] = []
    labels: list[int] = []
    names: list[str] = []
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task("game pose windows", total=spec.games)
        for g in range(spec.games):
            cfg = game_config(spec, g)
            rng = np.random.default_rng([cfg.seed, 32])
            for shot, person, times, kp in game_tracks(cfg, spec.fps):
                if len(times) < T:
                    continue
                keys = [(ev.key_s, ev.label) for ev in shot.events if ev.label in classes]
                present = (kp[:, :, 2] > 0).sum(axis=1) >= MIN_SEEN_JOINTS
                if present.sum() < T:
                    continue
                if np.median(np.ptp(kp[present, :, 1], axis=1)) < spec.min_height * cfg.height:
                    continue
                kp[~present, :, 2] = 0.0
                centres = _centres(times[present], kp[present], rng, spec, kinematics)
                if person.actor:
                    centres += [(k + float(rng.uniform(-spec.action_within_s, spec.action_within_s)), "event")
                                for k, _ in keys]
                for centre, _source in centres:
                    labelled = window_label(centre, keys if person.actor else [], person.actor, spec)
                    if labelled is None:
                        continue
                    label, name = labelled
                    grid = centre - 0.5 * (T - 1) / spec.fps + np.arange(T) / spec.fps
                    idx = np.round((grid - times[0]) * spec.fps).astype(int)
                    inside = (idx >= 0) & (idx < len(times))
                    w = np.zeros((T, 17, 3), np.float32)
                    w[inside] = kp[idx[inside]]
                    if (w[:, :, 2].max(axis=1) > 0).mean() < 0.75:
                        continue   # the person is not there for most of the window
                    windows.append(w)
                    labels.append(classes.index(label))
                    names.append(name)
            progress.advance(task)
    return (np.asarray(windows, np.float32).reshape(-1, T, 17, 3), np.asarray(labels, np.int64), names)
