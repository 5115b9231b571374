"""The pages highlights writes, opened in Chromium at a phone's width: nothing is wider than the
screen, so the page never scrolls sideways (a wide table scrolls within its own box). A coach
opens `highlights.html` or the batch index from a shared folder on a phone, and reviews on a
tablet held upright. Skipped where Playwright or Chromium is missing (`tests.review_browser`)."""

from __future__ import annotations

from highlights.batch.index import render_html as render_index
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import render_html
from highlights.pipeline.outputs.reel import ReelResult
from tests.review_browser import ReviewServer
from tests.review_fixtures import make_detect_folder

PHONE = {"width": 390, "height": 844}
TOUCH_PHONE = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


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


def _game_page(tmp_path):
    """A game's page with its reel, a clip per highlight and links, as `detect` writes it."""
    evidence = {"rank": {"rank": 1, "of": 2}, "classifier": {"probs": {"none": 0.2, "baseball_swing": 0.8}}}
    highlights = [Highlight(1.5 + 20 * k, 6.0 + 20 * k, "baseball_swing", "baseball", 0.9, 3.0 + 20 * k, evidence)
                  for k in range(4)]
    media = ReelResult(fps=30.0, reel_path=tmp_path / "reel.mp4",
                       clip_paths=[tmp_path / "clips" / f"{k}.mp4" for k in range(4)])
    page = tmp_path / "highlights.html"
    page.write_text(render_html(highlights, tmp_path, source_name="saturday game.mp4", duration_s=90.0, media=media,
                                links={"CSV": tmp_path / "highlights.csv",
                                       "EDL (CMX3600)": tmp_path / "highlights.edl"}),
                    encoding="utf-8")
    return page


def test_a_games_timeline_keeps_readable_text_on_a_phone(browser, tmp_path):
    """Drawn 1000 wide, the timeline scaled to a phone's width drew its times about 4 px high: it
    scrolls within its own box instead, and the page still does not scroll sideways."""
    context = browser.new_context(**TOUCH_PHONE)
    try:
        tab = context.new_page()
        tab.goto(_game_page(tmp_path).as_uri())
        tick_heights = tab.eval_on_selector_all(
            "svg.timeline text.tick", "ts => ts.map(t => t.getBoundingClientRect().height)")
        box = tab.eval_on_selector("svg.timeline", "s => [s.parentElement.scrollWidth, s.parentElement.clientWidth]")
        page_width = tab.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    finally:
        context.close()
    assert tick_heights and min(tick_heights) >= 9, tick_heights
    assert box[0] > box[1]  # the timeline's box scrolls
    assert page_width[0] <= page_width[1]


def test_a_games_links_are_a_fingers_size_and_its_videos_play_in_the_page(browser, tmp_path):
    """On a touch screen each link is about 44 px high; the reel and clips play inline (an iPhone
    otherwise plays a video only full screen)."""
    context = browser.new_context(**TOUCH_PHONE)
    try:
        tab = context.new_page()
        tab.goto(_game_page(tmp_path).as_uri())
        small = tab.evaluate("""() => [...document.querySelectorAll('nav a, td.num a, details summary')]
            .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.height < 44 || r.width < 44)
            .map(([name, r]) => name + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")
        videos = tab.eval_on_selector_all("video", "vs => vs.map(v => v.playsInline)")
    finally:
        context.close()
    assert small == []
    assert videos == [True] * 5  # the reel and four clips


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


def test_the_batch_index_keeps_each_fact_whole_and_its_links_a_fingers_size(browser, tmp_path):
    """On a phone the summary wraps between facts ("0.02 video-hours" never over two lines) and each
    game's link is about 44 px high."""
    records = [{"game_id": f"game_{k}", "status": "done", "video": f"/footage/game {k}.mp4", "duration_s": 60.0,
                "highlights": 4, "files": {"html": "highlights.html"}} for k in range(2)]
    summary = {"games": 2, "done": 2, "reused": 0, "failed": 0, "highlights": 8, "video_hours_total": 0.03,
               "video_hours_per_hour": 6.276}
    page = tmp_path / "index.html"
    page.write_text(render_index(records, summary, {"engine": "local", "workers": 1}), encoding="utf-8")
    context = browser.new_context(**TOUCH_PHONE)
    try:
        tab = context.new_page()
        tab.goto(page.as_uri())
        lines = tab.eval_on_selector_all(
            ".summary span", "ss => ss.map(s => [s.textContent, s.getClientRects().length])")
        links = tab.eval_on_selector_all("td a", "as => as.map(a => Math.round(a.getBoundingClientRect().height))")
    finally:
        context.close()
    assert len(lines) == 7 and all(n == 1 for _, n in lines), lines
    assert links and min(links) >= 44, links


def test_a_batch_index_with_annotated_games_fits_a_phone_and_keeps_each_fact_whole(browser, tmp_path):
    """The recall and shown recall columns scroll within the table's box, and the pooled figures
    are facts of their own, each on one line."""
    scores = {"tolerance_s": 2.0, "events": 130, "highlights": 400, "found": 117, "recall": 0.9,
              "shown_in_reel": {"max_length_s": 12.0, "events": 130, "shown": 121, "shown_not_matched": 4}}
    records = [{"game_id": f"game_{k}", "status": "done", "video": f"/footage/game {k}.mp4", "duration_s": 5400.0,
                "highlights": 400, "files": {"html": "highlights.html"}, "scores": scores} for k in range(2)]
    summary = {"games": 2, "done": 2, "reused": 0, "failed": 0, "highlights": 800, "video_hours_total": 3.0,
               "video_hours_per_hour": 3.2,
               "against_annotations": {"games": 2, "events": 260, "found": 234, "shown": 242, "shown_not_matched": 8,
                                       "tolerance_s": 2.0, "max_length_s": 12.0, "other_batch_games_not_pooled": 3}}
    page = tmp_path / "index.html"
    page.write_text(render_index(records, summary, {"engine": "local", "workers": 1}), encoding="utf-8")
    assert _wider_than_the_screen(browser, page.as_uri()) == []
    context = browser.new_context(**TOUCH_PHONE)
    try:
        tab = context.new_page()
        tab.goto(page.as_uri())
        lines = tab.eval_on_selector_all(
            ".summary span", "ss => ss.map(s => [s.textContent, s.getClientRects().length])")
    finally:
        context.close()
    from highlights.pipeline.evaluation import Rate

    assert ([f"recall {Rate(234, 260).reported()}", 1] in lines
            and [f"shown recall {Rate(242, 260).reported()}", 1] in lines)
    assert ["3 annotated games of earlier runs not pooled", 1] in lines
    assert all(n == 1 for _, n in lines), lines


def test_the_review_page_fits_a_phones_width(browser, tmp_path):
    folder = make_detect_folder(tmp_path, "game1")
    server = ReviewServer([str(folder), "--db", str(tmp_path / "review.sqlite")])
    try:
        assert _wider_than_the_screen(browser, server.url) == []
    finally:
        server.kill()
