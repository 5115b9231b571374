"""Relabelling on the review page in Chromium, as a coach does it by keyboard: a missed event
marked with `m` takes the class last given on the page (a labelling tool's last-used label), and a
highlight's key moment moved by keys and by dragging its mark is saved, shown, and exported: the
clip is cut centred on it and the reviewed annotation holds it. Skipped where Playwright or
Chromium is missing (`tests.review_browser`)."""

from __future__ import annotations

import json

import pytest

from highlights.datasets import load_version
from highlights.events import load_annotation
from tests.review_browser import ReviewServer, open_signed_in, shots_folder
from tests.review_fixtures import detect_folder_fixtures, make_detect_folder


# Each test reviews a copy of its own (`detect_folder`).
made_detect_folder, detect_folder = detect_folder_fixtures("review-relabel")


def _press(page, key):
    """`key` pressed over the page (not in a field), once its decision is saved."""
    before = page.evaluate("() => S.undo.length")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)
    page.wait_for_function(f"() => S.undo.length > {before}")
    _settled(page)


def _settled(page):
    """Every action asked for has run to its end (the page runs them in turn, `turns`): a decision
    saved is shown, and the status line and player are what it leaves them."""
    page.evaluate("() => turns.then(() => true)")


def _select(page, item):
    index = page.evaluate("id => S.items.findIndex(i => i.id === id)", item)
    assert index >= 0, item
    page.evaluate(f"() => {{ S.sel = {index}; renderList(); renderCurrent(); }}")


def _mark_at(page, share):
    """A missed event marked with `m` at `share` of the timeline: (its saved label, the status
    line)."""
    box = page.locator("#timeline").bounding_box()
    page.mouse.click(box["x"] + share * box["width"], box["y"] + 3)
    before = page.text_content("#status")
    _press(page, "m")
    page.wait_for_function("before => { const s = document.getElementById('status').textContent; "
                           "return s !== before && s.startsWith('Marked a missed'); }", arg=before)
    return page.evaluate("() => S.items[0].state.label"), page.text_content("#status")


def test_a_missed_event_takes_the_class_last_given_on_the_page_else_the_games_sport(
        browser, detect_folder, tmp_path):
    """In a game of several sports, `m` takes the first class until a class is given; then the class
    last given to any item (a highlight relabelled, one accepted) or picked under "Missed event
    class". In a game of one known sport, its class, until a class is given in that game. The status
    line says which and why; the server records the class."""
    court = make_detect_folder(tmp_path / "court", "court")
    data = json.loads((court / "highlights.json").read_text())
    data["config"]["classifier"]["sport"] = "basketball"
    (court / "highlights.json").write_text(json.dumps(data))
    server = ReviewServer([str(detect_folder), str(court), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        # its highlights name several sports
        assert page.evaluate("() => S.game.sport_class") is None
        classes = page.evaluate("() => S.game.classes")
        label, said = _mark_at(page, 0.3)
        assert label == classes[0] and "(the first class;" in said
        # A highlight (not a missed event) relabelled by key: the next missed event takes its class.
        accepted = page.evaluate("() => S.items.find(i => i.id === 'h2').state.label")
        relabelled = next(c for c in classes if c not in (classes[0], accepted, "none"))
        _select(page, "h1")
        _press(page, str(classes.index(relabelled) + 1))
        assert page.input_value("#missLabel") == relabelled
        label, said = _mark_at(page, 0.5)
        assert label == relabelled and "(the class last given;" in said
        # A relabel pressed by mistake and undone gives back the class given before it.
        _select(page, "h2")
        _press(page, str(classes.index(accepted) + 1))
        assert page.input_value("#missLabel") == accepted
        page.keyboard.press("u")
        page.wait_for_function("() => $('status').textContent === 'Undone.'")
        assert page.input_value("#missLabel") == relabelled
        # Accepting a highlight as proposed gives its class too.
        _select(page, "h2")
        _press(page, "a")
        assert page.input_value("#missLabel") == accepted
        label, _ = _mark_at(page, 0.7)
        assert label == accepted

        # A game of one known sport: its class, not the one given in the other game ...
        page.select_option("#game", "1")
        page.wait_for_function("() => S.game && S.game.sport_class === 'basketball_layup' "
                               "&& S.items.length > 0 && S.items.every(i => i.game === S.game.id)")
        assert page.input_value("#missLabel") == "basketball_layup"
        label, said = _mark_at(page, 0.4)
        assert label == "basketball_layup" and "(the game's sport, basketball;" in said
        # ... until a class is given in it; a class picked under Missed event class is given too.
        _select(page, "h1")
        _press(page, str(classes.index("baseball_swing") + 1))
        label, said = _mark_at(page, 0.5)
        assert label == "baseball_swing" and "(the class last given;" in said
        page.select_option("#missLabel", "soccer_shooting")
        label, said = _mark_at(page, 0.6)
        assert label == "soccer_shooting" and "(picked under Missed event class;" in said
        page.screenshot(path=shots_folder(tmp_path) / "7-missed-at-the-class-last-given.png")
    finally:
        context.close()
        server.kill()
    # What the server recorded, read back as the export would.
    from highlights.review.games import load_games
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore

    session = ReviewSession(load_games([detect_folder, court]),
                            DecisionStore(tmp_path / "review.sqlite"))
    try:
        marked = [sorted(s["state"]["label"] for s in session.states(g.id) if s["kind"] == "missed")
                  for g in session.games]
    finally:
        session.store.close()
    assert marked == [sorted([classes[0], relabelled, accepted]),
                      ["baseball_swing", "basketball_layup", "soccer_shooting"]]


def test_a_key_moment_moved_by_keys_and_by_its_mark_is_saved_shown_and_exported(
        browser, detect_folder, tmp_path):
    """`,` and `.` move the selected highlight's key moment 0.2 s, `<` and `>` 1 s, `t` puts it at
    the playhead and its mark on the timeline drags it; the page shows the new time, the segment
    moves centred on it, and the Export button's clip is cut around it."""
    root = tmp_path / "datasets"
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite"),
                           "--to-dataset", str(root)])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        _select(page, "h1")
        proposed = page.evaluate("() => S.items[S.sel].state")
        length = proposed["end_s"] - proposed["start_s"]
        _press(page, ",")
        _press(page, ",")
        _press(page, "<")
        state = page.evaluate("() => S.items[S.sel].state")
        assert state["key_s"] == pytest.approx(proposed["key_s"] - 1.4, abs=1e-3)
        assert (state["start_s"] + state["end_s"]) / 2 == pytest.approx(state["key_s"], abs=1e-3)
        assert state["end_s"] - state["start_s"] == pytest.approx(length, abs=2e-3)
        assert page.text_content("#keyMoment").startswith("key moment ")
        assert "(moved from " in page.text_content("#keyMoment")
        _press(page, ">")
        _press(page, ".")
        key_s = page.evaluate("() => S.items[S.sel].state.key_s")
        assert key_s == pytest.approx(proposed["key_s"] - 0.2, abs=1e-3)
        # Dragged along the timeline: a tenth of the game later.
        duration = page.evaluate("() => S.duration")
        mark = page.locator("#keyMark").bounding_box()
        line = page.locator("#timeline").bounding_box()
        x, y = mark["x"] + mark["width"] / 2, mark["y"] + 10
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 0.1 * line["width"], y, steps=5)
        page.mouse.up()
        _settled(page)
        assert page.text_content("#status").startswith("Key moment")
        dragged = page.evaluate("() => S.items[S.sel].state.key_s")
        assert dragged == pytest.approx(key_s + 0.1 * duration, abs=0.02 * duration)
        # `t`: the key moment at the playhead, 0.5 s before where the drag left it.
        page.evaluate(f"() => seekTo({dragged - 0.5})")
        _press(page, "t")
        moved = page.evaluate("() => S.items[S.sel].state")
        assert moved["key_s"] == pytest.approx(dragged - 0.5, abs=0.05)
        assert page.evaluate("() => S.items[S.sel].id") == "h1"
        assert moved["label"] == proposed["label"]
        page.screenshot(path=shots_folder(tmp_path) / "8-key-moment-moved.png")
        page.click("#exportBtn")
        page.wait_for_function("() => /written/.test($('status').textContent)",
                               timeout=60000)
    finally:
        context.close()
        server.kill()
    (clip,) = load_version(root, "v1").clips
    prov = json.loads(clip.provenance)
    assert prov["item"] == "h1" and prov["key_s"] == pytest.approx(moved["key_s"], abs=1e-3)
    assert (prov["start_s"] + prov["end_s"]) / 2 == pytest.approx(moved["key_s"], abs=1e-3)
    reviewed = load_annotation(detect_folder / "reviewed" / "reviewed.json")
    assert [e.key_s for e in reviewed.events] == [pytest.approx(moved["key_s"], abs=1e-3)]


def test_the_list_counts_a_missed_event_marked_and_taken_back(browser, detect_folder, tmp_path):
    """The pager's "1-N of N" counts the item a missed event adds to the list, and the one its undo
    removes: it had stayed at the count the page opened with."""
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        shown = page.evaluate("() => S.items.length")
        assert page.text_content("#pageInfo") == f"1-{shown} of {shown}"
        _mark_at(page, 0.3)
        assert page.evaluate("() => S.items.length") == shown + 1
        assert page.text_content("#pageInfo") == f"1-{shown + 1} of {shown + 1}"
        page.keyboard.press("u")
        page.wait_for_function("() => $('status').textContent === 'Undone.'")
        assert page.evaluate("() => S.items.length") == shown
        assert page.text_content("#pageInfo") == f"1-{shown} of {shown}"
        # Opened again, the server's count is the same.
        open_signed_in(page, server.url)
        assert page.text_content("#pageInfo") == f"1-{shown} of {shown}"
    finally:
        context.close()
        server.kill()
