"""`highlights review DIR...`: check detected highlights in the browser and turn them into training data.

`highlights review DIR...` starts the review app and prints its URL; `highlights review export`
makes the next dataset version from the decisions; `label-studio-export` / `label-studio-import`
exchange the review with Label Studio."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import typer

from highlights.cli.help_texts import PROGRESS_HELP
from highlights.console import plain_console
from highlights.counted_noun import counted
from highlights.errors import EXIT_INTERRUPTED

console = plain_console()
err = plain_console(stderr=True)

DB_HELP = "The decisions database (SQLite); created if missing"
REJECTED_AS_HELP = ("The class {what} rejected highlights under (default: none); for a model of your own "
                    "classes, its class of background play (e.g. rest)")
LICENCE_HELP = ("Licence recorded for every exported clip (default: the one licence the parent version "
                "states for the clips of the same video, where it states one; else unknown)")
VIDEO_HELP = ("Source video of each folder, in order (default: the path recorded in its "
              "highlights.json)")
DEFAULT_DB = Path("review.sqlite")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _session(dirs: list[Path], db: Path, videos: Optional[list[Path]], classes: Optional[str], candidates: int):
    from highlights.review.games import load_games

    games = load_games(dirs, videos=videos, candidates_per_game=candidates,
                       classes=[c.strip() for c in classes.split(",") if c.strip()] if classes else None)
    return _games_session(games, db)


def _games_session(games, db: Path):
    """The review of loaded `games` on the decisions database `db` (made if missing), with a
    warning for each set of decisions in it that this review leaves out."""
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore

    session = ReviewSession(games, DecisionStore(db))
    for game, (n, video) in session.foreign_decisions().items():
        now = session.game(game).video
        if Path(video) == now:
            # The same path, another size: "another video (X), not X" would name one file twice.
            err.print(f"warning: {counted(n, 'decision')} under game id {game} in {db} "
                      f"{'was' if n == 1 else 'were'} made on {video} when it was another file "
                      "(of another size; replaced, re-encoded or cut short since): left out of "
                      "this review", style="yellow")
            continue
        err.print(f"warning: {counted(n, 'decision')} under game id {game} in {db} "
                  f"{'was' if n == 1 else 'were'} made on another video "
                  f"({video}), not {now}: left out of this review (give each set of "
                  "games its own --db)", style="yellow")
    for game, n in session.stale_decisions().items():
        err.print(f"warning: {counted(n, 'decision')} on {session.game(game).name} "
                  f"{'was' if n == 1 else 'were'} made on an earlier detect run of it (its "
                  "highlights.json has changed since); check them before exporting",
                  style="yellow")
    return session


def _playback(session, *, always_copy: bool):
    """What each game's player plays: its source, or a browser copy, made in the background once the
    review is up (`review.playback.BrowserCopies`)."""
    from highlights.atomic import check_writable
    from highlights.errors import HighlightsError
    from highlights.review.errors import ReviewError
    from highlights.review.playback import BrowserCopies

    copies = BrowserCopies([(g.id, g.video, g.folder) for g in session.games], always_copy=always_copy,
                           say=lambda line: err.print(line))
    for need in copies.to_make:
        # Refused now rather than after the page is up, when the copy would fail in the background.
        try:
            check_writable(need.copy)
        except HighlightsError as e:
            raise ReviewError(f"{need.folder}: cannot write the browser copy of {need.source.name} there "
                              f"({e})") from None
    return copies


def _rejected_class(session, rejected_as: Optional[str]) -> str:
    """The class rejected items are exported under: `--rejected-as`, checked against the reviewed
    runs' model, else `none`, with a line when the model has no `none`."""
    from highlights.review.export import check_rejected_as, models_without_none
    from highlights.vocabulary import NONE_LABEL

    if rejected_as is not None:
        check_rejected_as(session, rejected_as)
        return rejected_as
    said = models_without_none(session)
    if said:
        err.print(f"warning: {said}", style="yellow")
    return NONE_LABEL


def _first_few(names: list[str], shown: int = 5) -> str:
    """The first `shown` names, and how many more there are: a list cut short without a word
    reads as the whole of it."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def _export_message(result) -> str:
    """What an export made, in one paragraph: the page's status line shows it, two lines of it
    at first and the rest on a tap."""
    return "; ".join(_export_facts(result))


def _export_lines(result, width: int | None) -> list[str]:
    """What an export made, for a terminal `width` columns wide (None: a log, lines unbroken):
    what was written, then each further fact on lines of its own, a dash before its first,
    indented after. One paragraph of them ran to a dozen lines of 80 columns, the facts parted only
    by semicolons."""
    import textwrap

    first, *facts = _export_facts(result)
    if width is None:
        return [first, *(f"- {fact}" for fact in facts)]
    # A path or a game's name is never cut: a reader copies it whole.
    wrap = dict(width=max(width, 40), break_long_words=False, break_on_hyphens=False)
    return [*textwrap.wrap(first, subsequent_indent="  ", **wrap),
            *(line for fact in facts
              for line in textwrap.wrap(fact, initial_indent="- ", subsequent_indent="  ", **wrap))]


def _export_facts(result) -> list[str]:
    """What was written and how many clips of each outcome, then each further fact of the export."""
    parts = ", ".join(f"{n} {k}" for k, n in sorted(result.clips.items()))
    facts = [f"{result.version.path} written: {sum(result.clips.values())} reviewed clips "
             f"({parts})"]
    if result.clips.get("rejected"):
        facts.append(f"the rejected ones filed under {result.rejected_as!r}")
    if result.unchanged:
        facts.append(f"{result.unchanged} already in the parent")
    # A clip the parent holds as the same file (cut the same way by a review of another detect
    # folder of the video) is left out by the version it grows: the count above is not its growth.
    version = result.version
    added = ((getattr(version, "meta", None) or {}).get("added") or {}) if getattr(version, "parent", None) else {}
    same_file = added.get("already_in_parent") or 0
    if same_file:
        new = added.get("real", sum(result.clips.values()) - same_file)
        facts.append(f"{same_file} of them already in {version.parent} as the same "
                     f"file{'s' if same_file > 1 else ''} (cut by an earlier review of the same video), "
                     f"so {version.name} adds {counted(new, 'clip')}")
    if result.same_moment:
        facts.append(f"{counted(result.same_moment, 'clip')} of the same moment as a clip of "
                     f"{version.parent}, with the same label (a review of another detect run of "
                     "the video)")
    if result.relabelled_in_parent:
        facts.append(f"{counted(len(result.relabelled_in_parent), 'clip')} of {version.parent} "
                     "replaced by a clip of the same moment under another label "
                     f"(--replace-parent-labels): {_first_few(result.relabelled_in_parent)}")
    if result.added_classes:
        facts.append(f"new class(es) added to the parent's: {', '.join(result.added_classes)}")
    if result.pending:
        facts.append(f"{counted(result.pending, 'item')} not reviewed yet "
                     f"{'was' if result.pending == 1 else 'were'} left out")
    if result.changed:
        facts.append(f"{counted(len(result.changed), 'item')} "
                     f"{'was' if len(result.changed) == 1 else 'were'} exported before with another "
                     "decision: the new version holds the new decision's clip in place of the "
                     f"parent's: {_first_few(result.changed)}")
    if result.trimmed:
        facts.append(f"{counted(len(result.trimmed), result.rejected_as + ' clip')} trimmed to "
                     "leave out an action decided in the same video: "
                     f"{_first_few(result.trimmed)}")
    if result.repeated:
        facts.append(f"{counted(len(result.repeated), 'item')} left out, the same clip as another "
                     f"item's (same video, class and segment): {_first_few(result.repeated)}")
    carried = sorted((result.named(game), licence)
                     for game, licence in result.carried_licences.items())
    for game, licence in carried:
        facts.append(f"the clips of {game} carry {licence}, the licence {result.version.parent} "
                     "states for its video")
    if result.no_licence:
        total = sum(result.clips.values())
        facts.append(f"{result.no_licence} of the {total} exported clips state no licence "
                     "(recorded as unknown): --licence NAME records one")
    if result.dropped:
        facts.append(f"{counted(len(result.dropped), result.rejected_as + ' clip')} left out, too "
                     "short once an action decided in the same video is left out: "
                     f"{_first_few(result.dropped)}")
    facts += _splits_facts(result)
    if result.split_leaks:
        facts.append(f"warning: {result.split_leaks}")
    return facts


def _splits_facts(result) -> list[str]:
    """Which split of the new version each reviewed game's clips are in: the reviewed annotations
    of a game in the train split are no test of a model trained on that version."""
    if not result.splits:
        return []
    name = result.version.name
    by_name = sorted((result.named(game), splits) for game, splits in result.splits.items())
    placed = ", ".join(f"{game} {'+'.join(splits)}" for game, splits in by_name)
    seen = [g for g, splits in by_name if "train" in splits]
    # a game in val chose the model's best epoch (a pose model's action threshold): seen as well
    chosen = [g for g, splits in by_name if "val" in splits and "train" not in splits]
    facts = [f"each game's clips are in one split of {name}: {placed}"]
    if seen:
        whose = "that game's" if len(seen) == 1 else "those games'"
        facts.append(f"a model trained on {name} has seen {', '.join(seen)}: its `pipeline "
                     f"evaluate` against {whose} reviewed annotations is no test of it")
    if chosen:
        whose = "that game's" if len(chosen) == 1 else "those games'"
        facts.append(f"a model trained on {name} has its best epoch (a pose model its action "
                     "threshold, where the val split is large enough to choose one) chosen on "
                     f"{', '.join(chosen)}: its `pipeline evaluate` against {whose} reviewed "
                     "annotations is no test of it either")
    return facts


def serve(
    dirs: list[Path] = typer.Argument(..., help="`highlights detect` output folders"),
    db: Path = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    video: Optional[list[Path]] = typer.Option(None, "--video", help=VIDEO_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (anything but loopback "
                             "lets other machines reach the review: they still need the token)"),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port (0 picks a free one)"),
    reviewer: str = typer.Option("", "--reviewer", help="Reviewer name filled in on the page "
                                      "(default: the one this browser gave last, else blank)"),
    classes: Optional[str] = typer.Option(None, "--classes", help="Classes to relabel to, comma-separated "
                                          "(default: the model's classes)"),
    candidates: int = typer.Option(30, "--candidates", min=0, help="Turned-down windows offered per game, most "
                                   "uncertain first"),
    to_dataset: Optional[Path] = typer.Option(
        None, "--to-dataset", help="Dataset root the page's Export button writes the next version "
                                   "to (without it the page has no Export button: `highlights "
                                   "review export` exports the decisions)"),
    parent: Optional[str] = typer.Option(
        None, "--parent", help="The version the first Export grows (e.g. v2); each later one grows "
                               "the version the one before wrote; without it, the first export is "
                               "the root's first version"),
    licence: Optional[str] = typer.Option(None, "--licence", help=LICENCE_HELP),
    copy_video: bool = typer.Option(False, "--copy-video", help="Play an H.264 copy of every game (made once, "
                                    "beside its detect output), also where the source looks playable"),
    rejected_as: Optional[str] = typer.Option(None, "--rejected-as", metavar="CLASS",
                                              help=REJECTED_AS_HELP.format(what="the page's Export button files")),
) -> None:
    """Start the review app over detect output folders and print its URL (it opens nothing);
    `highlights review DIR...` is the same command."""
    from highlights.review.export_lock import ExportLock
    from highlights.review.server import create_app, new_token

    session = _session(dirs, db, video, classes, candidates)
    # checked before the page is up: a slip refused at the Export button would cost the review's time
    rejected = _rejected_class(session, rejected_as) if to_dataset is not None else None
    if rejected_as is not None and to_dataset is None:
        err.print("warning: --rejected-as does nothing without --to-dataset (the page has no Export button); "
                  "give it to `highlights review export`", style="yellow")
    playback = _playback(session, always_copy=copy_video)
    export = None
    if to_dataset is not None:
        export = _export_button(session, to_dataset, parent=parent, licence=licence,
                                rejected=rejected, say_no_none=rejected_as is None)
    token = session.store.token(new_token)
    app_ = create_app(session, token, reviewer=reviewer, export=export, playback=playback,
                      export_lock=ExportLock(to_dataset) if to_dataset is not None else None)
    sock = _listening_socket(host, port)
    shown = f"[{host}]" if ":" in host else host
    n_items = sum(len(g.items) for g in session.games)
    console.print(f"Reviewing {counted(len(session.games), 'game')}, {counted(n_items, 'item')}; "
                  f"decisions go to {db}")
    # The URL on a line of its own, flushed, so scripts (and tests) can read it.
    print(f"http://{shown}:{sock.getsockname()[1]}/?token={token}", flush=True)
    _serve_until_stopped(app_, sock, session, playback, db)


def _export_button(session, to_dataset: Path, *, parent: Optional[str], licence: Optional[str],
                   rejected: str, say_no_none: bool) -> Callable[[], dict]:
    """What the page's Export button runs: the next dataset version from the decisions so far, and
    the line and figures the page shows of it."""
    from highlights.review.errors import ReviewError
    from highlights.review.export import models_without_none

    if to_dataset.exists() and not to_dataset.is_dir():
        # Now, not at the first click of Export after the review's work (the dataset code's own
        # check is not imported here: it pulls in the augmentation stack the server starts without).
        raise ReviewError(f"{to_dataset}: is a file; --to-dataset names the dataset root, the "
                          "folder holding the versions v1, v2, ...")
    # Said again with every export: the page's reviewer does not see the terminal's warning.
    no_none = models_without_none(session) if say_no_none else None
    grows = [parent]

    def export() -> dict:
        # Imported on first use: the dataset code pulls in the augmentation stack, which the
        # review itself never needs, so the server starts quickly.
        from highlights.review.export import export_review

        result = export_review(session, to_dataset, parent=grows[0], licence=licence,
                               rejected_as=rejected)
        # The next click grows this version by what is decided since: from the same parent it
        # would be refused as the same export again, and the page cannot name another.
        grows[0] = result.version.name
        message = _export_message(result) + (f"; warning: {no_none}"
                                             if no_none and result.clips.get("rejected") else "")
        return {"message": message, "version": result.version.name, "clips": result.clips,
                "pending": result.pending, "rejected_as": result.rejected_as}

    return export


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` and listening: connections queue from now on, so the URL
    works the moment it is printed."""
    from highlights.review.errors import ReviewError

    if host not in LOOPBACK:
        err.print(f"warning: listening on {host}: other machines on the network can reach this "
                  "review (they still need the token in the URL)", style="yellow")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        raise ReviewError(f"cannot listen on {host}:{port} ({e.strerror or e}); try --port 0") from None
    sock.listen(128)
    return sock


def _serve_until_stopped(app_, sock: socket.socket, session, playback, db: Path) -> None:
    """Serves the review on `sock` until Ctrl-C, making the browser copies meanwhile."""
    try:
        # The URL is printed before the server is built: Ctrl-C while uvicorn is still being
        # imported (slow on a busy machine) ends the review as any other Ctrl-C does.
        import uvicorn

        config = uvicorn.Config(app_, log_level="warning", access_log=False)
        playback.start()
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        # Ctrl-C is how a review ends, not a failure: say where its decisions are and how to go on.
        typer.echo(f"review stopped: every decision made is saved in {db}; the same command goes on from them, "
                   "`highlights review export` makes the next dataset version", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        # Ctrl-C: the copy being made stops, its unfinished part removed; the next review goes on from there.
        playback.stop()
        session.store.close()


def export_cmd(
    dirs: list[Path] = typer.Argument(..., help="The reviewed detect output folders"),
    to_dataset: Path = typer.Option(..., "--to-dataset", help="Dataset root to write the next version to"),
    parent: Optional[str] = typer.Option(None, "--parent", help="The version to grow (e.g. v2); without it, "
                                         "the review becomes the root's first version"),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="The review's decisions database"),
    video: Optional[list[Path]] = typer.Option(None, "--video", help=VIDEO_HELP),
    licence: Optional[str] = typer.Option(None, "--licence", help=LICENCE_HELP),
    note: Optional[str] = typer.Option(None, "--note", help="The new version's note (default: the parent's)"),
    annotations: Optional[Path] = typer.Option(None, "--annotations", help="Folder for the reviewed games' "
                                               "annotations (default: DIR/reviewed/ of each game)"),
    candidates: int = typer.Option(30, "--candidates", min=0, help="As given to `highlights review`: the windows "
                                   "counted as not reviewed yet (every decided one is exported)"),
    rejected_as: Optional[str] = typer.Option(None, "--rejected-as", metavar="CLASS",
                                              help=REJECTED_AS_HELP.format(what="the export files")),
    progress: bool = typer.Option(True, "--progress/--no-progress", help=PROGRESS_HELP),
    replace_parent_labels: bool = typer.Option(
        False, "--replace-parent-labels",
        help="Where a reviewed clip is of the same moment of its video as a clip of --parent under "
             "another label (a review of another detect run of the video), put it in that clip's "
             "place (default: refuse the export)"),
) -> None:
    """Reviewed items -> clips -> the next dataset version, plus each game's annotation."""
    from highlights.review.export import export_review

    from highlights.errors import MissingFileError
    from highlights.review.errors import ReviewError

    if db.is_dir():
        raise ReviewError(f"{db}: is a folder, not a review database")
    if not db.is_file():
        # "pass --db" only where the default was looked for: a --db given is the one mistyped.
        # "here" named: the review ran in another folder, whose review.sqlite holds the decisions
        raise MissingFileError(db, f"no review database in {Path.cwd()}, where this command runs (pass --db, the "
                               "review.sqlite of the folder `highlights review` ran in)" if db == DEFAULT_DB
                               else "no such file")
    if db.stat().st_size == 0:  # SQLite would take it for a new database and write one into it
        raise ReviewError(f"{db}: an empty file, not a review database (no decision to export)")
    session = _session(dirs, db, video, None, candidates)
    rejected = _rejected_class(session, rejected_as)
    result = export_review(session, to_dataset, parent=parent, licence=licence, note=note,
                           annotations_dir=annotations, rejected_as=rejected, show_progress=progress,
                           replace_parent_labels=replace_parent_labels)
    from highlights.cli.outputs_in_place import closing_lines

    annotations_written = [path for paths in result.annotations.values() for path in paths]
    with closing_lines([result.version.path, *annotations_written]):
        for line in _export_lines(result, console.width if console.is_terminal else None):
            # Wrapped here, with its indent: rich would wrap a long line again, flush left.
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        for game, paths in result.annotations.items():
            console.print(f"  {result.named(game)}: " + ", ".join(str(p) for p in paths))


def ls_export(
    dirs: list[Path] = typer.Argument(..., help="Detect output folders"),
    out: Path = typer.Option(..., "--out", help="Folder for tasks.json and labelling_config.xml"),
    db: Path = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    video: Optional[list[Path]] = typer.Option(None, "--video", help=VIDEO_HELP),
    video_url_prefix: Optional[str] = typer.Option(
        None, "--video-url-prefix", help="Prefix for video URLs in the tasks, e.g. "
                                         "/data/local-files/?d=videos/ (a browser copy: the prefix, "
                                         "its detect folder's name, /review-video.mp4; default: "
                                         "each video's path)"),
    candidates: int = typer.Option(30, "--candidates", min=0, help="Turned-down windows per game to include"),
) -> None:
    """Review tasks for Label Studio's video timeline labelling (import tasks.json there)."""
    from highlights.review.labelstudio import export_tasks

    # Decisions are only read here: without a database there are none to read, and none is made
    # (an empty review.sqlite was left in the working folder by every export).
    session = _session(dirs, db if db.exists() else Path(":memory:"), video, None, candidates)
    written = export_tasks(session, out, video_url_prefix=video_url_prefix,
                           say=lambda line: err.print(line))
    from highlights.cli.outputs_in_place import closing_lines

    with closing_lines(written.values()):
        for kind, path in written.items():
            console.print(f"  {kind}: {path}")


def ls_import(
    export_json: Path = typer.Argument(..., help="A Label Studio JSON export of the review tasks"),
    dirs: list[Path] = typer.Argument(..., help="The detect output folders the tasks were made from"),
    db: Path = typer.Option(DEFAULT_DB, "--db", help=DB_HELP),
    video: Optional[list[Path]] = typer.Option(None, "--video", help=VIDEO_HELP),
    reviewer: Optional[str] = typer.Option(None, "--reviewer", help="Record decisions under this name "
                                           "(default: the Label Studio annotator)"),
    candidates: int = typer.Option(30, "--candidates", min=0, help="As given to label-studio-export"),
) -> None:
    """Label Studio's labels as review decisions (then export as usual)."""
    from highlights.review.games import load_games
    from highlights.review.labelstudio import import_annotations, plan_import

    games = load_games(dirs, videos=video, candidates_per_game=candidates)
    # The whole export is checked before the database is opened: a refused export records no
    # decision, and leaves no empty database where none was.
    plan = plan_import(games, export_json)
    session = _games_session(games, db)
    counts = import_annotations(session, plan, reviewer=reviewer)
    decided = ", ".join(f"{counts[k]} {k}" for k in ("accepted", "relabelled", "rejected", "missed"))
    line = f"{export_json}: {decided}; recorded in {db}"
    if counts["tasks_without_game"]:
        # Named, not only counted: the export was likely made from other folders than those given.
        games = ", ".join(g.id for g in session.games)
        n = counts["tasks_without_game"]
        line += (f"; {counted(n, 'task')} {'names' if n == 1 else 'name'} no game of this review "
                 f"({games}), left out: give the detect folders the tasks were made from")
    console.print(line)


class _ReviewGroup(typer.core.TyperGroup):
    """`highlights review DIR...` starts the app; `highlights review export|label-studio-*` are commands."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["serve", *args]
        elif args and args[0].startswith("-") and args[0] not in ("--help", "-h"):
            args = ["serve", *args]
        return super().resolve_command(ctx, args)


app = typer.Typer(cls=_ReviewGroup, no_args_is_help=True, help=__doc__)
for _name, _fn in (("serve", serve), ("export", export_cmd), ("label-studio-export", ls_export),
                   ("label-studio-import", ls_import)):
    app.command(_name)(_fn)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="review", help="Review detected highlights in the browser (`highlights review DIR...`); "
                   "export them as training data.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
