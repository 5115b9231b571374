"""Finding labelled clips to ingest: a folder per class, or a CSV manifest."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from highlights.csv_cells import plain_cell
from highlights.datasets.errors import DatasetError
from highlights.datasets.group_pattern import GroupPattern
from highlights.file_set import MixedSetError, check_written_with
from highlights.video.errors import missing_file_cause
from highlights.video.file_names import VIDEO_SUFFIXES
from highlights.vocabulary import class_name

# What to do about a generator's truth (`synth clips`' NAME.json) beside a clip it was not written
# with: a run over an earlier clip set of the same names, killed between a clip's two renames.
SYNTH_AGAIN = "make the clips again (the same `highlights synth clips` command)"

SOURCE_MANIFEST_NAME = "manifest.csv"
UNKNOWN_LICENCE = "unknown"


@dataclass(frozen=True)
class SourceClip:
    """A labelled clip waiting to be ingested. ``group`` is its source video (never split apart);
    ``own_group`` says it was stated (a manifest cell, a sidecar key) rather than its file stem."""

    path: Path
    label: str
    group: str
    licence: str = UNKNOWN_LICENCE
    provenance: str = ""
    own_group: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", class_name(self.label))  # a folder's name as macOS may list it


@dataclass(frozen=True)
class SkippedEntry:
    """An entry of a class folder that is not ingested, and why (one line naming it)."""

    path: str
    reason: str

    def to_dict(self) -> dict:
        return {"path": self.path, "reason": self.reason}


@dataclass
class Discovered:
    """What ``find_sources`` found: clips to check, entries that cannot be clips (a dangling
    link, a link loop: skippable problems), and entries that are not clips at all (a sub-folder,
    a text file: left out, recorded)."""

    clips: list[SourceClip] = field(default_factory=list)
    problems: list[SkippedEntry] = field(default_factory=list)
    ignored: list[SkippedEntry] = field(default_factory=list)
    # Class folders holding no video (also among ``problems``): a class the user meant to have,
    # which would otherwise be dropped from the class list without a word.
    empty_folders: list[str] = field(default_factory=list)
    # Class folders' clips whose sidecar names another label (a clip moved to another folder to
    # relabel it, its sidecar left as it was): (clip, the sidecar's label). The folder is the label.
    other_labels: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ClipDefaults:
    """What a clip that states none of its own (no manifest cell, no sidecar key) is recorded with:
    a coach's folder of their own footage has one licence, given once on the command line."""

    licence: str | None = None
    provenance: str | None = None


def discover_sources(src: str | Path, *, allow_outside: bool = False,
                     defaults: ClipDefaults = ClipDefaults(),
                     group_pattern: GroupPattern = GroupPattern()) -> list[SourceClip]:
    """The clips under ``src`` (see ``find_sources``); an entry that cannot be a clip is an error."""
    found = find_sources(src, allow_outside=allow_outside, defaults=defaults,
                         group_pattern=group_pattern)
    if found.problems:
        raise DatasetError([p.reason for p in found.problems], skippable=True)
    return found.clips


def find_sources(src: str | Path, *, allow_outside: bool = False,
                 defaults: ClipDefaults = ClipDefaults(),
                 group_pattern: GroupPattern = GroupPattern()) -> Discovered:
    """The clips under ``src``.

    ``src`` is a CSV manifest (``path,label[,group,licence,provenance]``, paths relative to the
    CSV), or a folder holding such a ``manifest.csv`` (preferred when present: it is what the
    synthetic generator writes), or a folder per class (``src/<label>/*.mp4|avi|mov|mkv|webm|m4v``)
    where a clip's group comes from a ``NAME.json`` sidecar's ``group`` key, else its file stem.
    A manifest's clips must lie inside the manifest's folder (after following links) unless
    ``allow_outside``: a manifest from elsewhere must not make the dataset read any file it names.
    A clip's own licence and provenance (its manifest cells, its sidecar's keys) win over
    ``defaults``, which win over ``unknown`` and the manifest or folder it was read from. A clip's
    own group wins over ``group_pattern``, which wins over the file stem; a clip whose stem the
    pattern finds no group in is a problem, not a group of its own.
    """
    src = Path(src)
    cause = missing_file_cause(src)
    if cause is not None and cause != "is a directory, not a video file":
        raise DatasetError(f"{src}: {'no such folder or manifest' if cause == 'file not found' else cause}")
    if src.is_file():
        if src.suffix.lower() != ".csv":
            raise DatasetError(f"{src}: not a folder or a .csv manifest")
        clips = read_source_manifest(src, allow_outside=allow_outside, defaults=defaults)
        return _grouped(Discovered(clips=clips), group_pattern, src.name)
    if (src / SOURCE_MANIFEST_NAME).is_file():
        manifest = src / SOURCE_MANIFEST_NAME
        clips = read_source_manifest(manifest, allow_outside=allow_outside, defaults=defaults)
        found = Discovered(clips=clips, problems=_unlisted_clips(src, manifest, clips))
        return _grouped(found, group_pattern, manifest.name)
    return _grouped(scan_class_folders(src, defaults=defaults), group_pattern, None)


def _grouped(found: Discovered, pattern: GroupPattern, manifest: str | None) -> Discovered:
    """``found`` with the group of each clip that states none taken by ``pattern`` from its file
    stem. A clip it finds no group in is a problem (left out by --skip-bad), not a group of its
    own: the stem would be a source video of one clip, which may land in another split than the
    rest of its game, the leak the pattern was given to prevent. ``manifest`` names the manifest
    the clips were read from (None: class folders, whose clips state a group in a sidecar)."""
    if pattern.by_stem:
        return found
    clips = []
    for clip in found.clips:
        group = clip.group if clip.own_group else pattern.group_of(clip.path.stem)
        if group is not None:
            clips.append(replace(clip, group=group))
            continue
        state = (f"give its group in {manifest}'s group column" if manifest else
                 f'give its group in {clip.path.stem}.json beside it ({{"group": ...}})')
        found.problems.append(SkippedEntry(str(clip.path), (
            f"{clip.path}: --group-pattern '{pattern.regex}' finds no group in its name "
            f"'{clip.path.stem}'; rename it, {state}, or change the pattern")))
    found.clips = clips
    return found


def _unlisted_clips(src: Path, manifest: Path, clips: list[SourceClip]) -> list[SkippedEntry]:
    """Videos in ``src`` or its folders that its manifest does not name: a clip added to a class
    folder of the generator's output (which writes a manifest) would otherwise be left out unsaid."""
    listed = {os.path.abspath(c.path) for c in clips}
    out = []
    for folder in [src, *sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))]:
        try:
            files = sorted(folder.iterdir())
        except OSError:
            continue
        for path in files:
            if (path.suffix.lower() in VIDEO_SUFFIXES and not path.name.startswith(".")
                    and os.path.abspath(path) not in listed):
                out.append(SkippedEntry(str(path), f"{path}: not listed in {manifest}, which names the clips "
                                                   f"to take from {src} (add it there, or remove the manifest "
                                                   "to read the class folders)"))
    return out


def read_source_manifest(csv_path: Path, *, allow_outside: bool = False,
                         defaults: ClipDefaults = ClipDefaults()) -> list[SourceClip]:
    # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte-order mark, which would otherwise
    # become part of the first column's name.
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(_bounded_lines(f, csv_path))
            fields = {name.strip() for name in reader.fieldnames or []}
            missing = {"path", "label"} - fields
            if missing:
                raise DatasetError(f"{csv_path}: manifest lacks column(s) {', '.join(sorted(missing))} "
                                   "(expected path,label,group[,licence,provenance])")
            # Extra columns are allowed and ignored (DictReader files surplus cells under None).
            rows = [{(k or "").strip(): plain_cell(v).strip() for k, v in row.items()
                     if k is not None and isinstance(v, str)} for row in reader]
    except UnicodeDecodeError as e:
        raise DatasetError(f"{csv_path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start}); "
                           "save the manifest as UTF-8") from e
    except csv.Error as e:
        raise DatasetError(f"{csv_path}: not a readable CSV ({e})") from e
    except OSError as e:
        raise DatasetError(f"{csv_path}: cannot read ({e.strerror or e})") from e
    folder = csv_path.parent.resolve()
    problems, clips = [], []
    first_line: dict[str, int] = {}  # each path's first row: a repeat reads as the clip's duplicate of itself
    for line, row in enumerate(rows, start=2):
        if not row.get("path"):
            problems.append(f"{csv_path}:{line}: empty path")
            continue
        if "\0" in row["path"]:  # no file name holds one; the OS call would raise ValueError
            problems.append(f"{csv_path}:{line}: the path holds a NUL byte, which no file name can")
            continue
        path = Path(row["path"])
        path = path if path.is_absolute() else csv_path.parent / path
        if not allow_outside and not _inside(path, folder):
            problems.append(f"{path}: outside the manifest's folder {folder} (manifest {csv_path.name} "
                            f"line {line}); pass --allow-outside to ingest clips from anywhere")
            continue
        if not row.get("label"):
            problems.append(f"{path}: no label (manifest {csv_path.name} line {line})")
            continue
        key = os.path.normpath(os.path.abspath(path))
        if key in first_line:
            problems.append(f"{path}: listed twice (manifest {csv_path.name} lines {first_line[key]} and {line}); "
                            "keep one row per clip")
            continue
        first_line[key] = line
        other_clips_truth = _truth_of_another_clip(path)
        if other_clips_truth:
            problems.append(other_clips_truth)
            continue
        clips.append(SourceClip(
            path=path,
            label=row["label"],
            group=row.get("group") or path.stem,
            licence=row.get("licence") or defaults.licence or UNKNOWN_LICENCE,
            provenance=row.get("provenance") or defaults.provenance or f"manifest {csv_path}",
            own_group=bool(row.get("group")),
        ))
    if problems:
        raise DatasetError(problems)
    return clips


# No manifest has a line this long; csv reads a whole line before its field limit refuses it,
# so a manifest of one 1 GB line (a log, a video renamed .csv) took over 3 GB of memory to refuse.
LONGEST_LINE = 1 << 20


def _bounded_lines(f, csv_path: Path):
    """The lines of ``f``, read at most LONGEST_LINE characters at a time; refused past that."""
    for number, line in enumerate(iter(lambda: f.readline(LONGEST_LINE + 1), ""), start=1):
        if len(line) > LONGEST_LINE:
            raise DatasetError(f"{csv_path}:{number}: a line of over {LONGEST_LINE:,} characters; "
                               "not a manifest of clips (one line a clip: path,label,group)")
        yield line


def _inside(path: Path, folder: Path) -> bool:
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a link loop: not inside anything; named later as a loop
        resolved = Path(os.path.abspath(path))
    return resolved == folder or resolved.is_relative_to(folder)


def scan_class_folders(src: Path, *, defaults: ClipDefaults = ClipDefaults()) -> Discovered:
    problems: list[str] = []
    found = Discovered()
    try:
        entries = sorted(src.iterdir())
    except OSError as e:
        raise DatasetError(f"{src}: cannot list the folder ({e.strerror or e})") from e
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix.lower() in VIDEO_SUFFIXES:
            problems.append(f"{entry}: no label (put it in a folder named after its class)")
            continue
        if not entry.is_dir():
            continue
        try:
            files = sorted(entry.iterdir())
        except OSError as e:
            found.problems.append(SkippedEntry(str(entry), f"{entry}: cannot list the folder ({e.strerror or e})"))
            continue
        videos_before = len(found.clips) + len(found.problems) + len(problems)
        for path in files:
            if path.name.startswith("."):
                continue
            is_video_name = path.suffix.lower() in VIDEO_SUFFIXES
            cause = missing_file_cause(path)
            if cause == "is a directory, not a video file":
                found.ignored.append(SkippedEntry(str(path), f"{path}: a folder inside class folder "
                                                             f"{entry.name} (not searched)"))
                continue
            if cause is not None:
                if is_video_name or path.is_symlink():
                    found.problems.append(SkippedEntry(str(path), f"{path}: {cause}"))
                else:
                    found.ignored.append(SkippedEntry(str(path), f"{path}: {cause}"))
                continue
            if not is_video_name:
                if path.suffix.lower() != ".json":  # .json beside a clip is its sidecar
                    found.ignored.append(SkippedEntry(
                        str(path), f"{path}: not a video file name (expected {', '.join(VIDEO_SUFFIXES)})"))
                continue
            try:
                sidecar = _read_sidecar(path)
            except ValueError as e:
                problems.append(str(e))
                continue
            said = sidecar.get("label")
            # Compared as class names: a folder listed from macOS has its accents decomposed (NFD).
            said = class_name(said.strip()) if isinstance(said, str) else ""
            if said and said != class_name(entry.name):
                found.other_labels.append((path, said))
            # A group of 0 (a spreadsheet's first game) is a group: only a missing or empty one is not.
            own_group = "" if sidecar.get("group") is None else str(sidecar["group"])
            found.clips.append(SourceClip(
                path=path,
                label=entry.name,
                group=own_group or path.stem,
                licence=str(sidecar.get("licence") or defaults.licence or UNKNOWN_LICENCE),
                provenance=str(sidecar.get("provenance") or defaults.provenance or f"folder {src}"),
                own_group=bool(own_group),
            ))
        if len(found.clips) + len(found.problems) + len(problems) == videos_before:
            found.empty_folders.append(entry.name)
            found.problems.append(SkippedEntry(str(entry), f"{entry}: class folder {entry.name!r} holds no video; "
                                                           "put its clips in it, or remove the folder"))
    if problems:
        raise DatasetError(problems)
    return found


def _truth_of_another_clip(video: Path) -> str | None:
    """Why the generator's truth beside a clip a manifest names was written with another clip, or
    None. The generator's folder holds a manifest, read in place of the class folders: a run over
    an earlier set of the same names, killed between a clip's two renames, leaves the earlier
    manifest and truth beside the later video. A sidecar that does not read is no generator's,
    and a manifest never needed one: it is left alone."""
    sidecar = video.with_suffix(".json")
    if not sidecar.is_file():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None
    try:
        check_written_with(sidecar, data, again=SYNTH_AGAIN)
    except MixedSetError as e:
        return str(e)
    return None


# The sidecar keys a class folder's clip is read with; each, where given, is text (a group may be
# a number, as a spreadsheet's game column is).
_SIDECAR_TEXT = {"group": (str, int), "licence": (str,), "provenance": (str,)}


def _read_sidecar(video: Path) -> dict:
    """The clip's ``NAME.json`` sidecar if it has one (a JSON object), else an empty dict. One
    that is not an object, or whose group, licence or provenance is not text, is refused: read
    as no sidecar (or its list written out as the group's name), the clip's group was lost
    without a word, and with it the split that keeps a game's clips together."""
    sidecar = video.with_suffix(".json")
    if not sidecar.is_file():
        return {}
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise ValueError(f"{sidecar}: unreadable sidecar ({e})") from e
    try:  # a generator's truth names its clip's sha256: not this clip's, its group is another's
        check_written_with(sidecar, data, again=SYNTH_AGAIN)
    except MixedSetError as e:
        raise ValueError(str(e)) from None
    if not isinstance(data, dict):
        what = "an array" if isinstance(data, list) else f"the value {json.dumps(data)}"
        raise ValueError(f"{sidecar}: unreadable sidecar ({what}, not an object such as "
                         '{"group": "game-1"})')
    for key, kinds in _SIDECAR_TEXT.items():
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
            raise ValueError(f"{sidecar}: unreadable sidecar (its {key} is {json.dumps(value)}, "
                             "not text)")
    return data
