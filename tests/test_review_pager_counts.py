"""The review page's counts and its pager's total come from the server's state: a missed event
removed in another tab while this one shows another page of the list is counted out of both. The
items that move along the list as another tab adds or removes one keep the selection on the item
the reviewer had selected."""

from __future__ import annotations

import pytest

from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_browser import signed_in_review
from tests.review_fixtures import detect_folder_fixtures, past_a_page

made_detect_folder, detect_folder = detect_folder_fixtures("pager-counts")
POLL_WAIT_MS = 30000  # for a change another tab made to show through the page's poll


@pytest.fixture
def marked_elsewhere(detect_folder, tmp_path):
    """A game of more items than a page, a missed event marked in it by another tab (a review
    over the same database): (that tab's review, the database, the marking, the items)."""
    db = tmp_path / "review.sqlite"
    other_tab = ReviewSession(load_games([past_a_page(detect_folder)]), DecisionStore(db))
    try:
        gid = other_tab.games[0].id
        marked = other_tab.mark_missed(gid, at_s=2.0, label="soccer_shooting", reviewer="Bo")
        yield other_tab, db, marked, other_tab.counts(gid)["total"]
    finally:
        other_tab.store.close()


def test_a_removal_in_another_tab_leaves_the_counts_of_a_later_page(browser, detect_folder,
                                                                    marked_elsewhere):
    other_tab, db, marked, total = marked_elsewhere
    with signed_in_review(browser, [str(detect_folder), "--db", str(db)]) as page:
        page.click("#next")
        page.wait_for_function("() => document.getElementById('pageInfo').textContent"
                               ".startsWith('51-')")
        assert page.inner_text("#pageInfo") == f"51-{total} of {total}"
        other_tab.undo(marked["decision_id"], reviewer="Bo")  # the marked event is removed
        page.wait_for_function(f"() => S.total === {total - 1}", timeout=POLL_WAIT_MS)
        page.wait_for_function(f"() => S.offset + S.items.length === {total - 1}")
        assert page.inner_text("#pageInfo") == f"51-{total - 1} of {total - 1}"
        page.wait_for_function(
            "() => /0 missed/.test(document.getElementById('status').textContent)")
    counts = other_tab.counts(other_tab.games[0].id)
    assert counts["total"] == total - 1 and counts["missed"] == 0


def test_a_later_page_reloaded_for_a_removal_elsewhere_keeps_the_item_selected(
        browser, detect_folder, marked_elsewhere):
    """The items of a later page move along by one when a missed event before them is removed in
    another tab: the page reloaded keeps the item the reviewer had selected, where the selection
    stayed at its place on the list and a key pressed next decided the item after it."""
    other_tab, db, marked, total = marked_elsewhere
    with signed_in_review(browser, [str(detect_folder), "--db", str(db)]) as page:
        page.click("#next")
        page.wait_for_function("() => S.offset === 50 && S.items.length > 3")
        page.click('#list li[data-index="2"]')
        page.wait_for_function("() => S.sel === 2")
        selected = page.evaluate("() => S.items[S.sel].id")
        other_tab.undo(marked["decision_id"], reviewer="Bo")  # an item before this page goes
        page.wait_for_function(f"() => S.total === {total - 1}", timeout=POLL_WAIT_MS)
        page.wait_for_function(f"() => S.offset + S.items.length === {total - 1}")
        assert page.evaluate("() => [S.sel, S.items[S.sel].id]") == [1, selected]
        assert page.get_attribute('#list li[aria-selected="true"]', "data-item") == selected


def test_an_item_marked_then_removed_elsewhere_on_this_page_leaves_the_item_selected(
        browser, detect_folder, tmp_path):
    """A missed event marked in another tab heads this tab's first page, and goes from it when
    taken back: the items after it move along by one, and the one the reviewer had selected stays
    selected, where the selection kept its place on the list and a key pressed next decided the
    item before (or after) it."""
    db = tmp_path / "review.sqlite"
    other_tab = ReviewSession(load_games([past_a_page(detect_folder)]), DecisionStore(db))
    try:
        with signed_in_review(browser, [str(detect_folder), "--db", str(db)]) as page:
            page.click('#list li[data-index="2"]')
            page.wait_for_function("() => S.sel === 2")
            selected = page.evaluate("() => S.items[S.sel].id")
            marked = other_tab.mark_missed(other_tab.games[0].id, at_s=2.0,
                                           label="soccer_shooting", reviewer="Bo")
            page.wait_for_function(f"() => S.items[0].id === {marked['id']!r}",
                                   timeout=POLL_WAIT_MS)
            assert page.evaluate("() => [S.sel, S.items[S.sel].id]") == [3, selected]
            other_tab.undo(marked["decision_id"], reviewer="Bo")
            page.wait_for_function(f"() => S.items[0].id !== {marked['id']!r}",
                                   timeout=POLL_WAIT_MS)
            assert page.evaluate("() => [S.sel, S.items[S.sel].id]") == [2, selected]
            assert page.get_attribute('#list li[aria-selected="true"]', "data-item") == selected
    finally:
        other_tab.store.close()


def test_a_missed_event_marked_elsewhere_takes_its_place_in_time_order(
        browser, detect_folder, tmp_path):
    """In time order a missed event marked in another tab goes where its time puts it on the list,
    where it was put at its head as in the least-certain-first order (which puts missed events
    first)."""
    db = tmp_path / "review.sqlite"
    other_tab = ReviewSession(load_games([detect_folder]), DecisionStore(db))
    game = other_tab.games[0]
    try:
        with signed_in_review(browser, [str(detect_folder), "--db", str(db)]) as page:
            page.select_option("#order", "time")
            in_time_order = ("() => S.items.length > 1 && S.items.every("
                             "(it, i, all) => !i || all[i - 1].state.start_s <= it.state.start_s)")
            page.wait_for_function(in_time_order)
            marked = other_tab.mark_missed(game.id, at_s=game.duration_s - 0.5,
                                           label="soccer_shooting", reviewer="Bo")
            page.wait_for_function(f"() => S.items.some((it) => it.id === {marked['id']!r})",
                                   timeout=POLL_WAIT_MS)
            assert page.evaluate(in_time_order)
            assert page.evaluate("() => S.items[0].id") != marked["id"]
    finally:
        other_tab.store.close()
