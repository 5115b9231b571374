"""The pages highlights writes, used with a keyboard alone and read by a screen reader, in Chromium.

A coach who reviews by keyboard presses a focused button with Space or Enter; a screen reader
hears the status line change, is told which item of the list is selected, and finds the page's
heading on a short screen too; the More menu gives its focus back when Escape closes it; the
single-key shortcuts can be turned off; the timeline is a slider the arrow keys move, and so is
the selected item's key moment; the coloured badges' text reads at WCAG AA contrast. On
`highlights.html` every timeline bar is a named link, reached by Tab, and the page has a main
landmark, as has the batch's index. Direct checks,
with the fixtures of the other browser tests; `bench/bench_accessibility.py` runs axe-core over the
same pages. Skipped where Playwright or Chromium is missing (`tests.review_browser`).
"""

from __future__ import annotations

import pytest

from highlights.batch.index import render_html as render_index
from highlights.contrast import AA_TEXT, contrast_ratio
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import render_html
from tests.review_browser import ReviewServer
from tests.review_fixtures import detect_folder_fixtures

SHORT_SCREEN = {"width": 800, "height": 400}  # a phone on its side: the header folds into More


# The review only reads the folder: the one made for the module, not a copy per test.
made_detect_folder = detect_folder_fixtures("accessible-game")[0]


@pytest.fixture
def review(made_detect_folder, tmp_path):
    server = ReviewServer([str(made_detect_folder), "--db", str(tmp_path / "review.sqlite")])
    try:
        yield server
    finally:
        server.kill()


def _open(browser, url, viewport=None, reviewer="Ada"):
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    if reviewer:
        page.fill("#reviewer", reviewer)
        page.press("#reviewer", "Enter")
    return context, page


def _rgb(css: str) -> tuple[float, float, float]:
    """`rgb(r, g, b)` as Chromium computes it, as 0-1 floats."""
    r, g, b = (float(v) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])
    return r / 255, g / 255, b / 255


def test_space_and_enter_on_a_focused_button_press_it(browser, review):
    """Tab to Accept and press Space: the item is accepted, where the page's space key (play/pause)
    took the key from the button; Enter on Reject rejects the next."""
    context, page = _open(browser, review.url)
    try:
        first, second = page.eval_on_selector_all("#list li", "els => els.map(e => e.dataset.item)")[:2]
        page.get_by_role("button", name="Accept").focus()
        page.keyboard.press(" ")
        page.wait_for_function("() => S.undo.length === 1", timeout=10000)
        page.get_by_role("button", name="Reject").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("() => S.undo.length === 2", timeout=10000)
        statuses = page.eval_on_selector_all(
            "#list li", "els => Object.fromEntries(els.map(e => [e.dataset.item, e.dataset.status]))")
    finally:
        context.close()
    assert statuses[first] in ("accepted", "missed") and statuses[second] == "rejected", statuses


def test_the_status_line_is_a_live_region_a_screen_reader_hears(browser, review):
    """The counts after a decision, and what an export or a failure says, are in role=status."""
    context, page = _open(browser, review.url)
    try:
        status = page.get_by_role("status").filter(has_text="to go")
        assert status.count() == 1
        before = status.inner_text()
        page.keyboard.press("r")
        page.wait_for_function("() => S.undo.length === 1", timeout=10000)
        page.wait_for_function(f"() => document.getElementById('status').textContent !== {before!r}")
        assert "1 rejected" in status.inner_text()
    finally:
        context.close()


def test_the_list_is_a_listbox_whose_selected_option_follows_the_keys(browser, review):
    """The list is reached by Tab as one control; the arrows and j/k move its selected option, which
    a screen reader names."""
    context, page = _open(browser, review.url)
    try:
        listbox = page.get_by_role("listbox", name="items to review")
        assert listbox.count() == 1
        listbox.focus()
        assert page.evaluate("() => document.activeElement.id") == "list"
        page.keyboard.press("ArrowDown")
        page.wait_for_function("() => S.sel === 1")
        selected = listbox.get_by_role("option", selected=True)
        assert selected.count() == 1
        assert selected.get_attribute("data-index") == "1"
        assert listbox.get_attribute("aria-activedescendant") == selected.get_attribute("id")
        label = page.evaluate("() => S.items[1].state.label || S.items[1].label")
        assert label in selected.inner_text()
        page.keyboard.press("k")
        page.wait_for_function("() => S.sel === 0")
        assert listbox.get_by_role("option", selected=True).get_attribute("data-index") == "0"
    finally:
        context.close()


def test_every_decision_button_declares_its_key(browser, review):
    context, page = _open(browser, review.url)
    try:
        keys = page.eval_on_selector_all("#controls button:not(.touch)",
                                         "bs => bs.map(b => [b.textContent.trim(), "
                                         "b.getAttribute('aria-keyshortcuts')])")
    finally:
        context.close()
    assert keys and all(key for _, key in keys), keys
    assert ["1 baseball_swing", "1"] in [[" ".join(name.split()), key] for name, key in keys]


def test_escape_closes_the_more_menu_and_gives_the_focus_back_to_its_button(browser, review):
    """On a short screen, a keyboard user in the More menu presses Escape: the menu closes and the
    focus is on More again, not lost on a control no longer shown."""
    context, page = _open(browser, review.url, viewport=SHORT_SCREEN)
    try:
        more = page.get_by_role("button", name="More")
        more.focus()
        page.keyboard.press("Enter")
        assert more.get_attribute("aria-expanded") == "true"
        page.get_by_label("Order").focus()
        page.keyboard.press("Escape")
        assert more.get_attribute("aria-expanded") == "false"
        assert page.evaluate("() => document.activeElement.id") == "moreBtn"
    finally:
        context.close()


def test_a_short_screen_keeps_the_pages_heading_for_a_screen_reader(browser, review):
    context, page = _open(browser, review.url, viewport=SHORT_SCREEN, reviewer=None)
    try:
        assert page.get_by_role("heading", level=1, name="highlights review").count() == 1
        # off the screen, as before: the header is one row
        assert page.eval_on_selector("h1", "h => h.getBoundingClientRect().width") <= 1
    finally:
        context.close()


def test_the_badges_and_status_colours_read_at_wcag_aa_contrast(browser, review):
    """The black text of each decision's badge on its colour, computed from the page's CSS, is
    4.5:1 or more (the pending grey was 4.4:1); each timeline bar says its decision in its tooltip
    as well as by its colour."""
    context, page = _open(browser, review.url)
    try:
        pairs = page.evaluate("""() => ['pending', 'accepted', 'rejected', 'relabelled', 'missed'].map(s => {
            const b = document.createElement('span'); b.className = 'badge ' + s; b.textContent = s;
            document.body.appendChild(b);
            const css = getComputedStyle(b); const out = [s, css.color, css.backgroundColor];
            b.remove(); return out; })""")
        tips = page.eval_on_selector_all("#timeline .seg", "ss => ss.map(s => [s.className, s.title])")
    finally:
        context.close()
    low = {s: round(contrast_ratio(_rgb(fg), _rgb(bg)), 2) for s, fg, bg in pairs
           if contrast_ratio(_rgb(fg), _rgb(bg)) < AA_TEXT}
    assert low == {}
    assert tips and all(t for _, t in tips)
    assert all(("not decided" if "pending" in cls else cls.split()[2]) in tip for cls, tip in tips), tips


def _games_page(tmp_path):
    evidence = {"classifier": {"probs": {"none": 0.2, "baseball_swing": 0.7, "soccer_shooting": 0.1}}}
    highlights = [Highlight(1.5, 6.0, "baseball_swing", "baseball", 0.91, 3.0, evidence),
                  Highlight(12.0, 17.5, "basketball_layup", "basketball", 0.7, 14.0, evidence),
                  Highlight(30.0, 34.0, "soccer_shooting", "soccer", 0.55, 32.0, evidence)]
    page = tmp_path / "highlights.html"
    page.write_text(render_html(highlights, tmp_path, source_name="saturday game.mp4", duration_s=60.0),
                    encoding="utf-8")
    return page


def test_a_games_timeline_bars_are_named_links_reached_by_tab(browser, tmp_path):
    """Each bar of `highlights.html`'s timeline is a link a screen reader names (number, class,
    sport, times, score), inside the page's main landmark; the timeline was an image whose links
    a screen reader could neither name nor reach."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(_games_page(tmp_path).as_uri())
        main = page.get_by_role("main")
        assert main.count() == 1
        timeline = main.get_by_role("group", name="timeline of 3 highlights")
        links = timeline.get_by_role("link")
        names = [links.nth(i).get_attribute("aria-label") for i in range(links.count())]
        reached, outline = [], None
        for _ in range(12):
            page.keyboard.press("Tab")
            reached.append(page.evaluate("() => document.activeElement.getAttribute('href')"))
            if reached[-1] == "#hl-002" and outline is None:  # the bar reached by Tab is outlined, as a hovered one
                outline = page.evaluate(
                    "() => { const r = document.activeElement.querySelector('rect'); return r ? "
                    "getComputedStyle(r).strokeWidth : document.activeElement.tagName; }")
    finally:
        context.close()
    assert len(names) == 3 and names[1].startswith("#2 basketball_layup (basketball)"), names
    assert all(f"#hl-00{k}" in reached for k in (1, 2, 3)), reached
    assert outline == "3px", reached


def test_a_games_sport_chips_read_at_wcag_aa_contrast(browser, tmp_path):
    """White on Okabe-Ito orange read at 2.3:1: each chip's text is black or white, whichever reads."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(_games_page(tmp_path).as_uri())
        chips = page.eval_on_selector_all(
            ".sport", "cs => cs.map(c => [c.textContent, getComputedStyle(c).color, "
                      "getComputedStyle(c).backgroundColor])")
    finally:
        context.close()
    assert {sport for sport, _, _ in chips} == {"baseball", "basketball", "soccer"}
    low = {sport: round(contrast_ratio(_rgb(fg), _rgb(bg)), 2) for sport, fg, bg in chips
           if contrast_ratio(_rgb(fg), _rgb(bg)) < AA_TEXT}
    assert low == {}


def test_the_batch_index_has_a_main_landmark(browser, tmp_path):
    records = [{"game_id": "game_0", "status": "done", "video": "/footage/game 0.mp4", "duration_s": 60.0,
                "highlights": 4, "files": {"html": "highlights.html"}}]
    summary = {"games": 1, "done": 1, "reused": 0, "failed": 0, "highlights": 4, "video_hours_total": 0.02}
    page_file = tmp_path / "index.html"
    page_file.write_text(render_index(records, summary, {"engine": "local", "workers": 1}), encoding="utf-8")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        main = page.get_by_role("main")
        assert main.count() == 1
        assert main.get_by_role("heading", level=1).count() == 1 and main.get_by_role("table").count() == 1
    finally:
        context.close()


def test_single_key_shortcuts_can_be_turned_off_and_stay_off(browser, review):
    """With "single-key shortcuts" unticked, `a` decides nothing (speech input typing a word, or a
    slip, would decide items, each saved at once); the arrows still move, and the choice is kept
    when the page is opened again."""
    context, page = _open(browser, review.url)
    try:
        box = page.get_by_role("checkbox", name="single-key shortcuts")
        assert box.count() == 1 and box.is_checked()
        box.uncheck()
        page.locator("#list").focus()
        page.keyboard.press("a")
        page.keyboard.press("ArrowDown")
        # every key's action runs in turn: once the queue is empty, the `a` would have been saved
        decided, selected = page.evaluate("() => turns.then(() => [S.undo.length, S.sel])")
        page.reload()
        page.wait_for_selector("body[data-ready='1']", timeout=15000)
        still_off = not page.get_by_role("checkbox", name="single-key shortcuts").is_checked()
    finally:
        context.close()
    assert (decided, selected) == (0, 1)
    assert still_off


def test_the_timeline_is_a_slider_the_arrow_keys_move_and_a_screen_reader_hears(browser, review):
    """The timeline moved the playhead by mouse alone: focused, it is a slider whose keys seek the
    video and whose value a screen reader reads as a time; Up and Down still move in the list."""
    context, page = _open(browser, review.url)
    try:
        page.wait_for_function("() => $('player').readyState >= 1", timeout=15000)
        slider = page.get_by_role("slider", name="Playhead in the game")
        assert slider.count() == 1
        slider.focus()
        for key in ("ArrowRight", "ArrowRight", "Shift+ArrowRight", "ArrowLeft"):
            page.keyboard.press(key)
        at = page.evaluate("() => [$('player').currentTime, $('timeline').getAttribute('aria-valuenow'),"
                           " $('timeline').getAttribute('aria-valuetext')]")
        page.keyboard.press("End")
        end = page.evaluate("() => [$('player').currentTime, S.duration,"
                            " $('timeline').getAttribute('aria-valuemax')]")
        page.keyboard.press("Home")
        home = page.evaluate("() => $('player').currentTime")
        selected = page.evaluate("() => S.sel")
        page.keyboard.press("ArrowDown")
        moved = page.evaluate("() => turns.then(() => S.sel)")
    finally:
        context.close()
    assert at[0] == 6 and at[1] == "6" and at[2].startswith("0:06.0 of ")
    assert end[0] == end[1] and end[2] == str(round(end[1]))
    assert home == 0
    assert moved == selected + 1


def test_the_key_moment_mark_is_a_slider_reached_by_tab_whose_arrows_move_it(browser, review):
    """The key moment's mark moved by a drag alone: it is a slider of its own, beside the timeline
    (a slider's children are hidden from a screen reader), reached by Tab after it. Its value reads
    as the time, and Left and Right move it as `,` and `.` do (with Shift, as `<` and `>`); each
    move is saved, and the focus stays on the mark."""
    context, page = _open(browser, review.url)
    try:
        page.wait_for_function("() => $('player').readyState >= 1", timeout=15000)
        mark = page.get_by_role("slider", name="Key moment of the selected item")
        assert mark.count() == 1
        page.get_by_role("slider", name="Playhead in the game").focus()
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.id")
        proposed = page.evaluate("() => S.items[S.sel].state.key_s")
        said = [mark.get_attribute(a) for a in ("aria-valuenow", "aria-valuetext")]
        steps = []
        for key in ("ArrowRight", "ArrowRight", "Shift+ArrowLeft"):
            page.keyboard.press(key)
            steps.append(page.evaluate("() => turns.then(() => S.items[S.sel].state.key_s)"))
        after = [mark.get_attribute(a) for a in ("aria-valuenow", "aria-valuetext")]
        saved = page.evaluate("() => api('GET', '/api/games/' + S.items[S.sel].game + '/items',"
                              " undefined, {limit: 500}).then(r => r.items.find("
                              "i => i.id === S.items[S.sel].id).state.key_s)")
        still = page.evaluate("() => document.activeElement.id")
    finally:
        context.close()
    assert focused == "keyMark"
    assert float(said[0]) == pytest.approx(proposed, abs=0.05) and said[1].startswith("key moment ")
    assert steps == [pytest.approx(proposed + 0.2, abs=2e-3), pytest.approx(proposed + 0.4, abs=2e-3),
                     pytest.approx(proposed - 0.6, abs=2e-3)]
    assert float(after[0]) == pytest.approx(proposed - 0.6, abs=0.05)
    assert saved == pytest.approx(proposed - 0.6, abs=2e-3) and still == "keyMark"


def test_a_turned_down_window_shows_its_class_probability_not_a_score(browser, review):
    """A highlight's number is its calibrated score; a turned-down window's is the probability of
    the class it is shown with: two different numbers, named apart in the list."""
    context, page = _open(browser, review.url)
    try:
        page.wait_for_selector("#list li")
        texts = page.eval_on_selector_all("#list li", "items => items.map(li => li.innerText)")
    finally:
        context.close()
    windows = [t for t in texts if "turned down by the model" in t]
    found = [t for t in texts if "turned down by the model" not in t and "marked missed" not in t]
    assert windows and found
    assert all("class probability" in t and "score" not in t for t in windows)
    assert all(" score " in t and "probability" not in t for t in found)


def test_the_review_timeline_has_a_key_and_tells_decisions_apart_by_pattern_as_well_as_colour(browser, review):
    """The timeline's bars were coloured by decision with no key on the page, green accepted beside
    red rejected (alike to a red-green colour-blind reviewer), in two rows nothing named."""
    context, page = _open(browser, review.url)
    try:
        page.wait_for_selector("#timeline .seg")
        key = page.eval_on_selector_all("#timelineKey span", """ss => ss.map(s => {
            const i = s.querySelector('i'); if (!i) return [s.textContent.trim(), null, null];
            const css = getComputedStyle(i);
            return [s.textContent.trim(), css.backgroundColor, css.backgroundImage]; })""")
        bars = page.evaluate("""() => ['pending', 'accepted', 'relabelled', 'rejected', 'missed'].map(st => {
            const b = document.createElement('div'); b.className = 'seg highlight ' + st; $('timeline').appendChild(b);
            const css = getComputedStyle(b); const out = [css.backgroundColor, css.backgroundImage]; b.remove();
            return out; })""")
        visible = page.is_visible("#timelineKey")
        mark = page.evaluate("() => getComputedStyle($('keyMark'), '::before').backgroundColor")
    finally:
        context.close()
    assert visible
    rows, *swatches, key_moment = key
    assert "upper row" in rows[0] and "lower row" in rows[0] and rows[1] is None
    assert [name for name, *_ in swatches] == ["not decided", "accepted", "relabelled", "rejected", "missed"]
    # the selected item's key moment: its swatch the colour of its mark on the timeline
    assert key_moment[:2] == ["the selected item's key moment", mark]
    # each key's swatch drawn as that decision's bars are
    assert [[colour, image] for _, colour, image in swatches] == bars
    # accepted, relabelled and rejected each drawn alike in no pattern
    patterns = [image for _, image in bars[1:4]]
    assert len(set(patterns)) == 3
