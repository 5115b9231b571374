"""Two reviews of one video: a second detect run of a game whose review was exported already
(another model, another folder) is another game to the review, and its decisions may give a
moment of the video the parent version holds another label. The export refuses that contradiction
before it writes anything; the same label over the same moment goes through, counted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

from typer.testing import CliRunner

from highlights.datasets import load_version
from highlights.review.errors import ReviewError
from highlights.review.export import export_review
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_fixtures import detect_folder_fixtures

made_detect_folder, detect_folder = detect_folder_fixtures("two-reviews")


def _accept_h1(session: ReviewSession, label: str, shift: float,
               reviewer: str) -> tuple[float, float]:
    """h1 accepted as ``label`` over its segment moved later by ``shift`` of its length; returns
    the segment."""
    gid = session.games[0].id
    h1 = next(s for s in session.states(gid) if s["id"] == "h1")
    shift_s = shift * (h1["end_s"] - h1["start_s"])
    start, end = round(h1["start_s"] + shift_s, 3), round(h1["end_s"] + shift_s, 3)
    session.decide(gid, "h1", status="accepted", label=label, start_s=start, end_s=end,
                   reviewer=reviewer)
    return start, end


def _second_run(detect_folder: Path, tmp_path: Path) -> Path:
    """The same video detected again into another folder: the same windows, scored otherwise."""
    again = shutil.copytree(detect_folder, tmp_path / "game1-rerun")
    shutil.rmtree(again / "reviewed", ignore_errors=True)
    data = json.loads((again / "highlights.json").read_text())
    for h in data["highlights"]:
        h["score"] = round(h["score"] * 0.9, 4)
    (again / "highlights.json").write_text(json.dumps(data))
    return again


def _files(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _first_review(detect_folder: Path, tmp_path: Path) -> tuple[Path, str, tuple[float, float]]:
    session = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "first.sqlite"))
    try:
        gid = session.games[0].id
        label = next(s for s in session.states(gid) if s["id"] == "h1")["label"]
        span = _accept_h1(session, label, 0.0, "Ada")
        root = tmp_path / "datasets"
        export_review(session, root)
    finally:
        session.store.close()
    return root, label, span


def _second_review(detect_folder: Path, tmp_path: Path, *, same_label: bool, shift: float,
                   command: list[str] | None = None) -> SimpleNamespace:
    """v1 exported from a first review that accepted h1; then a review of a second detect run of
    the video that accepts its h1 moved later by ``shift`` of its length, with the same label or
    another, exported to grow v1. Its `outcome` is the export's result, or the ReviewError that
    refused it; given ``command`` (options of its own), `highlights review export`'s result."""
    root, label, span = _first_review(detect_folder, tmp_path)
    before = _files(root)
    again = _second_run(detect_folder, tmp_path)
    other = next(c for c in ("soccer_shooting", "basketball_layup") if c != label)
    new_label = label if same_label else other
    session = ReviewSession(load_games([again]), DecisionStore(tmp_path / "second.sqlite"))
    try:
        new_span = _accept_h1(session, new_label, shift, "Bob")
        if command is None:
            try:
                outcome = export_review(session, root, parent="v1")
            except ReviewError as refused:
                outcome = refused
    finally:
        session.store.close()
    if command is not None:
        from highlights.cli.app import app

        outcome = CliRunner().invoke(app, [
            "review", "export", str(again), "--to-dataset", str(root), "--parent", "v1",
            "--db", str(tmp_path / "second.sqlite"), "--no-progress", *command])
    return SimpleNamespace(root=root, v1_files=before, again=again, label=label, span=span,
                           new_label=new_label, new_span=new_span, outcome=outcome)


def test_a_second_review_giving_a_moment_of_the_video_another_label_is_refused_writing_nothing(
        detect_folder, tmp_path):
    # a third of its length later than the first review's segment: another clip, most of it the
    # same moment
    two = _second_review(detect_folder, tmp_path, same_label=False, shift=0.33, command=[])
    assert two.outcome.exit_code == 1, two.outcome.output
    said = two.outcome.stderr
    video = detect_folder.parent / "game1.mp4"
    assert said.count("\n") == 1 and said.startswith(f"error: {video}: ")
    (start, end), (new_start, new_end) = two.span, two.new_span
    for text in (f"{start:.2f}-{end:.2f} s", f"{new_start:.2f}-{new_end:.2f} s", repr(two.label),
                 repr(two.new_label), "v1", "--replace-parent-labels"):
        assert text in said, (text, said)
    # nothing half-written: v1 byte for byte, no v2, no staging left, no annotations of the rerun
    root = two.root
    assert _files(root) == two.v1_files and [p.name for p in root.iterdir()] == ["v1"]
    assert not (two.again / "reviewed").exists()
    assert not [p for p in root.parent.iterdir() if "staging" in p.name]


def test_the_flag_lets_the_second_reviews_label_replace_the_parents(detect_folder, tmp_path):
    two = _second_review(detect_folder, tmp_path, same_label=False, shift=0.33,
                         command=["--replace-parent-labels"])
    assert two.outcome.exit_code == 0, two.outcome.output
    assert "1 clip of v1 replaced by a clip of the same moment under another label" in " ".join(
        two.outcome.stdout.split())
    v2 = load_version(two.root, "v2")
    reviewed = [c for c in v2.real_clips if c.provenance.startswith("{")]
    # the parent's clip of the moment gave way to the new one; the parent keeps its own
    assert [c.label for c in reviewed] == [two.new_label] and len(v2.meta["replaced"]) == 1
    assert _files(two.root / "v1") == {p: b for p, b in two.v1_files.items()
                                       if (two.root / "v1") in p.parents}


def test_the_same_label_over_the_same_moment_is_exported_and_counted(detect_folder, tmp_path):
    from highlights.cli.review import _export_message

    result = _second_review(detect_folder, tmp_path, same_label=True, shift=0.33).outcome
    assert result.same_moment == 1 and result.version.name == "v2"
    said = _export_message(result)
    assert "1 clip of the same moment as a clip of v1, with the same label" in said


def test_a_moment_overlapping_by_half_the_shorter_clip_or_less_is_another_moment(detect_folder,
                                                                                 tmp_path):
    # moved on by more than half its length: under half of it is the first review's moment
    result = _second_review(detect_folder, tmp_path, same_label=False, shift=0.6).outcome
    assert result.same_moment == 0 and result.clips == {"relabelled": 1}
