"""Writing a new immutable version ``ROOT/vN``: ingest, check, split, copy, augment, commit.

A version is written into a temporary folder inside ROOT and renamed to ``vN`` only once it is
complete, so an interrupted write leaves the earlier versions as they were and no half version.
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from highlights import __version__
from highlights.atomic import disk_full_message, is_disk_full, json_text
from highlights.clips.clip_id import clip_id_of
from highlights.clips.spec import ClipSpec
from highlights.csv_cells import csv_row
from highlights.datasets.checks import (
    LIKENESS_FILE, CheckedClip, CheckOutcome, KnownClip, Likeness, check_sources, check_video,
    load_likenesses, not_a_class, save_likenesses, stored_clip_cause,
)
from highlights.class_slips import one_slip_apart
from highlights.counted_noun import counted
from highlights.content_hash_cache import content_hashes
from highlights.datasets.build_settings import BuildSettings
from highlights.datasets.content_id import dataset_content_id
from highlights.datasets.cut_spans import cut_span
from highlights.datasets.same_video import file_size
from highlights.datasets.errors import DatasetError
from highlights.datasets.group_pattern import GroupPattern
from highlights.datasets.records import (
    CLIPS_DIR, DEFAULT_NOTE, MANIFEST_FIELDS, MANIFEST_NAME, META_FORMAT, META_NAME, SPLITS,
    DatasetVersion,
)
from highlights.datasets.sources import ClipDefaults, Discovered, SourceClip, find_sources
from highlights.datasets.splits import DEFAULT_RATIOS, SplitConfig, assign_splits, group_splits
from highlights.datasets.lock import root_write_lock
from highlights.datasets.store import (
    clip_file_name, list_versions, load_version, next_version_name, refuse_a_file_as_root,
    remove_stale_temp_dirs, temp_dir_prefix,
)
from highlights.datasets.variants import VARIANT_MAX_SHORT_SIDE, make_variants
from highlights.made_folders import missing_folders, remove_if_still_empty
from highlights.progress import track
from highlights.video import VideoError
from highlights.video.errors import missing_file_cause
from highlights.vocabulary import (
    class_name, class_name_error_text, class_name_problem, decomposed_class_names,
)

if TYPE_CHECKING:
    # albumentations, and the torch it loads, take seconds to import: only a version made with
    # augmented variants needs them, so they are imported where the variants are made.
    from highlights.augment import PhoneAugment, PhoneAugmentConfig

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def copy_clip(src: Path, dst: Path) -> None:
    """Copy a new clip into the version (a copy, so later edits to the source cannot reach it)."""
    shutil.copy2(src, dst)


def link_or_copy(src: Path, dst: Path) -> None:
    """Parent clips are shared by hard link where the filesystem allows: versions stay
    self-contained."""
    try:
        os.link(src, dst)
    except OSError:
        copy_clip(src, dst)


def create_version(
    src: str | Path,
    root: str | Path = "datasets",
    *,
    classes: Sequence[str] | None = None,
    note: str | None = None,
    seed: int = 0,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    augment_variants: int = 0,
    augment_config: PhoneAugmentConfig | None = None,
    skip_bad: bool = False,
    show_progress: bool = False,
    allow_outside: bool = False,
    wait: bool = False,
    source_name: str | None = None,
    defaults: ClipDefaults = ClipDefaults(),
    group_pattern: GroupPattern | None = None,
) -> DatasetVersion:
    """Ingest ``src`` (class folders or a CSV manifest) as the next version of ``root``, with no
    parent. The options are those of `BuildSettings`."""
    settings = BuildSettings(
        classes=classes, note=note, seed=seed, ratios=ratios, augment_variants=augment_variants,
        augment_config=augment_config, skip_bad=skip_bad, show_progress=show_progress,
        allow_outside=allow_outside, wait=wait, source_name=source_name, defaults=defaults,
        group_pattern=group_pattern)
    return build_version(src, root, None, settings)


def grow_version(
    src: str | Path,
    root: str | Path,
    parent: str | int,
    *,
    classes: Sequence[str] | None = None,
    note: str | None = None,
    seed: int | None = None,
    ratios: Sequence[float] | None = None,
    augment_variants: int | None = None,
    augment_config: PhoneAugmentConfig | None = None,
    skip_bad: bool = False,
    skip_existing: bool = False,
    show_progress: bool = False,
    allow_outside: bool = False,
    wait: bool = False,
    source_name: str | None = None,
    replaces: Mapping[str, str] | None = None,
    defaults: ClipDefaults = ClipDefaults(),
    group_pattern: GroupPattern | None = None,
) -> DatasetVersion:
    """The next version of ``root``: every clip of ``parent`` (splits kept) plus the new clips in
    ``src``. The options are those of `BuildSettings`.

    Seed, split ratios, classes, note and augmented variants per training clip (with their
    settings) default to the parent's. A clip of ``src`` identical to
    one of the parent is refused as a duplicate, unless ``skip_existing`` (for re-ingesting a
    folder that grew), which leaves it out and counts it in ``added.already_in_parent``.
    ``replaces`` maps parent clip ids to why a new clip takes their place (a review decision
    changed since they were exported): they and their variants are left out of the new version
    (listed under ``replaced`` in its meta), the parent keeping them; their groups keep their split.
    ``defaults`` gives the licence and provenance of the new clips that state none of their own
    (the parent's clips keep theirs). ``group_pattern`` (default: the parent's) groups the new
    clips that state no group by their file names; the parent's clips keep their groups.
    """
    settings = BuildSettings(
        classes=classes, note=note, seed=seed, ratios=ratios, augment_variants=augment_variants,
        augment_config=augment_config, skip_bad=skip_bad, skip_existing=skip_existing,
        show_progress=show_progress, allow_outside=allow_outside, wait=wait,
        source_name=source_name, replaces=replaces, defaults=defaults, group_pattern=group_pattern)
    return build_version(src, root, parent, settings)


def build_version(src: str | Path, root: str | Path, parent: str | int | None,
                  settings: BuildSettings) -> DatasetVersion:
    """Write the next version of ``root``, grown from ``parent`` (None: its first version), under
    the root's write lock (see ``grow_version``)."""
    root = Path(root)
    refuse_a_file_as_root(root)
    made = missing_folders(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DatasetError(f"{root}: cannot create the dataset root ({e.strerror or e})") from e
    try:
        with root_write_lock(root, wait=settings.wait):
            remove_stale_temp_dirs(root)
            return _build_locked(src, root, parent, settings)
    finally:
        # A refused first version leaves no empty root behind (one holding a version stays).
        remove_if_still_empty(made)


def _build_locked(src: str | Path, root: Path, parent: str | int | None,
                  settings: BuildSettings) -> DatasetVersion:
    _refuse_unrelated_source(src, root, parent)
    base = load_version(root, parent) if parent is not None else None
    if base is not None:
        _refuse_decomposed_classes(base)
    # Splits of the groups as the parent placed them, replaced clips included: a replacement in
    # the same group lands where the clip it replaces was.
    fixed = group_splits([c.group for c in base.clips],
                         [c.split for c in base.clips]) if base else {}
    replaced = []
    if settings.replaces and base is not None:
        base, replaced = _without_replaced(base, settings.replaces)
    if base is not None:
        _refuse_missing_or_changed_parent_clips(base, settings.show_progress)
    split_config = _split_config(base, settings.seed, settings.ratios)
    augment_variants, augment_config = settings.augment_variants, settings.augment_config
    if augment_variants is None:
        augment_variants, augment_config = _parent_augment(base, augment_config)
    group_pattern = settings.group_pattern
    if group_pattern is None:
        group_pattern = base.group_pattern if base is not None else GroupPattern()
    discovered = _discovered(src, base, settings.allow_outside, settings.defaults, group_pattern)
    class_list = _resolve_classes(settings.classes, base, discovered.clips)
    base_looks = _parent_likenesses(base, settings.show_progress) if base else {}
    outcome, rejected = _checked_sources(src, discovered, class_list, base, base_looks,
                                         skip_bad=settings.skip_bad,
                                         skip_existing=settings.skip_existing,
                                         show_progress=settings.show_progress)
    checked = outcome.accepted
    new_splits = _new_clip_splits(base, checked, split_config, fixed)

    name = next_version_name(root)

    def fill(tmp: Path) -> None:
        (tmp / CLIPS_DIR).mkdir()
        rows: list[dict] = []
        clip_meta: dict[str, dict] = {}
        augment, new_variants = _store_clips(base, checked, new_splits, tmp, name, rows, clip_meta,
                                             augment_variants=augment_variants,
                                             augment_config=augment_config, seed=split_config.seed,
                                             source_name=settings.source_name,
                                             show_progress=settings.show_progress)
        meta = _version_meta(
            src, name, base, settings.note, class_list, split_config, rows, clip_meta, outcome,
            rejected, replaced, discovered, augment=augment, augment_variants=augment_variants,
            new_variants=new_variants, source_name=settings.source_name,
            group_pattern=group_pattern)
        _write_manifest(tmp / MANIFEST_NAME, rows)
        save_likenesses(tmp / LIKENESS_FILE,
                        {**base_looks, **{clip_id_of(c.sha256): c.likeness for c in checked
                                          if c.likeness is not None}})
        (tmp / META_NAME).write_text(json_text(meta, indent=2) + "\n", encoding="utf-8")

    _write_version(root, name, fill)
    return load_version(root, name)


def _write_version(root: Path, name: str, fill: Callable[[Path], None]) -> None:
    """Version `name` of `root`, written whole or not at all: `fill` writes it into a temporary
    folder beside the versions, made read-only and renamed into place once whole; the folder is
    removed on any failure, a full disk said as such."""
    try:
        tmp = Path(tempfile.mkdtemp(prefix=temp_dir_prefix(name), dir=root))
    except OSError as e:
        raise DatasetError(f"{root}: cannot write a new version there ({e.strerror or e})") from e
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; a version is as readable as its root
        fill(tmp)
        _make_read_only(tmp)
        if (root / name).exists():
            raise DatasetError(f"{root / name}: appeared while this version was being written")
        os.rename(tmp, root / name)  # the commit: until here, no vN exists
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if is_disk_full(e):
            raise DatasetError(disk_full_message(root / name)) from e
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _refuse_unrelated_source(src: str | Path, root: Path, parent: str | int | None) -> None:
    """A first version of a root that already has one, or clips from one of the root's own
    versions."""
    if parent is None and list_versions(root):
        # A second unrelated version beside the first (often the same folder ingested again)
        # shares no splits with it: models trained on the two could not be compared.
        have = list_versions(root)
        raise DatasetError(f"{root}: already holds {', '.join(have)}; `dataset create` makes a "
                           f"root's first version: `dataset grow SRC --root {root} --parent "
                           f"{have[-1]}` adds clips to it (or choose another --root)")
    inside = _version_holding(root, Path(src))
    if inside is not None:
        # Its manifest reads like any other, and every clip would be refused as a duplicate of
        # itself.
        raise DatasetError(f"{src}: lies in {root}'s version {inside.name}, not in a folder of new "
                           "clips (a grown version keeps its parent's clips anyway); give a folder "
                           "or CSV manifest of new clips")


def _discovered(src: str | Path, base: DatasetVersion | None, allow_outside: bool,
                defaults: ClipDefaults, group_pattern: GroupPattern) -> Discovered:
    discovered = find_sources(src, allow_outside=allow_outside, defaults=defaults,
                              group_pattern=group_pattern)
    if base is not None:
        # Growing, an empty folder of a class the parent has loses nothing: the class stays.
        kept = {str(Path(src) / name) for name in discovered.empty_folders if name in base.classes}
        discovered.problems = [p for p in discovered.problems if p.path not in kept]
    return discovered


def _refusal_lines(rejected: list, classes: list[str]) -> list[str]:
    """One line per clip refused, but one per label the classes lack, where its first clip was: a
    class folder of 16 clips is one folder to rename or one class to add, said in one line rather
    than sixteen alike."""
    lines: list[str | list] = []
    of_label: dict[str, list] = {}
    for r in rejected:
        label = getattr(r, "not_a_class", None)
        if label is None:
            lines.append(r.reason)
        elif label in of_label:
            of_label[label].append(r)
        else:
            of_label[label] = [r]
            lines.append(of_label[label])
    return [line if isinstance(line, str) else _label_line(line, classes) for line in lines]


def _label_line(rejected: list, classes: list[str]) -> str:
    """The line refusing the clips of one label the classes lack, naming the first and how many
    more."""
    first, more = rejected[0], len(rejected) - 1
    if not more:
        return first.reason
    return not_a_class(f"{first.path} and {counted(more, 'more clip')} of the label",
                       first.not_a_class, classes)


def _checked_sources(src: str | Path, discovered: Discovered, class_list: list[str],
                     base: DatasetVersion | None, base_looks: dict[str, Likeness], *,
                     skip_bad: bool, skip_existing: bool,
                     show_progress: bool) -> tuple[CheckOutcome, list]:
    """The sources checked against the classes and the parent's clips, and every one left out;
    refused when one is bad (unless `skip_bad`) or none is left to add."""
    known = {c.sha256: KnownClip(base.describe(c.clip_id), c.label, c.group,
                                 base_looks.get(c.clip_id), cut_span(c.provenance),
                                 file_size(c.path))
             for c in base.clips} if base else {}
    outcome = check_sources(discovered.clips, class_list, known, skip_existing=skip_existing,
                            show_progress=show_progress)
    checked, rejected = outcome.accepted, [*discovered.problems, *outcome.rejected]
    if rejected and not skip_bad:
        raise DatasetError(_refusal_lines(rejected, class_list), skippable=True,
                           new_labels_only=all(getattr(r, "not_a_class", None) for r in rejected))
    rejected += outcome.contradicted
    if not checked:
        why = " (all were skipped)" if rejected else ""
        if outcome.already_present:
            why = " (all are already in the parent)"
        raise DatasetError(f"{src}: no clips to add{why}")
    return outcome, rejected


def _new_clip_splits(base: DatasetVersion | None, checked: list[CheckedClip],
                     split_config: SplitConfig, fixed: Mapping[str, str]) -> list[str]:
    """The split of each new clip, assigned with the parent's real clips so that the ratios hold
    over both."""
    base_clips = base.clips if base else []
    base_real = [c for c in base_clips if not c.is_augmented]
    splits = assign_splits(
        [c.label for c in base_real] + [c.source.label for c in checked],
        [c.group for c in base_real] + [c.source.group for c in checked],
        split_config,
        fixed=fixed,
    )
    return splits[len(base_real):]


def _store_clips(base: DatasetVersion | None, checked: list[CheckedClip], new_splits: list[str],
                 tmp: Path, name: str, rows: list, clip_meta: dict, *, augment_variants: int,
                 augment_config: PhoneAugmentConfig | None, seed: int, source_name: str | None,
                 show_progress: bool) -> tuple[PhoneAugment | None, int]:
    """The parent's clips linked, the new ones copied, and the variants of the train clips made:
    their rows and meta into `rows` and `clip_meta`; returns the augmentation (None: no variants)
    and the number of new variants."""
    from highlights.augment import PhoneAugment, PhoneAugmentConfig, derive_seed

    if base:
        _link_parent_clips(base, tmp, rows, clip_meta, show_progress)
    augment = PhoneAugment(augment_config or PhoneAugmentConfig()) if augment_variants else None
    stored = {r["sha256"] for r in rows}
    new_variants = 0
    work = "copying clips" + (" and making variants" if augment else "")
    for clip, split in track(list(zip(checked, new_splits)), work, enabled=show_progress):
        clip_id = _add_real_clip(clip, split, tmp, name, rows, clip_meta,
                                 source=(f"{source_name}: {clip.source.path.name}"
                                         if source_name else None))
        stored.add(clip.sha256)
        if augment is not None and split == "train":
            seeds = [derive_seed(seed, clip.sha256, k) for k in range(augment_variants)]
            new_variants += _add_variants(clip_id, seeds, augment, tmp, name, rows, clip_meta,
                                          stored)
    if augment is not None and base:
        new_variants += _top_up_parent_variants(base, augment_variants, seed, augment, tmp, name,
                                                rows, clip_meta, stored, show_progress)
    return augment, new_variants


def _version_meta(src: str | Path, name: str, base: DatasetVersion | None, note: str | None,
                  class_list: list[str], split_config: SplitConfig, rows: list[dict],
                  clip_meta: dict, outcome: CheckOutcome, rejected: list, replaced: list[dict],
                  discovered: Discovered, *, augment: PhoneAugment | None, augment_variants: int,
                  new_variants: int, source_name: str | None,
                  group_pattern: GroupPattern) -> dict:
    """The version's meta.json: where it comes from, its counts, and every clip left out or noted,
    and why."""
    checked = outcome.accepted

    def recorded(path) -> str:
        """A source clip's path as the meta records it: under ``source_name`` (the way each clip's
        own entry names it) when one is given, since ``src`` may be a staging folder gone by
        then."""
        path = Path(path)
        if source_name and path.resolve().is_relative_to(Path(src).resolve()):
            return f"{source_name}: {path.name}"
        return str(path)

    return {
        "format": META_FORMAT,
        "version": name,
        # what it holds, by content (the manifest's clips, labels and splits), and what wrote it
        "content_id": dataset_content_id((r["sha256"], r["label"], r["split"]) for r in rows),
        "highlights_version": __version__,
        "parent": base.name if base else None,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "note": note if note is not None else (base.note if base else DEFAULT_NOTE),
        "classes": class_list,
        "source": source_name or str(Path(src).resolve()),
        "split": split_config.to_dict(),
        # How its new clips that state no group of their own were grouped (None: by file stem);
        # a version grown from it groups its new clips the same way unless told otherwise.
        "group_pattern": group_pattern.to_dict(),
        "counts": count_clips(rows, class_list, augmented=False),
        "augmented_counts": count_clips(rows, class_list, augmented=True),
        "added": {"real": len(checked), "augmented": new_variants,
                  "already_in_parent": outcome.already_present},
        "augment": ({"variants_per_clip": augment_variants, "config": augment.config.to_dict(),
                     "max_short_side_px": VARIANT_MAX_SHORT_SIDE} if augment else None),
        "skipped": [r.to_dict() for r in rejected],
        "near_duplicates": [{**d.to_dict(), "path": recorded(d.path), "of": recorded(d.of)}
                            for d in outcome.near_duplicates],
        "same_video": [{**d.to_dict(), "path": recorded(d.path), "of": recorded(d.of)}
                       for d in outcome.same_video],
        "replaced": replaced,
        # Training and evaluation read a fixed number of frames a clip (16 by default) spread
        # over its length; a shorter clip gives them by showing some frames twice.
        "short_clips": [{"path": recorded(c.source.path), "frames": c.frames} for c in checked
                        if 0 < c.frames < ClipSpec().num_frames],
        "ignored": [r.to_dict() for r in discovered.ignored],
        # A class folder's clip is labelled by its folder; a sidecar naming another label is
        # kept out of the label, and recorded so that the build says so.
        "sidecar_labels_ignored": [{"path": recorded(p), "sidecar_label": said, "folder": Path(p).parent.name}
                                   for p, said in discovered.other_labels],
        "clips": clip_meta,
    }


def _without_replaced(base: DatasetVersion,
                      replaces: Mapping[str, str]) -> tuple[DatasetVersion, list[dict]]:
    """``base`` as the new version inherits it: without the clips ``replaces`` names and their
    variants; and the meta's record of each replaced clip."""
    unknown = sorted(set(replaces) - {c.clip_id for c in base.real_clips})
    if unknown:
        raise DatasetError(f"{base.path}: holds no clip {', '.join(unknown)} to replace")
    kept = [c for c in base.clips if c.clip_id not in replaces and c.derived_from not in replaces]
    replaced = [{"clip_id": c.clip_id, "label": c.label, "split": c.split,
                 "reason": replaces[c.clip_id]}
                for c in base.real_clips if c.clip_id in replaces]
    return replace(base, clips=kept), replaced


def _version_holding(root: Path, src: Path) -> Path | None:
    """The version folder of ``root`` that ``src`` lies in, if it does."""
    try:
        rel = src.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return root / rel.parts[0] if rel.parts and rel.parts[0] in list_versions(root) else None


def _parent_likenesses(base: DatasetVersion, show_progress: bool) -> dict[str, Likeness]:
    """The pictures in brief of every real clip of ``base``, as stored with it; a version written
    before they were stored has its clips decoded once here (the new version stores them)."""
    stored = load_likenesses(base.path / LIKENESS_FILE)
    missing = [c for c in base.real_clips if c.clip_id not in stored]
    problems = []
    for clip in track(missing, f"reading {base.name} clips to find re-encoded copies",
                      enabled=show_progress and bool(missing)):
        try:
            stored[clip.clip_id] = check_video(clip.path)
        except VideoError as e:
            problems.append(f"{base.describe(clip.clip_id)}: cannot be read any more "
                            f"({e.cause or e}); {base.name}'s clips were all readable when it was "
                            "written: restore the file")
    if problems:
        raise DatasetError(problems,
                           headline=f"{base.path}: {len(problems)} of its clips are damaged")
    return {c.clip_id: stored[c.clip_id] for c in base.real_clips}


def _refuse_missing_or_changed_parent_clips(base: DatasetVersion, show_progress: bool) -> None:
    """Every clip of ``base`` is linked into the new version: one gone is named, with its version
    and source, before any work, not met part way as the OS's "No such file or directory"; so is
    one whose content is not the sha256 ``base`` recorded (edited, replaced or damaged since), which
    the new version would otherwise carry under the old clip's id and hash. The hashes come from
    the content-hash cache while a file is unchanged (`content_hash_cache`), so a parent grown
    again is not read again."""
    todo = "a version's clips never change: restore it from the source named, then grow again"
    problems, missing = [], 0
    with content_hashes() as sha256_of:
        for clip in track(base.clips, f"checking {base.name} clips", enabled=show_progress):
            cause = stored_clip_cause(clip, base.name, sha256_of=sha256_of)
            if cause is not None:
                problems.append(f"{base.describe(clip.clip_id)}: {cause}")
                missing += missing_file_cause(clip.path) is not None
    if len(problems) == 1:
        raise DatasetError(f"{problems[0]}; {todo}")
    if problems:
        what = "missing" if missing == len(problems) else "missing or changed"
        raise DatasetError(problems, headline=(
            f"{base.path}: {len(problems)} of {counted(len(base.clips), 'clip')} are {what}; "
            f"{todo.replace('restore it', 'restore each')}"))


def _link_parent_clips(base: DatasetVersion, tmp: Path, rows: list, clip_meta: dict,
                       show_progress: bool) -> None:
    for clip in track(base.clips, f"linking {base.name} clips", enabled=show_progress):
        rel = clip.path.relative_to(base.path).as_posix()
        link_or_copy(clip.path, tmp / rel)
        rows.append(_row(clip.clip_id, rel, clip.label, clip.split, clip.group, clip.sha256,
                         clip.derived_from, clip.licence, clip.provenance))
        clip_meta[clip.clip_id] = base.meta["clips"][clip.clip_id]


def _parent_augment(base: DatasetVersion | None,
                    config: PhoneAugmentConfig | None) -> tuple[int, PhoneAugmentConfig | None]:
    """Variants per training clip, and their settings, that a grown version keeps making.

    A parent made with variants and grown without saying how many would otherwise give its new
    training clips none: the new clips (often the added ``none`` clips) would be the only ones
    trained without phone-footage copies. A parent that records no setting but holds variants
    (grown before versions inherited it) is read from the variants it holds.
    """
    from highlights.augment import PhoneAugmentConfig

    if base is None:
        return 0, config
    recorded = base.meta.get("augment") or {}
    if recorded.get("variants_per_clip"):
        if config is None and recorded.get("config"):
            config = PhoneAugmentConfig.from_dict(recorded["config"])
        return int(recorded["variants_per_clip"]), config
    have = Counter(c.derived_from for c in base.augmented_clips)
    return max(have.values(), default=0), config


def _top_up_parent_variants(base: DatasetVersion, per_clip: int, seed: int, augment: PhoneAugment,
                            tmp: Path, version: str, rows: list, clip_meta: dict,
                            stored: set[str], show_progress: bool) -> int:
    """Give each of the parent's train clips the variants it lacks of ``per_clip``: "two variants
    per training clip" holds for the whole new version, not only its new clips. The parent is not
    touched; the new variants are the new version's."""
    from highlights.augment import derive_seed

    have = Counter(c.derived_from for c in base.augmented_clips)
    short = [c for c in base.real_clips if c.split == "train" and have[c.clip_id] < per_clip]
    added = 0
    for clip in track(short, f"making variants of {base.name}'s train clips",
                      enabled=show_progress):
        seeds = [derive_seed(seed, clip.sha256, k) for k in range(have[clip.clip_id], per_clip)]
        added += _add_variants(clip.clip_id, seeds, augment, tmp, version, rows, clip_meta, stored)
    return added


def _add_variants(clip_id: str, seeds: list[int], augment: PhoneAugment, tmp: Path, version: str,
                  rows: list, clip_meta: dict, stored: set[str]) -> int:
    """Materialise the variants of one real clip; they inherit its label, group, split and
    licence."""
    source = clip_meta[clip_id]
    added = 0
    for v in make_variants(tmp / source["file"], tmp, augment, seeds):
        if v.sha256 in stored:  # two seeds gave the same file: keep one
            continue
        stored.add(v.sha256)
        added += 1
        vid = clip_id_of(v.sha256)
        provenance = f"augmented from clip {clip_id} (seed {v.seed})"
        rows.append(_row(vid, v.file_name, source["label"], source["split"], source["group"],
                         v.sha256, clip_id, source["licence"], provenance))
        clip_meta[vid] = {**source, "file": v.file_name, "sha256": v.sha256,
                          "provenance": provenance, "added_in": version, "derived_from": clip_id,
                          "augment": {"seed": v.seed, "params": v.params, "jitter_px": v.jitter_px}}
    return added


def _add_real_clip(clip: CheckedClip, split: str, tmp: Path, version: str, rows: list,
                   clip_meta: dict, source: str | None = None) -> str:
    src: SourceClip = clip.source
    clip_id = clip_id_of(clip.sha256)
    rel = clip_file_name(clip.sha256, src.path.suffix)
    copy_clip(src.path, tmp / rel)
    rows.append(_row(clip_id, rel, src.label, split, src.group, clip.sha256, None, src.licence,
                     src.provenance))
    clip_meta[clip_id] = {"file": rel, "label": src.label, "split": split, "group": src.group,
                          "sha256": clip.sha256, "licence": src.licence,
                          "provenance": src.provenance,
                          "source": source or str(src.path.resolve()), "added_in": version,
                          "derived_from": None}
    return clip_id


def count_clips(rows: Sequence[dict], classes: Sequence[str], *, augmented: bool) -> dict:
    """Counts per class per split, per split and in total, over real clips or augmented variants."""
    chosen = [r for r in rows if bool(r["derived_from"]) == augmented]
    tally = Counter((r["label"], r["split"]) for r in chosen)
    per_class = {c: {**{s: tally[(c, s)] for s in SPLITS},
                     "total": sum(tally[(c, s)] for s in SPLITS)}
                 for c in classes}
    per_split = {s: sum(tally[(c, s)] for c in classes) for s in SPLITS}
    return {"total": len(chosen), "per_split": per_split, "per_class": per_class}


def _row(clip_id, path, label, split, group, sha256, derived_from, licence, provenance) -> dict:
    return {"clip_id": clip_id, "path": path, "label": label, "split": split, "group": group,
            "sha256": sha256, "derived_from": derived_from or "", "licence": licence,
            "provenance": provenance}


def _write_manifest(path: Path, rows: Sequence[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(MANIFEST_FIELDS))
        writer.writeheader()
        writer.writerows(csv_row(r) for r in rows)


def _make_read_only(version_dir: Path) -> None:
    # Versions are immutable; read-only files also keep a hard-linked clip from being edited
    # through a later version.
    for path in version_dir.rglob("*"):
        if path.is_file():
            path.chmod(_READ_ONLY)


def _split_config(base: DatasetVersion | None, seed: int | None,
                  ratios: Sequence[float] | None) -> SplitConfig:
    inherited = SplitConfig.from_dict(base.meta["split"]) if base else SplitConfig()
    return SplitConfig(
        ratios=tuple(float(r) for r in ratios) if ratios is not None else inherited.ratios,
        seed=int(seed) if seed is not None else inherited.seed,
    )


def _check_class_names(names: Sequence[str], where: str) -> None:
    """A class is a folder name too (of a folder-per-class tree, of `review export`'s clips): a
    name that would lead out of its folder or could not be a folder name everywhere is refused in
    one line, where the export would have written its clips elsewhere, or not at all."""
    for name in names:
        problem = class_name_problem(name)
        if problem:
            raise DatasetError(class_name_error_text(where, name, problem))


def _refuse_decomposed_classes(base: DatasetVersion) -> None:
    """A parent made before class names were taken composed, holding one as a macOS folder listed
    it: refused in one line saying how to make it again, its names composed."""
    problem = decomposed_class_names(base.classes)
    if problem:
        vdir = base.root / base.name
        raise DatasetError(f"{vdir / META_NAME}: {problem}; make the dataset again from this "
                           "version's clips, which takes each class name in one form (clips, "
                           "groups and licences kept): "
                           f"highlights dataset create {vdir / MANIFEST_NAME} --root NEW_ROOT")


def _resolve_classes(classes: Sequence[str] | None, base: DatasetVersion | None,
                     sources: Sequence[SourceClip]) -> list[str]:
    if classes:
        _check_class_names([c.strip() for c in classes], "--classes")
        chosen = list(dict.fromkeys(class_name(c.strip()) for c in classes if c.strip()))
        if base:
            dropped = [c for c in base.classes if c not in chosen]
            if dropped:
                raise DatasetError(f"--classes drops class(es) of {base.name}: "
                                   f"{', '.join(dropped)}")
        return chosen
    if base:
        return base.classes
    found = sorted({s.label for s in sources})
    for label in found:  # a manifest's labels, named with the first clip of each
        _check_class_names([label], str(next(s.path for s in sources if s.label == label)))
    typos = typo_labels(sources)
    if typos:
        raise DatasetError(typos)
    return found


KEEP_BOTH_WITH_CLASSES = "pass --classes listing both to keep both"


def typo_labels(sources: Sequence[SourceClip],
                keep_both: str = KEEP_BOTH_WITH_CLASSES) -> list[str]:
    """One line per label that looks like a slip for another label found, or for one of the
    classes highlights knows, when the classes come from the folders (no --classes): a folder
    `basketbal_layup` beside `basketball_layup` would otherwise become a fifth class of one clip.
    `keep_both` says how the command at hand keeps two such classes on purpose."""
    from highlights.vocabulary import CLASSES as KNOWN

    clips_of: dict[str, list[SourceClip]] = {}
    for clip in sources:
        clips_of.setdefault(clip.label, []).append(clip)
    labels = sorted(clips_of)
    problems = []
    for label in labels:
        if label in KNOWN:
            continue
        # The likelier slip is the rarer name, or the one highlights does not know.
        rivals = [other for other in labels if other != label and one_slip_apart(label, other)
                  and (other in KNOWN or len(clips_of[other]) > len(clips_of[label])
                       or (len(clips_of[other]) == len(clips_of[label]) and other < label))]
        rivals += [k for k in KNOWN if k not in clips_of and one_slip_apart(label, k)]
        if rivals:
            where = clips_of[label][0].path
            where = where.parent if class_name(where.parent.name) == label else where
            problems.append(f"{where}: class {label!r} is one slip from {rivals[0]!r} "
                            f"({len(clips_of[label])} clip(s)); rename it, or {keep_both}")
    return problems
