"""An export stopped after it made its dataset version but before it wrote the annotations (a full
disk, a kill): the same export run again writes them, where it used to refuse as already done."""

from __future__ import annotations

from pathlib import Path

import pytest

import highlights.atomic as atomic
from highlights.cli.review import _export_message
from highlights.datasets import list_versions
from highlights.events import load_annotation
from highlights.review.errors import ReviewError
from highlights.review.export import export_review
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_fixtures import (decide_first_three, disk_full_at_the_annotations,
                                   make_detect_folder)


def test_the_same_export_again_writes_the_annotations_a_stopped_one_did_not(
        tmp_path: Path, monkeypatch) -> None:
    folder = make_detect_folder(tmp_path / "runs", "game1")
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        gid = decide_first_three(session)
        root, annotations = tmp_path / "datasets", tmp_path / "annotations"
        export_review(session, root)  # v1
        decided = session.states(gid)[3]
        session.decide(gid, decided["id"], status="rejected", label=None,
                       start_s=decided["start_s"], end_s=decided["end_s"], reviewer="Ada")
        with disk_full_at_the_annotations(monkeypatch):
            with pytest.raises(atomic.DiskFullError, match="reviewed.json; nothing earlier"):
                export_review(session, root, parent="v1", annotations_dir=annotations)
        assert list_versions(root) == ["v1", "v2"]
        assert not (annotations / gid / "reviewed.json").exists()

        again = export_review(session, root, parent="v1", annotations_dir=annotations)
        # Not a copy as v3.
        assert again.version.name == "v2" and list_versions(root) == ["v1", "v2"]
        assert again.clips == {"rejected": 1}
        # The stopped run never said what its clips state: the run that finishes it does, as that
        # run would have (no --licence, and the parent states none for this video).
        assert again.no_licence == 1
        assert "1 of the 1 exported clips state no licence" in _export_message(again)
        assert [e.label for e in load_annotation(annotations / gid / "reviewed.json").events] == [
            e.label for e in load_annotation(folder / "reviewed" / "reviewed.json").events]
        # Run once more, with everything in place: refused as the same export, as before.
        with pytest.raises(ReviewError, match="already grows v1"):
            export_review(session, root, parent="v1", annotations_dir=annotations)
    finally:
        session.store.close()


def test_a_first_export_run_again_after_a_stop_writes_its_annotations(
        tmp_path: Path, monkeypatch) -> None:
    # The first export (no --parent) stopped after it made v1: run again, it asked for --parent v1,
    # and that run wrote the annotations of a v2 it did not make. Now it writes them and reports v1.
    folder = make_detect_folder(tmp_path / "runs", "game1")
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        gid = session.games[0].id
        for state, status in zip(session.states(gid)[:2], ("accepted", "rejected")):
            label = state["label"] if state["label"] != "none" else "baseball_swing"
            session.decide(gid, state["id"], status=status, label=label, start_s=state["start_s"],
                           end_s=state["end_s"], reviewer="Ada")
        root, annotations = tmp_path / "datasets", tmp_path / "annotations"
        with disk_full_at_the_annotations(monkeypatch):
            with pytest.raises(atomic.DiskFullError):
                export_review(session, root, annotations_dir=annotations)
        assert list_versions(root) == ["v1"] and not (annotations / gid / "reviewed.json").exists()

        again = export_review(session, root, annotations_dir=annotations)
        assert again.version.name == "v1" and list_versions(root) == ["v1"]
        assert (annotations / gid / "reviewed.json").is_file()
        # Everything in place: a first export into a folder with versions asks which one it grows.
        with pytest.raises(ReviewError, match="--parent vN"):
            export_review(session, root, annotations_dir=annotations)
        # Another decision since: not the same export, so it is not taken for one.
        decided = session.states(gid)[2]
        session.decide(gid, decided["id"], status="rejected", label=None,
                       start_s=decided["start_s"], end_s=decided["end_s"], reviewer="Ada")
        (annotations / gid / "reviewed.json").unlink()
        with pytest.raises(ReviewError, match="--parent vN"):
            export_review(session, root, annotations_dir=annotations)
    finally:
        session.store.close()


@pytest.fixture
def first_three_in_v1(tmp_path: Path):
    """A game's detect folder, its review with the first three items decided and exported as v1
    of the dataset root: (the folder, the review, the game's id, the root)."""
    folder = make_detect_folder(tmp_path / "runs", "game1")
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        gid = decide_first_three(session)
        root = tmp_path / "datasets"
        export_review(session, root)  # v1
        yield folder, session, gid, root
    finally:
        session.store.close()


def _decide(session, gid: str, state: dict, status: str) -> int:
    label = state["label"] if state["label"] != "none" else "baseball_swing"
    return session.decide(gid, state["id"], status=status, label=label, start_s=state["start_s"],
                          end_s=state["end_s"], reviewer="Ada")["decision_id"]


def test_a_stop_beside_an_earlier_exports_annotations_writes_them_when_run_again(
        first_three_in_v1, monkeypatch) -> None:
    # Both exports write into the game's own reviewed/ folder: the stopped one leaves the earlier
    # export's files there, which are not this review's. Taken as written, the run again was
    # refused as already done, and the annotations stayed without the decision made since.
    folder, session, gid, root = first_three_in_v1
    before = load_annotation(folder / "reviewed" / "reviewed.json").events
    decided = session.states(gid)[3]
    _decide(session, gid, decided, "accepted")
    with disk_full_at_the_annotations(monkeypatch):
        with pytest.raises(atomic.DiskFullError):
            export_review(session, root, parent="v1")
    assert list_versions(root) == ["v1", "v2"]
    # the earlier export's
    assert load_annotation(folder / "reviewed" / "reviewed.json").events == before

    again = export_review(session, root, parent="v1")
    assert again.version.name == "v2" and list_versions(root) == ["v1", "v2"]
    events = load_annotation(folder / "reviewed" / "reviewed.json").events
    assert len(events) == len(before) + 1 and decided["id"] in {e.id for e in events}
    # Now written: the same export once more is refused as done.
    with pytest.raises(ReviewError, match="already grows v1"):
        export_review(session, root, parent="v1")


def test_an_export_stopped_then_an_item_undone_is_finished_by_the_next_export(
        first_three_in_v1, monkeypatch) -> None:
    # The stopped export's one new item undone since: every item still decided was in v1, so the
    # next export was refused as "nothing new", and v2's annotations were never written. Now the
    # next export finishes v2 (the annotations as the decisions stand) and grows it by what was
    # decided since; the undone item's clip stays in v2, as after a whole export.
    folder, session, gid, root = first_three_in_v1
    fourth, fifth = session.states(gid)[3:5]
    undone = _decide(session, gid, fourth, "accepted")
    with disk_full_at_the_annotations(monkeypatch):
        with pytest.raises(atomic.DiskFullError):
            export_review(session, root, parent="v1")
    assert list_versions(root) == ["v1", "v2"]
    session.undo(undone, reviewer="Ada")

    finished = export_review(session, root, parent="v1")
    assert finished.version.name == "v2" and list_versions(root) == ["v1", "v2"]
    events = {e.id for e in load_annotation(folder / "reviewed" / "reviewed.json").events}
    assert fourth["id"] not in events
    # The next export grows v2, which holds the undone item's clip: it says so.
    name = session.games[0].name
    with pytest.raises(ReviewError, match=f"already in {root}/v2, which also holds the clips "
                                          f"of 1 item undone since \\({name}/{fourth['id']}\\)"):
        export_review(session, root, parent="v2")

    # Stopped again, then an item undone and another decided: nothing of either is lost.
    _decide(session, gid, fourth, "rejected")
    with disk_full_at_the_annotations(monkeypatch):
        with pytest.raises(atomic.DiskFullError):
            export_review(session, root, parent="v2")
    assert list_versions(root) == ["v1", "v2", "v3"]
    session.undo(_decide(session, gid, fourth, "accepted"), reviewer="Ada")  # rejected again
    _decide(session, gid, fifth, "accepted")
    grown = export_review(session, root, parent="v2")
    assert grown.version.name == "v4" and grown.version.parent == "v3"
    assert sum(grown.clips.values()) == 1 and grown.unchanged == 4
    ids = {e.id for e in load_annotation(folder / "reviewed" / "reviewed.json").events}
    assert fourth["id"] not in ids and fifth["id"] in ids


def test_an_export_stopped_then_every_decision_undone_says_what_it_leaves(
        first_three_in_v1, monkeypatch) -> None:
    # Every decision undone after the stop: the next export stopped at "nothing to export" before
    # it came to the unfinished one, said nothing of it and kept its note. Now the line names the
    # version the stopped export made, left as it is, and the note is taken back.
    from highlights.review import export_under_way

    folder, session, gid, root = first_three_in_v1
    _decide(session, gid, session.states(gid)[3], "accepted")
    with disk_full_at_the_annotations(monkeypatch):
        with pytest.raises(atomic.DiskFullError):
            export_review(session, root, parent="v1")
    assert export_under_way.stopped(session.store, root) is not None
    for state in session.states(gid)[:4]:
        session.undo(state["state"]["decision_id"], reviewer="Ada")
    nothing = f"{session.store.path}: nothing to export: no item of this review has been decided yet"
    with pytest.raises(ReviewError) as said:
        export_review(session, root, parent="v1")
    assert str(said.value) == (f"{nothing}; the export that stopped part way made {root}/v2, "
                               "left as it is with its annotations unwritten: no item decided "
                               "now gives a clip")
    assert export_under_way.stopped(session.store, root) is None
    assert list_versions(root) == ["v1", "v2"]
    with pytest.raises(ReviewError) as again:  # said once
        export_review(session, root, parent="v1")
    assert str(again.value) == nothing


def test_an_export_given_another_parent_than_a_stopped_one_is_refused_naming_both(
        first_three_in_v1, monkeypatch) -> None:
    # The stopped export grew v2 into v3; the next, given --parent v1, finished v3 and grew it,
    # its --parent ignored. Now it is refused in one line naming both, before anything is written.
    from highlights.review import export_under_way

    folder, session, gid, root = first_three_in_v1
    fourth, fifth = session.states(gid)[3:5]
    _decide(session, gid, fourth, "accepted")
    assert export_review(session, root, parent="v1").version.name == "v2"
    _decide(session, gid, fifth, "accepted")
    with disk_full_at_the_annotations(monkeypatch):
        with pytest.raises(atomic.DiskFullError):
            export_review(session, root, parent="v2")
    assert list_versions(root) == ["v1", "v2", "v3"]
    written = (folder / "reviewed" / "reviewed.json").read_bytes()

    with pytest.raises(ReviewError) as refused:
        export_review(session, root, parent="v1")
    assert str(refused.value) == (
        f"{root}/v3: made grown from v2 by an export of this review that stopped part way, which "
        "an export given --parent v1 would leave unfinished; export with --parent v3 to finish "
        "it and add what is decided since")
    assert list_versions(root) == ["v1", "v2", "v3"]
    assert (folder / "reviewed" / "reviewed.json").read_bytes() == written
    assert export_under_way.stopped(session.store, root) is not None

    finished = export_review(session, root, parent="v3")  # as the line says
    assert finished.version.name == "v3" and list_versions(root) == ["v1", "v2", "v3"]
    assert fifth["id"] in {e.id for e in load_annotation(folder / "reviewed" / "reviewed.json").events}
    assert export_under_way.stopped(session.store, root) is None
