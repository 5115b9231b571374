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


def test_the_trimmed_left_out_repeated_and_refused_clips_name_the_game_by_its_folder(tmp_path):
    """Each list of items the export names (a `none` clip trimmed clear of an action, one left out
    as too short, an item repeating another's clip, a clip the dataset refuses) names the game as
    the coach named its folder, never by its slug."""
    folder = make_detect_folder(tmp_path, "partie_\u00e9t\u00e9")
    name, db, datasets = folder.name, tmp_path / "review.sqlite", tmp_path / "datasets"
    session = ReviewSession(load_games([folder]), DecisionStore(db))
    game = session.games[0].id
    first, *others = [s for s in session.states(game) if s["kind"] == "highlight"]
    a, b = first["start_s"], first["end_s"]
    decide = dict(reviewer="Ada")
    session.decide(game, first["id"], status="accepted", label=first["label"], start_s=a, end_s=b, **decide)
    # Rejected over the action's end (2 s clear of it after: trimmed) and inside it (left out).
    session.decide(game, others[0]["id"], status="rejected", label=others[0]["label"], start_s=b - 0.2,
                   end_s=b + 2.0, **decide)
    session.decide(game, others[1]["id"], status="rejected", label=others[1]["label"], start_s=a + 0.1,
                   end_s=b - 0.1, **decide)
    missed = session.mark_missed(game, at_s=(a + b) / 2, label=first["label"], start_s=a, end_s=b, **decide)["id"]
    session.store.close()

    def export(root) -> tuple[int, str]:
        res = CliRunner().invoke(app, ["review", "export", str(folder), "--to-dataset", str(root), "--db", str(db),
                                       "--no-progress"])
        return res.exit_code, " ".join(res.output.split())

    code, said = export(datasets)
    assert code == 0, said
    assert f"trimmed to leave out an action decided in the same video: {name}/{others[0]['id']} (decided " in said
    assert f"in the same video is left out: {name}/{others[1]['id']} (" in said
    assert f"(same video, class and segment): {name}/{missed} (as {name}/{first['id']})" in said
    assert game not in said

    # The same moments marked missed under another class: the dataset refuses the second clip as
    # the first's content, and the refusal names each by the item it was cut from.
    session = ReviewSession(load_games([folder]), DecisionStore(db))
    other_class = next(c for c in session.games[0].classes if c not in (first["label"], "none"))
    again = session.mark_missed(game, at_s=(a + b) / 2, label=other_class, start_s=a, end_s=b, **decide)["id"]
    session.store.close()
    code, said = export(tmp_path / "other-datasets")
    assert code == 1 and said.startswith("error: the clip of "), said
    assert f"({name}/{again}, {other_class})" in said and f"({name}/{first['id']}, {first['label']})" in said
    assert game not in said
