"""From review decisions to training data: clips, the next dataset version, and annotations.

Every decided item becomes one clip cut from its game's source video over its final segment:
accepted and relabelled highlights and found misses under their class, rejected items under
`none` (the hard negatives: moments the model thought were highlights, or nearly did), or under
the class `rejected_as` names (a model of a club's own classes may have `rest` for background
play and no `none`). A rejected item's clip never holds an action decided in the same video:
where its segment overlaps one, it is trimmed to its longest part clear of every action, or left
out when no part of it is long enough for a clip. The clips go through the dataset code like any
other source (`highlights.datasets`), grouped by source game so one game's clips never straddle two
splits, each with its provenance: source video, segment, decision, reviewer, decision time and the
model that proposed it.

Each reviewed game's events (every item decided as an action) are also written as an annotation,
in the project's format and as SoccerNet `Labels-v2.json`, so `highlights pipeline evaluate` can
score the next model on the user's own games. Items nobody decided are left out of both; the
result says how many there were.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from highlights.atomic import check_writable, json_text
from highlights.clips.spec import ClipSpec
from highlights.counted_noun import counted
from highlights.csv_cells import csv_row
from highlights.datasets import (
    DatasetError, DatasetVersion, create_version, grow_version, list_versions, load_version,
)
from highlights.datasets.cut_spans import cut_span
from highlights.datasets.lock import RootBusyError, root_being_written
from highlights.datasets.sources import UNKNOWN_LICENCE
from highlights.datasets.split_leaks import split_leak_warning
from highlights.events import Event, GameAnnotation, save_annotation
from highlights.events.formats import annotation_data
from highlights.file_name_letters import writable_name
from highlights.progress import track
from highlights.vocabulary import NONE_LABEL, class_name_error_text, class_name_problem, sport_of
from highlights.review import export_under_way
from highlights.review.errors import ReviewError
from highlights.review.export_settings import ExportSettings
from highlights.review.export_staging import staging_folder
from highlights.review.games import HIGHLIGHTS_JSON, Game, refuse_a_slip_for_a_model_class
from highlights.review.parent_moments import against_parent, contradiction_line
from highlights.review.session import ReviewSession, outcome_of
from highlights.review.store import Decision

ANNOTATION_NAME = "reviewed.json"
SOCCERNET_NAME = "Labels-v2.json"
# per game, with formats
ANNOTATION_FILES = ((ANNOTATION_NAME, "highlights"), (SOCCERNET_NAME, "soccernet"))
ANNOTATIONS_DIR = "reviewed"


@dataclass
class ReviewedClip:
    game: Game
    item: str
    kind: str
    proposed_label: str
    decision: Decision
    # The segment cut, when it is not the decision's: a `none` clip trimmed clear of an action.
    span: tuple[float, float] | None = None
    rejected_as: str = NONE_LABEL  # the class a rejected item is filed under

    @property
    def outcome(self):
        return outcome_of(self.kind, self.proposed_label, self.decision, self.rejected_as)

    @property
    def background(self) -> bool:
        """Filed under the class of no action (`none`, or the class rejected items go to)."""
        return self.outcome.label in (NONE_LABEL, self.rejected_as)

    @property
    def start_s(self) -> float:
        return self.span[0] if self.span else self.decision.start_s

    @property
    def end_s(self) -> float:
        return self.span[1] if self.span else self.decision.end_s

    def key(self) -> tuple[str, str, str]:
        """The item across exports: its video, the detect run that proposed it and its id. Two
        detect runs of one video (another model, another folder) both number their items from h0."""
        return (str(self.game.video), self.decision.run[:16], self.item)

    def fingerprint(self) -> tuple:
        """What the clip holds: its class and segment (two items that cut the same are repeats)."""
        return (self.outcome.label, round(self.start_s, 3), round(self.end_s, 3))

    def key_moment(self) -> float | None:
        """The moment an action's clip is cut around, as its provenance records it (`key_s`)."""
        if self.decision.key_s is None or self.background:
            return None
        return round(self.decision.key_s, 3)

    def exported_as(self, recorded: tuple) -> bool:
        """Whether a clip exported before (`_exported_before`: class and segment, key moment) is
        this clip as decided now. The key moment counts apart from the segment: one moved within
        the first or last half a segment's length of the video leaves the segment where it was (it
        cannot move outside the video), and its time must still reach the new version and
        reviewed.json. A clip exported before key moments were recorded is compared by segment."""
        cut, key = recorded
        return cut == self.fingerprint() and (key is None or key == self.key_moment())

    def provenance(self) -> str:
        """One line of JSON: it travels through the manifest into `dataset_meta.json` unchanged."""
        data = {
            "review": self.outcome.category, "source_video": str(self.game.video),
            "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
            "reviewer": self.decision.reviewer, "decided_at": self.decision.decided_at,
            "proposed_by": self.game.model, "proposed_label": self.proposed_label,
            "item": self.item, "game": self.game.id, "run": self.decision.run[:16]}
        if self.decision.key_s is not None and not self.background:
            # the moment the clip is cut around (the reviewer may have moved it): the same time
            # as the event's in the reviewed annotations
            data["key_s"] = round(self.decision.key_s, 3)
        if self.span:
            data["decided_s"] = [round(self.decision.start_s, 3), round(self.decision.end_s, 3)]
        # by content, where the run recorded it: a checkpoint retrained at its path, or a video
        # re-exported under its name, is another model or video than the one that proposed this
        if self.game.model_sha256:
            data["proposed_by_sha256"] = self.game.model_sha256
        if self.game.video_sha256:
            data["source_video_sha256"] = self.game.video_sha256
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def describe(self) -> str:
        if self.span:
            d = self.decision
            return (f"{self.game.name}/{self.item} (decided {d.start_s:.2f}-{d.end_s:.2f} s, "
                    f"cut {self.start_s:.2f}-{self.end_s:.2f} s)")
        return f"{self.game.name}/{self.item}"


@dataclass
class ExportResult:
    version: DatasetVersion | None
    clips: dict[str, int]  # per outcome category
    annotations: dict[str, list[Path]] = field(default_factory=dict)  # game -> files
    pending: int = 0  # items nobody decided: left out
    unchanged: int = 0  # decided items the parent already holds exactly so: left out
    # Items the parent holds from an earlier decision that has since changed: the new version
    # holds the new decision's clip in place of the parent's (the parent, immutable, keeps its own).
    changed: list[str] = field(default_factory=list)
    # `none` clips whose segment overlapped an action decided in the same video: "game/item
    # (decided A-B s, cut C-D s)" for those trimmed clear of it, "game/item (A-B s)" for those
    # left out because no part of them clear of actions is long enough for a clip.
    trimmed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    added_classes: list[str] = field(default_factory=list)  # classes the parent did not have
    # Items left out because another item of the same video was decided as the same class over the
    # same segment (its clip would be the same clip twice): "game/item (as game/other)".
    repeated: list[str] = field(default_factory=list)
    rejected_as: str = NONE_LABEL  # the class rejected items were filed under
    # game -> the splits of the new version its clips are in (one, as a game is one group): a game
    # in the train split is no test of a model trained on the version, and the user needs to know
    # which games that is before scoring the pipeline on their reviewed annotations.
    splits: dict[str, list[str]] = field(default_factory=dict)
    # Exported without a licence given: game -> the one licence the parent states for its video,
    # which its clips carry (`stated_licence`), and how many exported clips state none (`unknown`).
    carried_licences: dict[str, str] = field(default_factory=dict)
    no_licence: int = 0
    # A grown version whose parent, written before same-video clips were kept in one split, holds a
    # source video in two (`split_leak_warning`): one line naming them, as `dataset grow` says it.
    split_leaks: str | None = None
    # New clips of a moment of their video that the parent holds a clip of with the same label
    # (a review of another detect run of it): kept, as the same label twice is no contradiction.
    same_moment: int = 0
    # Parent clips of the same moment under another label, replaced by the new decision's clip
    # (`--replace-parent-labels`): their clip ids.
    relabelled_in_parent: list[str] = field(default_factory=list)
    # Game id -> the game as messages name it (`Game.name`): the mappings above are keyed by id.
    game_names: dict[str, str] = field(default_factory=dict)

    def named(self, game_id: str) -> str:
        return self.game_names.get(game_id, game_id)


def reviewed_clips(session: ReviewSession,
                   rejected_as: str = NONE_LABEL) -> tuple[list[ReviewedClip], int]:
    """Every decided item of every game (a rejected one filed under `rejected_as`), and how many
    items nobody decided."""
    out, pending = [], 0
    for game in session.games:
        for state in session.states(game.id):
            d_id = state["state"].get("decision_id")
            if d_id is None:
                pending += 1
                continue
            out.append(ReviewedClip(game=game, item=state["id"], kind=state["kind"],
                                    proposed_label=state["label"], decision=session.store.get(d_id),
                                    rejected_as=rejected_as))
    return out, pending


def clear_of(start_s: float, end_s: float, spans: list[tuple[float, float]],
             min_s: float) -> tuple[float, float] | None:
    """The longest part of ``start_s``-``end_s`` that overlaps none of ``spans``, or None when
    that part is shorter than ``min_s``. Touching a span's end is not overlapping it."""
    pieces, at = [], start_s
    for a, b in sorted(spans):
        if b <= at or a >= end_s:
            continue
        if a > at:
            pieces.append((at, a))
        at = max(at, b)
    if at < end_s:
        pieces.append((at, end_s))
    if not pieces:
        return None
    best = max(pieces, key=lambda p: p[1] - p[0])
    return best if best[1] - best[0] >= min_s else None


def keep_actions_out_of_none(clips: list[ReviewedClip]) -> tuple[list[ReviewedClip], list[str]]:
    """``clips`` with every `none` clip clear of the actions decided in its video (a trimmed one
    gets its ``span``), and the ones dropped (see ``ExportResult``).

    A rejected highlight often overlaps an accepted one (the run-up, the same action found twice):
    cut whole, the `none` clip would teach the model that the action is not one. Shorter than
    the frames one classifier clip holds, a remaining part would be mostly repeated frames.
    """
    actions: dict[str, list[tuple[float, float]]] = {}
    for c in clips:
        if not c.background:
            actions.setdefault(str(c.game.video), []).append((c.decision.start_s, c.decision.end_s))
    kept, dropped = [], []
    frames = ClipSpec().num_frames
    for c in clips:
        spans = actions.get(str(c.game.video), [])
        d = c.decision
        if not c.background or not any(a < d.end_s and b > d.start_s for a, b in spans):
            kept.append(c)
            continue
        part = clear_of(d.start_s, d.end_s, spans,
                        min_s=frames / c.game.fps if c.game.fps > 0 else 1.0)
        if part is None:
            dropped.append(f"{c.describe()} ({d.start_s:.2f}-{d.end_s:.2f} s)")
            continue
        c.span = part
        kept.append(c)
    return kept, dropped


def one_clip_per_segment(clips: list[ReviewedClip]) -> tuple[list[ReviewedClip], list[str]]:
    """``clips`` with one clip for each segment of a video decided as one class, and the items left
    out as repeats of one kept (see ``ExportResult.repeated``).

    Two items come to the same clip when detect proposes two highlights over one padded segment
    (two key moments near the video's end), when a missed event is marked twice at one playhead,
    or when two runs of one video are reviewed together: twice the same clip would weigh it
    double in training, or be refused by the dataset as a duplicate, and the export with it.
    """
    first: dict[tuple, ReviewedClip] = {}
    kept, repeated = [], []
    for c in clips:
        twin = first.setdefault((str(c.game.video), *c.fingerprint()), c)
        if twin is c:
            kept.append(c)
        else:
            repeated.append(f"{c.game.name}/{c.item} (as {twin.game.name}/{twin.item})")
    return kept, repeated


def cut_clip(video: Path, start_s: float, end_s: float, out: Path, fps: float) -> Path:
    """The segment re-encoded on its own (H.264): a clip any reader seeks in from its first
    frame."""
    from highlights.video import iter_frames, write_video
    from highlights.video.writer import DATA_PRESET

    frames = (f.rgb for f in iter_frames(video, start_s=start_s, end_s=end_s))
    try:
        return write_video(out, frames, fps, crf=18, preset=DATA_PRESET)
    except ValueError as e:
        raise ReviewError(f"{video}: cannot cut {start_s:.3f}-{end_s:.3f} s ({e})") from None


def game_annotation(game: Game, clips: list[ReviewedClip]) -> GameAnnotation:
    """The game's events: one per key moment decided as one class. A missed event marked twice at
    one playhead is one event: twice, it would count once found as two events found, or once
    missed as two misses. Two key moments of one class are two events even where their segments
    coincide (two shots near the video's end, both padded to its end): the export cuts one clip of
    that segment (`one_clip_per_segment`), but the game holds both shots."""
    events, seen = [], set()
    for c in sorted(clips, key=lambda c: c.decision.start_s):
        d = c.decision
        key_s = round(d.key_s if d.key_s is not None else (d.start_s + d.end_s) / 2, 3)
        if c.background or (c.outcome.label, key_s) in seen:
            continue
        seen.add((c.outcome.label, key_s))
        label = c.outcome.label
        events.append(Event(id=c.item, sport=sport_of(label), label=label,
                            start_s=round(d.start_s, 3), end_s=round(d.end_s, 3), key_s=key_s))
    sports = {e.sport for e in events}
    return GameAnnotation(video=game.video.name, fps=game.fps, duration_s=game.duration_s,
                          width=game.width or None, height=game.height or None,
                          sport=sports.pop() if len(sports) == 1 else "mixed", events=events)


def write_annotations(session: ReviewSession, clips: list[ReviewedClip],
                      out_dir: Path | None = None) -> dict[str, list[Path]]:
    """`reviewed.json` and `Labels-v2.json` per game (in `GAME_FOLDER/reviewed/` by default)."""
    return {game.id: [save_annotation(ann, folder / name, fmt=fmt)
                      for name, fmt in ANNOTATION_FILES]
            for game, folder, ann in _annotations_of(session, clips, out_dir)}


def _annotations_of(session: ReviewSession, clips: list[ReviewedClip], out_dir: Path | None):
    """(game, its annotation folder, its annotation) for each game of ``clips``."""
    for game in session.games:
        mine = [c for c in clips if c.game is game]
        if mine:
            yield game, _annotation_folder(game, out_dir), game_annotation(game, mine)


def export_review(session: ReviewSession, root: str | Path, *, parent: str | None = None,
                  licence: str | None = None, annotations_dir: str | Path | None = None,
                  note: str | None = None, progress: Callable[[int, int], None] | None = None,
                  rejected_as: str = NONE_LABEL, show_progress: bool = False,
                  replace_parent_labels: bool = False) -> ExportResult:
    """Cut every decided item into a clip and make the next dataset version of `root` from them,
    rejected items under `rejected_as` (`check_rejected_as`). `show_progress` draws a bar while
    the clips are cut and while the version checks and stores them: a season's review is hundreds
    of clips, each decoded and encoded.

    With `parent` the new version is grown from it (its clips and splits kept; an item it already
    holds with the same label, segment and key moment is left out, so exporting again after more
    review adds only the new decisions); without, it is the first version of `root`.

    `licence` is every exported clip's; without it a game's clips carry the one licence the parent
    states for its video, if it states exactly one (`stated_licence`), else `unknown`.

    A new clip over the same moment of its video as a clip of `parent` under another label (a
    review of another detect run of the video) is refused, writing nothing; with
    `replace_parent_labels` the new clip takes the parent clip's place (`_against_parent`).
    """
    settings = ExportSettings(parent=parent, licence=licence, annotations_dir=annotations_dir,
                              note=note, progress=progress, rejected_as=rejected_as,
                              show_progress=show_progress,
                              replace_parent_labels=replace_parent_labels)
    root = Path(root)
    noted = export_under_way.stopped(session.store, root)
    decided = _decided_or_stopped_left(session, root, noted, rejected_as)
    if noted is not None:
        finished = _finish_stopped(session, root, noted, decided, settings)
        if finished is not None:
            return finished
    done_before = _done_before(session, root, decided, settings)
    if isinstance(done_before, ExportResult):
        return done_before
    return _new_version(session, root, decided, settings, *done_before)


@dataclass
class _Decided:
    """What the review holds to export (`_decided_clips`): the decided items as annotated, the
    clips cut from them, the items nobody decided, and the items dropped and repeated."""

    annotated: list[ReviewedClip]
    clips: list[ReviewedClip]
    pending: int
    dropped: list[str]
    repeated: list[str]


def _decided_or_stopped_left(session: ReviewSession, root: Path, noted: dict | None,
                             rejected_as: str) -> _Decided:
    """The review's decided items; where none gives a clip, refused, in a line that names the
    version a stopped export (`noted`) made and left."""
    try:
        return _Decided(*_decided_clips(session, rejected_as))
    except _NothingToExport as nothing:
        if noted is None:
            raise
        raise _stopped_export_left(session, root, noted, nothing) from None


def _done_before(session: ReviewSession, root: Path, decided: _Decided,
                 settings: ExportSettings
                 ) -> ExportResult | tuple[list[ReviewedClip], list[ReviewedClip], dict[str, str]]:
    """This export, made before by the same command: finished where it stopped before its
    annotations (the result), else refused. Otherwise what `_not_exported_before` gives, for the
    new version."""
    parent, annotations_dir = settings.parent, settings.annotations_dir
    annotated, clips, pending = decided.annotated, decided.clips, decided.pending
    if parent is None and list_versions(root):
        made = _made_first_by(root, clips)
        if made is not None and _annotations_not_written(session, annotated, annotations_dir):
            return _stopped_export_finished(session, annotated, load_version(root, made), clips,
                                            settings, pending=pending)
        raise ReviewError(f"{root}: already holds {', '.join(list_versions(root))}; "
                          "say which version the review grows (--parent vN)")
    fresh, changed, replaces = _not_exported_before(root, parent, clips)
    if not fresh:
        held = load_version(root, parent)
        undone = _held_but_undecided(session, held, annotated)
        # Annotations that differ from the decisions because one was undone since the export
        # are no sign of a stopped export: the version holds the undone item's clip.
        if not undone and _annotations_not_written(session, annotated, annotations_dir):
            return _stopped_export_finished(session, annotated, held, clips, settings,
                                            pending=pending)
        raise ReviewError(_nothing_new(root, parent, undone))
    twin = _grown_before(root, parent, fresh) if parent is not None else None
    if twin is not None and _annotations_not_written(session, annotated, annotations_dir):
        return _stopped_export_finished(session, annotated, load_version(root, twin), fresh,
                                        settings, pending=pending,
                                        unchanged=len(clips) - len(fresh))
    if twin is not None:
        # The same export run again: it would make a copy of that version under a new name.
        raise ReviewError(f"nothing new to export from {parent}: {root}/{twin} already grows "
                          f"{parent} by every decided item it lacks ({len(fresh)}); export with "
                          f"--parent {twin} to add what is decided since")
    return fresh, changed, replaces


def _new_version(session: ReviewSession, root: Path, decided: _Decided, settings: ExportSettings,
                 fresh: list[ReviewedClip], changed: list[ReviewedClip],
                 replaces: Mapping[str, str]) -> ExportResult:
    """Cuts the ``fresh`` clips into the next version of `root`, then writes the annotations, the
    export noted as under way (`export_under_way`) between the two."""
    parent, annotations_dir = settings.parent, settings.annotations_dir
    replaces, relabelled, same_moment = _against_parent(root, fresh, replaces, settings)
    _refuse_unwritable_annotations(session, decided.annotated, annotations_dir)
    carried = (_carried_licences(root, parent, fresh)
               if settings.licence is None and parent is not None else {})
    export_under_way.begin(session.store, root, parent)
    try:
        version, added_classes, rows = _cut_into_version(session, root, fresh, settings,
                                                         replaces=replaces, carried=carried)
    except Exception:
        export_under_way.done(session.store, root)  # refused: nothing was made
        raise
    # Written once the version is: a refused export changes nothing on disk.
    annotations = write_annotations(session, decided.annotated,
                                    Path(annotations_dir) if annotations_dir else None)
    export_under_way.done(session.store, root)
    return ExportResult(version=version, clips=_tally(fresh), annotations=annotations,
                        pending=decided.pending, unchanged=len(decided.clips) - len(fresh),
                        changed=[f"{c.game.name}/{c.item}" for c in changed],
                        trimmed=[c.describe() for c in fresh if c.span], dropped=decided.dropped,
                        added_classes=added_classes, repeated=decided.repeated,
                        rejected_as=settings.rejected_as, splits=game_splits(session, version),
                        carried_licences=carried,
                        no_licence=sum(1 for r in rows if r["licence"] == UNKNOWN_LICENCE),
                        split_leaks=split_leak_warning(version) if parent is not None else None,
                        same_moment=same_moment, relabelled_in_parent=relabelled,
                        game_names=_game_names(session))


def _against_parent(root: Path, fresh: list[ReviewedClip], replaces: Mapping[str, str],
                    settings: ExportSettings) -> tuple[Mapping[str, str], list[str], int]:
    """The parent clips the new version leaves out (``replaces`` and, with
    `replace_parent_labels`, those of a moment a new clip gives another label), those of the
    latter, and how many new clips are of a moment the parent holds under the same label. A
    contradiction without the flag is refused in one line, before anything is written."""
    if settings.parent is None:
        return replaces, [], 0
    moments = against_parent(load_version(root, settings.parent), fresh, replaces)
    if moments.contradicted and not settings.replace_parent_labels:
        raise ReviewError(contradiction_line(root, settings.parent, moments.contradicted))
    relabelled = {held.clip_id: f"review decision on {c.game.name}/{c.item}: "
                  f"{c.outcome.label} {c.start_s:.2f}-{c.end_s:.2f} s, the same moment"
                  for c, held in moments.contradicted}
    return {**replaces, **relabelled}, sorted(relabelled), moments.same_label


def _finish_stopped(session: ReviewSession, root: Path, noted: dict, decided: _Decided,
                    settings: ExportSettings) -> ExportResult | None:
    """After an export of this review to `root` that stopped part way (`export_under_way`): the
    version it made, finished (its annotations written, as they stand now), then grown by what
    is decided since, if anything is; None where it made no version, so this export does its work
    again from the start. Items undone since stay in its version, as after a whole export. An
    export given another parent than the stopped one's, or its version, is refused
    (`_refuse_another_parent`)."""
    made = export_under_way.version_it_made(root, noted)
    if made is None:
        export_under_way.done(session.store, root)
        return None
    _refuse_another_parent(root, noted, made, settings.parent)
    clips = decided.clips
    held = _exported_before(root, made)
    in_made = [c for c in clips if _holds(held, c)]
    added = _not_exported_before(root, noted.get("parent"), in_made)[0]
    finished = _stopped_export_finished(session, decided.annotated, load_version(root, made),
                                        added, settings, pending=decided.pending,
                                        unchanged=len(in_made) - len(added))
    export_under_way.done(session.store, root)
    if not _not_exported_before(root, made, clips)[0]:
        return finished
    return export_review(session, root, parent=made, licence=settings.licence,
                         annotations_dir=settings.annotations_dir, note=settings.note,
                         progress=settings.progress, rejected_as=settings.rejected_as,
                         show_progress=settings.show_progress,
                         replace_parent_labels=settings.replace_parent_labels)


def _refuse_another_parent(root: Path, noted: dict, made: str, parent: str | None) -> None:
    """The stopped export's version is finished by an export from its parent or from it: one given
    another parent (or none, where the stopped one grew one) was taken for it, its --parent
    ignored, and grew that version instead. Refused in one line naming both."""
    if parent in (noted.get("parent"), made):
        return
    grown = (f"grown from {noted['parent']}" if noted.get("parent") is not None
             else "as the first version")
    given = f"--parent {parent}" if parent is not None else "no --parent"
    raise ReviewError(f"{root}/{made}: made {grown} by an export of this review that stopped "
                      f"part way, which an export given {given} would leave unfinished; export "
                      f"with --parent {made} to finish it and add what is decided since")


def _not_exported_before(root: Path, parent: str | None, clips: list[ReviewedClip]
                         ) -> tuple[list[ReviewedClip], list[ReviewedClip], dict[str, str]]:
    """The clips `parent` does not hold as they are decided now, those of them whose item it holds
    decided otherwise, and the clips of `parent` each of those replaces (with why)."""
    already = _exported_before(root, parent) if parent is not None else {}
    fresh = [c for c in clips if not _holds(already, c)]
    changed = [c for c in fresh if c.key() in already]
    # The earlier decision's clip would contradict the new one (another label) or hold another
    # cut of the same moment: the new version has the new one only.
    replaces = {already[c.key()][1]: f"review decision on {c.game.name}/{c.item} changed to "
                f"{c.outcome.label} {c.start_s:.2f}-{c.end_s:.2f} s"
                + (f" (key moment {c.key_moment():.2f} s)" if c.key_moment() is not None else "")
                for c in changed}
    return fresh, changed, replaces


def _cut_into_version(session: ReviewSession, root: Path, clips: list[ReviewedClip],
                      settings: ExportSettings, *, replaces: Mapping[str, str],
                      carried: Mapping[str, str]) -> tuple[DatasetVersion, list[str], list[dict]]:
    """Cuts the clips into a staging folder and makes the next version of `root` of them: (the
    version, the classes it adds, the staged manifest's rows)."""
    cut_from: dict[str, str] = {}  # staged clip -> the item and segment it was cut from
    if root_being_written(root):  # said now, not after every clip is cut
        raise _root_busy(root)
    with staging_folder(root) as staging:
        rows = _staged_clips(clips, staging, cut_from, settings, carried=carried)
        try:
            version, added_classes = _version_of_staged(session, staging, root, clips, settings,
                                                        replaces=replaces)
        except RootBusyError as e:
            raise _root_busy(root, e.pid) from None
        except DatasetError as e:
            # The staged files are gone when the user reads this: name what each was cut from.
            raise DatasetError([_named(problem, cut_from) for problem in e.problems],
                               skippable=e.skippable, headline=e.headline) from None
    return version, added_classes, rows


def _held_but_undecided(session: ReviewSession, version: DatasetVersion,
                        annotated: list[ReviewedClip]) -> list[str]:
    """The items of this review's detect runs whose clip ``version`` holds and that nobody has
    decided now (a decision undone after its export, in this tab or another), as "game/item"."""
    games = {(str(g.video), g.fingerprint[:16]): g for g in session.games}
    decided = {c.key() for c in annotated}
    held = []
    for clip in version.real_clips:
        prov = _review_provenance(clip)
        key = _review_key(prov) if prov is not None else None
        if key is not None and key[:2] in games and key not in decided:
            held.append(f"{games[key[:2]].name}/{key[2]}")
    return sorted(held)


def _nothing_new(root: Path, parent: str, undone: list[str]) -> str:
    """Why an export that would add nothing to ``parent`` is refused, with the items it holds
    that were undone since (`_held_but_undecided`): their clips stay in it."""
    said = f"nothing new to export: every decided item is already in {root}/{parent}"
    if not undone:
        return said
    more = f" and {len(undone) - 5} more" if len(undone) > 5 else ""
    return (f"{said}, which also holds the clips of {counted(len(undone), 'item')} undone since "
            f"({', '.join(undone[:5])}{more}): they stay there until those items are decided "
            "again")


def _root_busy(root: Path, pid: str | None = None) -> ReviewError:
    """Another process writing the dataset root (an export from another tab's review, `review
    export`, a `dataset` command): the export is run again once it has finished, as nothing was
    written (the dataset code's own advice, --wait, is an option no export has)."""
    who = f" (pid {pid})" if pid else ""
    return ReviewError(f"{root}: another process{who} is writing this dataset root; export again "
                       "once it has finished (every decision is kept)")


class _NothingToExport(ReviewError):
    """No decided item gives a clip to export."""


def _stopped_export_left(session: ReviewSession, root: Path, noted: dict,
                         nothing: _NothingToExport) -> ReviewError:
    """Nothing to export after an export that stopped part way (its decisions undone since): the
    version it made is left as it is, and its note taken back, said in the same line. Kept, the
    note outlived the review's decisions, and the line said nothing of the unfinished export."""
    made = export_under_way.version_it_made(root, noted)
    export_under_way.done(session.store, root)
    if made is None:
        return nothing
    return ReviewError(f"{nothing}; the export that stopped part way made {root}/{made}, left "
                       "as it is with its annotations unwritten: no item decided now gives a clip")


def _decided_clips(session: ReviewSession, rejected_as: str):
    """The decided items (as annotated), the clips to cut from them (rejected ones within an
    accepted action trimmed or dropped, one clip per segment), the items not decided yet, those
    dropped and those repeated."""
    check_rejected_as(session, rejected_as)
    clips, pending = reviewed_clips(session, rejected_as)
    if not clips:
        raise _NothingToExport(f"{session.store.path}: nothing to export: no item of this review "
                               "has been decided yet")
    annotated = clips
    clips, dropped = keep_actions_out_of_none(clips)
    if not clips:
        raise _NothingToExport(f"{session.store.path}: nothing to export: every decided item is a "
                               "rejected one lying within an accepted action "
                               f"({', '.join(dropped[:5])})")
    clips, repeated = one_clip_per_segment(clips)
    return annotated, clips, pending, dropped, repeated


def _staged_clips(clips: list[ReviewedClip], staging: Path, cut_from: dict[str, str],
                  settings: ExportSettings, *, carried: Mapping[str, str]) -> list[dict]:
    """Cuts each clip into `staging` (a folder per label) beside a manifest of them, noting in
    `cut_from` what each staged file was cut from. Returns the manifest's rows."""
    licence, progress, show_progress = settings.licence, settings.progress, settings.show_progress
    rows = []
    for n, c in enumerate(track(clips, "cutting reviewed clips", enabled=show_progress)):
        # The folder's name is only for a person looking in: the manifest gives each clip's label.
        rel = Path(writable_name(c.outcome.label)) / f"{c.game.id}_{c.item}.mp4"
        cut_from[str(staging / rel)] = (f"{c.game.video} {c.start_s:.2f}-{c.end_s:.2f} s "
                                        f"({c.game.name}/{c.item}, {c.outcome.label})")
        cut_clip(c.game.video, c.start_s, c.end_s, staging / rel, c.game.fps)
        # Grouped by source game: a game's clips land in one split, never two.
        rows.append({"path": rel.as_posix(), "label": c.outcome.label, "group": c.game.video.stem,
                     "licence": licence or carried.get(c.game.id) or UNKNOWN_LICENCE,
                     "provenance": c.provenance()})
        if progress:
            progress(n + 1, len(clips))
    with open(staging / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["path", "label", "group", "licence", "provenance"])
        writer.writeheader()
        writer.writerows(csv_row(r) for r in rows)  # read back by the dataset's reader
    return rows


def _version_of_staged(session: ReviewSession, staging: Path, root: Path,
                       clips: list[ReviewedClip], settings: ExportSettings, *,
                       replaces: Mapping[str, str]) -> tuple[DatasetVersion, list[str]]:
    """The new version made of the staged clips, grown from `parent` or the first of `root`, and
    the classes it adds to the parent's."""
    parent, note, show_progress = settings.parent, settings.note, settings.show_progress
    # The staging folder is gone once the version is written: record the review instead.
    source_name = "review of " + _videos_named(clips)
    if parent is not None:
        # Classes the reviewer labelled with that the parent lacks are added (grow keeps the
        # parent's): refused, the review's work could not be exported at all.
        have = load_version(root, parent).classes
        added_classes = sorted({c.outcome.label for c in clips} - set(have))
        classes = have + added_classes
        version = grow_version(staging, root, parent, classes=classes, note=note,
                               skip_existing=True, source_name=source_name, replaces=replaces,
                               show_progress=show_progress)
        return version, added_classes
    classes = sorted({c for g in session.games for c in g.classes} | {settings.rejected_as})
    version = create_version(staging, root, classes=classes, note=note, source_name=source_name,
                             show_progress=show_progress)
    return version, []


def _game_names(session: ReviewSession) -> dict[str, str]:
    return {game.id: game.name for game in session.games}


def _videos_named(clips: list[ReviewedClip]) -> str:
    """The videos `clips` were cut from, by name: what a user recognises, where the detect folders
    the review read are a step between. A name two videos share is given as its whole path."""
    # A game's video is a whole, resolved path however it was given (`load_game`), so one video is
    # one name.
    videos = {c.game.video for c in clips}
    names = Counter(video.name for video in videos)
    return ", ".join(sorted(video.name if names[video.name] == 1 else str(video)
                            for video in videos))


def _carried_licences(root: Path, parent: str, clips: list[ReviewedClip]) -> dict[str, str]:
    """Game id -> the one licence ``parent`` states for the game's video, for each game of ``clips``
    it states exactly one for."""
    from highlights.review.stated_licence import licences_stated_for

    version = load_version(root, parent)
    carried = {}
    for game in {c.game.id: c.game for c in clips}.values():
        stated = licences_stated_for(version, game.video)
        if len(stated) == 1:
            carried[game.id] = stated.pop()
    return carried


def game_splits(session: ReviewSession, version: DatasetVersion) -> dict[str, list[str]]:
    """Each reviewed game's splits in ``version``: those of the clips of its group (its video's
    stem, as the export groups them), the parent's clips of that video included, and those of the
    clips cut from its video, which join the group of a clip holding that video whole."""
    by_group: dict[str, set[str]] = {}
    by_source: dict[Path, set[str]] = {}
    for clip in version.clips:
        by_group.setdefault(clip.group, set()).add(clip.split)
        span = cut_span(clip.provenance)
        if span is not None:
            by_source.setdefault(Path(span.source).resolve(), set()).add(clip.split)
    splits = {}
    for game in session.games:
        found = (by_group.get(game.video.stem, set())
                 | by_source.get(Path(game.video).resolve(), set()))
        if found:
            splits[game.id] = sorted(found)
    return splits


def _refuse_unwritable_annotations(session: ReviewSession, annotated: list[ReviewedClip],
                                   out_dir: str | Path | None) -> None:
    """Before the first clip is cut: the annotations are written last, once the version is made,
    so one that cannot be written (a file where its folder is to be) would be refused with the
    version made and the annotations not."""
    for game in session.games:
        if any(c.game is game for c in annotated):
            for name, _ in ANNOTATION_FILES:
                check_writable(_annotation_folder(game, out_dir) / name)


def _annotation_folder(game, out_dir: str | Path | None) -> Path:
    return (Path(out_dir) / game.id) if out_dir else (game.folder / ANNOTATIONS_DIR)


def _tally(clips: list[ReviewedClip]) -> dict[str, int]:
    """Clips per outcome category (`ExportResult.clips`)."""
    tally: dict[str, int] = {}
    for c in clips:
        tally[c.outcome.category] = tally.get(c.outcome.category, 0) + 1
    return tally


def _annotations_not_written(session: ReviewSession, clips: list[ReviewedClip],
                             out_dir: str | Path | None) -> bool:
    """Is an annotation file `write_annotations` would write for ``clips`` not there, or not what
    it would write? An export stopped before it wrote them leaves the files of an earlier export
    to the same folder, which lack what was decided since."""
    for _, folder, ann in _annotations_of(session, clips, out_dir):
        for name, fmt in ANNOTATION_FILES:
            try:
                written = json.loads((folder / name).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return True
            if written != json.loads(json_text(annotation_data(ann, fmt))):
                return True
    return False


def _stopped_export_finished(session: ReviewSession, annotated: list[ReviewedClip],
                             version: DatasetVersion, clips: list[ReviewedClip],
                             settings: ExportSettings, *, pending: int,
                             unchanged: int = 0) -> ExportResult:
    """The same export run again after one that made ``version`` was stopped (killed, or a full
    disk) before it wrote the annotations, which are written last: write them now, as that run
    would have, rather than refuse the export as already done and leave them unwritten."""
    tally = _tally(clips)
    # What the stopped run would have said of the version it made, which no one was told.
    game_of = {c.key(): c.game.id for c in clips}
    made = [(clip, game_of[key]) for clip in version.real_clips
            if (prov := _review_provenance(clip)) is not None
            and (key := _review_key(prov)) in game_of]
    carried = {}
    if settings.licence is None and version.parent is not None:
        # the licence the parent states for a game's video, where the clips it made carry it
        carried = {game: stated for game, stated
                   in _carried_licences(version.root, version.parent, clips).items()
                   if all(clip.licence == stated for clip, of in made if of == game)}
    annotations = write_annotations(session, annotated, settings.annotations_dir)
    return ExportResult(version=version, clips=tally, annotations=annotations,
                        pending=pending, unchanged=unchanged, rejected_as=settings.rejected_as,
                        splits=game_splits(session, version), carried_licences=carried,
                        no_licence=sum(1 for clip, _ in made
                                       if (clip.licence or UNKNOWN_LICENCE) == UNKNOWN_LICENCE),
                        split_leaks=split_leak_warning(version) if version.parent is not None
                        else None,
                        game_names=_game_names(session))


def check_rejected_as(session: ReviewSession, name: str) -> None:
    """Refuse a class for rejected items that could not be a folder, or that is one keyboard slip
    from a class of a reviewed run's model (`rets` beside `rest`): its clips would make a class of
    their own beside the model's."""
    problem = class_name_problem(name)
    if problem:
        raise ReviewError(class_name_error_text("--rejected-as", name, problem))
    for game in session.games:
        refuse_a_slip_for_a_model_class([name], game.model_classes, game.folder / HIGHLIGHTS_JSON,
                                        where="--rejected-as", advice="give the model's name")


def models_without_none(session: ReviewSession) -> str | None:
    """One line when the reviewed runs' model has classes and no `none` among them: rejected items
    filed under `none` by default would make a class the model never had, beside its own
    background class (a club's `rest`). None otherwise."""
    classes = list(dict.fromkeys(c for g in session.games for c in g.model_classes))
    if not classes or NONE_LABEL in classes:
        return None
    return (f"the reviewed runs' model has no {NONE_LABEL!r} class (its classes: "
            f"{', '.join(classes)}): rejected highlights are filed under {NONE_LABEL!r}, a class "
            "it never had; --rejected-as CLASS files them under one of its own")


def _named(problem: str, cut_from: dict[str, str]) -> str:
    """A dataset problem line with each staged clip's path replaced by what it was cut from."""
    for staged, origin in cut_from.items():
        problem = problem.replace(staged, f"the clip of {origin}")
    if " of the same moments of " in problem:  # two decided items over one moment, two labels
        problem += ": relabel or reject one of the two in the review, then export again"
    return problem


def _grown_before(root: Path, parent: str, clips: list[ReviewedClip]) -> str | None:
    """Another version grown from `parent` that holds every one of `clips` as they would be cut."""
    for name in list_versions(root):
        if name == parent or load_version(root, name).meta.get("parent") != parent:
            continue
        held = _exported_before(root, name)
        if all(_holds(held, c) for c in clips):
            return name
    return None


def _made_first_by(root: Path, clips: list[ReviewedClip]) -> str | None:
    """A first version of `root` (grown from none) that holds exactly `clips` as they would be cut:
    this export, made before by the same command."""
    for name in list_versions(root):
        if load_version(root, name).meta.get("parent") is not None:
            continue
        held = _exported_before(root, name)
        if len(held) == len({c.key() for c in clips}) and all(_holds(held, c) for c in clips):
            return name
    return None


def _exported_before(root: Path, parent: str) -> dict[tuple[str, str, str], tuple[tuple, str]]:
    """(source video, detect run, item) (`ReviewedClip.key`) -> what was exported for it (class
    and segment, key moment: `ReviewedClip.exported_as`) and the clip id, for the reviewed clips
    of `parent`. The key moment is None where the provenance has none (a background clip, or one
    exported before key moments were recorded)."""
    out = {}
    for clip in load_version(root, parent).real_clips:
        prov = _review_provenance(clip)
        if prov is not None:
            key = round(float(prov["key_s"]), 3) if prov.get("key_s") is not None else None
            out[_review_key(prov)] = (((clip.label, round(float(prov["start_s"]), 3),
                                        round(float(prov["end_s"]), 3)), key),
                                      clip.clip_id)
    return out


def _holds(held: Mapping[tuple[str, str, str], tuple[tuple, str]], clip: ReviewedClip) -> bool:
    """Whether a version's reviewed clips (`_exported_before`) hold `clip` as it is decided now."""
    return clip.key() in held and clip.exported_as(held[clip.key()][0])


def _review_provenance(clip) -> dict | None:
    """The provenance a review export gave a dataset clip; None for a clip no review exported."""
    try:
        prov = json.loads(clip.provenance)
    except (TypeError, ValueError):
        return None
    return prov if isinstance(prov, dict) and "review" in prov and "item" in prov else None


def _review_key(prov: dict) -> tuple[str, str, str]:
    """The `ReviewedClip.key` of the item a clip of this provenance was exported for."""
    return str(prov.get("source_video")), str(prov.get("run") or ""), str(prov["item"])
