"""What `review export` says names each game by its detect folder's own name, accents and all: the
game's id, an ASCII slug of that name for the page's URLs and file names, is no name a
coach gave it (`partie_été-highlights` is `partie_-t--highlights` there)."""

from __future__ import annotations

from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.datasets import load_version
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_fixtures import make_detect_folder


def _decide(db, folder, statuses: tuple[str, ...]) -> str:
    session = ReviewSession(load_games([folder]), DecisionStore(db))
    game = session.games[0].id
    highlights = [s for s in session.states(game) if s["kind"] == "highlight"]
    for item, status in zip(highlights, statuses):
        session.decide(game, item["id"], status=status, label=item["label"], start_s=item["start_s"],
                       end_s=item["end_s"], reviewer="Ada")
    session.store.close()
    return game


def test_the_export_names_a_game_with_an_accent_by_its_folder(tmp_path):
    folder = make_detect_folder(tmp_path, "partie_\u00e9t\u00e9")
    name = "partie_\u00e9t\u00e9-highlights"
    assert folder.name == name
    db, datasets = tmp_path / "review.sqlite", tmp_path / "datasets"
    game = _decide(db, folder, ("accepted", "accepted"))
    assert game == "partie_-t--highlights"  # the slug the page's URLs use
    first = CliRunner().invoke(app, ["review", "export", str(folder), "--to-dataset", str(datasets), "--db", str(db),
                                     "--no-progress"])
    assert first.exit_code == 0, first.output
    said = " ".join(first.stdout.split())
    assert f"each game's clips are in one split of v1: {name} " in said
    assert f"{name}: {folder}/reviewed/" in said
    assert len(load_version(datasets, "v1").real_clips) == 2

    # The first highlight decided again, otherwise: the item named in the note of what changed.
    _decide(db, folder, ("rejected",))
    second = CliRunner().invoke(app, ["review", "export", str(folder), "--to-dataset", str(datasets), "--db", str(db),
                                      "--parent", "v1", "--no-progress"])
    assert second.exit_code == 0, second.output
    said = " ".join(second.stdout.split())
    assert f"in place of the parent's: {name}/h" in said
    assert game not in second.stdout and game not in first.stdout
