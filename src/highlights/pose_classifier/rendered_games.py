"""Training windows from RENDERED synthetic games, with the poses the pipeline estimates from pixels.

`game_data` cuts windows from the generator's own keypoints. The pipeline never sees those: it
reads MoveNet's poses of small drawn players, which lose, swap and jitter joints and break tracks
in ways the augmentation does not imitate, and a model trained on clean points ranks right
highlights above false ones far worse on MoveNet's poses than on the truth's. Here a training game
is rendered (`synth.generate_game`), the default pipeline runs on it (MoveNet detection, pose and
tracking on the frames motion makes active, kinematic triggers: what `highlights detect` does), and
every track's estimated keypoints are cut into windows centred on
- every kinematic trigger the pipeline found (the windows the classifier is asked about),
- a few random times per track (`random_every_s`), as in `game_data`,
- each event's key moment on the track of the player who performs it, so that every event gives a
  window even where the pipeline's kinematics missed it.
A window holds what the classifier reads of a track: its points where seen, 0 where not.

Who a track is, window by window, comes from the generator's per-frame truth (`NAME.gt.jsonl`):
the person whose box overlaps the track's box most (IoU >= `MIN_IOU`) in most of the window's
frames. Labels follow `game_data.window_label`: the followed player's windows near an event's key
moment are that event's class, far from every event `none`; every window of another person, or of
a track nobody fits (a false detection), is `none`.

A game is rendered at `GameWindowSpec.video_fps` (the pipeline analyses 10 frames a second, so a
video at that rate gives MoveNet the same frames at a third of the rendering) and kept in `folder`
with its tracks (`NAME.tracks.npz`), each keyed by the game's settings, the pipeline's detection and
pose settings, the package version, and the picture reader's and the pipeline's output numbers:
rendering and MoveNet take minutes a game on 2 cores.
Seeds as `game_data.game_seed`: never a game the project measures on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from highlights.atomic import atomic_write_text
from highlights.npz_file import DAMAGED_NPZ, write_npz
from highlights.people.boxes import iou_matrix
from highlights.pipeline.ground_truth import GroundTruthReader
from highlights.pose_classifier.game_data import GameWindowSpec, game_config, window_label
from highlights.progress import progress_bar

MIN_IOU = 0.3
MIN_SEEN_SHARE = 0.5   # a window needs the track's body in at least this share of its frames


def _stamp(cfg, pipeline_config) -> str:
    from highlights import __version__

    sections = {name: pipeline_config.section(name) for name in ("analysis", "candidates", "detection", "pose",
                                                                  "kinematics")}
    from highlights.pipeline import output_version
    from highlights.video import PICTURES_VERSION

    # The pipeline's output number too: the package's version names no change of its code, and
    # tracks an earlier pipeline estimated would be served as this one's.
    return json.dumps({"game": cfg.to_dict(), "version": __version__, "pictures": PICTURES_VERSION,
                       "output": output_version.OUTPUT_VERSION, "pipeline": repr(sections)}, sort_keys=True)


def render(spec: GameWindowSpec, i: int, folder: Path) -> tuple[object, Path]:
    """The `i`-th training game of `spec` rendered into `folder` (reused when already there)."""
    from highlights import __version__
    from highlights.synth.game import generate_game

    cfg = game_config(spec, i)
    cfg = replace(cfg, name=f"train{cfg.seed}")
    stamp = folder / f"{cfg.stem}.config.json"
    wanted = json.dumps({**cfg.to_dict(), "version": __version__}, sort_keys=True)
    video = folder / f"{cfg.stem}.mp4"
    if not (video.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted):
        generate_game(folder, cfg)
        atomic_write_text(stamp, wanted)
    return cfg, video


def estimate_tracks(video: Path, pipeline_config=None) -> dict:
    """Run the pipeline on `video` and keep what its frame stages found: per person row the frame
    time, track, box and (17, 3) keypoints, and the kinematic triggers as (time, track)."""
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.run import run_pipeline

    config = pipeline_config or PipelineConfig()
    cache: dict = {}
    result = run_pipeline(video, config, cache=cache, progress=False)
    frame_time = np.asarray(result.trace.frame_time, np.float64)
    t, track, box, kp = [], [], [], []
    for key, value in cache.items():
        # The pose stage's entries (its frame fields include pose_ok) hold the final persons.
        if key[0] != "frame" or "pose_ok" not in value or not value.get("persons"):
            continue
        for person in value["persons"]:
            if person.keypoints is None or person.box is None or person.track_id is None:
                continue
            t.append(frame_time[key[2]])
            track.append(int(person.track_id))
            box.append(np.asarray(person.box, np.float64))
            kp.append(np.asarray(person.keypoints, np.float32))
    triggers = [(float(row["key_s"]), int(row["track"])) for row in result.trace.triggers
                if row.get("trigger") is not None and str(row.get("track", "")).lstrip("-").isdigit()]
    order = np.argsort(t, kind="stable")
    return {"t": np.asarray(t, np.float64)[order], "track": np.asarray(track, np.int64)[order],
            "box": np.asarray(box, np.float64).reshape(-1, 4)[order],
            "kp": np.asarray(kp, np.float32).reshape(-1, 17, 3)[order],
            "trigger_t": np.asarray([a for a, _ in triggers], np.float64),
            "trigger_track": np.asarray([b for _, b in triggers], np.int64)}


def identify(rows: dict, persons_at: Callable[[float], list[dict]]) -> tuple[np.ndarray, np.ndarray]:
    """Per person row (in time order): the truth person id its box fits (-1: none) and whether that
    is the followed player. `persons_at(t)` gives the truth's persons of the frame at `t` (the
    game's `GroundTruthReader.persons_at`: dicts with `id`, `box` and `actor`)."""
    pid = np.full(len(rows["t"]), -1, np.int64)
    actor = np.zeros(len(rows["t"]), bool)
    for r, t in enumerate(rows["t"]):
        persons = persons_at(float(t))
        if not persons:
            continue
        iou = iou_matrix(rows["box"][r][None], np.array([p["box"] for p in persons], np.float64).reshape(-1, 4))[0]
        best = int(np.argmax(iou))
        if iou[best] >= MIN_IOU:
            pid[r], actor[r] = int(persons[best]["id"]), bool(persons[best].get("actor"))
    return pid, actor


def game_tracks(spec: GameWindowSpec, i: int, folder: Path, pipeline_config=None) -> tuple[object, dict]:
    """(game config, rows) of the `i`-th rendered training game: `estimate_tracks`'s rows plus
    `pid` and `actor` from the game's truth; computed once and kept in `folder`."""
    from highlights.pipeline.config import PipelineConfig

    config = pipeline_config or PipelineConfig()
    folder.mkdir(parents=True, exist_ok=True)
    cfg, video = render(spec, i, folder)
    path = folder / f"{cfg.stem}.tracks.npz"
    wanted = _stamp(cfg, config)
    if path.is_file():
        try:  # a damaged file is estimated again, as one of other settings is
            with np.load(path) as z:
                if str(z["stamp"]) == wanted:
                    return cfg, {k: z[k] for k in z.files if k != "stamp"}
        except DAMAGED_NPZ:
            pass
    rows = estimate_tracks(video, config)
    truth = GroundTruthReader(folder / f"{cfg.stem}.gt.jsonl")
    try:
        rows["pid"], rows["actor"] = identify(rows, truth.persons_at)
    finally:
        truth.close()
    write_npz(path, stamp=np.array(wanted), **rows)
    return cfg, rows


def game_events(folder: Path, cfg) -> list[tuple[float, str]]:
    from highlights.events import load_annotation

    return [(float(e.key_s), e.label) for e in load_annotation(folder / f"{cfg.stem}.json").events]


def track_windows(rows: dict, events: list[tuple[float, str]], spec: GameWindowSpec, classes: tuple[str, ...],
                  rng: np.random.Generator, min_visibility: float = 0.3):
    """Windows of one game's tracks: (N, T, 17, 3) frame pixels as the classifier reads them,
    (N,) class indices and each window's origin (`rendered:<label>`, `rendered_none:followed`,
    `rendered_none:background`)."""
    from highlights.pose_classifier.skeleton import resample

    T = spec.window_frames
    keys = [(k, label) for k, label in events if label in classes]
    windows, labels, names = [], [], []
    for track in np.unique(rows["track"]):
        sel = rows["track"] == track
        times, kp = rows["t"][sel], rows["kp"][sel].astype(np.float64)
        pid, actor = rows["pid"][sel], rows["actor"][sel]
        if len(times) < 3:
            continue
        kp[kp[:, :, 2] < min_visibility, :2] = 0.0   # what the pipeline hands the classifier for an unseen joint
        centres = [float(t) for t in rows["trigger_t"][rows["trigger_track"] == track]]
        span = float(times[-1] - times[0])
        centres += [float(rng.uniform(times[0], times[-1]))
                    for _ in range(int(rng.poisson(span / spec.random_every_s)))]
        if actor.any():
            centres += [k + float(rng.uniform(-spec.action_within_s, spec.action_within_s))
                        for k, _ in keys if times[0] - 0.5 <= k <= times[-1] + 0.5]
        for centre in centres:
            grid = centre - 0.5 * (T - 1) / spec.fps + np.arange(T) / spec.fps
            w = resample(kp, times, grid)
            if (w[:, :, 2].max(axis=1) > 0).mean() < MIN_SEEN_SHARE:
                continue
            near = np.abs(times - centre) <= 0.5 * T / spec.fps
            who = pid[near]
            who = who[who >= 0]
            followed = False
            if len(who):
                main = np.bincount(who).argmax()
                followed = bool(actor[near][pid[near] == main].any()) and (who == main).mean() >= 0.5
            labelled = window_label(centre, keys if followed else [], followed, spec)
            if labelled is None:
                continue
            label, name = labelled
            windows.append(w.astype(np.float32))
            labels.append(classes.index(label))
            names.append(name.replace("game", "rendered", 1))
    return windows, labels, names


def rendered_windows(spec: GameWindowSpec, folder: str | Path, *, show_progress: bool = False,
                     classes: tuple[str, ...] | None = None,
                     pipeline_config=None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Windows of `spec.games` rendered training games (see the module's text): (N, T, 17, 3),
    (N,) class indices into `classes` (default: the generator's) and each window's origin."""
    from highlights.pipeline.config import PipelineConfig
    from highlights.synth.clip import LABELS

    classes = tuple(classes or LABELS)
    config = pipeline_config or PipelineConfig()
    folder = Path(folder)
    windows, labels, names = [], [], []
    with progress_bar(enabled=show_progress) as progress:
        task = progress.add_task("rendered games: MoveNet poses", total=spec.games)
        for g in range(spec.games):
            cfg, rows = game_tracks(spec, g, folder, config)
            rng = np.random.default_rng([cfg.seed, 33])
            w, lab, n = track_windows(rows, game_events(folder, cfg), spec, classes, rng,
                                      config.pose.min_visibility)
            windows += w
            labels += lab
            names += n
            progress.advance(task)
    T = spec.window_frames
    return np.asarray(windows, np.float32).reshape(-1, T, 17, 3), np.asarray(labels, np.int64), names
