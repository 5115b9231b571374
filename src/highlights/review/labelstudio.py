"""Label Studio interop: review tasks for its video timeline labelling, and its exports read back.

Export: one task per game, `{"data": {"video": URL, ...}, "predictions": [...]}` (its `data` also
naming the run's models and video by sha256, and its highlights version), with each item
of the review (the model's highlights and the turned-down windows worth a look) as a
`timelinelabels` region, plus the labelling config (`TimelineLabels` over a `Video`) to paste into
the project. Label Studio counts timeline ranges in frames, from 1, at the `Video` tag's
`frameRate` (24 unless told): the config reads it from each task's `fps`. Label Studio plays the
video in the browser, so a source browsers do not play (HEVC, 10-bit, MKV, ...) is given as the
same browser copy the review page plays (`review.playback`, made now if it is not there yet),
which keeps the source's timeline.

Import: a Label Studio JSON export (a list of tasks with `annotations`). Each labelled range
becomes a decision: it accepts (or relabels, or moves) the review item whose prediction it was made
from (Label Studio keeps a prediction's region id, which is the item's), else the item it overlaps
most, or is a missed event when it overlaps none; a highlight that no range covers is rejected. Candidate
windows nobody labelled stay undecided, because Label Studio does not say whether the annotator
looked at them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from highlights.atomic import atomic_write_json, atomic_write_text, written_together
from highlights.review.errors import ReviewError
from highlights.review.games import Game
from highlights.review.playback import needed_copy
from highlights.review.session import ReviewSession

FROM_NAME, TO_NAME = "actions", "video"
# A labelled range takes over the item it overlaps by at least this temporal IoU.
MATCH_IOU = 0.3


def labelling_config(classes: list[str]) -> str:
    labels = "\n".join(f'    <Label value="{escape(c, quote=True)}"/>' for c in classes)
    return (f'<View>\n  <Video name="{TO_NAME}" value="${TO_NAME}" frameRate="$fps" timelineHeight="120"/>\n'
            f'  <TimelineLabels name="{FROM_NAME}" toName="{TO_NAME}">\n{labels}\n  </TimelineLabels>\n</View>\n')


def to_frame(t: float, fps: float) -> int:
    return int(round(t * fps)) + 1


def from_frame(frame: float, fps: float) -> float:
    return max(0.0, (float(frame) - 1) / fps)


def _region(item_id: str, label: str, start_s: float, end_s: float, fps: float) -> dict[str, Any]:
    return {"id": item_id, "from_name": FROM_NAME, "to_name": TO_NAME, "type": "timelinelabels",
            "value": {"ranges": [{"start": to_frame(start_s, fps), "end": to_frame(end_s, fps)}],
                      "timelinelabels": [label]}}


def task_video(game: Game, *, progress: bool = True, say=None) -> tuple[Path, str]:
    """The file a task of `game` points at, and its path under a URL prefix: the source, or its
    browser copy where browsers do not play the source (made now, once, if it is not there)."""
    need = needed_copy(game.video, game.folder)
    if need is None:
        return game.video, game.video.name
    if not need.fresh():
        if say:
            say(f"{game.video.name}: {need.why}, which browsers (and so Label Studio) do not play: making an "
                f"H.264 copy once ({need.copy})")
        need.make(progress=progress)
    if say:
        say(f"{game.video.name}: its task points at its H.264 copy {need.copy} ({need.why} does not play in "
            "browsers)")
    return need.copy, f"{game.folder.name}/{need.copy.name}"


def made_by(game: Game) -> dict[str, Any]:
    """What made a game's run, by content, where its highlights.json records it, as the review's
    dataset export records it: each model file's sha256 by role, the video's sha256 and the
    highlights version. A task's `data` is where Label Studio keeps them: it stores every field
    there with the task and gives them back in its exports."""
    return {**({"proposed_by_sha256": game.model_sha256} if game.model_sha256 else {}),
            **({"source_video_sha256": game.video_sha256} if game.video_sha256 else {}),
            **({"highlights_version": game.highlights_version} if game.highlights_version else {})}


def export_tasks(session: ReviewSession, out_dir: str | Path, *, video_url_prefix: str | None = None,
                 progress: bool = True, say=None) -> dict[str, Path]:
    """`tasks.json` and `labelling_config.xml` in `out_dir`. Videos are referenced by
    `video_url_prefix` + file name when given (e.g. Label Studio's local-files URL), else by path;
    a browser copy (`task_video`) by `video_url_prefix` + its detect folder's name + `/review-video.mp4`."""
    out_dir = Path(out_dir)
    tasks = []
    classes: list[str] = []
    for game in session.games:
        classes += [c for c in game.classes if c not in classes]
        video, relative = task_video(game, progress=progress, say=say)
        url = (video_url_prefix + quote(relative)) if video_url_prefix else str(video)
        regions = []
        for state in session.states(game.id):
            s = state["state"]
            if s["status"] == "rejected":
                continue
            regions.append(_region(state["id"], s["label"], s["start_s"], s["end_s"], game.fps))
        tasks.append({"data": {"video": url, "game": game.id, "fps": game.fps, "video_name": game.video.name,
                               **made_by(game)},
                      "predictions": [{"model_version": game.model, "result": regions}]})
    # The tasks' labels are the config's: both take their places together, so an export that fails
    # part way (a full disk) leaves an earlier export's pair as it was. Nothing of highlights reads
    # them back as a pair (an import reads Label Studio's own export), so no record names the other:
    # a kill -9 in the instant between the two renames leaves the later tasks beside the earlier
    # config, which differ only where the two exports' classes do; the export run again writes both.
    with written_together():
        written = {"tasks": atomic_write_json(out_dir / "tasks.json", tasks, indent=2),
                   "config": atomic_write_text(out_dir / "labelling_config.xml", labelling_config(classes))}
    return written


def _iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union > 0 else 0.0


def _game_of(games: list[Game], task: dict) -> Game | None:
    data = task.get("data") or {}
    if not isinstance(data, dict):
        raise TypeError(f"its data is {type(data).__name__}, not an object")
    for game in games:
        if game.id == data.get("game"):
            return game
    name = Path(str(data.get("video_name") or data.get("video") or "")).name
    return next((g for g in games if g.video.name == name), None)


def _objects(value: Any, what: str) -> list[dict]:
    """`value` (a list of objects, or missing) as a list; anything else is a malformed export."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(f"{what}: not a list of objects")
    return value


def _seconds(frame: Any, fps: float) -> float:
    """A range end, a frame number from 1, in seconds; a non-number is a malformed export."""
    try:
        number = float(frame) if not isinstance(frame, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):  # NaN would pass as frame 1, the video's start
        raise ValueError(f"a range's frame is {frame!r}, not a frame number")
    return from_frame(number, fps)


def _ranges(annotation: dict, fps: float) -> list[tuple[str, str, float, float]]:
    """(region id, label, start s, end s) of every labelled timeline range."""
    out = []
    for r in _objects(annotation.get("result"), "an annotation's result"):
        if r.get("type") != "timelinelabels":
            continue
        value = r.get("value") or {}
        if not isinstance(value, dict):
            raise TypeError("a timeline region's value is not an object")
        labels = value.get("timelinelabels") or []
        if not isinstance(labels, list):
            raise TypeError(f"a timeline region's labels are {labels!r}, not a list")
        if len(labels) != 1:
            raise ValueError(f"a timeline region has {len(labels)} labels; expected one")
        for span in _objects(value.get("ranges"), "a timeline region's ranges"):
            start, end = _seconds(span["start"], fps), _seconds(span["end"], fps)
            if end <= start:
                end = start + 1.0 / fps
            out.append((str(r.get("id") or ""), str(labels[0]), start, end))
    return out


def _annotator(annotation: dict) -> str:
    """Who made an annotation: Label Studio's JSON export gives `completed_by` as the user (id,
    email, names), its API as the user's id alone."""
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        names = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k))
        return str(user.get("email") or names or user.get("id") or "label-studio")
    return str(annotation.get("completed_by_email") or user or "label-studio")


@dataclass(frozen=True)
class ImportPlan:
    """A Label Studio export read and checked whole, before any decision is recorded: each task's
    game, the annotator of its latest annotation and its labelled ranges, in the export's order."""

    path: Path
    tasks: list[tuple[Game, str, list[tuple[str, str, float, float]]]]
    tasks_without_game: int


def read_export(path: str | Path) -> list[dict]:
    """A Label Studio JSON export's tasks, refused in one line naming `path` where it is not one."""
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReviewError(f"{path}: is a folder, not a Label Studio JSON export") from None
    except (OSError, ValueError) as e:
        raise ReviewError(f"{path}: not a Label Studio JSON export ({e})") from None
    if not isinstance(tasks, list):
        raise ReviewError(f"{path}: not a Label Studio JSON export (expected a list of tasks)")
    for n, task in enumerate(tasks, 1):
        if not isinstance(task, dict):
            raise ReviewError(f"{path}: not a Label Studio JSON export (task {n} is {task!r}, "
                              "not an object)")
    return tasks


def plan_import(games: list[Game], path: str | Path) -> ImportPlan:
    """Every task of the export at `path` read and checked against `games`: a malformed task or a
    label that is no class of its game refuses the whole export, so an import never stops half way
    with some of its decisions recorded."""
    path = Path(path)
    planned, without_game = [], 0
    for n, task in enumerate(read_export(path), 1):
        try:
            game = _game_of(games, task)
            if game is None:
                without_game += 1
                continue
            annotations = _objects(task.get("annotations"), "annotations")
            done = [a for a in annotations if not a.get("was_cancelled")]
            if not done:
                continue
            ann = done[-1]  # the latest annotation of the task is the one that stands
            ranges = _ranges(ann, game.fps)
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            cause = f"no {e}" if isinstance(e, KeyError) else str(e)
            raise ReviewError(f"{path}: task {n} is malformed ({cause})") from None
        for _, label, start, end in ranges:
            if label not in game.classes:
                raise ReviewError(f"{path}: task {n}: label {label!r} is not one of this review's "
                                  f"classes ({', '.join(game.classes)})")
            # Cut to the video as the import cuts it: a range left empty (past the video's end)
            # is refused here, with the whole export, not by the session half way through it.
            if not max(0.0, start) < min(game.duration_s, end):
                raise ReviewError(f"{path}: task {n}: a range at {start:.3f}-{end:.3f} s is not "
                                  f"inside the video {game.video.name} (0-{game.duration_s:.3f} s)")
        planned.append((game, _annotator(ann), ranges))
    return ImportPlan(path, planned, without_game)


def import_annotations(session: ReviewSession, path: str | Path | ImportPlan, *,
                       reviewer: str | None = None) -> dict[str, int]:
    """Decisions from a Label Studio JSON export (or its `plan_import`); returns counts of what was
    done."""
    plan = path if isinstance(path, ImportPlan) else plan_import(session.games, path)
    counts = {"accepted": 0, "relabelled": 0, "rejected": 0, "missed": 0,
              "tasks_without_game": plan.tasks_without_game}
    for game, annotator, ranges in plan.tasks:
        who = reviewer or annotator
        states = {s["id"]: s for s in session.states(game.id)}
        taken: set[str] = set()
        for region, label, start, end in ranges:
            start, end = max(0.0, start), min(game.duration_s, end)
            # A region made from a prediction keeps its id, the item's: kept, relabelled or moved,
            # it is that item's, though another item may overlap the moved range as much or more.
            best = states.get(region) if region not in taken else None
            if best is None:
                best = max((s for s in states.values() if s["id"] not in taken),
                           key=lambda s: _iou((start, end), (s["start_s"], s["end_s"])), default=None)
                if best is not None and _iou((start, end), (best["start_s"], best["end_s"])) < MATCH_IOU:
                    best = None
            if best is not None:
                taken.add(best["id"])
                new = session.decide(game.id, best["id"], status="accepted", label=label, start_s=start,
                                     end_s=end, reviewer=who, client="label-studio")
                counts[new["state"]["outcome"]] += 1
            else:
                session.mark_missed(game.id, at_s=(start + end) / 2, label=label, reviewer=who,
                                    client="label-studio", start_s=start, end_s=end)
                counts["missed"] += 1
        for s in states.values():
            if s["kind"] == "highlight" and s["id"] not in taken:
                session.decide(game.id, s["id"], status="rejected", label=None, start_s=s["state"]["start_s"],
                               end_s=s["state"]["end_s"], reviewer=who, client="label-studio")
                counts["rejected"] += 1
    return counts
