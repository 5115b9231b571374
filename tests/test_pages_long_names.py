"""The pages highlights writes, for a game whose file name runs to 150 characters and classes
named in 45: the name wraps, and the page and the batch's table keep to the window, on a phone
and on a laptop. Skipped where Playwright or Chromium is missing (`tests.review_browser`)."""

from __future__ import annotations

import pytest

from highlights.batch.index import render_html as render_index
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import render_html

LONG_NAME = "partie_été_Müller_" + "x" * 150
LONG_LABEL = "basketball_layup_from_the_left_side_of_court"


def _widths(browser, url: str, width: int, selector: str = "html") -> list[int]:
    """[scroll width, client width] of the first element `selector` names, in a window `width` wide."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        return page.eval_on_selector(selector, "e => [e.scrollWidth, e.clientWidth]")
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_games_page_with_a_long_file_name_and_class_names_keeps_to_the_window(browser, tmp_path, width):
    highlights = [Highlight(1.5, 6.0, LONG_LABEL, "basketball", 0.9, 3.0),
                  Highlight(12.0, 17.5, "soccer_shooting", "soccer", 0.55, 14.0)]
    page = tmp_path / "highlights.html"
    page.write_text(render_html(highlights, tmp_path, source_name=f"{LONG_NAME}.mp4", duration_s=60.0),
                    encoding="utf-8")
    scroll, client = _widths(browser, page.as_uri(), width)
    assert scroll <= client


def test_the_batch_index_shows_every_column_beside_a_long_game_name(browser, tmp_path):
    """The game's name in one line took the table's whole width on a laptop: its status, length and
    highlights were off to the right, to be scrolled to."""
    records = [{"game_id": LONG_NAME, "status": "done", "video": f"/footage/{LONG_NAME}.mp4", "duration_s": 5400.0,
                "highlights": 300, "speed_x_realtime": 3.2, "files": {"html": "highlights.html"},
                "by_label": {LONG_LABEL: 100, "soccer_shooting": 200}}]
    summary = {"games": 1, "done": 1, "reused": 0, "failed": 0, "highlights": 300, "video_hours_total": 1.5,
               "video_hours_per_hour": 3.2}
    page = tmp_path / "index.html"
    page.write_text(render_index(records, summary, {"engine": "local", "workers": 1}), encoding="utf-8")
    scroll, client = _widths(browser, page.as_uri(), 1280, ".scroll")
    assert scroll <= client


def test_a_90_minute_games_timeline_keeps_its_last_time_inside_the_drawing(browser, tmp_path):
    """1:30:00, centred on the axis's end 20 px from the edge, was cut to 1:30:0."""
    highlights = [Highlight(10.0 + 17.9 * i, 14.0 + 17.9 * i, "baseball_swing", "baseball", 0.5) for i in range(300)]
    page = tmp_path / "highlights.html"
    page.write_text(render_html(highlights, tmp_path, source_name="game.mp4", duration_s=5400.0), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tab = context.new_page()
        tab.goto(page.as_uri())
        width = tab.eval_on_selector("svg.timeline", "s => s.viewBox.baseVal.width")
        ticks = tab.eval_on_selector_all("svg.timeline text.tick",
                                         "ts => ts.map(t => { const b = t.getBBox(); return "
                                         "[t.textContent, b.x, b.x + b.width]; })")
    finally:
        context.close()
    assert ticks[-1][0] == "1:30:00"
    assert [t for t in ticks if t[1] < 0 or t[2] > width] == []


def test_the_batch_index_keeps_a_short_game_name_and_video_path_on_one_line_on_a_laptop(browser, tmp_path):
    """A name of 20 characters broke inside its last word ("game_00_u12_satur" over "day") at 1280 px,
    beside a half-empty column: a name allowed to break anywhere was the column the table squeezed."""
    records = [{"game_id": f"game_{k:02d}_u12_saturday", "status": "done", "video": f"/footage/game_{k:02d}.mp4",
                "duration_s": 5400.0, "highlights": 57, "speed_x_realtime": 3.2, "files": {"html": "highlights.html"},
                "by_label": {"basketball_layup": 28, "soccer_shooting": 29}} for k in range(3)]
    records.append({"game_id": "game_03_u12_saturday", "status": "failed", "video": "/footage/game_03.mp4",
                    "error": "/footage/game_03.mp4: not a video (no video stream)"})
    summary = {"games": 4, "done": 3, "reused": 0, "failed": 1, "highlights": 171, "video_hours_total": 4.5,
               "video_hours_per_hour": 3.2}
    page = tmp_path / "index.html"
    page.write_text(render_index(records, summary, {"engine": "local", "workers": 2}), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tab = context.new_page()
        tab.goto(page.as_uri())
        names = tab.evaluate(f"() => [...document.querySelectorAll('td.name:first-child')].map({LINES_OF})")
        paths = tab.evaluate(f"() => [...document.querySelectorAll('td.name:last-child')].map({LINES_OF})")
    finally:
        context.close()
    assert names == [[r["game_id"]] for r in records]
    # where a path breaks, it breaks after a folder's name
    assert ["".join(lines) for lines in paths] == [r["video"] for r in records]
    assert all(line.endswith("/") for lines in paths for line in lines[:-1]), paths


# The lines an element's text is laid out in, as a list of strings (each character placed by its box's top).
LINES_OF = """td => { const lines = new Map(); const walk = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) for (let i = 0; i < n.length; i++) {
    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
    const top = Math.round(r.getBoundingClientRect().top); lines.set(top, (lines.get(top) || "") + n.data[i]); }
  return [...lines.keys()].sort((a, b) => a - b).map(k => lines.get(k)); }"""
