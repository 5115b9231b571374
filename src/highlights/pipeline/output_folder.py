"""A `detect` output folder, written whole: the previous run's folder or the new one, never a mix.

A run writes every output into a staging folder beside OUT and swaps it in at the end
(`highlights.atomic.atomic_folder`), so a run killed or out of disk half way leaves the previous
run's folder exactly as it was, and no hidden temp file survives into a later run. The last file
written into the staging folder is `RUN_MARKER`, listing what the run wrote: a folder without it
was not written whole by this version, and its listing tells the next run which entries it may
replace.

Because the swap replaces the whole folder, a folder holding anything a run did not write (the
source video, the user's notes) is refused rather than replaced, and one that another run is
writing is refused too (`output_lock`): the last swap would silently replace the other's results.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from highlights.atomic import OutputPathError, atomic_folder, atomic_write_json
from highlights.pipeline.output_lock import check_swappable

RUN_MARKER = ".highlights-run.json"
MARKER_FORMAT = "highlights.run/1"
# What a run of an earlier version (before the marker existed) may have left in OUT.
LEGACY_NAMES = {"highlights.json", "results_spotting.json"}
# A batch's index (`highlights.batch.index`; not imported: the batch is a layer above the pipeline,
# tests/test_architecture.py; tests/test_detect_folder.py runs a real batch into it, so the two agree).
BATCH_INDEX, BATCH_INDEX_FORMAT = "index.json", "highlights.batch-index/"


def outputs_of(folder: Path) -> set[str] | None:
    """The top-level names a finished run wrote into ``folder`` (from its marker), else None."""
    try:
        marker = json.loads((folder / RUN_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("format") != MARKER_FORMAT or not marker.get("complete"):
        return None
    # The outputs too: a folder output can be empty (`clips/` of a run without highlights), and
    # `files` lists files only.
    outputs = marker.get("outputs")
    named = [*marker.get("files", []), *(outputs.values() if isinstance(outputs, dict) else ())]
    return {str(name).split("/", 1)[0] for name in named}


def check_replaceable(out_dir: str | Path, known_names: set[str] = frozenset(), *,
                      out_name: str = "out_dir") -> None:
    """Refuse an OUT that a run may not replace: a file, or a folder holding what no run wrote.

    Called before the (long) run, so the user hears it at once. ``known_names`` are the output
    file names the writers use (for folders of runs made before the marker existed). ``out_name``
    is what the caller called OUT (the command's ``--out``, a function's parameter), for the message.
    """
    out_dir = Path(out_dir)
    check_swappable(out_dir, out_name)
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise OutputPathError(f"{out_dir}: is a file; {out_name} names the folder the run's outputs go into")
    if _is_batch_output(out_dir):
        again = (f"`highlights detect` of all its videos with {out_name} {out_dir}" if out_name.startswith("--")
                 else f"`highlights.batch.run_batch` of all its videos into {out_dir}")
        raise OutputPathError(f"{out_dir}: holds a batch's output (index.json and a folder per game), which a run "
                              f"of one video would replace whole: give it a new or empty {out_name}, or add the "
                              f"video to the batch ({again})")
    allowed = outputs_of(out_dir)
    if allowed is None:
        allowed = LEGACY_NAMES | set(known_names)
    foreign = sorted(p.name for p in out_dir.iterdir()
                     if p.name not in allowed and p.name != RUN_MARKER and not _temp_name(p.name))
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise OutputPathError(f"{out_dir}: holds {foreign[0]}{more}, which no highlights run wrote; a run replaces "
                              f"its {out_name} folder whole, so give it a new or empty folder")


def refuse_a_detect_folder(out_dir: str | Path, *, out_name: str = "out_dir") -> None:
    """Refuse to write an evaluation into a `detect` run's folder (or a batch's).

    `pipeline evaluate` writes its run's highlights.json beside its scores, without replacing the
    folder: into a detect folder it would replace the highlights.json that folder's page, lists,
    reel and review belong to with another run's, and the review's items would change under its
    decisions."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return
    detect_page = (out_dir / "highlights.html").is_file()  # a run of a version before the marker
    if outputs_of(out_dir) is not None or detect_page or _is_batch_output(out_dir):
        what = "a batch's output" if _is_batch_output(out_dir) else "the output of a `highlights detect` run"
        raise OutputPathError(f"{out_dir}: holds {what}; an evaluation writes its own run's highlights.json, which "
                              f"would replace the one that folder's page, reel and review go with: give {out_name} "
                              "another folder")


def _is_batch_output(folder: Path) -> bool:
    """Whether `folder` is a batch's (`highlights.batch`: its index.json names its format)."""
    try:
        index = json.loads((folder / BATCH_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(index, dict) and str(index.get("format", "")).startswith(BATCH_INDEX_FORMAT)


def _temp_name(name: str) -> bool:
    # Temp files of interrupted writes by earlier versions: `.NAME.XXXX.tmp`, `.stem.XXXX.tmp.mp4`.
    return name.startswith(".") and ".tmp" in name


@contextmanager
def run_folder(out_dir: str | Path, known_names: set[str] = frozenset(), *,
               out_name: str = "out_dir") -> Iterator[Path]:
    """Yield the staging folder to write a run's outputs into; on success it becomes ``out_dir``.

    Call ``mark_complete`` last inside the block.
    """
    check_replaceable(out_dir, known_names, out_name=out_name)
    with atomic_folder(out_dir) as stage:
        yield stage


def mark_complete(stage: Path, written: Mapping[str, Path], **about) -> Path:
    """Write the marker listing every file of the run (the last write of a run)."""
    files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    return atomic_write_json(stage / RUN_MARKER, {
        "format": MARKER_FORMAT,
        "complete": True,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "outputs": {key: Path(path).relative_to(stage).as_posix() for key, path in written.items()},
        "files": files,
        **about,
    }, indent=2)


def moved(written: Mapping[str, Path], stage: Path, out_dir: Path) -> dict[str, Path]:
    """The paths of ``written`` once the staging folder has become ``out_dir``."""
    return {key: out_dir / Path(path).relative_to(stage) for key, path in written.items()}
