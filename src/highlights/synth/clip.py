"""One labelled clip: plan it from a seed, render it frame by frame, encode it, write its truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from highlights import __version__
from highlights.atomic import atomic_write_json, written_together
from highlights.file_set import WRITTEN_WITH, partners_record
from highlights.synth import actions, active_play, background, jump_shots
from highlights.synth.body import BodyShape, KIT_COLOURS, sample_body
from highlights.synth.camera import Camera, CameraStyle, frame_corners_in_pano
from highlights.synth.difficulty import DifficultyKnobs, knobs_for
from highlights.synth.motion import KeyedMotion
from highlights.synth.render import Occluder, PersonInFrame, draw_scene_people, to_frame
from highlights.synth.scene import Projector, SceneSpec, render_panorama, sample_scene, fixture_landmarks
from highlights.vocabulary import CLASSES, LABEL_OF_SPORT, SPORT_OF_LABEL, SPORTS  # noqa: F401 (the generator's names)

LABELS = CLASSES  # the generator makes every class the project knows
GENERATOR = f"highlights synth v{__version__}"
# What every synthetic clip may be used under, stated in the clip set's manifest and in each
# clip's truth beside it, so that a clip copied out of its set keeps it.
LICENCE = "synthetic, CC0"


def provenance_of(seed: int, difficulty: float) -> str:
    """Where a synthetic clip came from: the generator, its seed and its difficulty."""
    return f"{GENERATOR} seed={seed} difficulty={difficulty:g}"
# The fastest frame rate the generator draws at: above the fastest phone slow motion (960 fps).
# Without a bound a typo such as 1e300 renders for ever.
MAX_FPS = 1000.0
# The smallest picture side the generator draws: a player in fewer pixels is no action to learn.
MIN_SIDE_PX = 16
# The shortest clip `synth clips` draws, in seconds: a few frames at the slowest rates.
MIN_CLIP_SECONDS = 0.1

# Background play per sport for `none`, and the confusers that resemble each sport's action.
NONE_MOTIONS: dict[str, tuple[str, ...]] = {
    "baseball": ("stand_idle", "stand_ready", "walk", "jog", "stretch"),
    "basketball": ("stand_idle", "walk", "jog", "dribble_basketball", "stretch"),
    "soccer": ("stand_idle", "walk", "jog", "dribble_soccer", "stretch"),
}
CONFUSERS: dict[str, tuple[str, ...]] = {
    "baseball": ("check_swing", "take_pitch"),
    "basketball": ("jump_no_shot",),
    "soccer": ("slow_pass",),
}
# Active background play (`synth.active_play`, sprints): part of a `none` clip's choices, as in
# real footage between highlights.
ACTIVE_NONE_MOTIONS: dict[str, tuple[str, ...]] = {
    "baseball": ("pitch", "run"),
    "basketball": ("chest_pass", "run"),
    "soccer": ("run", "cross", "ground_pass", "keeper_dive", "juggle"),
}
ACTIVE_NONE_SHARE = 0.4
# The basketball class is a shot at the rim: layups, jump shots and free throws.
BASKETBALL_SHOTS: tuple[tuple[str, float], ...] = (
    ("layup", 0.4), ("jump_shot", 0.45), ("free_throw", 0.15))


@dataclass(frozen=True)
class ClipRequest:
    """Everything that decides a clip. Clips of one `group` share `scene_seed` (one source video:
    the same scene, camera height, size, frame rate and rotation)."""

    label: str
    seed: int
    scene_seed: int
    group: str
    sport: str
    seconds: float = 2.0
    width: int = 640          # displayed (upright) size
    height: int = 360
    fps: float = 30.0
    rotation: int = 0         # display rotation written to the file (portrait phones: 90/270)
    difficulty: float = 0.5
    motion: str | None = None  # force a background motion / confuser for `none`

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise ValueError(f"unknown label {self.label!r}; expected one of {LABELS}")
        if self.sport not in SPORTS:
            raise ValueError(f"unknown sport {self.sport!r}; expected one of {SPORTS}")
        if self.label != "none" and SPORT_OF_LABEL[self.label] != self.sport:
            raise ValueError(f"label {self.label} belongs to {SPORT_OF_LABEL[self.label]}, not {self.sport}")
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0/90/180/270, got {self.rotation}")
        if self.seconds <= 0 or self.fps <= 0:
            raise ValueError("seconds and fps must be positive")


@dataclass
class Actor:
    pid: int
    actor: bool
    shape: BodyShape
    motion: KeyedMotion
    depth: float
    start: float = 0.0      # when the motion starts (seconds into the clip)


@dataclass
class ClipPlan:
    request: ClipRequest
    knobs: DifficultyKnobs
    scene: SceneSpec
    projector: Projector
    people: list[Actor]
    occluders: list[Occluder]
    affines: list[np.ndarray]
    pano_origin: tuple[int, int]
    pano_size: tuple[int, int]
    gains: np.ndarray
    motion_name: str
    action: dict | None
    meta: dict = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        return len(self.affines)


def _build_action(builder, shape, seed_seq, x0, facing, seconds, amp, speed, **kw) -> KeyedMotion:
    """Build a timed motion that fits the clip, with random lead-in and lead-out around it."""
    probe = builder(shape, np.random.default_rng(seed_seq), x0, facing, pre=0.0, post=0.0,
                    amp=amp, speed=speed, **kw)
    core = probe.duration
    if core > 0.92 * seconds:   # a short clip: play the action faster so it fits
        speed *= core / (0.92 * seconds)
        probe = builder(shape, np.random.default_rng(seed_seq), x0, facing, pre=0.0, post=0.0,
                        amp=amp, speed=speed, **kw)
        core = probe.duration
    slack = max(0.0, seconds - core)
    rng = np.random.default_rng(seed_seq)
    pre = slack * float(np.random.default_rng([*seed_seq, 7]).uniform(0.25, 0.75))
    return builder(shape, rng, x0, facing, pre=pre, post=slack - pre + 0.05, amp=amp, speed=speed, **kw)


def background_motion(name: str, shape, rng, x0, facing, seconds) -> KeyedMotion:
    """A background-play motion by name (see NONE_MOTIONS) lasting `seconds`."""
    if name.startswith("stand_"):
        return background.stand(shape, rng, x0, facing, seconds, style=name.split("_", 1)[1])
    builders = {"walk": background.walk, "jog": background.jog, "run": background.run,
                "dribble_basketball": background.dribble_basketball,
                "dribble_soccer": background.dribble_soccer, "stretch": background.stretch}
    return builders[name](shape, rng, x0, facing, seconds)


def _choose_none_motion(rng, sport: str, knobs: DifficultyKnobs, seed: int) -> str:
    if rng.random() < knobs.confuser_prob:
        return str(rng.choice(CONFUSERS[sport]))
    name = str(rng.choice(NONE_MOTIONS[sport]))
    # Drawn from its own stream so the rest of the clip's plan does not depend on it.
    active = np.random.default_rng([seed, 6])
    if active.random() < ACTIVE_NONE_SHARE:
        name = str(active.choice(ACTIVE_NONE_MOTIONS[sport]))
    return name


def action_builder(label: str, seed: int):
    """The builder of a `label` clip's action; basketball shots vary (layup, jump shot, free throw)."""
    if label != "basketball_layup":
        return actions.ACTION_BUILDERS[label]
    names = [n for n, _ in BASKETBALL_SHOTS]
    weights = np.array([w for _, w in BASKETBALL_SHOTS])
    kind = names[int(np.random.default_rng([seed, 5]).choice(len(names), p=weights / weights.sum()))]
    return {"layup": actions.basketball_layup, "jump_shot": jump_shots.jump_shot,
            "free_throw": jump_shots.free_throw}[kind]


TIMED_NONE_BUILDERS = {**actions.CONFUSER_BUILDERS, **active_play.ACTIVE_BUILDERS}


def plan_actor(req: ClipRequest, rng: np.random.Generator, knobs: DifficultyKnobs, *,
               team=None) -> tuple[int, BodyShape, KeyedMotion, str]:
    """The clip's actor: facing, body, motion over the clip and the motion's name. Also the
    pose classifier's training data (its keypoints, without rendering a frame)."""
    facing = 1 if rng.random() < 0.5 else -1
    shape = sample_body(rng, team=team)
    amp = float(rng.uniform(*knobs.amp))
    speed = float(rng.uniform(*knobs.speed))
    seconds = req.seconds
    action_seed = [req.seed, 3]
    if req.label != "none":
        builder = action_builder(req.label, req.seed)
        motion = _build_action(builder, shape, action_seed, 0.0, facing, seconds, amp, speed)
        motion_name = req.label if motion.name == req.label else f"{req.label}:{motion.name}"
    else:
        motion_name = req.motion or _choose_none_motion(rng, req.sport, knobs, req.seed)
        if motion_name in TIMED_NONE_BUILDERS:
            motion = _build_action(TIMED_NONE_BUILDERS[motion_name], shape, action_seed, 0.0,
                                   facing, seconds, amp, speed)
        else:
            motion = background_motion(motion_name, shape, np.random.default_rng(action_seed), 0.0,
                                        facing, seconds)
    return facing, shape, motion, motion_name


def _clip_fixtures(req: ClipRequest, rng: np.random.Generator, motion: KeyedMotion, *, facing: int, za: float,
                   batting: bool) -> list[dict]:
    """Fixtures: what the action needs, else what the sport's ground has somewhere near."""
    fixtures: list[dict] = []
    fx = motion.fixtures
    if "hoop" in fx:
        fixtures.append({"type": "hoop", "x": fx["hoop"]["x"], "depth": za, "facing": facing})
    elif req.sport == "basketball":
        fixtures.append({"type": "hoop", "x": float(rng.uniform(2.5, 6.0)) * (1 if rng.random() < 0.5 else -1),
                         "depth": za + float(rng.uniform(0.0, 3.0)), "facing": 1 if rng.random() < 0.5 else -1})
    if "goal" in fx:
        fixtures.append({"type": "goal", "x": fx["goal"]["x"], "depth": za + fx["goal"]["depth"]})
    elif req.sport == "soccer" and rng.random() < 0.7:
        fixtures.append({"type": "goal", "x": float(rng.uniform(-6, 6)), "depth": za + float(rng.uniform(9, 25))})
    if req.sport == "baseball":
        plate_x = 0.0 if batting else float(rng.uniform(-4, 4))
        fixtures.append({"type": "plate", "x": plate_x, "depth": za - 0.7, "facing": facing})
    return fixtures


def _clip_bystanders(req: ClipRequest, rng: np.random.Generator, knobs: DifficultyKnobs, *, teams, shape: BodyShape,
                     facing: int, za: float, batting: bool) -> list[Actor]:
    """Distractors: others doing background play, mostly farther away; a catcher behind a batter;
    now and then a passer-by close to the camera."""
    seconds = req.seconds
    people: list[Actor] = []
    pid = 1
    if batting:
        catcher = sample_body(rng, team=teams[1])
        people.append(Actor(pid, False, catcher, background.stand(catcher, rng, -facing * 1.1 * shape.height * 0.55,
                                                                  facing, seconds + 0.1, style="crouch"), za + 0.4))
        pid += 1
    n_distractors = int(rng.integers(0, knobs.max_distractors + 1))
    for _ in range(n_distractors):
        depth = za + float(rng.uniform(1.5, 25.0))
        if rng.random() < 0.25 * knobs.difficulty:
            depth = max(2.5, za - float(rng.uniform(1.0, 3.0)))
        body = sample_body(rng, team=teams[int(rng.integers(2))])
        name = str(rng.choice(NONE_MOTIONS[req.sport]))
        f2 = 1 if rng.random() < 0.5 else -1
        x_start = float(rng.uniform(-6.0, 6.0)) * depth / za
        m = background_motion(name, body, rng, x_start, f2, seconds + 0.1)
        people.append(Actor(pid, False, body, m, depth))
        pid += 1
    if rng.random() < knobs.passerby_prob:
        depth = float(rng.uniform(2.5, 4.5))
        body = sample_body(rng)
        f2 = 1 if rng.random() < 0.5 else -1
        x_start = -f2 * float(rng.uniform(1.0, 2.5)) * depth / za * 1.5
        people.append(Actor(pid, False, body, background.walk(body, rng, x_start, f2, seconds + 0.1,
                                                             speed=float(rng.uniform(1.0, 1.6))), depth))
        pid += 1
    return people


def _clip_occluders(rng: np.random.Generator, knobs: DifficultyKnobs, za: float) -> list[Occluder]:
    """Now and then a pole or post between the camera and the play."""
    occluders = []
    if rng.random() < knobs.occluder_prob:
        depth = float(rng.uniform(2.0, 5.0))
        colours = ((120, 120, 125), (40, 90, 50), (230, 230, 230), (60, 60, 70))
        occluders.append(Occluder(x=float(rng.uniform(-0.6, 0.6)) * depth / za * 2.0, depth=depth,
                                  width=float(rng.uniform(0.06, 0.2)), height=float(rng.uniform(3.0, 8.0)),
                                  colour=colours[int(rng.integers(4))]))
    return occluders


def _camera_path(req: ClipRequest, rng: np.random.Generator, knobs: DifficultyKnobs, *, motion: KeyedMotion,
                 proj: Projector, shape: BodyShape, za: float, times: np.ndarray):
    """The camera following the actor's hip: each frame's affine into the panorama, and the
    panorama's origin and size that hold every frame."""
    style = CameraStyle(
        zoom=1.0, follow_lag=float(rng.uniform(*knobs.follow_lag)), shake=knobs.shake,
        shake_rotation=knobs.shake_rotation, zoom_wobble=float(rng.uniform(0.0, 0.08)),
        framing=(float(rng.uniform(-0.12, 0.12)), float(rng.uniform(-0.06, 0.06))),
    )
    camera = Camera(style, (req.width, req.height), rng)
    affines = []
    for t in times:
        hip_x = motion.hip_x(min(t, motion.duration))
        target = np.array(proj.to_pano(hip_x, 0.5 * shape.height, za), dtype=float)
        affines.append(camera.affine(float(t), target))
    corners = np.concatenate([frame_corners_in_pano(a, req.width, req.height) for a in affines])
    lo = np.floor(corners.min(axis=0)) - 4
    hi = np.ceil(corners.max(axis=0)) + 4
    origin = (int(lo[0]), int(lo[1]))
    size = (int(hi[0] - lo[0]), int(hi[1] - lo[1]))
    return affines, origin, size


def _lighting_gains(rng: np.random.Generator, knobs: DifficultyKnobs, times: np.ndarray) -> np.ndarray:
    """Each frame's brightness gain: a slow wave, as clouds and auto-exposure make."""
    period = float(rng.uniform(1.5, 6.0))
    phase = float(rng.uniform(0, 2 * np.pi))
    return 1.0 + knobs.lighting * 0.5 * np.sin(2 * np.pi * times / period + phase) * float(rng.uniform(0.3, 1.0))


def plan_clip(req: ClipRequest) -> ClipPlan:
    rng = np.random.default_rng([req.seed, 1])
    srng = np.random.default_rng([req.scene_seed, 2])   # shared by the clips of one source video
    knobs = knobs_for(req.difficulty)
    scene = sample_scene(srng, req.sport)
    cam_height = float(srng.uniform(1.2, 2.4))
    teams = [KIT_COLOURS[int(i)] for i in srng.choice(len(KIT_COLOURS), size=2, replace=False)]
    za = scene.actor_depth
    facing, shape, motion, motion_name = plan_actor(req, rng, knobs, team=teams[0])
    seconds = req.seconds
    batting = motion.name in ("baseball_swing", "check_swing", "take_pitch")
    scene.fixtures = _clip_fixtures(req, rng, motion, facing=facing, za=za, batting=batting)
    people = [Actor(0, True, shape, motion, za)]
    people += _clip_bystanders(req, rng, knobs, teams=teams, shape=shape, facing=facing, za=za, batting=batting)

    # Camera: player size in the frame sets the focal length.
    frac = (float(rng.uniform(*knobs.far_actor_height)) if rng.random() < knobs.far_shot_prob
            else float(rng.uniform(*knobs.actor_height)))
    focal = frac * req.height * za / shape.height
    proj = Projector(focal=focal, cam_height=cam_height)
    occluders = _clip_occluders(rng, knobs, za)
    n = max(1, int(round(seconds * req.fps)))
    times = np.arange(n) / req.fps
    affines, origin, size = _camera_path(req, rng, knobs, motion=motion, proj=proj, shape=shape, za=za, times=times)
    gains = _lighting_gains(rng, knobs, times)

    action = None
    if motion.action is not None:
        s, k, e = motion.action
        action = {"start_s": round(s, 4), "end_s": round(min(e, seconds), 4), "key_s": round(k, 4)}
    return ClipPlan(request=req, knobs=knobs, scene=scene, projector=proj, people=people,
                    occluders=occluders, affines=affines, pano_origin=origin, pano_size=size,
                    gains=gains, motion_name=motion_name, action=action,
                    meta={"actor_height_fraction": round(frac, 4), "camera_height": round(cam_height, 3),
                          "scene_kind": scene.kind})


def _lighting_lut(gain: float) -> np.ndarray:
    return np.clip(np.arange(256, dtype=np.float32) * gain, 0, 255).astype(np.uint8)


def render_frames(plan: ClipPlan, truth: list[dict]) -> Iterator[np.ndarray]:
    """Upright RGB frames of the clip, one at a time; appends each frame's truth to `truth`."""
    req = plan.request
    pano = render_panorama(plan.scene, plan.projector, plan.pano_origin, plan.pano_size)
    ou, ov = plan.pano_origin
    landmarks = [(name, p) for fix in plan.scene.fixtures for name, p in fixture_landmarks(fix)]
    for i, affine in enumerate(plan.affines):
        t = i / req.fps
        shifted = affine.copy()
        shifted[:, 2] += affine[:, :2] @ np.array([ou, ov], dtype=float)
        frame = cv2.warpAffine(pano, shifted, (req.width, req.height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
        people = []
        for a in plan.people:
            local = min(max(t - a.start, 0.0), a.motion.duration)
            skel = a.motion.skeleton(local)
            people.append(PersonInFrame(a.pid, a.actor, a.shape, skel, a.depth, a.motion.props(local, skel)))
        persons, props = draw_scene_people(frame, people, plan.projector, affine, plan.occluders)
        for name, (x, y, z) in landmarks:
            u, v = plan.projector.to_pano(x, y, z)
            q = to_frame(affine, u, v)
            props.append({"kind": name, "point": [round(float(q[0]), 1), round(float(q[1]), 1)]})
        g = float(plan.gains[i])
        if abs(g - 1.0) > 0.004:
            frame = cv2.LUT(frame, _lighting_lut(g))
        truth.append({"t": round(t, 4), "persons": persons, "props": props})
        yield frame


def to_stored(frame: np.ndarray, rotation: int) -> np.ndarray:
    """The coded (sensor) frame that displays as `frame` after turning `rotation` clockwise."""
    if rotation == 0:
        return frame
    return np.ascontiguousarray(np.rot90(frame, k=rotation // 90))


def clip_truth(plan: ClipPlan, frames: list[dict]) -> dict:
    """The clip's ground truth in the documented layout (docs/architecture.md)."""
    req = plan.request
    return {
        "label": req.label, "sport": req.sport, "group": req.group,
        "fps": float(req.fps), "width": req.width, "height": req.height, "rotation": req.rotation,
        "num_frames": plan.num_frames, "action": plan.action,
        "seed": req.seed, "difficulty": req.difficulty,
        "scene_seed": req.scene_seed, "motion": plan.motion_name,
        "confuser": plan.motion_name in actions.CONFUSER_BUILDERS,
        "generator": GENERATOR, "meta": plan.meta,
        "frames": frames,
    }


def write_clip(req: ClipRequest, video_path: str | Path, *, crf: int = 23,
               provenance: str | None = None) -> dict:
    """Render, encode and write `video_path` (.mp4) and its ground truth beside it (.json).

    The truth file also states the clip's licence and `provenance` (by default the generator, the
    request's seed and difficulty), as a clip set's manifest does, under the same keys.
    Returns the truth dict (with its frames).
    """
    from highlights.video import write_video   # imported here: the video package is heavier
    from highlights.video.writer import DATA_PRESET

    video_path = Path(video_path)
    video_path.parent.mkdir(parents=True, exist_ok=True)
    plan = plan_clip(req)
    frames_truth: list[dict] = []
    stored = (to_stored(f, req.rotation) for f in render_frames(plan, frames_truth))
    # Both or neither: a clip without its truth would enter a dataset as its own source video
    # (its group is in the truth), and a disk that fills after the video would leave it so.
    # The truth last, naming the video's sha256: a kill between the two renames over an earlier
    # clip of this name leaves a truth that says the video beside it is not its own.
    with written_together():
        write_video(video_path, stored, req.fps, crf=crf, rotation=req.rotation, preset=DATA_PRESET)
        truth = clip_truth(plan, frames_truth)
        recorded = {**truth, "licence": LICENCE,
                    "provenance": provenance or provenance_of(req.seed, req.difficulty),
                    WRITTEN_WITH: partners_record([video_path])}
        atomic_write_json(video_path.with_suffix(".json"), recorded, separators=(",", ":"))
    return truth


def render_clip(req: ClipRequest) -> tuple[np.ndarray, dict]:
    """The clip's upright frames (T,H,W,3) and truth, in memory (for tests and previews)."""
    plan = plan_clip(req)
    frames_truth: list[dict] = []
    frames = np.stack(list(render_frames(plan, frames_truth)))
    return frames, clip_truth(plan, frames_truth)


__all__ = ["ClipRequest", "ClipPlan", "LABELS", "SPORTS", "SPORT_OF_LABEL", "LABEL_OF_SPORT",
           "plan_clip", "render_clip", "render_frames", "write_clip", "clip_truth"]
