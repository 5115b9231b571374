"""Validating clips before they enter a version: label, readable video, not a duplicate."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from highlights.class_slips import one_slip_apart
from highlights.counted_noun import counted
from highlights.datasets.cut_spans import CutSpan, cut_span
from highlights.datasets.errors import DatasetError
from highlights.datasets.records import ClipRecord, DatasetVersion
from highlights.datasets.same_video import SameVideo, WholeAndCutVideos, file_size as _file_size
from highlights.datasets.sources import SourceClip
from highlights.file_hash import file_sha256
from highlights.npz_file import DAMAGED_NPZ, write_npz
from highlights.one_line_name import one_line_name
from highlights.progress import track
from highlights.video import PICTURES_VERSION, VideoError
from highlights.video.errors import missing_file_cause
from highlights.video.file_names import printable_name
from highlights.video.colour import to_rgb
from highlights.video.verify import verify_video


@dataclass(frozen=True)
class CheckedClip:
    source: SourceClip
    sha256: str
    frames: int = 0  # frames that decode
    likeness: "Likeness | None" = None  # its pictures in brief, stored with the version


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str  # one line, already naming the file
    not_a_class: str | None = None  # the label, where the cause is that the classes lack it

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}



def check_video(path: Path) -> "Likeness":
    """Decode the whole clip once and compare it with what its container states. Raises ``VideoError``.

    Clips are short, so a full decode is affordable, and only it catches a file cut off after
    its index, an index with broken timing, or a single picture named like a video. The same
    pass keeps the clip's pictures in brief, to find re-encoded copies of one clip.
    """
    likeness = _LikenessBuilder()
    verified = verify_video(path, on_frame=likeness.add)
    return likeness.build(verified.duration_s, verified.decoded_frames)


# A re-encoded copy of a clip (another bitrate, size, frame rate or container) shows the same
# pictures: at LIKENESS_MOMENTS moments spread over the clip, shrunk to LIKENESS_SIZE pixels
# square, under NEAR_SHARE of its colour values differ from the original's by more than
# NEAR_LEVELS. Copies measured 0-0.01% (H.264 at CRF 32, half size, 12.5 fps); two moments of
# one synthetic game seconds apart 3.8% or more, and different clips more.
LIKENESS_MOMENTS = 8
LIKENESS_SIZE = 32
NEAR_LEVELS = 32
NEAR_SHARE = 0.005
_KEEP_AT_MOST = 256  # pictures held while decoding a long clip: every other one is dropped beyond


@dataclass(frozen=True)
class Likeness:
    """A clip's pictures in brief: (moments, size, size, 3) RGB, and its duration."""

    pictures: np.ndarray
    duration_s: float
    colour: np.ndarray  # the average colour, (3,)
    frames: int  # frames that decode

    def same_pictures(self, other: "Likeness") -> bool:
        a, b = self.duration_s, other.duration_s
        if a > 0 and b > 0 and abs(a - b) > 0.1 * max(a, b) + 0.1:
            return False
        # Cheap first: a copy's average colour is the original's within a level or two.
        if float(np.abs(self.colour - other.colour).max()) > NEAR_LEVELS / 4:
            return False
        differ = np.abs(self.pictures.astype(np.int16) - other.pictures.astype(np.int16)) > NEAR_LEVELS
        return float(differ.mean()) < NEAR_SHARE


class _LikenessBuilder:
    def __init__(self) -> None:
        self.pictures: list[np.ndarray] = []
        self.stride, self.seen = 1, 0

    def add(self, frame) -> None:
        if self.seen % self.stride == 0:
            # In the colours the frame states (`video.colour`), as every reader here converts:
            # a copy re-encoded in full range or another matrix still shows the same pictures.
            self.pictures.append(to_rgb(frame, width=LIKENESS_SIZE, height=LIKENESS_SIZE))
            if len(self.pictures) >= _KEEP_AT_MOST:
                self.pictures, self.stride = self.pictures[::2], self.stride * 2
        self.seen += 1

    def build(self, duration_s: float, frames: int) -> Likeness:
        picks = np.linspace(0, len(self.pictures) - 1, LIKENESS_MOMENTS).round().astype(int)
        pictures = np.stack([self.pictures[i] for i in picks])
        return Likeness(pictures, float(duration_s or 0.0), pictures.reshape(-1, 3).mean(axis=0), int(frames))


# Where a version keeps the likeness of each of its real clips, so that growing it compares new
# clips with the parent's without decoding the parent again.
LIKENESS_FILE = "likeness.npz"
# A stored likeness carries the picture reader's PICTURES_VERSION: one from a reader that read
# pictures in other colours is computed again rather than compared with pictures read differently.


def save_likenesses(path: Path, likenesses: Mapping[str, Likeness]) -> None:
    """Write ``{clip_id: Likeness}`` to ``path`` (a compressed ``.npz``)."""
    ids = sorted(likenesses)
    shape = (0, LIKENESS_MOMENTS, LIKENESS_SIZE, LIKENESS_SIZE, 3)
    write_npz(
        path, pictures_version=np.array(PICTURES_VERSION), clip_ids=np.array(ids, dtype=str),
        pictures=np.stack([likenesses[i].pictures for i in ids]) if ids else np.zeros(shape, np.uint8),
        duration_s=np.array([likenesses[i].duration_s for i in ids], np.float64),
        frames=np.array([likenesses[i].frames for i in ids], np.int64))


def load_likenesses(path: Path) -> dict[str, Likeness]:
    """What ``save_likenesses`` wrote; empty when the file is missing, unreadable, from a reader
    of another ``PICTURES_VERSION`` or holds pictures of another size than this code compares
    (the caller decodes those clips again)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "pictures_version" not in data.files or int(data["pictures_version"]) != PICTURES_VERSION:
                return {}
            ids, pictures = data["clip_ids"], data["pictures"]
            durations, frames = data["duration_s"], data["frames"]
    except DAMAGED_NPZ:
        return {}
    if pictures.shape[1:] != (LIKENESS_MOMENTS, LIKENESS_SIZE, LIKENESS_SIZE, 3) or not (
            len(ids) == len(pictures) == len(durations) == len(frames)):
        return {}
    return {str(i): Likeness(p, float(d), p.reshape(-1, 3).mean(axis=0), int(n))
            for i, p, d, n in zip(ids, pictures, durations, frames)}


@dataclass(frozen=True)
class KnownClip:
    """A clip already in the dataset (the parent version): what a duplicate is named after, and
    (for a real clip) its pictures in brief and its group, to find re-encoded copies of it."""

    description: str
    label: str
    group: str = ""
    likeness: Likeness | None = None
    cut: CutSpan | None = None  # the span of a video it was cut from, where its provenance says
    size: int | None = None  # its file's bytes, to tell whether it may be a video a new clip was cut from


@dataclass(frozen=True)
class _Seen:
    """A clip a new one is compared with: one of the parent's or one accepted earlier."""

    name: str
    label: str
    group: str
    likeness: Likeness
    cut: CutSpan | None = None


@dataclass(frozen=True)
class NearDuplicate:
    """A clip showing the same pictures as an earlier one of the same label (a re-encoded
    copy): kept, in the earlier one's group so the two share a split."""

    path: str
    of: str
    group: str

    def to_dict(self) -> dict:
        return {"path": self.path, "of": self.of, "group": self.group}


@dataclass
class CheckOutcome:
    accepted: list[CheckedClip]
    rejected: list[Rejected]
    already_present: int = 0  # clips identical to one in the parent, left out with skip_existing
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    # Clips moved into the group of a clip cut from them, or of the video they were cut from.
    same_video: list[SameVideo] = field(default_factory=list)
    # Clips first accepted, then left out because a later copy carries another label: the copy's
    # line in ``rejected`` names both, so these matter only where the rejected are skipped.
    contradicted: list[Rejected] = field(default_factory=list)


def check_sources(
    sources: Sequence[SourceClip],
    classes: Sequence[str],
    known: Mapping[str, KnownClip],
    *,
    skip_existing: bool = False,
    show_progress: bool = False,
) -> CheckOutcome:
    """Sort ``sources`` into clips fit to ingest and rejected ones, each with a one-line reason.

    ``known`` maps the sha256 of every clip already in the dataset (the parent version), so a
    duplicate names both files; those with a likeness are also compared with every new clip,
    so a re-encoded copy of a parent clip is found as one of a new clip is. With ``skip_existing``,
    a source identical to a parent clip of the same label is not a problem but simply already there
    (for re-ingesting a folder that grew); one with another label is still refused.
    """
    check = _SourcesCheck(classes, known)
    for clip in track(sources, "checking clips", enabled=show_progress):
        check.check(clip, skip_existing=skip_existing)
    return check.finish()


class _SourcesCheck:
    """One pass of `check_sources`: the clips seen so far (the parent's first), the source videos
    they were cut from or are, and the groups joined on the way."""

    def __init__(self, classes: Sequence[str], known: Mapping[str, KnownClip]) -> None:
        self.classes = classes
        self.class_set = set(classes)
        self.known = known
        self.seen: dict[str, tuple[str, str]] = {}  # sha256 -> the first clip with it, and its label
        # The parent's clips first: a copy of one of them is named after it.
        self.looks = [_Seen(k.description, k.label, k.group, k.likeness, k.cut) for k in known.values()
                      if k.likeness is not None]
        self.outcome = CheckOutcome([], [])
        self.videos = WholeAndCutVideos()
        for sha, k in known.items():
            if k.cut is not None:
                self.videos.add_cut(k.cut.source, k.description, k.group)
            else:
                self.videos.add_whole(sha, k.description, k.group, k.size)
        self.parent_groups = {k.group for k in known.values()}
        # A new group -> the group it joined: the clips of a group are of one source video, so when
        # one of them is the video of another group's clips, all of them join that group (the
        # parent's groups stay where the parent put them).
        self.moved: dict[str, str] = {}
        # An accepted clip's path -> a later copy of it, and its label.
        self.contradicted: dict[str, tuple[str, str]] = {}

    def check(self, clip: SourceClip, *, skip_existing: bool) -> None:
        """Accepts `clip` into the outcome, or rejects it with its reason, or counts it as already
        in the parent."""
        # As the reader names it, and as dataset_meta.json can hold it: a name that is not UTF-8
        # was named twice in its one line (once with its bytes as lone surrogates) and recorded so.
        path = printable_name(clip.path)
        sha = self._content(clip, path, skip_existing=skip_existing)
        if sha is None:
            return
        try:
            likeness = check_video(clip.path)
        except VideoError as e:
            self.outcome.rejected.append(Rejected(path, str(e) if str(e).startswith(one_line_name(path))
                                                        else f"{path}: {e}"))
            return
        # Two moments of one static wide shot can look as alike as a copy: clips whose provenance
        # says they were cut from the same video at different times are never taken for copies.
        cut = cut_span(clip.provenance)
        clip = replace(clip, group=_joined_group(self.moved, clip.group))
        placed = self._beside_its_twin(clip, path, likeness, cut)
        if placed is None:
            return
        clip = self._with_its_source_video(placed, path, sha, cut)
        if cut is None:
            self.videos.add_whole(sha, path, clip.group, _file_size(clip.path))
        else:
            self.videos.add_cut(cut.source, path, clip.group)
        self.seen[sha] = (path, clip.label)
        self.looks.append(_Seen(path, clip.label, clip.group, likeness, cut))
        self.outcome.accepted.append(CheckedClip(source=clip, sha256=sha, frames=likeness.frames, likeness=likeness))

    def _content(self, clip: SourceClip, path: str, *, skip_existing: bool) -> str | None:
        """The clip's sha256; None where it is rejected (not a class, missing, unreadable, a copy
        of a clip in the parent or of one seen before) or, with `skip_existing`, already there."""
        outcome = self.outcome
        if clip.label not in self.class_set:
            outcome.rejected.append(Rejected(path, not_a_class(path, clip.label, self.classes), clip.label))
            return None
        cause = missing_file_cause(clip.path)
        if cause is not None:
            outcome.rejected.append(Rejected(path, f"{path}: {cause}"))
            return None
        try:
            sha = file_sha256(clip.path)
        except OSError as e:
            outcome.rejected.append(Rejected(path, f"{path}: cannot read ({e.strerror or e})"))
            return None
        if sha in self.known:
            other = self.known[sha]
            if skip_existing and other.label == clip.label:
                outcome.already_present += 1
                return None
            relabelled = f", labelled {other.label!r} there" if other.label != clip.label else ""
            outcome.rejected.append(Rejected(path, f"{path}: duplicate of {other.description}{relabelled} "
                                                   f"(same content, sha256 {sha[:12]}...)"))
            return None
        if sha in self.seen:
            first, first_label = self.seen[sha]
            relabelled = f", labelled {first_label!r} there" if first_label != clip.label else ""
            outcome.rejected.append(Rejected(path, f"{path}: duplicate of {first}{relabelled} "
                                                   f"(same content, sha256 {sha[:12]}...)"))
            if first_label != clip.label:
                self.contradicted.setdefault(first, (path, clip.label))
            return None
        return sha

    def _beside_its_twin(self, clip: SourceClip, path: str, likeness: "Likeness",
                         cut: CutSpan | None) -> SourceClip | None:
        """A clip showing the same pictures as one seen before: kept in its twin's group, or
        rejected (None) where the twin carries another label."""
        twin = next((other for other in self.looks
                     if not (cut is not None and cut.apart_from(other.cut)) and other.likeness.same_pictures(likeness)),
                    None)
        if twin is None:
            return clip
        if twin.label != clip.label:
            shared = cut.shared_s(twin.cut) if cut is not None else 0.0
            # Two overlapping cuts of one video (two reviewed items over one moment) are not a
            # re-encoded copy: say what they are, so the one to change can be found.
            why = (f"cut from {shared:.2f} s of the same moments of {cut.source} as {twin.name}" if shared > 0
                   else f"the same pictures as {twin.name} (a re-encoded copy?)")
            self.outcome.rejected.append(Rejected(path, f"{path}: {why}, labelled {twin.label!r} there"))
            self.contradicted.setdefault(twin.name, (path, clip.label))
            return None
        # Kept, but never in another split than its original: the test set would see it.
        self.outcome.near_duplicates.append(NearDuplicate(path, twin.name, twin.group))
        return replace(clip, group=twin.group)

    def _with_its_source_video(self, clip: SourceClip, path: str, sha: str, cut: CutSpan | None) -> SourceClip:
        """One video added whole and cut by a review is one source video, whatever each is named:
        in two groups it could land in two splits, and the test set would hold training footage.
        The clip joins the group of its source video's other clips (its own group's clips with it)."""
        joined = self.videos.group_of_whole(clip.path, sha) if cut is None else self.videos.group_of_cut(cut.source)
        if joined is not None and joined[1] != clip.group:
            self.outcome.same_video.append(SameVideo(path, *joined))
            if clip.group not in self.parent_groups:
                self.moved[clip.group] = _joined_group(self.moved, joined[1])
            clip = replace(clip, group=joined[1])
        return clip

    def finish(self) -> CheckOutcome:
        """The outcome, each accepted clip in the group its own joined last, the accepted clips a
        later copy contradicts refused."""
        outcome = self.outcome
        outcome.accepted = [replace(c, source=replace(c.source, group=_joined_group(self.moved, c.source.group)))
                            for c in outcome.accepted]
        _refuse_contradicted(outcome, self.contradicted)
        return outcome


def _joined_group(moved: Mapping[str, str], group: str) -> str:
    """The group ``group``'s clips are in now, following every join."""
    passed = {group}
    while group in moved and moved[group] not in passed:
        group = moved[group]
        passed.add(group)
    return group


def not_a_class(path: str, label: str, classes: Sequence[str]) -> str:
    """Why a clip of a label the classes lack is refused, and what to do: a label one keyboard
    slip from a class (a folder `basketbal_layup`) is a misnamed folder, to rename; any other is
    likelier a class to add than a folder to leave out."""
    add = f"--classes {','.join([*classes, label])}"
    rival = next((c for c in classes if one_slip_apart(label, c)), None)
    if rival is not None:
        return (f"{path}: label {label!r} is one slip from the class {rival!r}; rename its folder (or move the "
                f"clip) to {rival!r} to use it, or, to make {label!r} a class of its own: {add}")
    # say how to add it: a new class is the likelier wish than a folder to leave out
    return f"{path}: label {label!r} is not one of the classes ({', '.join(classes)}); to add it as a class: {add}"


def _refuse_contradicted(outcome: CheckOutcome, contradicted: Mapping[str, tuple[str, str]]) -> None:
    """Move to ``contradicted`` the accepted clips that a later copy under another label contradicts.

    Which of the two labels is right cannot be known, so neither clip may enter a version (with
    ``--skip-bad`` the first one would otherwise be kept under a label that may be wrong). A
    parent clip contradicted stays: the parent version is immutable, and its copy is refused."""
    kept = []
    for checked in outcome.accepted:
        path = printable_name(checked.source.path)
        if path in contradicted:
            copy, label = contradicted[path]
            outcome.contradicted.append(Rejected(path, f"{path}: the same pictures as {copy}, labelled {label!r} "
                                                       f"there: the two labels contradict"))
        else:
            kept.append(checked)
    outcome.accepted = kept


# What to do about an empty test split: a version of a few source videos (a review export of a game
# or two) often has none, as each video's clips share one split.
_EMPTY_SPLIT_WAYS = {
    "test": (": no clip to score a model on; grow the version with clips of more source videos "
             "(one video's clips share a split), or score the model on a folder of clips it did "
             "not train on (`highlights evaluate --clips FOLDER`)"),
}


def load_checked_splits(root: str | Path | None, version: str | None, splits: Sequence[str], *,
                        show_progress: bool = False,
                        log: Callable[[str], None] | None = None) -> tuple[DatasetVersion, list[list[ClipRecord]]]:
    """The real (not augmented) clips of each of ``splits`` of a dataset version, for a model to be
    scored on: refused when a split is empty or any of their clips is missing or changed since
    the version was written (``check_stored_clips``). Every evaluation of a version reads its
    clips through this, whichever model it scores; ``log`` is told of a source video the
    version holds in two splits (``split_leak_warning``), as its figures count footage trained on."""
    from highlights.datasets.split_leaks import split_leak_warning
    from highlights.datasets.store import load_version

    dataset = load_version(root, version)
    leak = split_leak_warning(dataset) if log is not None else None
    if leak:
        log(f"warning: {leak}")
    chosen = []
    for split in splits:
        records = dataset.split(split, augmented=False)
        if not records:
            raise DatasetError(f"{dataset.path}: the {split} split is empty"
                               f"{_EMPTY_SPLIT_WAYS.get(split, '')}")
        chosen.append(records)
    check_stored_clips(dataset, [r for records in chosen for r in records], show_progress=show_progress)
    return dataset, chosen


def check_stored_clips(version: DatasetVersion, records: Sequence[ClipRecord], *, show_progress: bool = False) -> None:
    """Refuse, listing every one, the clips of ``records`` that are missing or whose content is no
    longer what ``version`` recorded (its sha256), in one ``DatasetError``.

    A version's clips were decoded whole when it was written and are never changed, so a clip
    whose content hash still matches is as good as it was; one that does not was damaged or
    replaced since. Checked before a long run reads them, so the run does not stop at the
    first damaged clip part way through, and never trains on a decoded copy cached before.
    """
    problems = []
    for record in track(records, f"checking {version.name} clips", enabled=show_progress):
        cause = stored_clip_cause(record, version.name)
        if cause is not None:
            problems.append(f"{version.describe(record.clip_id)}: {cause}")
    if problems:
        raise DatasetError(problems, headline=(
            f"{version.path}: {len(problems)} of {counted(len(records), 'clip')} "
            f"{'is' if len(problems) == 1 else 'are'} missing or changed; a version's "
            "clips never change: restore each from the source named"))


def stored_clip_cause(record: ClipRecord, version: str, *,
                      sha256_of: Callable[[Path], str] = file_sha256) -> str | None:
    """Why a clip of ``version`` is not as the version recorded it (missing, unreadable, or its
    content's sha256 another), or None. ``sha256_of`` hashes the file (a cached hash where a
    caller may trust one kept for the unchanged file)."""
    cause = missing_file_cause(record.path)
    if cause is not None:
        return cause
    try:
        now = sha256_of(record.path)
    except OSError as e:
        return f"cannot read ({e.strerror or e})"
    if now == record.sha256:
        return None
    return _changed_cause(record.path, version, now, record.sha256)


def _changed_cause(path: Path, version: str, now: str, written: str) -> str:
    """Why a clip's content differs from what its version recorded: damaged (it no longer
    decodes, and the decoder says why), or replaced or edited (it still decodes)."""
    try:
        check_video(path)
    except VideoError as e:
        return f"damaged since {version} was written ({e.cause})"
    return (f"changed since {version} was written (sha256 {now[:12]}..., written as {written[:12]}...); it still "
            "decodes: replaced or edited")
