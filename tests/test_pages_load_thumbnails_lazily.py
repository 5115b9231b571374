"""A long game's `highlights.html` in Chromium fetches a card's thumbnail only as the card comes near
the view: a 90-minute game has some 1,600 highlights, whose thumbnails (as the clips' posters) a
browser fetched all at once at page open, on a phone too. Opened from file://, as a coach opens the
output folder, over the project's synthetic game. Skipped where Playwright or Chromium is missing
(`tests.review_browser`)."""

from __future__ import annotations

import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import write_all
from highlights.synth import GameConfig, generate_game

COUNT = 60  # cards enough to run several screens below the first
SHOWN = "(i => i && i.complete && i.naturalWidth > 0)"
IN_VIEW_SHOWN = (f"[...document.querySelectorAll('.card')].filter(c => c.getBoundingClientRect().top < innerHeight)"
                 f".every(c => {SHOWN}(c.querySelector('img')))")
ALL_SHOWN = f"[...document.querySelectorAll('.card img')].every({SHOWN})"
NEXT_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture(scope="module")
def game_page(tmp_path_factory):
    """`highlights.html` with a clip and a thumbnail for each of COUNT highlights, and the
    thumbnails' file names in card order."""
    root = tmp_path_factory.mktemp("lazy-thumbs")
    files = generate_game(root, GameConfig(minutes=0.5, width=320, height=180, fps=15, events_per_minute=4,
                                           seed=3, name="game"))
    highlights = [Highlight(0.5 * k, 0.5 * k + 0.4, "baseball_swing", "baseball", 0.9, 0.5 * k + 0.2, {})
                  for k in range(COUNT)]
    paths = write_all(highlights, files["video"], root / "out", progress=False, reel=False)
    thumbs = sorted(p.name for p in paths["thumbs"].iterdir())
    assert len(thumbs) == COUNT
    return paths["html"], thumbs


def test_thumbnails_load_as_their_cards_come_near_the_view(browser, game_page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page_path, thumbs = game_page
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = context.new_page()
        fetched: set[str] = set()
        tab.on("request", lambda r: fetched.add(r.url.rsplit("/", 1)[-1]) if "/thumbs/" in r.url else None)
        tab.goto(page_path.as_uri())
        tab.wait_for_load_state("load")
        # Waits on what the page shows rather than for fixed times, which a busy machine outlasts.
        try:
            tab.wait_for_function(f"() => {IN_VIEW_SHOWN}", timeout=30000)
        except PlaywrightTimeout:
            pass  # the assertion below says which picture is missing
        at_open = set(fetched)
        # The cards in the first view, by their place on the page (card k shows thumbnail k).
        in_view = tab.eval_on_selector_all(".card", "cs => cs.map(c => c.getBoundingClientRect().top < innerHeight)")
        shown = {thumbs[k] for k, seen in enumerate(in_view) if seen}
        # Step down the page as a reader scrolls, to its end, each step drawn before the next
        # (a lazy image is fetched when a drawn frame finds its card near the view).
        for _ in range(200):
            if tab.evaluate("() => innerHeight + scrollY >= document.documentElement.scrollHeight - 1"):
                break
            tab.mouse.wheel(0, 700)
            tab.evaluate(NEXT_FRAMES)
        try:
            tab.wait_for_function(f"() => {ALL_SHOWN}", timeout=60000)
        except PlaywrightTimeout:
            pass  # the assertions below say which pictures were not fetched or are broken
        at_end = set(fetched)
        broken = tab.eval_on_selector_all(
            ".card img", "is => is.filter(i => !(i.complete && i.naturalWidth > 0)).length")
    finally:
        context.close()
    assert shown and shown <= at_open  # the first view's pictures are there at once
    assert thumbs[-1] not in at_open, f"{len(at_open)} of {COUNT} thumbnails fetched at page open"
    assert len(at_open) < COUNT / 2
    assert at_end == set(thumbs)
    assert broken == 0


def test_a_cards_clip_is_labelled_and_plays_over_its_thumbnail(browser, game_page):
    """The thumbnail under the clip is the card's face until the clip plays; a screen reader hears
    the video's label once, not the picture that repeats it."""
    page_path, thumbs = game_page
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(page_path.as_uri())
        tab.wait_for_load_state("load")
        card = tab.locator("#hl-002")
        face = card.locator("img").bounding_box()
        video = card.get_by_label("clip #2, baseball_swing at 00:00:00.700")
        box = video.bounding_box()
        alt = card.locator("img").get_attribute("alt")
        video.focus()
        focused = tab.evaluate("() => document.activeElement.tagName")
        video.evaluate("v => { v.muted = true; return v.play(); }")
        tab.wait_for_function("() => document.querySelector('#hl-002 video').currentTime > 0.1", timeout=15000)
    finally:
        context.close()
    assert alt == ""
    assert focused == "VIDEO"
    assert face["height"] > 100  # the thumbnail has its size on the card
    assert (round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"])) == \
        (round(face["x"]), round(face["y"]), round(face["width"]), round(face["height"]))
