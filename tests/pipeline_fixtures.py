"""A tiny hand-made game for the pipeline tests: stick figures, exact ground truth, no generator needed.

Two people stand on a plain pitch; the actor performs a swing, a layup and a shot at known
times (fast wrist arc, hip rise with arms up, fast ankle kick) and barely moves in between, so
motion, pose and kinematics each have something definite to find. Written in the synthetic game
format of docs/architecture.md: NAME.mp4, NAME.json, NAME.gt.jsonl.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from highlights.video import write_video

WIDTH, HEIGHT, FPS = 320, 180, 20.0
BODY_PX = 70.0  # the actor's height in pixels

# Standing pose, COCO order, in body heights relative to the hip centre (y down).
STAND = np.array([
    (0.0, -0.44), (-0.02, -0.46), (0.02, -0.46), (-0.04, -0.45), (0.04, -0.45),  # face
    (-0.1, -0.3), (0.1, -0.3), (-0.13, -0.15), (0.13, -0.15), (-0.14, -0.02), (0.14, -0.02),  # arms
    (-0.06, 0.0), (0.06, 0.0), (-0.06, 0.25), (0.06, 0.25), (-0.06, 0.5), (0.06, 0.5),  # legs
])
LIMBS = ((5, 6), (5, 7), (7, 9), (6, 8), (8, 10), (5, 11), (6, 12), (11, 12), (11, 13), (13, 15),
         (12, 14), (14, 16))


@dataclass(frozen=True)
class FixtureEvent:
    label: str
    key_s: float
    sport: str

    @property
    def span(self) -> tuple[float, float]:
        return self.key_s - 0.6, self.key_s + 0.6


DEFAULT_EVENTS = (FixtureEvent("baseball_swing", 5.0, "baseball"),
                  FixtureEvent("basketball_layup", 12.0, "basketball"),
                  FixtureEvent("soccer_shooting", 19.0, "soccer"))


def _bump(t: float, centre: float, half_width: float) -> float:
    """0..1..0 smooth bump over [centre - half_width, centre + half_width]."""
    x = (t - centre) / half_width
    return 0.5 * (1 + math.cos(math.pi * x)) if abs(x) < 1 else 0.0


def actor_pose(t: float, events) -> np.ndarray:
    """(17, 2) pose in body heights relative to the hip centre."""
    p = STAND.copy()
    p[:, 0] += 0.01 * math.sin(t)  # a slight sway: alive, but below the motion threshold
    for ev in events:
        dt = t - ev.key_s
        if abs(dt) > 0.7:
            continue
        if ev.label == "baseball_swing":
            # Both wrists sweep a 300-degree arc around the shoulders in 0.35 s.
            phase = min(max((dt + 0.175) / 0.35, 0.0), 1.0)
            ang = math.radians(-150 + 300 * phase)
            for w, s in ((9, 5), (10, 6)):
                p[w] = p[s] + 0.38 * np.array([math.sin(ang), -math.cos(ang)])
                p[w - 2] = 0.5 * (p[s] + p[w])
        elif ev.label == "basketball_layup":
            up = _bump(t, ev.key_s, 0.45)
            arms = _bump(t, ev.key_s, 0.6)
            p[:, 1] -= 0.3 * up  # the whole body leaves the ground
            for w, s in ((9, 5), (10, 6)):
                p[w] = (1 - arms) * p[w] + arms * (p[s] + np.array([0.02, -0.36]))
                p[w - 2] = 0.5 * (p[s] + p[w])
        elif ev.label == "soccer_shooting":
            # Right ankle: back-lift, then a fast swing through the ball in 0.2 s.
            if dt < -0.1:
                k = _bump(t, ev.key_s - 0.3, 0.3)
                p[16] += np.array([-0.25, -0.1]) * k
            else:
                k = min(max((dt + 0.1) / 0.2, 0.0), 1.0)
                back = np.array([-0.25, -0.1]) * max(0.0, 1 - k * 3)
                p[16] = STAND[16] + back + np.array([0.75, -0.3]) * math.sin(math.pi * k)
            p[14] = 0.5 * (p[12] + p[16]) + np.array([0.03, 0.0])
    return p


def _to_pixels(pose: np.ndarray, hip_xy: tuple[float, float], height_px: float) -> np.ndarray:
    return pose * height_px + np.asarray(hip_xy)


def _person(pid: int, actor: bool, kp_px: np.ndarray) -> dict:
    x1, y1 = kp_px.min(axis=0) - np.array([0.08, 0.14]) * (kp_px[16, 1] - kp_px[0, 1])
    x2, y2 = kp_px.max(axis=0) + np.array([0.08, 0.06]) * (kp_px[16, 1] - kp_px[0, 1])
    return {"id": pid, "actor": actor, "box": [round(float(v), 2) for v in (x1, y1, x2, y2)],
            "keypoints": [[round(float(x), 2), round(float(y), 2), 2] for x, y in kp_px]}


def _draw(rgb: np.ndarray, kp_px: np.ndarray, colour, k: float = 1.0) -> None:
    pts = np.round(kp_px).astype(int)
    for a, b in LIMBS:
        cv2.line(rgb, tuple(pts[a]), tuple(pts[b]), colour, max(1, round(3 * k)), cv2.LINE_AA)
    cv2.circle(rgb, tuple(pts[0]), round(6 * k), colour, -1, cv2.LINE_AA)


def spread_events(duration_s: float, every_s: float = 12.0) -> tuple[FixtureEvent, ...]:
    """Swing, layup, shot, swing ... every `every_s` seconds, for a longer game."""
    kinds = DEFAULT_EVENTS
    keys = np.arange(every_s / 2, duration_s - 2.0, every_s)
    return tuple(FixtureEvent(kinds[i % 3].label, float(k), kinds[i % 3].sport) for i, k in enumerate(keys))


def make_game(folder: Path, name: str = "game", *, duration_s: float = 24.0, fps: float = FPS,
              events=DEFAULT_EVENTS, width: int = WIDTH, height: int = HEIGHT, textured: bool = False,
              crf: int = 18, actor_scale: float = 1.0, performed=None, bystander_events=()) -> Path:
    """Write NAME.mp4, NAME.json and NAME.gt.jsonl into `folder`; returns the video path.

    `textured` paints a grass texture and fresh low-level sensor noise on every frame, so a large
    video costs what real footage costs to encode and decode (still below the motion threshold).
    `actor_scale` < 1 films the actor from afar: smaller (thinner limbs too) and further up the
    pitch, the far player of real footage whose action changes few pixels of the frame.
    `performed`: the events the actor acts out (default: `events`, the annotated ones);
    `bystander_events`: actions the bystander acts out (none: he stands).
    """
    performed = events if performed is None else performed
    folder.mkdir(parents=True, exist_ok=True)
    n = int(round(duration_s * fps))
    k = height / HEIGHT  # everything is laid out at 320x180 and scaled
    rng = np.random.default_rng(0)
    pitch = np.full((height, width, 3), (60, 140, 60), np.uint8)
    if textured:
        grass = cv2.GaussianBlur(rng.normal(0, 25, (height, width)).astype(np.float32), (0, 0), 1.5 * k)
        pitch = np.clip(pitch.astype(np.float32) + grass[..., None], 0, 255).astype(np.uint8)
        noise = rng.integers(0, 12, (height + 64, width, 3), dtype=np.uint8)

    def frames():
        with (folder / f"{name}.gt.jsonl").open("w") as gt:
            for i in range(n):
                t = i / fps
                if textured:
                    shift = (i * 37) % 64
                    rgb = pitch + noise[shift:shift + height]
                else:
                    rgb = pitch.copy()
                hip_y = 110 - 50 * (1.0 - actor_scale)  # further away is higher up the frame
                actor = _to_pixels(actor_pose(t, performed), (110 * k, hip_y * k), BODY_PX * k * actor_scale)
                # A bystander, standing still but for a slow walk that stays below the motion threshold.
                stance = actor_pose(t, bystander_events) if bystander_events else STAND
                other = _to_pixels(stance, ((240 + 4 * math.sin(0.2 * t)) * k, 105 * k), 60 * k)
                _draw(rgb, actor, (240, 240, 240), k * actor_scale)
                _draw(rgb, other, (30, 30, 200), k)
                gt.write(json.dumps({"frame": i, "t": round(t, 4),
                                     "persons": [_person(0, True, actor), _person(1, False, other)]}) + "\n")
                yield rgb

    video = write_video(folder / f"{name}.mp4", frames(), fps, crf=crf)
    annotation = {
        "video": video.name, "fps": fps, "width": width, "height": height, "duration_s": n / fps,
        "sport": "mixed",
        "events": [{"id": f"e{k}", "sport": ev.sport, "label": ev.label, "start_s": ev.span[0],
                    "end_s": ev.span[1], "key_s": ev.key_s} for k, ev in enumerate(events)],
        "shots": [{"start_s": 0.0, "end_s": n / fps}],
    }
    (folder / f"{name}.json").write_text(json.dumps(annotation, indent=1))
    return video


def zeroed_packets_copy(video: Path, damaged: Path, *stretches: tuple[float, float]) -> Path:
    """A copy of `video` at `damaged` whose video packets presented in each [from_s, to_s) of
    `stretches` are zeroed: they fail to decode, as a damaged recording's do."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        spans = [(p.pos, p.size) for p in container.demux(stream)
                 if p.size and p.pts is not None
                 and any(a <= float(p.pts * stream.time_base) < b for a, b in stretches)]
    data = bytearray(video.read_bytes())
    for at, size in spans:
        data[at:at + size] = bytes(size)
    damaged.write_bytes(bytes(data))
    return damaged


def damaged_copy(video: Path, name: str, from_s: float, to_s: float) -> Path:
    """A copy of a `make_game` game, beside it as NAME.mp4 (with its annotation and people), whose
    video packets in [from_s, to_s) are zeroed: they fail to decode, as a damaged recording's do."""
    import shutil

    damaged = zeroed_packets_copy(video, video.with_name(f"{name}.mp4"), (from_s, to_s))
    annotation = json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))
    damaged.with_suffix(".json").write_text(json.dumps({**annotation, "video": damaged.name}), encoding="utf-8")
    shutil.copy(video.with_name(f"{video.stem}.gt.jsonl"), damaged.with_name(f"{name}.gt.jsonl"))
    return damaged


def late_clock_copy(video: Path, late: Path) -> Path:
    """`video`'s pictures stream-copied into `late` (Matroska keeps the clock) an hour later on
    their clock, as a camera's clock kept by a stream copy starts late; its `NAME.gt.jsonl`, where
    it has one, is copied beside `late` so the gt backends still find it."""
    import shutil

    import av

    with av.open(str(video)) as src, av.open(str(late), "w") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        shift = int(3600 / src.streams.video[0].time_base)
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.pts, packet.dts, packet.stream = packet.pts + shift, packet.dts + shift, stream
                out.mux(packet)
    truth = video.with_suffix(".gt.jsonl")
    if truth.exists():
        shutil.copy(truth, late.with_suffix(".gt.jsonl"))
    return late


def sound_first_copy(video: Path, copy: Path, late_s: float) -> Path:
    """`video`'s pictures stream-copied into `copy` `late_s` later on its timeline, over a tone
    from 0 s to their end: the sound starts first, as in a stream-copied trim. Its annotation
    (times moved by `late_s`) and per-frame truth go beside it, so the gt backends still read it."""
    import shutil

    import av

    from tests.video_fixtures import mux_tone

    with av.open(str(video)) as src, av.open(str(copy), "w") as out:
        pictures = src.streams.video[0]
        stream = out.add_stream_from_template(pictures)
        sound = out.add_stream("aac", rate=16000, layout="mono")
        shift = int(late_s / pictures.time_base)
        for packet in src.demux(pictures):
            if packet.dts is not None:
                packet.pts, packet.dts, packet.stream = packet.pts + shift, packet.dts + shift, stream
                out.mux(packet)
        mux_tone(out, sound, float(pictures.duration * pictures.time_base) + late_s)
    shutil.copy(video.with_suffix(".gt.jsonl"), copy.with_suffix(".gt.jsonl"))
    annotation = json.loads(video.with_suffix(".json").read_text())
    for event in annotation["events"]:
        event.update({k: event[k] + late_s for k in ("start_s", "end_s", "key_s")})
    annotation.update(video=copy.name, duration_s=annotation["duration_s"] + late_s)
    copy.with_suffix(".json").write_text(json.dumps(annotation, indent=1))
    return copy
