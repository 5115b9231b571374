"""The review app in a real browser (Chromium via Playwright), as a reviewer uses it.

One game whose video is named like markup; five items reviewed by keyboard (one relabelled, one
moved), a missed event marked at the playhead, the server killed and restarted (nothing lost),
two tabs on one item (the later decision wins and the other tab says so), then the Export
button, and the dataset version it made. A screenshot of each step is written to
`$HIGHLIGHTS_TEST_ARTIFACTS/review/` (default: the test's tmp folder) for a person to look at.
Then a phone's HEVC clip, which Chromium plays as sound over a 0x0 picture, shown from its H.264
copy, at the right picture for a time. And the model a real detect run proposed its items with,
named on the page.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from highlights.datasets import load_version
from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from tests.pipeline_fixtures import make_game
from tests.playback_fixtures import grey_pictures, needs_hevc, phone_source, playback_detect_folder
from tests.review_browser import (
    ReviewServer, open_page, open_signed_in, shots_folder, signed_in_review,
)
from tests.review_fixtures import MODEL, detect_folder_fixtures, past_a_page

POLL_WAIT_MS = 30000  # for a change another tab made to show through the page's poll
XSS_NAME = "<img src=x onerror=alert(1)>"


made_detect_folder, detect_folder = detect_folder_fixtures("review-game", XSS_NAME)


def _statuses(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "#list li", "els => Object.fromEntries(els.map(e => [e.dataset.item, e.dataset.status]))")


def _opened_safely(page, server, shots: Path) -> None:
    """Without the token the page is refused; with it, it loads everything it asks for (the
    browser's own icon request included) without an error in its console, and the markup-like
    file name is shown as text, never run."""
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    assert page.goto(server.url.split("?")[0]).status == 403
    console_errors.clear()
    open_page(page, server.url)
    page.screenshot(path=shots / "1-opened.png")
    assert console_errors == []
    assert XSS_NAME + ".mp4" in page.inner_text("#game")
    assert page.locator("img[src='x']").count() == 0


def _decide_by_keyboard(page, right: str, shots: Path) -> dict[str, str]:
    """Five items decided by keyboard (one relabelled to `right`, one moved) and a missed event
    marked at the playhead; returns the statuses the page shows."""
    classes = ["baseball_swing", "basketball_layup", "soccer_shooting"]

    def key(k):
        before = page.evaluate("() => S.undo.length")
        page.keyboard.press(k)
        page.wait_for_function(f"() => S.undo.length > {before}")

    key("a")                                   # the nearly-taken window: a real miss
    key("r")                                   # h0, the false alarm: rejected
    key(str(classes.index(right) + 1))         # h2: relabelled to the right class
    key("[")                                   # h1: start moved 0.2 s earlier ...
    key("a")                                   # ... and accepted
    key("r")                                   # a sure negative: rejected
    page.screenshot(path=shots / "2-five-decided.png")
    # A missed event at the playhead: click the timeline at 60 % of the game.
    box = page.locator("#timeline").bounding_box()
    page.mouse.click(box["x"] + 0.6 * box["width"], box["y"] + 3)
    page.select_option("#missLabel", "soccer_shooting")
    page.locator("#player").focus()
    page.evaluate("() => document.activeElement.blur()")
    key("m")
    page.screenshot(path=shots / "3-missed-marked.png")
    return _statuses(page)


def _later_decision_in_another_tab_wins(context, page, server, shots: Path) -> None:
    """Two tabs on one item: the second tab rejects what the first accepted; the first tab shows
    it within a poll and the later decision stands; undone there, the acceptance stands again."""
    other = context.new_page()
    open_page(other, server.url)
    other.fill("#reviewer", "Bob")
    other.press("#reviewer", "Enter")
    idx = other.evaluate("() => S.items.findIndex(i => i.id === 'h1')")
    other.evaluate(f"() => {{ S.sel = {idx}; renderList(); }}")
    other.keyboard.press("r")
    other.wait_for_function("() => S.items.find(i => i.id === 'h1').state.status === 'rejected'")
    # A poll every 1.5 s; a loaded machine answers a poll late, so the wait allows many polls.
    page.wait_for_function("() => S.items.find(i => i.id === 'h1').state.status === 'rejected'",
                           timeout=POLL_WAIT_MS)
    assert "Bob" in page.inner_text("#notice")
    page.screenshot(path=shots / "5-changed-in-another-tab.png")
    # Undo in the second tab: the first tab's acceptance stands again.
    other.keyboard.press("u")
    page.wait_for_function("() => S.items.find(i => i.id === 'h1').state.status === 'accepted'",
                           timeout=POLL_WAIT_MS)
    other.close()


def _check_exported_version(root: Path, detect_folder: Path, game: dict, truth, right: str,
                            missed: str) -> None:
    """The dataset version the Export button made: each decided item a clip with its label and
    provenance (h1 moved 0.2 s earlier), one split, and the reviewed annotation beside the game."""
    version = load_version(root, "v1")
    by_item = {json.loads(c.provenance)["item"]: c for c in version.clips}
    assert set(by_item) == {"c18", "h0", "h2", "h1", "c0", missed}
    labels = {k: c.label for k, c in by_item.items()}
    first = truth.events[0]
    assert labels == {"c18": "baseball_swing", "h0": "none", "h2": right, "h1": first.label,
                      "c0": "none", missed: "soccer_shooting"}
    for item, clip in by_item.items():
        prov = json.loads(clip.provenance)
        assert prov["reviewer"] == "Ada" and prov["proposed_by"].startswith(MODEL)
        assert prov["source_video"].endswith(XSS_NAME + ".mp4") and prov["decided_at"].endswith("Z")
        assert clip.group == XSS_NAME and clip.path.is_file()
    h1 = json.loads(by_item["h1"].provenance)
    h1_proposed = next(h for h in game["highlights"] if h["start_s"] < first.key_s < h["end_s"])
    assert h1["start_s"] == pytest.approx(h1_proposed["start_s"] - 0.2, abs=1e-3)
    assert len({c.split for c in version.clips}) == 1  # one game: one split
    reviewed = load_annotation(detect_folder / "reviewed" / "reviewed.json")
    assert sorted(e.label for e in reviewed.events) == sorted(["baseball_swing", right, first.label,
                                                                "soccer_shooting"])


def test_review_by_keyboard_survives_a_killed_server_and_exports_a_dataset(browser, detect_folder, tmp_path):
    shots = shots_folder(tmp_path)
    db, root = tmp_path / "review.sqlite", tmp_path / "datasets"
    args = [str(detect_folder), "--db", str(db), "--to-dataset", str(root)]
    game = json.loads((detect_folder / "highlights.json").read_text())
    truth = load_annotation(Path(game["video"]["path"]).with_suffix(".json"))
    right = truth.events[1].label
    server = ReviewServer(args)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    dialogs = []
    context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
    try:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        _opened_safely(page, server, shots)
        order = [li for li in page.eval_on_selector_all("#list li", "els => els.map(e => e.dataset.item)")]
        # Least certain first: the window the model nearly took, then the false alarm, then the
        # wrongly labelled highlight.
        assert order[:4] == ["c18" if order[0] == "c18" else order[0], "h0", "h2", "h1"]
        page.fill("#reviewer", "Ada")
        page.press("#reviewer", "Enter")
        got = _decide_by_keyboard(page, right, shots)
        expected = {"c18": "missed", "h0": "rejected", "h2": "relabelled", "h1": "accepted"}
        assert {k: got[k] for k in expected} == expected
        missed = [k for k, v in got.items() if k.startswith("m-")]
        assert len(missed) == 1 and got[missed[0]] == "missed"

        # Kill the server outright, start it again on the same database: everything is there.
        server.kill()
        server = ReviewServer(args)
        open_page(page, server.url)
        page.screenshot(path=shots / "4-after-kill-and-reload.png")
        again = _statuses(page)
        assert {k: again[k] for k in expected} == expected and again[missed[0]] == "missed"
        assert sum(v != "pending" for v in again.values()) == 6

        _later_decision_in_another_tab_wins(context, page, server, shots)
        page.click("#exportBtn")
        page.wait_for_function("() => /written/.test(document.getElementById('status').textContent)", timeout=60000)
        page.screenshot(path=shots / "6-exported.png")
        assert dialogs == []
    finally:
        context.close()
        server.kill()
    _check_exported_version(root, detect_folder, game, truth, right, missed[0])


# `seeked` can fire before the new picture is ready to draw: on a busy machine Chromium then
# draws an all-black canvas. The source has no black frame, so a black read is looked at again
# (every 50 ms, 2 s at most); any other picture, right or wrong, is what the test judges.
_SEEK_AND_LOOK = """(t) => new Promise((done) => {
  const v = document.getElementById("player");
  const look = () => {
    const c = document.createElement("canvas");
    c.width = v.videoWidth; c.height = v.videoHeight;
    const g = c.getContext("2d");
    g.drawImage(v, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i];
    return sum / (d.length / 4);
  };
  v.addEventListener("seeked", () => {
    let tries = 0;
    const attempt = () => {
      const mean = look();
      if (mean > 0 || ++tries >= 40) done(mean); else setTimeout(attempt, 50);
    };
    attempt();
  }, { once: true });
  v.currentTime = t;
})"""


@needs_hevc
def test_the_review_page_shows_an_hevc_phone_clip_and_seeks_to_the_picture_at_a_time(browser, tmp_path):
    """Chromium plays an HEVC file's sound and no picture (0x0, no error); `highlights review`
    opens at once, makes its H.264 copy in the background and switches the page's player to it,
    where a seek to 1.0 s shows the source's picture at 1.0 s."""
    source = phone_source(tmp_path / "IMG_0002.mov")
    folder = playback_detect_folder(tmp_path, source)
    server = ReviewServer([str(folder), "--db", str(tmp_path / "review.sqlite")])
    page = browser.new_page()
    try:
        page.goto(server.url)
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        page.wait_for_function("() => { const p = document.getElementById('player'); "
                               "return p.readyState >= 2 && p.videoWidth === 96; }", timeout=60000)
        assert "H.264 copy" in page.inner_text("#videoNote") and "HEVC" in page.inner_text("#videoNote")
        times, greys = grey_pictures(source)
        shown = page.evaluate(_SEEK_AND_LOOK, 1.0)
        assert shown == pytest.approx(greys[np.searchsorted(times, 1.0 + 1e-6) - 1], abs=2.5)
    finally:
        page.close()
        server.kill()


def test_keys_pressed_while_a_decision_is_being_saved_act_on_the_items_in_turn(browser, detect_folder, tmp_path):
    """A reviewer who types faster than the server answers (a busy machine, a slow network):
    `a` then `r` pressed before the accept is saved accept the selected item and reject the one
    the accept moves on to, where the `r` rejected the item just accepted and the next one was
    skipped."""
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        first, second = page.eval_on_selector_all("#list li", "els => els.map(e => e.dataset.item)")[:2]
        held, holding = [], [True]
        # Decisions sent while `holding` are answered only when let go below, as a busy server answers.
        page.route(lambda url: "/decision" in url,
                   lambda route: held.append(route) if holding[0] else route.continue_())
        page.keyboard.press("a")
        deadline = time.monotonic() + 10
        while not held and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        page.keyboard.press("r")
        page.wait_for_timeout(500)
        sent_before_the_answer = len(held)
        holding[0] = False
        for route in held:
            route.continue_()
        page.wait_for_function("() => S.undo.length >= 2", timeout=10000)  # both decisions answered
        got = _statuses(page)
        assert sent_before_the_answer == 1
        # The first item is taken (a turned-down window taken is a missed event), the next rejected.
        assert got[first] in ("accepted", "missed") and got[second] == "rejected", (first, second, got)
    finally:
        context.close()
        server.kill()


def test_a_decision_made_while_the_server_is_stopped_says_the_server_does_not_answer(browser, detect_folder, tmp_path):
    """The review stopped (Ctrl-C, a closed terminal) under an open page: a decision made there is
    refused with what happened, where the page said 'Not saved: Failed to fetch'."""
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context()
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        server.kill()
        page.keyboard.press("a")
        page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Not saved')",
                               timeout=10000)
        assert "the review server does not answer" in page.text_content("#status")
    finally:
        context.close()
        server.kill()


def test_the_page_names_the_model_a_real_detect_run_proposed_its_items_with(browser, tmp_path):
    """A detect run with the default classifier (the packaged pose model) and, beside it, a
    highlights.json that records no model: the page names each game's own as it is picked."""
    video = make_game(tmp_path / "game", duration_s=14.0)
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "kinematics.enabled": False})
    detect_highlights(video, config, tmp_path / "run", annotation=load_annotation(video.with_suffix(".json")),
                      progress=False)
    data = json.loads((tmp_path / "run" / "highlights.json").read_text())
    assert data["stages"]["classifier"] == "pose" and data["highlights"]
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "highlights.json").write_text(json.dumps({"video": {"path": str(video)}, "highlights": data["highlights"]}))
    server = ReviewServer([str(tmp_path / "run"), str(bare), "--db", str(tmp_path / "review.sqlite")])
    page = browser.new_page()
    try:
        open_page(page, server.url)
        first = page.inner_text("#proposedBy")
        page.select_option("#game", "1")
        page.wait_for_function("() => document.querySelector('#proposedBy').textContent !== " + json.dumps(first))
        second = page.inner_text("#proposedBy")
    finally:
        page.close()
        server.kill()
    assert first == f"Proposed by the packaged pose model ({data['inference_backend']})"
    assert second == "Proposed by a model this run did not record"


def test_the_page_writes_a_time_just_under_a_minute_as_the_next_minute(browser):
    """The page's clock rounds to the tenth of a second: 59.96 s is 1:00.0 (not 0:60.0), as the
    times of a decision's segment, the timeline and a marked miss are read."""
    from importlib.resources import files

    page = browser.new_page()
    try:
        page.set_content(files("highlights.review").joinpath("static/review.html").read_text(encoding="utf-8"))
        shown = page.evaluate("() => [0, 5.25, 59.94, 59.96, 119.97, 3599.99, 61.5].map(fmt)")
    finally:
        page.close()
    assert shown == ["0:00.0", "0:05.3", "0:59.9", "1:00.0", "2:00.0", "60:00.0", "1:01.5"]


def test_a_game_opened_again_selects_its_first_item_not_decided_yet(browser, detect_folder, tmp_path):
    """A reviewer back on a game (the review started again, the tab reloaded) pressing `a` decides
    the first item left, where the page selected the decided item at the list's top and the key
    replaced its decision without a word."""
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        first, second, third = page.eval_on_selector_all("#list li", "els => els.map(e => e.dataset.item)")[:3]
        for k, count in (("r", 1), ("r", 2)):
            page.keyboard.press(k)
            page.wait_for_function(f"() => S.undo.length >= {count}")
        open_signed_in(page, server.url)
        assert page.evaluate("() => S.items[S.sel].id") == third
        page.keyboard.press("a")
        page.wait_for_function(f"() => S.items.find(i => i.id === '{third}').state.status !== 'pending'")
        got = _statuses(page)
        assert got[first] == "rejected" and got[second] == "rejected" and got[third] in ("accepted", "missed"), got
    finally:
        context.close()
        server.kill()


def test_a_game_opened_again_goes_on_at_its_first_item_not_decided_on_a_later_page(browser, detect_folder, tmp_path):
    """A game of more items than a page whose first page is all decided opens on the page holding
    its first item not decided yet, that item selected, where it selected the decided one at the
    list's top."""
    from highlights.review.games import load_games
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore

    db = tmp_path / "review.sqlite"
    session = ReviewSession(load_games([past_a_page(detect_folder)]), DecisionStore(db))
    gid = session.games[0].id
    ordered = session.page(gid, limit=500)["items"]
    for state in ordered[:55]:
        session.decide(gid, state["id"], status="rejected", label=state["label"], start_s=state["start_s"],
                       end_s=state["end_s"], reviewer="Ada")
    session.store.close()
    with signed_in_review(browser, [str(detect_folder), "--db", str(db)]) as page:
        assert page.evaluate("() => [S.offset, S.items[S.sel].id]") == [50, ordered[55]["id"]]


def test_the_order_chosen_stays_when_the_tab_is_reloaded(browser, detect_folder, tmp_path):
    """A reviewer working through a game in time order reloads the tab: the list comes back in time
    order, where it went back to least certain first."""
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        asked = []
        page.on("request", lambda r: asked.append(r.url) if "/items" in r.url else None)
        page.select_option("#order", "time")
        page.wait_for_function("() => S.items.length > 0")
        open_signed_in(page, server.url)
        page.wait_for_function("() => S.items.length > 0")
        assert page.evaluate("() => document.getElementById('order').value") == "time"
        assert asked and "order=time" in asked[-1], asked
        starts = page.evaluate("() => S.items.map(i => i.start_s)")
        assert starts == sorted(starts)
    finally:
        context.close()
        server.kill()
