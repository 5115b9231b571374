"""A highlight's key moment moved in the review: its segment moves with it, centred on it; later
decisions keep it; the export cuts the clip around it and the reviewed annotations hold it."""

from __future__ import annotations

import json
import warnings

import pytest

from highlights.events import load_annotation
from highlights.review.errors import ReviewError
from highlights.review.export import export_review
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from highlights.video import probe
from tests.review_fixtures import detect_folder_fixtures

made_detect_folder, detect_folder = detect_folder_fixtures("key-moment")


@pytest.fixture
def session(detect_folder, tmp_path):
    s = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    yield s
    s.store.close()


def _state(session, item):
    return session.one(session.games[0].id, item)["state"]


def test_a_moved_key_moment_centres_the_segment_on_it_and_later_decisions_keep_it(session):
    gid = session.games[0].id
    proposed = _state(session, "h1")
    length = proposed["end_s"] - proposed["start_s"]
    moved_to = round(proposed["key_s"] - 1.0, 3)  # found a second late
    state = session.move_key(gid, "h1", key_s=moved_to, reviewer="Ada")["state"]
    assert state["status"] == "accepted" and state["label"] == proposed["label"]
    assert state["key_s"] == pytest.approx(moved_to)
    assert (state["start_s"] + state["end_s"]) / 2 == pytest.approx(moved_to, abs=1e-3)
    assert state["end_s"] - state["start_s"] == pytest.approx(length, abs=2e-3)
    # Relabelled, then its end moved, without naming the key moment: the moved one stays.
    other = next(c for c in session.games[0].classes if c != proposed["label"])
    session.decide(gid, "h1", status="accepted", label=other, start_s=state["start_s"],
                   end_s=state["end_s"], reviewer="Ada")
    kept = session.decide(gid, "h1", status="accepted", label=other, start_s=state["start_s"],
                          end_s=state["end_s"] + 0.2, reviewer="Ada")["state"]
    assert kept["key_s"] == pytest.approx(moved_to) and kept["label"] == other


def test_a_start_trimmed_past_the_proposed_key_moment_and_back_gives_it_back(session):
    """The proposed moment is pushed inside a segment whose start is moved past it; moved back, the
    reviewer never set a key moment: the event stays at the proposed one, not where it was pushed."""
    gid = session.games[0].id
    proposed = _state(session, "h1")
    key, label = proposed["key_s"], proposed["label"]
    trimmed = session.decide(gid, "h1", status="accepted", label=label, start_s=key + 0.4,
                             end_s=proposed["end_s"], reviewer="Ada")["state"]
    assert trimmed["key_s"] == pytest.approx(key + 0.4)
    back = session.decide(gid, "h1", status="accepted", label=label, start_s=proposed["start_s"],
                          end_s=proposed["end_s"], reviewer="Ada")["state"]
    assert back["key_s"] == pytest.approx(key)
    # one the reviewer set is kept as the segment moves
    set_at = session.move_key(gid, "h1", key_s=key - 0.3, reviewer="Ada")["state"]
    kept = session.decide(gid, "h1", status="accepted", label=label, start_s=set_at["start_s"],
                          end_s=set_at["end_s"] + 0.2, reviewer="Ada")["state"]
    assert kept["key_s"] == pytest.approx(key - 0.3)


def test_a_key_moment_near_the_videos_start_keeps_the_segment_inside_the_video(session):
    gid = session.games[0].id
    h0 = _state(session, "h0")
    length = h0["end_s"] - h0["start_s"]
    state = session.move_key(gid, "h0", key_s=0.2, reviewer="Ada")["state"]
    assert state["start_s"] == 0.0 and state["end_s"] == pytest.approx(length, abs=2e-3)
    assert state["key_s"] == pytest.approx(0.2)
    # A rejected item stays rejected when its moment moves.
    session.decide(gid, "h0", status="rejected", label=None, start_s=state["start_s"],
                   end_s=state["end_s"], reviewer="Ada")
    assert session.move_key(gid, "h0", key_s=1.5, reviewer="Ada")["state"]["status"] == "rejected"
    with pytest.raises(ReviewError, match="no item 'h99'"):
        session.move_key(gid, "h99", key_s=1.0, reviewer="Ada")


def test_the_export_cuts_the_clip_around_the_moved_key_moment(session, tmp_path):
    gid = session.games[0].id
    proposed = _state(session, "h1")
    moved_to = round(proposed["key_s"] - 1.0, 3)
    session.move_key(gid, "h1", key_s=moved_to, reviewer="Ada")
    result = export_review(session, tmp_path / "datasets", licence="CC-BY-4.0")
    (clip,) = result.version.clips
    prov = json.loads(clip.provenance)
    assert prov["item"] == "h1" and prov["key_s"] == pytest.approx(moved_to)
    assert (prov["start_s"] + prov["end_s"]) / 2 == pytest.approx(moved_to, abs=1e-3)
    assert probe(clip.path).duration_s == pytest.approx(prov["end_s"] - prov["start_s"], abs=0.15)
    reviewed = load_annotation(session.games[0].folder / "reviewed" / "reviewed.json")
    soccernet = load_annotation(session.games[0].folder / "reviewed" / "Labels-v2.json")
    assert [e.key_s for e in reviewed.events] == [pytest.approx(moved_to)]
    assert [e.key_s for e in soccernet.events] == [pytest.approx(moved_to, abs=0.01)]


def test_the_api_moves_a_key_moment_with_the_token_in_its_header_only(session):
    from highlights.review.server import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # starlette's note on httpx
        from fastapi.testclient import TestClient
    token = "test-token"
    client = TestClient(create_app(session, token))
    gid = session.games[0].id
    body = {"key_s": 2.5, "reviewer": "Ada", "client": "tab"}
    assert client.post(f"/api/games/{gid}/items/h2/key?token={token}", json=body).status_code == 403
    url, header = f"/api/games/{gid}/items/h2/key", {"X-Review-Token": token}
    ok = client.post(url, json=body, headers=header)
    assert ok.status_code == 200 and ok.json()["state"]["key_s"] == 2.5
    assert ok.json()["decision_id"] > 0
    for bad, why in (({"reviewer": "Ada"}, "bad key moment"),
                     ({**body, "key_s": "later"}, "bad key moment"),
                     ({**body, "key_s": "nan"}, "must be a time in seconds")):
        r = client.post(url, json=bad, headers=header)
        said = r.json().get("error", r.json().get("detail", ""))
        assert r.status_code == 400 and why in said, bad


def test_a_key_moment_moved_where_the_segment_cannot_move_is_exported_again(session, tmp_path):
    """Near the video's start the segment stays at 0 s whatever the key moment: the re-export
    from the parent still sees the moved moment as a change and carries it to the new version and
    reviewed.json."""
    gid, root = session.games[0].id, tmp_path / "datasets"
    first = session.move_key(gid, "h0", key_s=0.2, reviewer="Ada")["state"]
    assert first["start_s"] == 0.0 and first["end_s"] - first["start_s"] > 1.2
    export_review(session, root, licence="CC-BY-4.0")
    moved = session.move_key(gid, "h0", key_s=0.6, reviewer="Ada")["state"]
    assert (moved["start_s"], moved["end_s"]) == (first["start_s"], first["end_s"])
    again = export_review(session, root, parent="v1", licence="CC-BY-4.0")
    assert again.changed == [f"{session.games[0].name}/h0"] and again.unchanged == 0
    (clip,) = [c for c in again.version.clips if json.loads(c.provenance)["item"] == "h0"]
    assert json.loads(clip.provenance)["key_s"] == pytest.approx(0.6)
    reviewed = load_annotation(session.games[0].folder / "reviewed" / "reviewed.json")
    assert [e.key_s for e in reviewed.events] == [pytest.approx(0.6)]
    # exported as decided now: a third export finds nothing new
    with pytest.raises(ReviewError, match="nothing new to export"):
        export_review(session, root, parent="v2", licence="CC-BY-4.0")
