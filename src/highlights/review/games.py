"""The games under review: `highlights detect` output folders, their source videos and the items
a reviewer decides on.

Each game yields three kinds of item:
- `highlight`: a highlight the pipeline kept (`highlights.json` -> `highlights`);
- `candidate`: a classifier window the pipeline turned down (`highlights.json` -> `candidates`)
  that may be a missed event. Only the most uncertain few are offered, at most one per stretch
  of the game, and never one that lies mostly inside a highlight (that event is already there);
- `missed`: an event the reviewer marked at the playhead (made by the review itself).

Uncertainty is margin sampling, the standard active-learning measure: one minus the gap
between the two most probable classes. 1 means the model could not tell them apart; 0 means
it was certain. The review list is ordered by it, most uncertain first.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from highlights.clips.spec import DEFAULT_CLASSES
from highlights.counted_noun import counted
from highlights.pipeline.output_version import RESULT_FORMAT
from highlights.pipeline.sport_vote import is_auto
from highlights.review.marked_span import HighlightFit
from highlights.vocabulary import NONE_LABEL, UNLABELLED, class_name, class_name_error_text, class_name_problem
from highlights.review.errors import ReviewError
from highlights.review.game_sport import known_sport, sport_class

HIGHLIGHTS_JSON = "highlights.json"
# How many turned-down windows each game offers for review, at most.
DEFAULT_CANDIDATES_PER_GAME = 30
# Two offered candidates overlap by at most this temporal IoU; a candidate lies at most this
# share inside a highlight.
_CANDIDATE_IOU = 0.3
_INSIDE_HIGHLIGHT = 0.5


@dataclass(frozen=True)
class Item:
    """One thing to decide on. `label`, `start_s`, `end_s`, `key_s` are what the model proposed."""

    id: str
    kind: str  # highlight | candidate | missed
    label: str
    start_s: float
    end_s: float
    key_s: float
    score: float
    uncertainty: float
    probs: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label, "start_s": self.start_s,
                "end_s": self.end_s, "key_s": self.key_s, "score": self.score,
                "uncertainty": self.uncertainty, "probs": self.probs}


@dataclass
class Game:
    """One detect output folder under review."""

    id: str
    folder: Path
    video: Path
    duration_s: float
    fps: float
    width: int
    height: int
    classes: list[str]
    model: str  # what proposed the items: checkpoint path (and inference path) or backend name
    fingerprint: str  # sha256 of highlights.json: decisions name the run they were made on
    items: list[Item]
    by_id: dict[str, Item] = field(default_factory=dict)
    # Turned-down windows this review does not offer (beyond its --candidates): a review that
    # offered more may have decided some, and those decisions stand (`ReviewSession.states`).
    unoffered: dict[str, Item] = field(default_factory=dict)
    # The classes of the model that proposed the items, in its order, as their probabilities name
    # them (empty when no item carries any: a run with the classifier switched off).
    model_classes: list[str] = field(default_factory=list)
    # The one sport the game is known to hold and its class, which a missed event starts at
    # (`game_sport`); None when the run names no sport or several.
    sport: str | None = None
    sport_class: str | None = None
    # The game as messages name it: its detect folder's own name (the id is an ASCII slug of it, for
    # URLs and file names: `partie_été-highlights` is `partie_-t--highlights` there), or the folder's
    # path where two games' folders share a name.
    name: str = ""
    # What made its highlights, by content, where its highlights.json records it (written before,
    # it does not): each model file's sha256 by role, and the video's sha256 when the run read it.
    model_sha256: dict[str, str] = field(default_factory=dict)
    video_sha256: str | None = None
    # The version of highlights that made the run (None for a highlights.json that does not say).
    highlights_version: str | None = None
    # How the run fitted its highlights' segments: a missed event marked in it gets one as long.
    highlight_fit: HighlightFit = field(default_factory=HighlightFit)
    # Where its pictures start on its timeline (highlights.json's `start_s`): after 0 where the
    # sound starts first; a segment moved or marked near the start is kept from reaching before.
    first_picture_s: float = 0.0

    def __post_init__(self) -> None:
        self.by_id = {i.id: i for i in self.items}
        self.name = self.name or self.folder.name

    @cached_property
    def video_identity(self) -> str:
        return video_identity(self.video)

    def summary(self) -> dict[str, Any]:
        kinds = [i.kind for i in self.items]
        return {"id": self.id, "video": self.video.name, "folder": self.folder.name,
                "duration_s": self.duration_s, "fps": self.fps, "classes": self.classes,
                "model": self.model, "highlights": kinds.count("highlight"),
                "candidates": kinds.count("candidate"), "sport": self.sport,
                "sport_class": self.sport_class, "first_picture_s": self.first_picture_s}


def video_identity(video: Path) -> str:
    """What a decision records of its game's video ("SIZE:PATH"): a game id is its detect folder's
    name, which another game's folder may share (next week's `game1-highlights`, one database)."""
    return f"{video.stat().st_size}:{video}"


def same_video(a: str, b: str) -> bool:
    """Whether two `video_identity`s are one video: the same name and size (moved, it is still one)."""
    size_a, _, path_a = a.partition(":")
    size_b, _, path_b = b.partition(":")
    return size_a == size_b and Path(path_a).name == Path(path_b).name


def margin_uncertainty(probs: dict[str, float], fallback_score: float) -> float:
    """1 - (p1 - p2) over the class probabilities; from the score alone when there are none."""
    values = sorted((float(p) for p in probs.values()), reverse=True)
    if len(values) >= 2:
        return round(1.0 - (values[0] - values[1]), 4)
    return round(1.0 - abs(2 * float(fallback_score) - 1), 4)


def _iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union > 0 else 0.0


def _inside(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Share of `a` that lies inside `b`."""
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    return inter / (a[1] - a[0]) if a[1] > a[0] else 0.0


def _best_action(probs: dict[str, float], label: str, score: float) -> tuple[str, float]:
    """The most probable class other than none: what a turned-down window would have been."""
    actions = {c: float(p) for c, p in probs.items() if c != NONE_LABEL}
    if actions:
        best = max(actions, key=actions.get)
        return best, actions[best]
    return label, float(score)


def _highlight_items(data: dict, path: Path) -> list[Item]:
    items = []
    for i, h in enumerate(data.get("highlights", [])):
        try:
            start, end, score = float(h["start_s"]), float(h["end_s"]), float(h["score"])
            label = str(h["label"])
        except (KeyError, TypeError, ValueError) as e:
            raise ReviewError(f"{path}: highlight {i} is malformed ({type(e).__name__}: {e})") from None
        probs = ((h.get("evidence") or {}).get("classifier") or {}).get("probs") or {}
        key = h.get("key_s")
        items.append(Item(id=f"h{i}", kind="highlight", label=label, start_s=start, end_s=end,
                          key_s=float(key) if key is not None else (start + end) / 2, score=score,
                          uncertainty=margin_uncertainty(probs, score), probs=dict(probs)))
    return items


def _candidate_items(data: dict, highlights: list[Item], limit: int, path: Path) -> tuple[list[Item], list[Item]]:
    """The windows offered (at most `limit`), and every window that could be (the rest of the pool)."""
    pool = []
    for i, c in enumerate(data.get("candidates") or []):
        try:
            window = (float(c["start_s"]), float(c["end_s"]))
            probs = {str(k): float(v) for k, v in (c.get("probs") or {}).items()}
            label, score = _best_action(probs, str(c["label"]), float(c["score"]))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ReviewError(f"{path}: candidate {i} is malformed ({type(e).__name__}: {e})") from None
        if any(_inside(window, (h.start_s, h.end_s)) > _INSIDE_HIGHLIGHT for h in highlights):
            continue
        key = c.get("key_s")
        pool.append(Item(id=f"c{i}", kind="candidate", label=label, start_s=window[0], end_s=window[1],
                         key_s=float(key) if key is not None else sum(window) / 2, score=round(score, 4),
                         uncertainty=margin_uncertainty(probs, score), probs=probs))
    # Most uncertain first; a window overlapping one already offered is the same stretch again.
    pool.sort(key=lambda it: (-it.uncertainty, it.start_s))
    chosen: list[Item] = []
    for item in pool:
        if len(chosen) >= limit:
            break
        if all(_iou((item.start_s, item.end_s), (o.start_s, o.end_s)) <= _CANDIDATE_IOU for o in chosen):
            chosen.append(item)
    return chosen, [item for item in pool if item not in chosen]


def _declared_sport(data: dict) -> str | None:
    """The sport the run was told its footage holds (`classifier.sport`), if any; with `auto`, the
    sport it read from the game's windows (None where it read none)."""
    section = (data.get("config") or {}).get("classifier")
    declared = section.get("sport") if isinstance(section, dict) else None
    if is_auto(declared):
        # Top-level since it left `stats`, where the first runs with `auto` wrote it.
        reading = data.get("sport_read") or (data.get("stats") or {}).get("sport_read")
        return reading.get("sport") if isinstance(reading, dict) else None
    return declared


def _model_of(data: dict) -> str:
    """What proposed the items: the checkpoint or pose model (and inference path), for a fusion both
    models and the weight that mixed them (the same two give other items at another weight), else
    the classifier backend. Reads both config layouts: a `classifier` section, or the older flat keys."""
    from highlights.pipeline.classifier_inference import classifier_inference_text

    config = data.get("config") or {}
    section = config.get("classifier") if isinstance(config.get("classifier"), dict) else {}
    backend = (section.get("backend") or config.get("classifier_backend")
               or (data.get("stages") or {}).get("classifier") or "unknown")
    checkpoint = section.get("checkpoint") or config.get("checkpoint")
    inference = str(data.get("inference_backend", "unknown"))
    if backend == "checkpoint" and checkpoint:
        return f"{checkpoint} ({inference})"
    pose = section.get("pose_model") or config.get("pose_model") or "the packaged pose model"
    if backend == "pose":  # the default classifier: which pose model, not only "pose"
        return f"{pose} ({inference})"
    if backend == "fusion":
        mixed = classifier_inference_text(inference, {"classifier": "fusion"}, {"classifier": section})
        return f"fusion of {checkpoint or 'an unnamed checkpoint'} and {pose} ({mixed})"
    return str(backend)


def _find_video(folder: Path, data: dict, override: Path | None) -> Path:
    """The game's source video as a whole path: the page and the provenance an export writes name
    it, so a path relative to where the review (or detect) was started would name another file, or
    none, from anywhere else."""
    if override is not None:
        from highlights.video.errors import missing_file_cause

        cause = missing_file_cause(override)  # a folder, a dangling link: said as such
        if cause is not None:
            raise ReviewError(f"{override}: {'source video not found' if cause == 'file not found' else cause}")
        return override.resolve()
    recorded = Path(str((data.get("video") or {}).get("path") or ""))
    # highlights.json holds the path detect was given, which may be relative to where detect ran;
    # its run marker holds where detect found it, a whole path (none in a folder made before it).
    candidates = [recorded] if recorded.is_absolute() else []
    candidates += [*_marker_video(folder), folder / recorded.name, folder.parent / recorded.name]
    if not recorded.is_absolute():
        candidates.append(recorded)  # where the review runs: detect may have run there too
    tried = []
    for candidate in candidates:
        if str(candidate) not in ("", ".") and candidate.name:
            tried.append(str(candidate.absolute()))
            if candidate.is_file():
                return candidate.resolve()
    raise ReviewError(f"{folder / HIGHLIGHTS_JSON}: its source video is not at "
                      f"{' or '.join(dict.fromkeys(tried)) or 'a recorded path'} (pass --video)")


def _marker_video(folder: Path) -> list[Path]:
    """The whole path of the video detect read, from its run marker; [] where it holds none."""
    from highlights.pipeline.output_folder import RUN_MARKER

    try:
        video = json.loads((folder / RUN_MARKER).read_text(encoding="utf-8")).get("video")
    except (OSError, ValueError, AttributeError):
        return []
    return [Path(video)] if isinstance(video, str) and Path(video).is_absolute() else []


def _check_plays(video: Path) -> Path:
    """Refuse a source that is no whole video (an empty file, another kind of file, a copy cut off
    part way) in one line naming it: the page plays it in the browser, which shows a black player
    and no cause. Opening it and seeking near its end cost little beside the review."""
    from highlights.video import probe
    from highlights.video.tail_check import check_end_present

    info = probe(video)
    check_end_present(video, float(info.duration_s), 1.0 / info.fps if info.fps else 0.0)
    return video


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "game"
    return slug[:60]


def _what_folder_holds(folder: Path) -> str:
    """Why a folder without highlights.json is no game, for its one-line error: a batch's output
    (`highlights detect` of several videos) or any folder of detect outputs holds one per game."""
    games = sorted(p.name for p in folder.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and (p / HIGHLIGHTS_JSON).is_file())
    if not games:
        return f"is {folder} a `highlights detect` output folder?"
    shown = ", ".join(games[:5]) + (", ..." if len(games) > 5 else "")
    return (f"{folder} holds the detect output folders of {counted(len(games), 'game')}: {shown}; review those, "
            f"e.g. `highlights review {folder}/*/`")


def load_game(folder: str | Path, *, video: str | Path | None = None, classes: list[str] | None = None,
              candidates_per_game: int = DEFAULT_CANDIDATES_PER_GAME, game_id: str | None = None,
              name: str | None = None) -> Game:
    """One detect output folder as a game under review (``name``: as messages name it, by default
    the folder's name)."""
    folder = Path(folder)
    path, raw, data = _read_highlights_json(folder)
    info = data.get("video") or {}
    highlights = _highlight_items(data, path)
    found, unoffered = _candidate_items(data, highlights, candidates_per_game, path)
    labels = set()
    model_classes: list[str] = []  # in the model's order, as its probabilities list them
    for item in highlights + found:
        model_classes += [c for c in item.probs if c not in model_classes]
        labels.update(item.probs)
        labels.add(item.label)
    if not model_classes:
        # No window reached the classifier (a quiet game): the classes of the model the run names,
        # so a missed event is marked with a club's own class rather than one of the default four.
        model_classes = _run_model_classes(data)
    known = _relabel_classes(classes, model_classes, labels, path)
    highlight_labels = [item.label for item in highlights]
    sport = known_sport(_declared_sport(data), highlight_labels)
    return Game(
        id=game_id or _slug(folder.resolve().name),
        folder=folder.resolve(),
        video=_check_plays(_find_video(folder, data, Path(video) if video else None)),
        duration_s=float(info.get("duration_s") or max([i.end_s for i in highlights + found] or [0.0])),
        fps=float(info.get("fps") or 30.0),
        width=int(info.get("width") or 0),
        height=int(info.get("height") or 0),
        classes=known,
        model=_model_of(data),
        fingerprint=hashlib.sha256(raw).hexdigest(),
        items=highlights + found,
        unoffered={item.id: item for item in unoffered},
        model_classes=model_classes,
        sport=sport,
        sport_class=sport_class(sport, known, highlight_labels),
        name=name or "",
        model_sha256={str(m["role"]): str(m["sha256"]) for m in data.get("models") or []
                      if isinstance(m, dict) and m.get("role") and m.get("sha256")},
        video_sha256=info.get("sha256") if isinstance(info.get("sha256"), str) else None,
        highlights_version=(data.get("highlights_version") if isinstance(data.get("highlights_version"), str)
                            else None),
        highlight_fit=HighlightFit.of_run(data.get("config")),
        first_picture_s=_first_picture_s(info),
    )


def _first_picture_s(info: dict) -> float:
    """Where a run's video records its pictures start: 0 where it does not say (or not as a
    time on the video's timeline)."""
    value = info.get("start_s")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return max(0.0, float(value))
    return 0.0


def _read_highlights_json(folder: Path) -> tuple[Path, bytes, dict]:
    """A detect output folder's highlights.json: its path, its bytes (the game's fingerprint) and
    its content, refused in one line when missing, unreadable or written by another version."""
    path = folder / HIGHLIGHTS_JSON
    if folder.is_file():  # most often the folder's highlights.json, given for the folder
        hint = (f"give its folder, {folder.parent}" if folder.name == HIGHLIGHTS_JSON
                else "expected a `highlights detect` output folder")
        raise ReviewError(f"{folder}: a file, not a folder ({hint})")
    if not folder.is_dir():
        raise ReviewError(f"{folder}: no such folder "
                          "(expected a `highlights detect` output folder)")
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except FileNotFoundError:
        raise ReviewError(f"{path}: missing ({_what_folder_holds(folder)})") from None
    except (OSError, ValueError) as e:
        raise ReviewError(f"{path}: unreadable ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("highlights"), list):
        raise ReviewError(f"{path}: not a highlights.json written by `highlights detect`")
    if data.get("format", RESULT_FORMAT) != RESULT_FORMAT:
        raise ReviewError(f"{path}: format {data.get('format')!r}, written by another version "
                          f"of highlights; this one reads {RESULT_FORMAT!r}: review it with the "
                          "version that wrote it, or run `highlights detect` again into its folder")
    return path, raw, data


def _relabel_classes(classes: list[str] | None, model_classes: list[str], labels: set[str],
                     path: Path) -> list[str]:
    """The classes the review offers to relabel to (keys 1-9 first): --classes, else the model's,
    then every other label the game's items carry; never none (what "reject" means)."""
    if classes:
        refuse_a_slip_for_a_model_class(classes, model_classes, path, where="--classes",
                                        advice="give the model's name, or leave it out (the "
                                               "model's classes are offered anyway)")
    # Without --classes the relabel buttons (keys 1-9) are the model's classes: a club's own
    # (`volleyball_spike`) rather than the default four ahead of them. The default four only
    # when no item carries probabilities (a run with the classifier switched off).
    # a list of its own: model_classes is kept
    known = list(classes or model_classes or DEFAULT_CLASSES)
    known += sorted(labels - set(known) - {UNLABELLED})
    if NONE_LABEL in known:  # none is what "reject" means, not a class to relabel to
        known.remove(NONE_LABEL)
    return known


def _run_model_classes(data: dict) -> list[str]:
    """The classes of the model a highlights.json's config names, read from its file; [] when the
    classifier was off or its file cannot be read now (moved since the run)."""
    from highlights.errors import HighlightsError

    classifier = (data.get("config") or {}).get("classifier") or {}
    if not isinstance(classifier, dict) or not classifier.get("enabled", True):
        return []
    backend = classifier.get("backend")
    try:
        if backend in ("checkpoint", "fusion") and classifier.get("checkpoint"):
            from highlights.model.checkpoint import read_checkpoint_file

            classes = read_checkpoint_file(classifier["checkpoint"]).get("meta", {}).get("classes")
            return [str(c) for c in classes] if isinstance(classes, list) else []
        if backend == "pose" and classifier.get("pose_model"):
            from highlights.pose_classifier.model import PoseClassifier

            return list(PoseClassifier.load(classifier["pose_model"]).classes)
    except (OSError, ValueError, HighlightsError):
        return []
    return []


def refuse_a_slip_for_a_model_class(classes: list[str], model_classes: list[str], path: Path, *, where: str,
                                    advice: str) -> None:
    """A class name given on the command line (`where`: its option) one keyboard slip from a class
    of the model (`volleyball_spik`) would be, once exported, a class of its own in the dataset
    beside the model's (and, from --classes, a relabel button beside the model's own): refused,
    the line ending in `advice`."""
    from highlights.class_slips import one_slip_apart

    for name in classes:
        rival = next((m for m in model_classes if m != name and one_slip_apart(name, m)), None)
        if rival is not None:
            raise ReviewError(f"{where}: {name!r} is one slip from {rival!r}, a class of the model in {path}; "
                              f"{advice}")


def load_games(folders: list[str | Path], *, videos: list[str | Path] | None = None,
               classes: list[str] | None = None,
               candidates_per_game: int = DEFAULT_CANDIDATES_PER_GAME) -> list[Game]:
    """Every folder as a game; ids are the folder names, made unique by a suffix when two clash."""
    classes = [class_name(name) for name in classes] if classes else classes  # as a dataset takes them
    for name in classes or ():
        problem = class_name_problem(name)
        if problem:  # the clips of a class are exported into a folder of its name
            raise ReviewError(class_name_error_text("--classes", name, problem))
    if videos and len(videos) != len(folders):
        raise ReviewError(f"--video given {counted(len(videos), 'time')} for {counted(len(folders), 'folder')}; "
                          "give it once per folder, in the same order, or not at all")
    games: list[Game] = []
    used: set[str] = set()
    named = Counter(Path(folder).resolve().name for folder in folders)
    for i, folder in enumerate(folders):
        resolved = Path(folder).resolve()
        base = _slug(resolved.name)
        gid, n = base, 2
        while gid in used:
            gid, n = f"{base}-{n}", n + 1
        used.add(gid)
        games.append(load_game(folder, video=videos[i] if videos else None, classes=classes,
                               candidates_per_game=candidates_per_game, game_id=gid,
                               name=resolved.name if named[resolved.name] == 1 else str(resolved)))
    if not games:
        raise ReviewError("no detect output folders given")
    return games
