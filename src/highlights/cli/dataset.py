"""`highlights dataset ...`: create, grow, diff and show versioned datasets."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import typer
from rich.table import Table
from rich.text import Text

from highlights.cli.help_texts import PROGRESS_HELP
from highlights.console import plain_console
from highlights.counted_noun import counted
from highlights.errors import EXIT_INTERRUPTED, HighlightsError

if TYPE_CHECKING:
    from highlights.datasets import DatasetVersion

# The command modules import the library inside each command, so `highlights --help` and a
# mistyped command answer without loading torch, albumentations or PyAV.

app = typer.Typer(no_args_is_help=True)
console = plain_console()

ROOT_OPTION = typer.Option(Path("datasets"), "--root", help="Folder holding the versions v1, v2, ...")
CLASSES_HELP = "Comma-separated class list (default: the labels found)"
GROW_CLASSES_HELP = ("Comma-separated class list (default: the parent's classes, so a new label "
                     "is refused; to add a class, list the parent's classes and the new one)")
SKIP_BAD_HELP = ("Leave out unreadable, unknown-label and duplicate clips (listed in dataset_meta.json) "
                 "instead of refusing the whole version")
SKIP_EXISTING_HELP = "Quietly leave out clips already in the parent (when SRC is a folder that grew)"
VARIANTS_HELP = "Augmented variants to materialise per real training clip (e.g. 2)"
ALLOW_OUTSIDE_HELP = "Let a CSV manifest name clips outside its own folder (refused by default)"
WAIT_HELP = "If another write to ROOT is in progress, wait for it instead of stopping"
LICENCE_HELP = ("Licence recorded for the new clips that state none of their own (a manifest's licence "
                "column or a NAME.json sidecar's \"licence\" wins; default: unknown)")
PROVENANCE_HELP = ("Provenance recorded for the new clips that state none of their own (a manifest's "
                   "provenance column or a sidecar's \"provenance\" wins; default: the folder or manifest "
                   "they were read from)")

GROUP_PATTERN_HELP = (
    "Take the group (source video) of a clip that states none from its file name: REGEX is "
    "searched in the file stem, and its group named 'group', else its first (...) group, else what "
    "it matches, is the group. '^(.+)_\\d+$' makes game03_0012 and game03_0044 one group, game03. "
    "A manifest's group cell or a NAME.json sidecar's \"group\" wins over it; a name it finds no "
    "group in is refused (--skip-bad leaves it out)")


def _group_pattern(text: str | None):
    """The typed --group-pattern, or None (the parent's; a first version's: the file stem)."""
    from highlights.datasets.group_pattern import GroupPattern

    return None if text is None else GroupPattern(text)


@contextmanager
def _skip_hint(*, growing: bool = False) -> Iterator[None]:
    """Adds which flags would leave the bad clips out to a dataset error about single clips."""
    try:
        yield
    except HighlightsError as error:
        if getattr(error, "new_labels_only", False):  # each line says how --classes adds its label
            error.add_note("(or rerun with --skip-bad to leave them out and record them in the "
                           "meta)")
        elif getattr(error, "skippable", False):  # a DatasetError about single clips
            error.add_note("(fix these, or rerun with --skip-bad to leave them out and record them in the meta"
                           + ("; --skip-existing leaves out clips the parent already has)" if growing else ")"))
        raise


@contextmanager
def _writing_version(root: Path, *, growing: bool = False) -> Iterator[None]:
    """Ctrl-C while a version is made: the half-made version is already removed (it is written under
    a temporary name and renamed when whole); say so, and exit 130 as an interrupted command does."""
    try:
        with _skip_hint(growing=growing):
            yield
    except KeyboardInterrupt:
        typer.echo(f"interrupted: no new version was written to {root} (a version is written whole or not at all)",
                   err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _classes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


@app.command("create")
def create(
    src: Path = typer.Argument(..., help="A folder per class (SRC/<label>/*.mp4) or a CSV "
                                         "manifest"),
    root: Path = ROOT_OPTION,
    classes: str | None = typer.Option(None, "--classes", help=CLASSES_HELP),
    note: str | None = typer.Option(None, "--note", help="Free-text note kept in dataset_meta.json (default: the "
                                       "provenance note 'commercial model = rebuild on user / commercially-usable "
                                       "video')"),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the split (and of the augmented variants)"),
    split: str = typer.Option("0.7,0.15,0.15", "--split", help="train,val,test proportions"),
    augment_variants: int = typer.Option(0, "--augment-variants", help=VARIANTS_HELP),
    skip_bad: bool = typer.Option(False, "--skip-bad", help=SKIP_BAD_HELP),
    allow_outside: bool = typer.Option(False, "--allow-outside", help=ALLOW_OUTSIDE_HELP),
    licence: str | None = typer.Option(None, "--licence", help=LICENCE_HELP),
    provenance: str | None = typer.Option(None, "--provenance", help=PROVENANCE_HELP),
    group_pattern: str | None = typer.Option(
        None, "--group-pattern", metavar="REGEX",
        help=GROUP_PATTERN_HELP + " (default: the file stem)"),
    wait: bool = typer.Option(False, "--wait", help=WAIT_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Ingest labelled clips as the next version (v1 when ROOT is empty)."""
    from highlights.augment import PhoneAugmentConfig
    from highlights.datasets import ClipDefaults, create_version, parse_ratios

    with _writing_version(root):
        version = create_version(src, root, classes=_classes(classes), note=note, seed=seed,
                                 ratios=parse_ratios(split), augment_variants=augment_variants,
                                 augment_config=PhoneAugmentConfig(), skip_bad=skip_bad, show_progress=progress,
                                 allow_outside=allow_outside, wait=wait,
                                 defaults=ClipDefaults(licence=licence, provenance=provenance),
                                 group_pattern=_group_pattern(group_pattern))
    _print_written(version)


@app.command("grow")
def grow(
    src: Path = typer.Argument(..., help="New clips: a folder per class or a CSV manifest"),
    root: Path = ROOT_OPTION,
    parent: str = typer.Option(..., "--parent", help="The version to grow, e.g. v1"),
    classes: str | None = typer.Option(None, "--classes", help=GROW_CLASSES_HELP),
    note: str | None = typer.Option(None, "--note", help="Free-text note (default: the parent's)"),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Seed for placing new groups (default: the parent's)"),
    split: str | None = typer.Option(None, "--split", help="train,val,test proportions (default: the parent's)"),
    augment_variants: int | None = typer.Option(
        None, "--augment-variants", help=VARIANTS_HELP + " (default: the parent's; 0 makes none for the new clips)"),
    skip_bad: bool = typer.Option(False, "--skip-bad", help=SKIP_BAD_HELP),
    skip_existing: bool = typer.Option(False, "--skip-existing", help=SKIP_EXISTING_HELP),
    allow_outside: bool = typer.Option(False, "--allow-outside", help=ALLOW_OUTSIDE_HELP),
    licence: str | None = typer.Option(None, "--licence", help=LICENCE_HELP + "; the parent's clips keep theirs"),
    provenance: str | None = typer.Option(None, "--provenance", help=PROVENANCE_HELP),
    group_pattern: str | None = typer.Option(
        None, "--group-pattern", metavar="REGEX",
        help=GROUP_PATTERN_HELP + " (default: the parent's; '' takes the file stem)"),
    wait: bool = typer.Option(False, "--wait", help=WAIT_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
) -> None:
    """Write the next version: the parent's clips, splits unchanged, plus the new clips."""
    from highlights.datasets import ClipDefaults, grow_version, parse_ratios

    with _writing_version(root, growing=True):
        version = grow_version(src, root, parent, classes=_classes(classes), note=note, seed=seed,
                               ratios=parse_ratios(split) if split else None,
                               augment_variants=augment_variants,
                               skip_bad=skip_bad, skip_existing=skip_existing, show_progress=progress,
                               allow_outside=allow_outside, wait=wait,
                               defaults=ClipDefaults(licence=licence, provenance=provenance),
                               group_pattern=_group_pattern(group_pattern))
    _print_written(version)


@app.command("diff")
def diff(
    old: str = typer.Argument(..., help="The earlier version, e.g. v1"),
    new: str = typer.Argument(..., help="The later version, e.g. v2"),
    root: Path = ROOT_OPTION,
) -> None:
    """Print the growth table: total clips, then counts per class per split."""
    from highlights.datasets import diff_versions, load_version

    a, b = load_version(root, old), load_version(root, new)
    table = Table(title=f"{root}: {a.name} -> {b.name}")
    table.add_column("")
    table.add_column(a.name, justify="right")
    table.add_column(b.name, justify="right")
    table.add_column("change", justify="right")
    for row in diff_versions(a, b):
        table.add_row(row.name, str(row.old), str(row.new), f"{row.change:+d}")
    console.print(table)
    # The counts can agree where the clips do not (one relabelled, one swapped for another): the
    # content ids say whether the two hold the same clips, labels and splits.
    same = ("the same clips, labels and splits" if a.content_id == b.content_id
            else "different content")
    console.print(f"content id: {a.name} {a.content_id}, {b.name} {b.content_id} ({same})")


@app.command("show")
def show(
    version: str = typer.Argument(..., help="The version to describe, e.g. v2"),
    root: Path = ROOT_OPTION,
) -> None:
    """Describe a version: parent, note, split and counts per class per split."""
    from highlights.datasets import load_version

    v = load_version(root, version)
    _print_version(v)
    _warn_split_leaks(v)


@app.command("list")
def list_cmd(root: Path = ROOT_OPTION) -> None:
    """List the versions under ROOT."""
    from highlights.datasets import DatasetError, list_versions, load_version
    from highlights.datasets.store import ROOT_MEANING, refuse_a_file_as_root

    refuse_a_file_as_root(root)
    if not root.exists():
        raise DatasetError(f"{root}: no such folder ({ROOT_MEANING}; highlights dataset create "
                           "makes it)")
    names = list_versions(root)
    if not names:
        console.print(f"no versions under {root} yet: highlights dataset create SRC --root {root} "
                      "makes v1")
    for name in names:
        v = load_version(root, name)
        console.print(f"{name}  parent={v.parent or '-'}  clips={len(v.real_clips)}"
                      f"  augmented={len(v.augmented_clips)}  created={v.meta.get('created', '?')}")


def _tagged(tag: str, style: str, text: str) -> None:
    """One line that starts with a coloured word (`warning`, `note`, ...)."""
    console.print(Text.assemble((tag, style), " ", text))


def _warn_split_leaks(v: DatasetVersion) -> None:
    """Name the source videos a version written before they were kept together holds in two splits."""
    from highlights.datasets.split_leaks import split_leak_warning

    warning = split_leak_warning(v)
    if warning:
        _tagged("warning", "yellow", warning)


def _print_written(v: DatasetVersion) -> None:
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines([v.path]):
        console.print(f"wrote {v.path}")
        _print_version(v)
        if v.parent:  # a new version never puts one video in two splits; a parent written before may have
            _warn_split_leaks(v)
        already = v.meta["added"].get("already_in_parent")
        if already:
            console.print(f"{counted(already, 'clip')} of SRC {'was' if already == 1 else 'were'} "
                          f"already in {v.parent}")
        for skipped in v.meta.get("skipped", []):
            _tagged("skipped", "yellow", skipped["reason"])
        for twin in v.meta.get("near_duplicates", []):
            _tagged("note", "yellow", f"{twin['path']}: the same pictures as {twin['of']} (a re-encoded "
                               "copy?): kept, in the same split as it")
        from highlights.datasets.same_video import CUT_FROM_IT, CUT_FROM_THE_SAME, WHOLE_OF_IT

        for joined in v.meta.get("same_video", []):
            how = {CUT_FROM_IT: f"cut from the video that {joined['of']} holds whole",
                   WHOLE_OF_IT: f"the whole video that {joined['of']} was cut from",
                   CUT_FROM_THE_SAME: f"cut from a copy of the video {joined['of']} was cut from"}[joined["relation"]]
            _tagged("note", "yellow", f"{joined['path']}: {how}: one source video, kept in the same split as it")
        short = v.meta.get("short_clips", [])
        if short:
            from highlights.clips.spec import ClipSpec

            listed = ", ".join(f"{c['path']} ({c['frames']})" for c in short[:5]) + (", ..." if len(short) > 5 else "")
            has, their = ("has", "its") if len(short) == 1 else ("have", "their")
            _tagged("note", "yellow", f"{counted(len(short), 'clip')} {has} fewer frames than the "
                               f"{ClipSpec().num_frames} the classifier reads from a clip, so some of "
                               f"{their} frames are shown twice: {listed}")
        for ignored in v.meta.get("ignored", []):
            _tagged("ignored", "dim", ignored["reason"])
        overruled = v.meta.get("sidecar_labels_ignored", [])
        if overruled:  # one line, however many: a folder of moved clips is one mistake, or one fix
            first, has = overruled[0], "has" if len(overruled) == 1 else "have"
            _tagged("warning", "yellow", f"{counted(len(overruled), 'clip')} {has} a sidecar naming "
                    f"another label than the class folder (first: {first['path']}, sidecar "
                    f"{first['sidecar_label']!r}, folder {first['folder']!r}): the folder is the "
                    "label; to relabel a clip, move it")
        # A few source videos per class round a 15% share down to none: say so now, not when
        # `highlights train` or `evaluate` finds the split empty.
        per_class = v.meta["counts"]["per_class"]
        untrained = [c for c in v.classes if not per_class[c]["train"]]
        if untrained and len(untrained) < len(v.classes):
            where = "; ".join(f"{c}: val {per_class[c]['val']}, test {per_class[c]['test']}" for c in untrained)
            _tagged("warning", "yellow", f"{v.name}'s train split has no clip of {', '.join(untrained)} "
                               f"({where}): `highlights train` refuses it; grow it with clips of "
                               f"{'that class' if len(untrained) == 1 else 'those classes'} from other source videos")
        per_split = v.meta["counts"]["per_split"]
        untested = [c for c in v.classes if per_class[c]["train"] and not per_class[c]["test"]]
        if untested and per_split.get("test"):
            counts = "; ".join(f"{c}: {counted(per_class[c]['total'], 'clip')}" for c in untested)
            _tagged("note", "yellow", f"{v.name}'s test split has no clip of {', '.join(untested)} ({counts}): "
                               "`highlights evaluate` cannot score "
                               f"{'it' if len(untested) == 1 else 'them'} and counts "
                               f"{'its' if len(untested) == 1 else 'their'} "
                               "F1 as 0 in macro-F1; grow the version with clips from other source videos")
        # Each class is split by its own source videos (the split keeps every class's shares).
        sources = {c: len({clip.group for clip in v.real_clips if clip.label == c}) for c in v.classes}
        videos_per_class = ", ".join(f"{c} {n}" for c, n in sources.items())
        ratios = v.meta["split"]["ratios"]
        for split, needed_by in (("val", "training's model selection"), ("test", "`highlights evaluate`")):
            if not per_split.get(split) and not ratios[split]:
                # Asked for: more source videos would not fill it, so that is not the advice.
                _tagged("note", "yellow", f"{v.name} has no {split} split (--split gives it 0): {needed_by} needs one"
                        + ("; score the model on other clips with `highlights evaluate --clips FOLDER`"
                           if split == "test" else ""))
            elif not per_split.get(split):
                # Under one source video's worth in every class is the usual cause; otherwise a few
                # sources held most of the clips, and the split kept each whole.
                few = (f"{ratios[split]:.0%} of each class's source videos ({videos_per_class}) is "
                       "under one, and " if all(ratios[split] * n < 1 for n in sources.values())
                       else "")
                _tagged("warning", "yellow", f"{v.name}'s {split} split is empty ({needed_by} needs it): {few}"
                                   "all clips of one source video share a split, so add clips from more source videos")


def _print_version(v: DatasetVersion) -> None:
    from highlights.datasets import SPLITS

    meta = v.meta
    ratios = ",".join(str(meta["split"]["ratios"][s]) for s in SPLITS)
    console.print(Text.assemble((v.name, "bold"), f"  parent: {v.parent or '-'}  created: "
                                f"{meta['created']}  content id: {v.content_id}"))
    from highlights.datasets import DEFAULT_NOTE

    # The default note is shorthand; said once in full where it is shown, kept verbatim in the meta.
    console.print(f"note: {v.note}" + (" (the default: a model for commercial use is to be rebuilt on footage you "
                                       "may use commercially; --note sets your own)" if v.note == DEFAULT_NOTE else ""))
    console.print(f"split: {ratios} (seed {meta['split']['seed']})")
    groups = len({c.group for c in v.real_clips})
    pattern = v.group_pattern
    console.print(f"source videos (groups): {groups}" + ("" if pattern.by_stem else
                  "; a clip that states no group takes it from its file name by --group-pattern "
                  f"'{pattern.regex}'"))
    # What the clips may be used for, beside the note: an `unknown` here is footage whose terms
    # nobody recorded (`--licence` on create/grow records them for the clips that state none).
    from collections import Counter

    licences = Counter(c.licence or "unknown" for c in v.real_clips)
    console.print("licence: " + ", ".join(f"{name} ({n} clip{'s' if n != 1 else ''})"
                                          for name, n in licences.most_common()))
    table = Table()
    table.add_column("class")
    for s in SPLITS:
        table.add_column(s, justify="right")
    table.add_column("total", justify="right")
    table.add_column("augmented (train)", justify="right")
    real, aug = meta["counts"]["per_class"], meta["augmented_counts"]["per_class"]
    for cls in v.classes:
        table.add_row(cls, *(str(real[cls][s]) for s in SPLITS), str(real[cls]["total"]), str(aug[cls]["train"]))
    per_split = meta["counts"]["per_split"]
    table.add_row(Text("all", style="bold"), *(str(per_split[s]) for s in SPLITS), str(meta["counts"]["total"]),
                  str(meta["augmented_counts"]["total"]))
    console.print(table)
