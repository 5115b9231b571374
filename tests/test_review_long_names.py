"""The review page for a game whose file name runs to 140 characters: the game list shows the
name's start and end with its counts, the whole name as the option's tooltip. Skipped where
Playwright or Chromium is missing (`tests.review_browser`)."""

from __future__ import annotations

from tests.review_browser import ReviewServer
from tests.review_fixtures import make_detect_folder

LONG_NAME = "partie_été_Müller_" + "x" * 120 + "_日本"


def test_the_game_list_shows_a_long_names_counts_and_keeps_the_whole_name_as_its_tooltip(browser, tmp_path):
    folder = make_detect_folder(tmp_path, name=LONG_NAME)
    server = ReviewServer([str(folder), "--db", str(tmp_path / "review.sqlite")])
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            page = context.new_page()
            page.goto(server.url)
            page.wait_for_selector("#game option", state="attached")
            text, title, fits = page.eval_on_selector(
                "#game", "s => [s.options[0].textContent, s.options[0].title,"
                         " (() => { const c = document.createElement('canvas').getContext('2d');"
                         "   c.font = getComputedStyle(s).font;"
                         "   return c.measureText(s.options[0].textContent).width <= s.clientWidth; })()]")
        finally:
            context.close()
    finally:
        server.kill()
    assert title == f"{LONG_NAME}.mp4"
    assert text.startswith(LONG_NAME[:30] + "…") and "_日本.mp4  (" in text
    assert text.endswith(" windows turned down)")
    assert fits  # the counts are in sight, not past the select's edge
