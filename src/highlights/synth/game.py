"""A whole untrimmed game: shots separated by camera cuts, background play, highlight events at
random times, streamed frame by frame into the encoder with per-frame ground truth.

Outputs, for `DIR/NAME`: `NAME.mp4`; `NAME.json` (the event annotation, see
`highlights.events`, with the licence, provenance and generator settings); `NAME.gt.jsonl`
(one line per encoded frame: `{"frame", "t", "shot",
"persons": [{"id", "actor", "box", "keypoints"}], "props": [...]}`). In a game, `actor` marks the
player the camera follows in that shot (the one who performs the shot's events); person ids are
unique across the game (a cut never reuses an id).

Memory stays flat however long the game: one shot's background panorama and one frame are held
at a time, and the ground truth is written line by line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from highlights.atomic import atomic_path, atomic_write_json, written_together
from highlights.errors import ConfigError
from highlights.events import Event, GameAnnotation, Shot
from highlights.events.formats import annotation_data
from highlights.file_set import WRITTEN_WITH, partners_record
from highlights.synth import actions, background, jump_shots
from highlights.synth.body import KIT_COLOURS, BodyShape, sample_body
from highlights.synth.camera import Camera, CameraStyle, frame_corners_in_pano
from highlights.synth.clip import (ACTIVE_NONE_MOTIONS, ACTIVE_NONE_SHARE, BASKETBALL_SHOTS,
                                   CONFUSERS, GENERATOR, LABEL_OF_SPORT, LICENCE, MAX_FPS,
                                   MIN_SIDE_PX, NONE_MOTIONS, SPORTS, TIMED_NONE_BUILDERS,
                                   background_motion)
from highlights.synth.difficulty import DifficultyKnobs, check_difficulty, knobs_for
from highlights.synth.motion import KeyedMotion, Segment, Timeline
from highlights.synth.render import PersonInFrame, draw_scene_people, to_frame
from highlights.synth.scene import Projector, SceneSpec, fixture_landmarks, render_panorama, sample_scene

GAME_SPORTS = ("mixed", *SPORTS)
# How far the followed player roams from the middle of the shot (metres).
ROAM = 7.0
# A burst's second key moment after the first's (seconds): drawn in this range, or as soon as the
# two motions allow where that is later.
BURST_GAP_S = (1.0, 3.0)


@dataclass(frozen=True)
class GameConfig:
    minutes: float
    sport: str = "mixed"
    width: int = 1280
    height: int = 720
    fps: float = 30.0
    events_per_minute: float = 2.0
    difficulty: float = 0.5
    seed: int = 0
    crf: int = 23
    # libx264 preset for the game video: superfast encodes faster than veryfast for about twice the
    # file size; ultrafast is faster still but drops CABAC and deblocking, unlike phone footage.
    preset: str = "superfast"
    name: str | None = None
    # The share of events followed by a burst: a second action of the same sport by the same
    # player, its key moment BURST_GAP_S after the event's (two shots in a drill), annotated as an
    # event of its own beside the events_per_minute. 0 makes no burst and draws nothing for them,
    # so a game without bursts is the game its seed made before the option existed.
    burst_share: float = 0.0

    def __post_init__(self) -> None:
        if self.sport not in GAME_SPORTS:
            raise ConfigError(f"--sport {self.sport}: the synthetic generator draws only {', '.join(GAME_SPORTS)} "
                              "games; a game of another sport comes from your own footage")
        # Which one, and its value: from Python no option range has refused it first. NaN too.
        for name, value, allowed in (("minutes", self.minutes, self.minutes > 0),
                                     ("fps", self.fps, self.fps > 0),
                                     ("events_per_minute", self.events_per_minute,
                                      self.events_per_minute >= 0)):
            if not allowed:
                least = "0 or more" if name == "events_per_minute" else "above 0"
                raise ConfigError(f"{name} {value:g}: must be {least}")
        if self.fps > MAX_FPS:
            raise ConfigError(f"--fps {self.fps:g}: at most {MAX_FPS:g} (phones film slow motion at up to 960)")
        check_difficulty(self.difficulty)
        if min(self.width, self.height) < MIN_SIDE_PX:
            raise ConfigError(f"size {self.width}x{self.height}: each side at least "
                              f"{MIN_SIDE_PX} pixels")
        if not 0.0 <= self.burst_share <= 1.0:
            raise ConfigError(f"burst_share {self.burst_share:g}: a share of the events, from 0 to 1")
        if self.name and (self.name.startswith(".") or "/" in self.name or "\\" in self.name):
            # The name is joined to the output folder: `../x` would write the game beside it.
            raise ConfigError(f"--name {self.name!r}: a file name stem, not a path or a hidden name "
                              "(the game is written in --out)")

    @property
    def stem(self) -> str:
        return self.name or f"game_{self.sport}_s{self.seed}"

    def to_dict(self) -> dict:
        out = asdict(self)
        # Without bursts the settings read as before the option: they key the caches of games
        # already made (the benches' stamps, the pose classifier's rendered training games).
        if not self.burst_share:
            del out["burst_share"]
        return out


@dataclass
class PersonTrack:
    pid: int
    actor: bool
    shape: BodyShape
    depth: float
    timeline: Timeline


@dataclass
class ShotPlan:
    index: int
    start: float
    end: float
    sport: str
    scene: SceneSpec
    projector: Projector
    focus: PersonTrack
    people: list[PersonTrack]
    style: CameraStyle
    camera_seed: int
    events: list[Event] = field(default_factory=list)
    # The ids of those events that are a burst's second action (`GameConfig.burst_share`). The
    # annotation does not say it: a scorer of the game is told the events, not how they were made.
    burst_second_actions: list[str] = field(default_factory=list)


def _shots(rng: np.random.Generator, duration: float, sport: str) -> list[tuple[float, float, str]]:
    lo, hi = min(12.0, duration / 2), min(40.0, duration)
    shots, t, last = [], 0.0, None
    while t < duration - 1e-6:
        length = float(rng.uniform(lo, hi))
        if duration - (t + length) < max(5.0, lo * 0.5):
            length = duration - t
        s = sport
        if sport == "mixed":
            options = [x for x in SPORTS if x != last] if rng.random() < 0.75 else list(SPORTS)
            s = str(rng.choice(options))
        shots.append((t, t + length, s))
        t, last = t + length, s
    return shots


def _wander(shape, rng, sport: str, x: float, centre: float, duration: float, knobs: DifficultyKnobs,
            *, allow_confusers: bool) -> KeyedMotion:
    """One stretch of background play starting at x, tending back towards `centre`: a confuser
    now and then, active play (sprints, passes, pitching, juggling, keeper dives) as often as in a
    `none` clip, else calm play (standing, walking, jogging, dribbling, stretching). Active play
    is what makes a game's precision a real test: a pipeline that keys on "somebody moved fast"
    fires on it."""
    if allow_confusers and rng.random() < knobs.confuser_prob * 0.35:
        name = str(rng.choice(CONFUSERS[sport]))
        builder = actions.CONFUSER_BUILDERS[name]
        facing = 1 if rng.random() < 0.5 else -1
        return builder(shape, rng, x, facing, pre=0.3, post=0.4,
                       amp=float(rng.uniform(*knobs.amp)), speed=float(rng.uniform(*knobs.speed)))
    active = rng.random() < ACTIVE_NONE_SHARE
    name = str(rng.choice(ACTIVE_NONE_MOTIONS[sport] if active else NONE_MOTIONS[sport]))
    if abs(x - centre) > ROAM * 0.6 and name not in ("walk", "jog"):
        name = "walk"
    facing = ((1 if centre > x else -1) if abs(x - centre) > 2 or rng.random() < 0.5
              else (1 if rng.random() < 0.5 else -1))
    if name in TIMED_NONE_BUILDERS:
        return _timed_play(TIMED_NONE_BUILDERS[name], shape, rng, x, facing, duration, knobs)
    return background_motion(name, shape, rng, x, facing, duration)


def _timed_play(builder, shape, rng, x: float, facing: int, duration: float, knobs: DifficultyKnobs) -> KeyedMotion:
    """A timed motion (a pass, a pitch) padded with stillness to fill `duration`; one that does
    not fit even unpadded gives way to standing (the caller's slot is fixed)."""
    amp, speed = float(rng.uniform(*knobs.amp)), float(rng.uniform(*knobs.speed))
    seed = int(rng.integers(2**31))
    core = builder(shape, np.random.default_rng(seed), x, facing, pre=0.0, post=0.0, amp=amp, speed=speed).duration
    slack = duration - core
    if slack < 0:
        return background.stand(shape, rng, x, facing, duration)
    pre = slack * float(rng.uniform(0.2, 0.8))
    return builder(shape, np.random.default_rng(seed), x, facing, pre=pre, post=slack - pre,
                   amp=amp, speed=speed)


def _travel(shape, rng, x_from: float, x_to: float, duration: float) -> KeyedMotion:
    """Walk or jog from x_from so as to arrive at x_to after `duration`."""
    dist = abs(x_to - x_from)
    facing = 1 if x_to >= x_from else -1
    speed = dist / max(duration, 1e-3)
    if speed < 0.3:
        return background.stand(shape, rng, x_from, facing, duration)
    gait = background.WALK if speed < 1.9 else (background.JOG if speed < 4.0 else background.RUN)
    return background.locomote(shape, rng, x_from, facing, duration, speed=speed, gait=gait)


def _event_motion(sport: str, shape, rng, scene: SceneSpec, x_now: float, knobs: DifficultyKnobs,
                  pre: float, post: float) -> KeyedMotion:
    amp, speed = float(rng.uniform(*knobs.amp)), float(rng.uniform(*knobs.speed))
    fixture = scene.fixtures[0]
    za = scene.actor_depth
    if sport == "baseball":
        return actions.baseball_swing(shape, rng, fixture["x"], fixture["facing"], pre=pre, post=post,
                                      amp=amp, speed=speed)
    if sport == "basketball":
        # A shot at the rim, varied as in clips: layups, jump shots and free throws.
        weights = np.array([w for _, w in BASKETBALL_SHOTS])
        kind = BASKETBALL_SHOTS[int(rng.choice(len(weights), p=weights / weights.sum()))][0]
        builder = {"layup": actions.basketball_layup, "jump_shot": jump_shots.jump_shot,
                   "free_throw": jump_shots.free_throw}[kind]
        m = builder(shape, rng, 0.0, fixture["facing"], pre=pre, post=post, amp=amp, speed=speed)
        return m.shifted(fixture["x"] - m.fixtures["hoop"]["x"])
    gx, gz = fixture["x"], fixture["depth"]
    ball_x = float(np.clip(x_now, gx - 12, gx + 12))
    facing = 1 if gx >= ball_x else -1
    return actions.soccer_shooting(shape, rng, ball_x, facing, pre=pre, post=post, amp=amp,
                                   speed=speed, goal=(gx - ball_x, gz - za))


def _burst_follow_up(sport: str, shape, rng, scene: SceneSpec, first: KeyedMotion,
                     knobs: DifficultyKnobs) -> KeyedMotion:
    """The second action of a burst: the same sport's event motion, starting where `first` ends
    (the same player, without a jump in place), its key moment BURST_GAP_S after the first's. Moved
    to where the player stands, a shot's target (the hoop, the goal) moves with it: the ball flies
    at a point beside the drawn one, which the pose-reading pipeline does not see."""
    gap, post, seed = float(rng.uniform(*BURST_GAP_S)), float(rng.uniform(0.5, 1.0)), int(rng.integers(2**31))
    after_first = first.duration - first.action[1]
    # As _timed_play does: the same seed makes the same action, made again with the stillness
    # before it that puts its key moment `gap` after the first's.
    bare = _event_motion(sport, shape, np.random.default_rng(seed), scene, first.x_end, knobs, pre=0.0, post=post)
    pre = max(0.0, gap - after_first - bare.action[1])
    second = _event_motion(sport, shape, np.random.default_rng(seed), scene, first.x_end, knobs, pre=pre, post=post)
    return second.shifted(first.x_end - second.x_start)


def _length(motions: list[KeyedMotion]) -> float:
    return sum(m.duration for m in motions)


def _scene_for(rng, sport: str) -> SceneSpec:
    scene = sample_scene(rng, sport, actor_depth=float(rng.uniform(9.0, 15.0)))
    facing = 1 if rng.random() < 0.5 else -1
    za = scene.actor_depth
    if sport == "baseball":
        scene.fixtures = [{"type": "plate", "x": 0.0, "depth": za - 0.7, "facing": facing}]
    elif sport == "basketball":
        scene.fixtures = [{"type": "hoop", "x": facing * float(rng.uniform(3.0, 5.0)), "depth": za,
                           "facing": facing}]
    else:
        scene.fixtures = [{"type": "goal", "x": float(rng.uniform(-8, 8)), "depth": za + float(rng.uniform(12, 24))}]
    return scene


def _shot_settings(rng: np.random.Generator, shot_spans: list[tuple[float, float, str]]):
    """Each shot's scene, its followed player's body and two teams' kits, and where that player
    plays: around the plate or the hoop, anywhere on a pitch."""
    scenes, focus_shapes, centres = [], [], []
    for _, _, sport in shot_spans:
        scene = _scene_for(rng, sport)
        scenes.append(scene)
        teams = [KIT_COLOURS[int(i)] for i in rng.choice(len(KIT_COLOURS), size=2, replace=False)]
        focus_shapes.append((sample_body(rng, team=teams[0]), teams))
        # Where the followed player plays: around the plate or the hoop, anywhere on a pitch.
        fixture = scene.fixtures[0]
        centres.append(float(fixture["x"]) if sport != "soccer" else float(rng.uniform(-4, 4)))
    return scenes, focus_shapes, centres


def _event_slots(rng: np.random.Generator, cfg: GameConfig, duration: float, knobs: DifficultyKnobs,
                 shot_spans: list[tuple[float, float, str]], scenes: list[SceneSpec], focus_shapes: list,
                 centres: list[float]) -> list[tuple[int, float, list[KeyedMotion]]]:
    """The events: (shot, start, the event's motions in turn), in time order, drawn at random times
    inside shots, whole, apart from each other and from cuts (a slot that cannot be placed in 60
    tries is dropped)."""
    wanted = int(round(cfg.minutes * cfg.events_per_minute))
    if cfg.events_per_minute > 0 and wanted == 0 and duration >= 8:
        wanted = 1
    slots: list[tuple[int, float, list[KeyedMotion]]] = []   # (shot, start, the event's motions in turn)
    lengths = np.array([e - s for s, e, _ in shot_spans])
    for _ in range(wanted):
        for _attempt in range(60):
            k = int(rng.choice(len(shot_spans), p=lengths / lengths.sum()))
            s, e, sport = shot_spans[k]
            shape = focus_shapes[k][0]
            # Drawn only in a game with bursts: a game without keeps its random stream.
            burst = cfg.burst_share > 0 and rng.random() < cfg.burst_share
            x_now, pre = centres[k] + float(rng.uniform(-4, 4)), float(rng.uniform(0.6, 1.2))
            # A burst's first action stops short, so that the second can follow within BURST_GAP_S.
            post = float(rng.uniform(0.1, 0.3) if burst else rng.uniform(0.5, 1.0))
            motion = _event_motion(sport, shape, rng, scenes[k], x_now, knobs, pre=pre, post=post)
            motions = [motion, _burst_follow_up(sport, shape, rng, scenes[k], motion, knobs)] if burst else [motion]
            length = _length(motions)
            lo, hi = s + 2.0, e - length - 1.0
            if hi <= lo:
                continue
            t0 = float(rng.uniform(lo, hi))
            if all(t0 + length + 1.5 <= st or t0 >= st + _length(ms) + 1.5 for _, st, ms in slots):
                slots.append((k, t0, motions))
                break
    slots.sort(key=lambda s: s[1])
    return slots


def _play_before_event(segments: list[Segment], rng: np.random.Generator, *, shape, sport: str, centre: float,
                       knobs: DifficultyKnobs, t: float, x: float, st: float, target: float) -> tuple[float, float]:
    """Background play from `t` (at `x`) until the event at `st`, then travel to where it starts
    (`target`). Returns the time and place where the play left off."""
    gap = st - t
    if gap > 0.05:
        travel = min(gap, max(1.0, abs(target - x) / 2.5))
        idle = gap - travel
        while idle > 0.5:
            d = min(idle, float(rng.uniform(1.5, 5.0)))
            if idle - d < 0.5:
                d = idle
            w = _wander(shape, rng, sport, x, centre, d, knobs, allow_confusers=True)
            w = _fit(w, d, shape, rng, sport, x)
            segments.append(Segment(t, w))
            t, x = t + w.duration, w.x_end
            idle = st - travel - t
        travel = st - t
        if travel > 0.05:
            segments.append(Segment(t, _travel(shape, rng, x, target, travel)))
    return t, x


def _event_segments(segments: list[Segment], events: list[Event], burst_seconds: set[str], *, sport: str,
                    st: float, ms: list[KeyedMotion]) -> float:
    """The event's motions in turn from `st`, each annotated as an event (a burst's second action
    noted in `burst_seconds`). Returns when the last one ends."""
    for i, m in enumerate(ms):
        segments.append(Segment(st, m))
        a_s, a_k, a_e = m.action
        events.append(Event(id=f"e{len(events):03d}", sport=sport, label=LABEL_OF_SPORT[sport],
                            start_s=round(st + a_s, 3), end_s=round(st + a_e, 3), key_s=round(st + a_k, 3)))
        if i:
            burst_seconds.add(events[-1].id)
        st += m.duration
    return st


def _followed_player(rng: np.random.Generator, k: int, span: tuple[float, float, str], *, shape, centre: float,
                     knobs: DifficultyKnobs, slots: list, events: list[Event],
                     burst_seconds: set[str]) -> list[Segment]:
    """The followed player's segments in shot `k`: background play between the shot's events,
    travelling to where each event starts, the events (added to `events`), play to the shot's end."""
    s, e, sport = span
    segments: list[Segment] = []
    t, x = s, centre + float(rng.uniform(-3, 3))
    shot_events = [(st, ms) for kk, st, ms in slots if kk == k]
    for st, ms in shot_events:
        t, x = _play_before_event(segments, rng, shape=shape, sport=sport, centre=centre, knobs=knobs,
                                  t=t, x=x, st=st, target=ms[0].x_start)
        t = _event_segments(segments, events, burst_seconds, sport=sport, st=st, ms=ms)
        x = ms[-1].x_end
    while t < e - 1e-6:
        d = min(e - t, float(rng.uniform(2.0, 6.0)))
        w = _wander(shape, rng, sport, x, centre, d + 0.05, knobs, allow_confusers=False)
        segments.append(Segment(t, w))
        t, x = t + d, w.x_end
    return segments


def _shot_camera(rng: np.random.Generator, cfg: GameConfig, knobs: DifficultyKnobs, *, shape,
                 za: float) -> tuple[Projector, CameraStyle]:
    """The shot's lens (the followed player a share of the frame's height) and camera operator."""
    frac = float(rng.uniform(max(0.06, 0.3 - 0.22 * cfg.difficulty), 0.5 - 0.15 * cfg.difficulty))
    focal = frac * cfg.height * za / shape.height
    proj = Projector(focal=focal, cam_height=float(rng.uniform(1.3, 3.0)))
    # Filmed from the sideline: the operator pans after the player and shakes a little, but
    # holds zoom and roll within a shot (which also makes each frame a crop, see _background).
    style = CameraStyle(zoom=1.0, follow_lag=float(rng.uniform(0.4, 1.0)),
                        shake=knobs.shake * 0.6, shake_rotation=0.0, zoom_wobble=0.0,
                        framing=(0.0, float(rng.uniform(0.0, 0.12))))
    return proj, style


def plan_game(cfg: GameConfig) -> tuple[list[ShotPlan], list[Event], int]:
    """Shots, their people and timelines, and the events (absolute seconds); plus frame count."""
    rng = np.random.default_rng([cfg.seed, 21])
    knobs = knobs_for(cfg.difficulty)
    duration = cfg.minutes * 60.0
    n_frames = max(1, int(round(duration * cfg.fps)))
    duration = n_frames / cfg.fps
    shot_spans = _shots(rng, duration, cfg.sport)
    scenes, focus_shapes, centres = _shot_settings(rng, shot_spans)
    slots = _event_slots(rng, cfg, duration, knobs, shot_spans, scenes, focus_shapes, centres)
    shots: list[ShotPlan] = []
    events: list[Event] = []
    burst_seconds: set[str] = set()
    for k, (s, e, sport) in enumerate(shot_spans):
        scene = scenes[k]
        shape, teams = focus_shapes[k]
        za = scene.actor_depth
        segments = _followed_player(rng, k, (s, e, sport), shape=shape, centre=centres[k], knobs=knobs,
                                    slots=slots, events=events, burst_seconds=burst_seconds)
        pid_base = 100 * k
        focus = PersonTrack(pid_base, True, shape, za, Timeline(segments))
        people = [focus] + _extras(rng, sport, scene, teams, s, e, knobs, pid_base, shape)
        proj, style = _shot_camera(rng, cfg, knobs, shape=shape, za=za)
        shots.append(ShotPlan(k, s, e, sport, scene, proj, focus, people, style,
                              camera_seed=int(rng.integers(2**31)),
                              events=[ev for ev in events if s <= ev.start_s < e],
                              burst_second_actions=[ev.id for ev in events
                                                    if s <= ev.start_s < e and ev.id in burst_seconds]))
    return shots, events, n_frames


def _fit(motion: KeyedMotion, d: float, shape, rng, sport, x) -> KeyedMotion:
    """Confusers come with their own length; replace one that would overrun its slot."""
    if motion.duration <= d + 1e-6:
        return motion
    return background.stand(shape, rng, x, motion.facing, d)


def _extras(rng, sport: str, scene: SceneSpec, teams, s: float, e: float, knobs: DifficultyKnobs,
            pid_base: int, focus_shape: BodyShape) -> list[PersonTrack]:
    """Other players, farther or nearer, doing background play for the whole shot."""
    za = scene.actor_depth
    out = []
    n = int(rng.integers(1, knobs.max_distractors + 2))
    for i in range(n):
        depth = za + float(rng.uniform(-3.0, 20.0))
        depth = max(3.0, depth)
        shape = sample_body(rng, team=teams[int(rng.integers(2))])
        centre = float(rng.uniform(-10, 10)) * depth / za
        segs, t, x = [], s, centre
        while t < e - 1e-6:
            d = min(e - t, float(rng.uniform(2.0, 7.0)))
            w = _wander(shape, rng, sport, x, centre, d + 0.05, knobs, allow_confusers=True)
            w = _fit(w, d + 0.05, shape, rng, sport, x)
            segs.append(Segment(t, w))
            t, x = t + min(d, w.duration), w.x_end
        out.append(PersonTrack(pid_base + 1 + i, False, shape, depth, Timeline(segs)))
    if sport == "baseball":
        fixture = scene.fixtures[0]
        f = fixture["facing"]
        catcher = sample_body(rng, team=teams[1])
        out.append(PersonTrack(pid_base + 50, False, catcher, za + 0.4, Timeline([Segment(
            s, background.stand(catcher, rng, fixture["x"] - f * 1.1 * focus_shape.height * 0.55, f,
                                e - s + 0.1, style="crouch"))])))
    return out


def _background(pano: np.ndarray, affine: np.ndarray, offset: np.ndarray,
                size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The frame's background and the affine the people must be drawn with.

    A game camera neither rolls nor zooms within a shot, so the affine is a translation: round
    it to whole pixels and the background is a crop of the panorama (no resampling, ~10x
    cheaper than warpAffine at 720p); the people are drawn with the same rounded translation.
    """
    shifted = affine.copy()
    shifted[:, 2] += affine[:, :2] @ offset
    w, h = size
    if np.allclose(shifted[:, :2], np.eye(2), atol=1e-9):
        tx, ty = np.round(shifted[:, 2])
        x0, y0 = int(-tx), int(-ty)
        if 0 <= x0 and 0 <= y0 and x0 + w <= pano.shape[1] and y0 + h <= pano.shape[0]:
            snapped = affine.copy()
            snapped[:, 2] += np.array([tx, ty]) - shifted[:, 2]
            return pano[y0:y0 + h, x0:x0 + w].copy(), snapped
    frame = cv2.warpAffine(pano, shifted, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return frame, affine


def _frame_truth(frame: int, t: float, shot: int, persons: list, props: list) -> str:
    return json.dumps({"frame": frame, "t": round(t, 4), "shot": shot, "persons": persons,
                       "props": props}, separators=(",", ":"))


def shot_frames(shot: ShotPlan, cfg: GameConfig, n_frames: int) -> range:
    """The video frames a shot covers (empty for a shot shorter than one frame)."""
    first = int(np.ceil(shot.start * cfg.fps - 1e-9))
    return range(first, min(n_frames, int(np.ceil(shot.end * cfg.fps - 1e-9))))


def shot_camera_path(shot: ShotPlan, cfg: GameConfig, frames: range) -> list[np.ndarray]:
    """The shot camera's affine at each of `frames`: it follows the focus player's hips."""
    camera = Camera(shot.style, (cfg.width, cfg.height), np.random.default_rng(shot.camera_seed))
    proj, za = shot.projector, shot.scene.actor_depth
    affines = []
    for i in frames:
        t = i / cfg.fps
        seg = shot.focus.timeline.segments[shot.focus.timeline.index_at(t)]
        hip_x = seg.motion.hip_x(min(t - seg.start, seg.motion.duration))
        target = np.array(proj.to_pano(hip_x, 0.55 * shot.focus.shape.height, za), dtype=float)
        affines.append(camera.affine(t, target))
    return affines


def render_game_frames(cfg: GameConfig, shots: list[ShotPlan], n_frames: int,
                       truth_out, on_frame: Callable[[int], None] | None = None) -> Iterator[np.ndarray]:
    """Frames of the game in order; writes one ground-truth line per frame to `truth_out`."""
    size = (cfg.width, cfg.height)
    for shot in shots:
        frames = shot_frames(shot, cfg, n_frames)
        if not frames:
            continue
        proj = shot.projector
        affines = shot_camera_path(shot, cfg, frames)
        corners = np.concatenate([frame_corners_in_pano(a, *size) for a in affines])
        lo, hi = np.floor(corners.min(axis=0)) - 4, np.ceil(corners.max(axis=0)) + 4
        origin = (int(lo[0]), int(lo[1]))
        pano = render_panorama(shot.scene, proj, origin, (int(hi[0] - lo[0]), int(hi[1] - lo[1])))
        landmarks = [(n, p) for fix in shot.scene.fixtures for n, p in fixture_landmarks(fix)]
        offset = np.array(origin, dtype=float)
        for i, affine in zip(frames, affines):
            t = i / cfg.fps
            frame, affine = _background(pano, affine, offset, size)
            people = []
            for p in shot.people:
                skel, props, _ = p.timeline.at(t)
                people.append(PersonInFrame(p.pid, p.actor, p.shape, skel, p.depth, props))
            persons, props = draw_scene_people(frame, people, proj, affine)
            for name, (x, y, z) in landmarks:
                u, v = proj.to_pano(x, y, z)
                q = to_frame(affine, u, v)
                props.append({"kind": name, "point": [round(float(q[0]), 1), round(float(q[1]), 1)]})
            truth_out.write(_frame_truth(i, t, shot.index, persons, props))
            truth_out.write("\n")
            if on_frame:
                on_frame(i)
            yield frame
        del pano


def generate_game(out_dir: str | Path, cfg: GameConfig,
                  on_progress: Callable[[int, int], None] | None = None) -> dict[str, Path]:
    """Write `NAME.mp4`, `NAME.json` and `NAME.gt.jsonl` into `out_dir`; returns their paths."""
    from highlights.video import write_video

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = cfg.stem
    shots, events, n_frames = plan_game(cfg)
    video = out_dir / f"{stem}.mp4"
    gt = out_dir / f"{stem}.gt.jsonl"
    # The three files take their places together: a disk that fills part way leaves an earlier
    # game of this name as it was, never its video beside this one's annotation.
    with written_together():
        # The per-frame truth is streamed to its file while the frames are rendered and encoded.
        with atomic_path(gt) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            progress = (lambda i: on_progress(i + 1, n_frames)) if on_progress else None
            write_video(video, render_game_frames(cfg, shots, n_frames, fh, progress), cfg.fps, crf=cfg.crf,
                        preset=cfg.preset)
        ann = GameAnnotation(video=video.name, fps=float(cfg.fps), duration_s=round(n_frames / cfg.fps, 6),
                             width=cfg.width, height=cfg.height, sport=cfg.sport, events=events,
                             shots=[Shot(round(s.start, 3), round(s.end, 3)) for s in shots])
        # The annotation last, naming the video's and the truth's sha256: a kill between the renames
        # over an earlier game of this name leaves an annotation that says they are not its own.
        # The licence and the settings that drew it, as a synthetic clip's truth states them: a
        # game copied out of its folder keeps where it came from.
        annotation = atomic_write_json(out_dir / f"{stem}.json", {
            **annotation_data(ann, "highlights"), "licence": LICENCE,
            "provenance": f"{GENERATOR} game seed={cfg.seed}", "generator_settings": cfg.to_dict(),
            WRITTEN_WITH: partners_record([video, gt])}, indent=2)
    return {"video": video, "annotation": annotation, "truth": gt}
