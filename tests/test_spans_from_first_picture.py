"""A highlight keyed near either end of the video spans the usual length (4.5 s by default),
shifted inside the video rather than cut short, also where the pictures start after the sound
(a stream-copied trim): the span starts no earlier than the first picture, so highlights.json,
the page's clips, the reel and the review's export all hold its 4.5 s of pictures."""

from __future__ import annotations

import json

import pytest

from highlights.pipeline.detect import detect_highlights
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from highlights.video import probe
from tests.batch_fixtures import FAST
from tests.pipeline_fixtures import FPS, FixtureEvent, make_game, sound_first_copy

LATE_S = 0.5  # the pictures start this long after the sound
SPAN_S = 4.5  # a 2 s window, 1 s before and 1.5 s after: the default settings


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A 12 s game (its pictures at 0.5-12.5 s) with actions 0.6 s into its pictures and 0.6 s
    before their end, through `detect`."""
    folder = tmp_path_factory.mktemp("first-picture")
    events = (FixtureEvent("baseball_swing", 0.6, "baseball"), FixtureEvent("soccer_shooting", 11.4, "soccer"))
    video = sound_first_copy(make_game(folder / "filmed", duration_s=12.0, events=events),
                             folder / "trimmed.mp4", LATE_S)
    from highlights.events import load_annotation

    out = folder / "trimmed-highlights"
    result, _ = detect_highlights(video, FAST, out, annotation=load_annotation(video.with_suffix(".json")),
                                  progress=False)
    return video, out, result


def _frames(path) -> int:
    return probe(path).num_frames


def test_a_highlight_near_either_end_spans_the_usual_length_of_pictures(run):
    video, out, result = run
    info = probe(video)
    assert info.start_s == pytest.approx(LATE_S, abs=1e-3)
    spans = [(h["start_s"], h["end_s"]) for h in json.loads((out / "highlights.json").read_text())["highlights"]]
    assert len(spans) == 2
    first, last = sorted(spans)
    assert first == (pytest.approx(LATE_S, abs=1e-3), pytest.approx(LATE_S + SPAN_S, abs=1e-3))
    assert last == (pytest.approx(info.duration_s - SPAN_S, abs=1e-3), pytest.approx(info.duration_s, abs=1e-3))
    # The page's clips and the reel hold the pictures highlights.json says, all 4.5 s of each.
    clips = sorted((out / "clips").glob("*.mp4"))
    assert [_frames(c) for c in clips] == [round(SPAN_S * FPS)] * 2
    assert _frames(out / "reel.mp4") == round(2 * SPAN_S * FPS)


def test_the_reviews_marked_and_moved_segments_start_at_the_first_picture(run, tmp_path):
    _, out, _ = run
    session = ReviewSession(load_games([out]), DecisionStore(tmp_path / "review.sqlite"))
    game = session.games[0]
    assert game.first_picture_s == pytest.approx(LATE_S, abs=1e-3)
    marked = session.mark_missed(game.id, at_s=0.8, label="soccer_shooting", reviewer="Ada")["state"]
    assert (marked["start_s"], marked["end_s"]) == (pytest.approx(LATE_S, abs=1e-3),
                                                    pytest.approx(LATE_S + SPAN_S, abs=1e-3))
    later = max((s for s in session.states(game.id) if s["kind"] == "highlight"), key=lambda s: s["start_s"])
    moved = session.move_key(game.id, later["id"], key_s=0.7, reviewer="Ada")["state"]
    assert (moved["start_s"], moved["end_s"]) == (pytest.approx(LATE_S, abs=1e-3),
                                                  pytest.approx(LATE_S + SPAN_S, abs=1e-3))
    session.store.close()


def test_the_reviews_export_cuts_the_highlights_pictures_whole(run, tmp_path):
    from highlights.review.export import export_review

    _, out, _ = run
    session = ReviewSession(load_games([out]), DecisionStore(tmp_path / "review.sqlite"))
    game = session.games[0]
    for item in (s for s in session.states(game.id) if s["kind"] == "highlight"):
        session.decide(game.id, item["id"], status="accepted", label=item["label"],
                       start_s=item["start_s"], end_s=item["end_s"], reviewer="Ada")
    exported = export_review(session, tmp_path / "datasets", licence="CC0-1.0")
    session.store.close()
    clips = exported.version.real_clips
    assert [_frames(c.path) for c in clips] == [round(SPAN_S * FPS)] * 2


def test_a_missed_event_marked_before_the_first_picture_is_keyed_at_it_and_exports(run, tmp_path):
    # The page's player starts at 0 s, before the pictures: `m` pressed there marks 0 s. The key
    # moment is the first picture's, inside the segment, so the reviewed annotation loads.
    from highlights.events import load_annotation
    from highlights.review.export import export_review

    _, out, _ = run
    session = ReviewSession(load_games([out]), DecisionStore(tmp_path / "review.sqlite"))
    game = session.games[0]
    marked = session.mark_missed(game.id, at_s=0.0, label="baseball_swing", reviewer="Ada")["state"]
    assert marked["start_s"] <= marked["key_s"] <= marked["end_s"]
    assert marked["key_s"] == pytest.approx(LATE_S, abs=1e-3)
    exported = export_review(session, tmp_path / "datasets", licence="CC0-1.0")
    session.store.close()
    [reviewed] = [p for p in exported.annotations[game.id] if p.name == "reviewed.json"]
    keys = [e.key_s for e in load_annotation(reviewed).events if e.label == "baseball_swing"]
    assert pytest.approx(LATE_S, abs=1e-3) in keys
