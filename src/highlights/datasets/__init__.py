"""Versioned datasets of labelled clips: ingest, immutable versions ``ROOT/vN``, grouped splits, diff.

Layout of a version (never changed once written; files are read-only)::

    ROOT/vN/dataset_meta.json   version, parent, created (UTC), classes, note, split config and
                                seed, counts per class per split and in total (real clips and
                                augmented variants apart), what was added and skipped, and per
                                clip: file, label, split, group, sha256, licence, provenance,
                                source path, the version it was added in, augmentation seed/params
    ROOT/vN/manifest.csv        clip_id,path,label,split,group,sha256,derived_from,licence,provenance
    ROOT/vN/clips/              the clip files, named by the first 16 hex digits of their sha256;
                                a parent's clips are hard-linked (copied where links fail)
    ROOT/vN/likeness.npz        each real clip's pictures in brief (8 moments, 32 px), so that
                                growing the version finds re-encoded copies of its clips

Ingest: a folder per class (``SRC/<label>/*.mp4|avi|mov|mkv|webm|m4v``, group from a
``NAME.json`` sidecar's ``group``), or a CSV manifest ``path,label[,group,licence,provenance]``
(a ``manifest.csv`` inside SRC is preferred to its folder names). A clip that states no group
takes it from its file stem: the whole stem, or what a ``GroupPattern`` (``--group-pattern``)
finds in it. Every clip is checked: its label is one of the classes, it probes and decodes, its
content hash is new to this version and its parent, and it is not a re-encoded copy of one of
theirs under another label (one under the same label joins its original's group and split).

Bad clips: by default one bad clip refuses the whole version, and the error lists every problem
found, one line each naming the file and the cause, so one run shows all there is to fix.
``skip_bad`` leaves them out instead and records each with its reason under ``skipped`` in
``dataset_meta.json``.

Splits: stratified by class and grouped by source video (a group never spans two splits),
deterministic for a seed. A grown version keeps the split of every parent clip; new clips of a
group the parent has join that group's split; only new groups are placed. Augmented variants are
made for training clips only and share their source's group and split.

Writes are atomic: a version is written to ``ROOT/.tmp-vN-*`` and renamed to ``vN`` when
complete. Leftovers of an interrupted write are ignored by readers and removed by the next write
(one writer at a time per ROOT).
"""

from highlights.datasets.build import create_version, grow_version
from highlights.datasets.diff import DiffRow, diff_versions
from highlights.datasets.errors import DatasetError
from highlights.datasets.records import DEFAULT_NOTE, SPLITS, ClipRecord, DatasetVersion
from highlights.datasets.sources import ClipDefaults, SourceClip, discover_sources
from highlights.datasets.splits import DEFAULT_RATIOS, SplitConfig, assign_splits, parse_ratios
from highlights.datasets.store import list_versions, load_version

__all__ = [
    "ClipDefaults", "ClipRecord", "DEFAULT_NOTE", "DEFAULT_RATIOS", "DatasetError", "DatasetVersion", "DiffRow",
    "SPLITS",
    "SourceClip", "SplitConfig", "assign_splits", "create_version", "diff_versions", "discover_sources",
    "grow_version", "list_versions", "load_version", "parse_ratios",
]
