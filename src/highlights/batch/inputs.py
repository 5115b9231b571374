"""What a batch runs over: videos, folders of videos (searched recursively) and CSV manifests.

A manifest has a `path` column (relative to the manifest's folder, or absolute) and optional
`game_id`, `sport` and `annotations` columns. Every game gets an id that names its output
folder: the manifest's `game_id`, else the file's stem; stems that collide take their folder
path as well, so two `game1.mp4` in two folders never share an output folder. An id longer than
200 letters keeps its first 191 and a hash of the whole, so its folder's name fits the file system.

A manifest row naming a file that is not there is one game that cannot run, not a bad manifest:
a season of uploads with one missing runs the others and records that one as failed. A manifest
that cannot be read, or lacks its `path` column, still refuses the whole batch.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from highlights.batch.errors import BatchError
from highlights.video.errors import missing_file_cause
from highlights.video.file_names import VIDEO_SUFFIXES, name_is_utf8, name_not_utf8_cause, printable_name

MANIFEST_COLUMNS = ("path", "game_id", "sport", "annotations")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# The longest game id, in ASCII letters: what a 255-byte file name leaves beside the longest name
# made from it (`.partial/ID.TOKEN.progress.json`, 27 more), with room for a number added to it.
LONGEST_GAME_ID = 200


@dataclass(frozen=True)
class GameInput:
    """One game to process. `game_id` is unique within the batch and safe as a folder name."""

    game_id: str
    video: Path
    sport: str | None = None
    annotations: Path | None = None
    # Why the game cannot run, known from its manifest row (a file not found), in one line naming
    # the manifest, the line and the file; the batch records the game as failed and runs the rest.
    error: str | None = None
    # Its manifest row ("m.csv: line 4"), named where a setting of the row fails the game later.
    row: str | None = None


@dataclass(frozen=True)
class _Found:
    """An input before its game id is chosen: `root` is the folder its id's path is taken from."""

    video: Path
    root: Path
    game_id: str | None = None
    sport: str | None = None
    annotations: Path | None = None
    error: str | None = None
    row: str | None = None

    def has_row_settings(self) -> bool:
        return bool(self.game_id or self.sport or self.annotations)


def is_manifest(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def is_batch_request(paths: list[Path]) -> bool:
    """Several inputs, a folder or a manifest: a batch. One video: a single `detect`."""
    return len(paths) != 1 or Path(paths[0]).is_dir() or is_manifest(Path(paths[0]))


def collect_games(paths: list[Path | str], *, warn: Callable[[str], None] = lambda line: None) -> list[GameInput]:
    """Expand the command line's inputs into games, in a stable order, each video once; `warn`
    takes the one-line warnings on what a manifest holds that is not read (`read_manifest`)."""
    if not paths:
        raise BatchError("no input: give videos, folders or a CSV manifest")
    found: list[_Found] = []
    for path in map(Path, paths):
        if path.is_dir():
            videos = _videos_in(path)
            if not videos:
                raise BatchError(f"{path}: no video files in this folder "
                                 f"(looked for {', '.join(sorted(VIDEO_SUFFIXES))})")
            found += [_Found(v, path, error=_entry_error(v)) for v in videos]
        elif is_manifest(path):
            found += read_manifest(path, warn=warn)
        elif path.exists():
            found.append(_Found(path, path.parent))
        else:
            raise BatchError(f"{path}: file not found")
    # A video named twice (a folder and a file inside it) is one game. Where only one of the two
    # came from a manifest row, its settings (game id, sport, annotations) are the ones kept.
    # Said, once per video: `detect a.mp4 a.mp4` ran one game where two were asked for, silently.
    first: dict[Path, int] = {}
    unique: list[_Found] = []
    repeated: dict[Path, Path] = {}
    for item in found:
        key = item.video.resolve()
        if key not in first:
            first[key] = len(unique)
            unique.append(item)
            continue
        repeated.setdefault(key, item.video)
        if not unique[first[key]].has_row_settings() and item.has_row_settings():
            unique[first[key]] = item
    for video in repeated.values():
        warn(f"{video}: given more than once (a file, a folder holding it or a manifest row): "
             "one game, run once")
    ids = _game_ids([(item.video, item.game_id, item.root) for item in unique])
    return [GameInput(game_id=gid, video=item.video, sport=item.sport, annotations=item.annotations,
                      error=item.error, row=item.row) if name_is_utf8(item.video) else _unnameable(gid, item)
            for gid, item in zip(ids, unique)]


def _unnameable(game_id: str, item: _Found) -> GameInput:
    """A game whose video's name no UTF-8 index can hold: it fails alone, named as it can be."""
    shown = printable_name(item.video)
    return GameInput(game_id=game_id, video=Path(shown), sport=item.sport, annotations=item.annotations,
                     error=f"{shown}: {name_not_utf8_cause(item.video)}", row=item.row)


def _videos_in(folder: Path) -> list[Path]:
    """The videos under ``folder``, searched recursively, in sorted order; hidden entries and the
    folders highlights wrote (a game's output, marked by its run file, with its reel, highlight
    clips and review copy) are left out, so an --out inside the searched folder, or a single
    detect's output beside the uploads, is not read as new games on the next run."""
    from highlights.pipeline.output_folder import RUN_MARKER

    videos = []
    for here, dirs, files in os.walk(folder):
        if (Path(here) / RUN_MARKER).is_file():
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        # Not only regular files: a link whose upload is gone, or a pipe named as a video, is a
        # game that fails in one line saying so (`_entry_error`), not one left out unsaid.
        videos += [Path(here) / f for f in files if not f.startswith(".")
                   and Path(f).suffix.lower() in VIDEO_SUFFIXES and not (Path(here) / f).is_dir()]
    return sorted(videos)


def _entry_error(video: Path) -> str | None:
    """Why a folder's entry named as a video cannot be read as a file (a dangling link, a pipe that
    would never end), or None for a regular file."""
    cause = missing_file_cause(video)
    return None if cause is None else f"{video.absolute()}: {cause}"


def read_manifest(path: Path, *, warn: Callable[[str], None] = lambda line: None) -> list[_Found]:
    """One input per row; a clear one-line error for a bad manifest. A row whose video or
    annotations file is not there comes back with its `error`, so that game alone fails. Columns
    a batch does not read (a dataset manifest's `label` or `group`) are said in one line to `warn`,
    not refused: a manifest kept for other tools still runs, and a misspelt `sprot` is seen."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = [c.strip() for c in (reader.fieldnames or [])]
            if "path" not in columns:
                raise BatchError(f"{path}: a batch manifest needs a 'path' column "
                                 f"(optional: {', '.join(MANIFEST_COLUMNS[1:])}){_separator_hint(columns)}")
            ignored = [c for c in columns if c not in MANIFEST_COLUMNS]
            if ignored:
                warn(f"{path}: {'column' if len(ignored) == 1 else 'columns'} {', '.join(map(repr, ignored))} "
                     f"ignored; a batch manifest reads {', '.join(MANIFEST_COLUMNS)}")
            rows = []
            listed: dict[Path, int] = {}
            given_ids: dict[str, int] = {}
            for line, row in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}
                if not row.get("path"):
                    raise BatchError(f"{path}: line {line}: empty path")
                if "\x00" in row["path"] + row.get("annotations", ""):
                    raise BatchError(f"{path}: line {line}: a NUL byte in a file name; is this a CSV file?")
                video = _relative_to(path.parent, row["path"])
                if video.resolve() in listed:
                    raise BatchError(f"{path}: line {line}: {row['path']} is already on line "
                                     f"{listed[video.resolve()]}; list each video once (one video, one game)")
                listed[video.resolve()] = line
                gid = row.get("game_id")
                if gid and gid in given_ids:  # said where it is, as a video listed twice is
                    raise BatchError(f"{path}: line {line}: game_id {gid!r} is already on line "
                                     f"{given_ids[gid]}; give each game its own id")
                given_ids.setdefault(gid, line)
                ann = _relative_to(path.parent, row["annotations"]) if row.get("annotations") else None
                error = None
                cause = missing_file_cause(video)  # a folder or a dangling link said as such, not "not found"
                if cause is not None:
                    error = f"{path}: line {line}: {row['path']}: {cause}"
                elif ann is not None and (ann_cause := missing_file_cause(ann, kind="an annotations file")):
                    error = f"{path}: line {line}: annotations {row['annotations']}: {ann_cause}"
                rows.append(_Found(video, path.parent, row.get("game_id") or None, row.get("sport") or None,
                                   ann, error, f"{path}: line {line}"))
    except UnicodeDecodeError:
        raise BatchError(f"{path}: not UTF-8 text; save the manifest as UTF-8 CSV") from None
    except csv.Error as e:  # a quote left open reads the rest of the file as one field, say
        raise BatchError(f"{path}: not readable as CSV ({e})") from None
    except OSError as e:
        raise BatchError(f"{path}: cannot read ({e.strerror})") from None
    if not rows:
        raise BatchError(f"{path}: the manifest lists no games")
    return rows


def _separator_hint(columns: list[str]) -> str:
    """Why a header that names `path` was not read as columns: Excel in languages whose decimal
    mark is a comma saves "CSV" separated by semicolons, and some tools by tabs."""
    if len(columns) == 1:
        for separator, name in ((";", "semicolons"), ("\t", "tabs")):
            if "path" in [c.strip() for c in columns[0].split(separator)]:
                return f"; its columns are separated by {name}: save it separated by commas"
    return ""


def _relative_to(folder: Path, value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else folder / p


def _safe(name: str) -> str:
    # Accents are dropped, not their letters: "été" is "ete", where the bare pattern made it "t".
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    safe = _UNSAFE.sub("_", bare).strip("._") or "game"
    if len(safe) <= LONGEST_GAME_ID:
        return safe
    # A file system takes 255 bytes in a name, and the game's staging folder and progress file add
    # to its id: a longer name keeps its start and a hash of the whole, so two names that start
    # alike still make two ids, the same ones in every run.
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{safe[:LONGEST_GAME_ID - 9].rstrip('._')}-{digest}"


def _game_ids(items: list[tuple[Path, str | None, Path]]) -> list[str]:
    """Given ids as they are (if unique); else stems, widened to their folder path on collision."""
    ids = [_safe(gid) if gid else _safe(video.stem) for video, gid, _ in items]
    given = [gid for _, gid, _ in items if gid]
    dupes = {g for g in given if given.count(g) > 1}
    if dupes:
        raise BatchError(f"game_id used twice in the manifests: {', '.join(sorted(dupes))}")
    for i, (video, gid, root) in enumerate(items):
        if gid or ids.count(ids[i]) == 1:
            continue
        try:
            rel = video.resolve().relative_to(root.resolve())
        except ValueError:
            rel = video.resolve()
        ids[i] = _safe("__".join(rel.with_suffix("").parts[-4:]))
    # Still equal (say two roots with the same layout): number them, in input order.
    out, counts = [], {}
    for gid in ids:
        n = counts.get(gid, 0)
        counts[gid] = n + 1
        out.append(gid if n == 0 else f"{gid}-{n + 1}")
    return out
