"""The pages highlights writes, opened in Chromium at a phone's width: nothing is wider than the
screen, so the page never scrolls sideways (a wide table scrolls within its own box). A coach
opens `highlights.html` or the batch index from a shared folder on a phone, and reviews on a
tablet held upright. Skipped where Playwright or Chromium is missing (`tests.review_browser`)."""

from __future__ import annotations

from highlights.batch.index import render_html as render_index
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import render_html
from tests.review_browser import ReviewServer
from tests.review_fixtures import make_detect_folder

PHONE = {"width": 390, "height": 844}


def _wider_than_the_screen(browser, url: str) -> list:
    """[page width, screen width] when the page is wider than a phone's screen, else []."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        return page.evaluate("() => { const w = document.documentElement.scrollWidth;"
                             " return w > innerWidth ? [w, innerWidth] : []; }")
    finally:
        context.close()


def test_a_games_page_fits_a_phones_width(browser, tmp_path):
    evidence = {"rank": {"rank": 1, "of": 2}, "kinematics": {"trigger": "wrist_speed", "value": 3.1, "threshold": 2.2},
                "classifier": {"probs": {"none": 0.2, "baseball_swing": 0.7, "soccer_shooting": 0.1}}}
    highlights = [Highlight(1.5, 6.0, "baseball_swing", "baseball", 0.91, 3.0, evidence),
                  Highlight(12.0, 17.5, "soccer_shooting", "soccer", 0.55, 14.0, evidence)]
    page = tmp_path / "highlights.html"
    page.write_text(render_html(highlights, tmp_path, source_name="saturday game.mp4", duration_s=60.0),
                    encoding="utf-8")
    assert _wider_than_the_screen(browser, page.as_uri()) == []


def test_the_batch_index_fits_a_phones_width(browser, tmp_path):
    records = [{"game_id": f"game_{k}", "status": "done", "video": f"/footage/season 2026/saturday game {k}.mp4",
                "duration_s": 5400.0, "highlights": 40, "speed_x_realtime": 3.2,
                "by_label": {"baseball_swing": 10, "basketball_layup": 12, "soccer_shooting": 18},
                "files": {"html": "highlights.html"}} for k in range(3)]
    summary = {"games": 3, "done": 3, "reused": 0, "failed": 0, "highlights": 120, "video_hours_total": 4.5,
               "video_hours_per_hour": 3.2}
    page = tmp_path / "index.html"
    page.write_text(render_index(records, summary, {"engine": "local", "workers": 1}), encoding="utf-8")
    assert _wider_than_the_screen(browser, page.as_uri()) == []


def test_the_batch_index_keeps_each_label_with_its_count(browser, tmp_path):
    """In a narrow column, "baseball_swing 10" wraps between pairs, never inside one."""
    records = [{"game_id": "game_0", "status": "done", "video": "/footage/saturday game.mp4", "duration_s": 60.0,
                "highlights": 40, "speed_x_realtime": 3.2, "files": {"html": "highlights.html"},
                "by_label": {"baseball_swing": 10, "basketball_layup": 12, "soccer_shooting": 18}}]
    summary = {"games": 1, "done": 1, "reused": 0, "failed": 0, "highlights": 40, "video_hours_total": 0.02,
               "video_hours_per_hour": 3.2}
    page = tmp_path / "index.html"
    page.write_text(render_index(records, summary, {"engine": "local", "workers": 1}), encoding="utf-8")
    context = browser.new_context(viewport=PHONE)
    try:
        tab = context.new_page()
        tab.goto(page.as_uri())
        lines = tab.evaluate("() => [...document.querySelectorAll('td span.count')]"
                             ".map(s => [s.textContent, s.getClientRects().length])")
    finally:
        context.close()
    assert lines == [["baseball_swing 10", 1], ["basketball_layup 12", 1], ["soccer_shooting 18", 1]]


def test_the_review_page_fits_a_phones_width(browser, tmp_path):
    folder = make_detect_folder(tmp_path, "game1")
    server = ReviewServer([str(folder), "--db", str(tmp_path / "review.sqlite")])
    try:
        assert _wider_than_the_screen(browser, server.url) == []
    finally:
        server.kill()
