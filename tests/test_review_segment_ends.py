"""A segment's ends on the review page stay on the video's pictures: the start stops at the first
picture, which is later than 0 s where the sound starts first (a trim copied without re-encoding),
as the detect run's highlights.json records it (`video.start_s`)."""

from __future__ import annotations

import json

import pytest

from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_browser import ReviewServer, open_signed_in
from tests.review_fixtures import detect_folder_fixtures

made_detect_folder, detect_folder = detect_folder_fixtures("segment-ends")
FIRST_PICTURE_S = 0.5


def _pictures_start_late(folder) -> None:
    data = json.loads((folder / "highlights.json").read_text(encoding="utf-8"))
    data["video"]["start_s"] = FIRST_PICTURE_S
    (folder / "highlights.json").write_text(json.dumps(data), encoding="utf-8")


def test_a_start_decided_before_the_first_picture_starts_at_it(detect_folder, tmp_path):
    _pictures_start_late(detect_folder)
    session = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    game = session.games[0]
    item = session.page(game.id, order="time")["items"][0]
    state = session.decide(game.id, item["id"], status="accepted", label=item["label"],
                           start_s=0.0, end_s=item["end_s"], reviewer="Ada")["state"]
    assert state["start_s"] == pytest.approx(FIRST_PICTURE_S)
    assert session.store.get(state["decision_id"]).start_s == pytest.approx(FIRST_PICTURE_S)
    session.store.close()


def test_the_start_key_stops_at_the_first_picture(browser, detect_folder, tmp_path):
    """`[` pressed past the video's start leaves the segment starting at its first picture, where
    it reached 0 s, before any picture."""
    _pictures_start_late(detect_folder)
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        page.select_option("#order", "time")
        in_time_order = ("() => S.items.length > 1 && S.items.every("
                         "(it, i, all) => !i || all[i - 1].state.start_s <= it.state.start_s)")
        page.wait_for_function(in_time_order)
        first = page.evaluate("() => S.items[0].id")
        starts = []
        for n in range(1, 16):
            page.keyboard.press("[")
            page.wait_for_function(f"() => S.undo.length >= {n}")
            starts.append(page.evaluate("() => S.items[S.sel].state.start_s"))
        assert min(starts) == pytest.approx(FIRST_PICTURE_S), starts
        assert starts[-1] == pytest.approx(FIRST_PICTURE_S), starts
        assert page.evaluate("() => S.items[S.sel].id") == first
    finally:
        context.close()
        server.kill()
