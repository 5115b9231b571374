"""The review app and a game's `highlights.html` in WebKit, the engine of Safari, which coaches use
on iPads and Macs: each page opens without an error in its console, its media load, and a review
decision made by keyboard is saved and shown again after a reload. The other browser tests run
Chromium; these skip where selenium, WebKitWebDriver or Xvfb is missing (`tests.webkit_browser`).
"""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from tests.pipeline_fixtures import make_game
from tests.review_browser import ReviewServer
from tests.webkit_browser import ERRORS_AFTER_LOAD


@pytest.fixture(scope="module")
def detect_folder(tmp_path_factory):
    """A real `detect` run's folder (page, reel, clips, thumbnails) over a short synthetic game."""
    root = tmp_path_factory.mktemp("webkit-game")
    video = make_game(root / "game", duration_s=14.0)
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "kinematics.enabled": False})
    detect_highlights(video, config, root / "run", annotation=load_annotation(video.with_suffix(".json")),
                      progress=False)
    return root / "run"


def _wait_for(driver, script: str, timeout_s: float = 20.0):
    """The script's value once it is truthy; fails with the last value after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = driver.execute_script(script)
        if value or time.monotonic() > deadline:
            assert value, f"still {value!r}: {script}"
            return value
        time.sleep(0.1)


def _broken_media(driver) -> list[str]:
    """Images that did not decode and videos with an error, by their address."""
    return driver.execute_script("""return [
        ...[...document.images].filter((i) => i.complete && i.naturalWidth === 0).map((i) => 'img ' + i.src),
        ...[...document.querySelectorAll('video')].filter((v) => v.error)
          .map((v) => 'video ' + v.currentSrc + ' ' + v.error.code)]""")


def _statuses(driver) -> dict[str, str]:
    """Each listed item's status, in the list's order (WebKit's WebDriver returns an object's keys
    in an order of its own, so they come as pairs)."""
    return dict(driver.execute_script("return [...document.querySelectorAll('#list li')]"
                                      ".map((e) => [e.dataset.item, e.dataset.status])"))


def _brightness(driver, selector: str) -> float:
    """The mean grey level (0-255) of the element as drawn, cut from a screenshot of the window
    (WebKitGTK's screenshots of one element came back black)."""
    left, top, right, bottom = driver.execute_script(
        "const b = document.querySelector(arguments[0]).getBoundingClientRect(); "
        "return [b.left, b.top, b.right, b.bottom].map((v) => Math.round(v * devicePixelRatio))", selector)
    window = cv2.imdecode(np.frombuffer(driver.get_screenshot_as_png(), np.uint8), cv2.IMREAD_GRAYSCALE)
    return float(window[top:bottom, left:right].mean())


def _open_review(webkit, url):
    d = webkit.driver
    d.get(url)
    d.execute_script(ERRORS_AFTER_LOAD)
    _wait_for(d, "return document.body.dataset.ready === '1'")


def test_the_review_page_in_webkit_saves_a_decision_made_by_keyboard(webkit, detect_folder, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    d = webkit.driver
    try:
        assert webkit.console_errors_at_load(server.url) == []
        d.set_window_size(1400, 900)
        _open_review(webkit, server.url)
        d.find_element(By.ID, "reviewer").send_keys("Ada", Keys.ENTER)
        first = _statuses(d)
        item = next(iter(first))
        assert first[item] == "pending"
        ActionChains(d).send_keys("a").perform()
        _wait_for(d, "return S.undo.length === 1")
        taken = _statuses(d)[item]
        # A highlight taken is accepted; a turned-down window taken is a missed event.
        assert taken in ("accepted", "missed")
        _wait_for(d, "const v = document.getElementById('player'); return v.readyState >= 1 && v.videoWidth > 0")
        # A segment played on a source just set, before the player has read its metadata (a game
        # just picked): it plays on from its start, where WebKit's clock stood still at the start.
        start = d.execute_script("setPlayerSource(); playSegment(); return S.items[S.sel].state.start_s")
        _wait_for(d, f"return document.getElementById('player').currentTime > {start} + 0.5")

        # The game list is drawn dark like the page, so its light text can be read: WebKit drew a
        # <select> as a light native button whatever the page's colours.
        assert _brightness(d, "#game") < 128

        errors, broken = webkit.errors_since_load(), _broken_media(d)
        d.refresh()
        d.execute_script(ERRORS_AFTER_LOAD)
        _wait_for(d, "return document.body.dataset.ready === '1'")
        again = _statuses(d)
        errors += webkit.errors_since_load()
    finally:
        server.kill()
    assert errors == [] and broken == []
    assert again[item] == taken
    assert sum(v != "pending" for v in again.values()) == 1


def test_a_games_page_in_webkit_plays_its_reel_and_jumps_to_a_highlight(webkit, detect_folder):
    from selenium.webdriver.common.by import By

    page = (detect_folder / "highlights.html").as_uri()
    assert webkit.console_errors_at_load(page) == []
    d = webkit.driver
    d.set_window_size(1400, 900)
    d.get(page)
    d.execute_script(ERRORS_AFTER_LOAD)
    _wait_for(d, "return [...document.images].every((i) => i.complete)")
    assert d.find_elements(By.CSS_SELECTOR, ".card video")  # the run wrote a clip per highlight
    # The reel plays (muted, as a page may start it without a tap).
    d.execute_script("const v = document.querySelector('video.reel'); v.muted = true; v.play();")
    _wait_for(d, "return document.querySelector('video.reel').currentTime > 0.5")
    # A bar on the timeline leads to its highlight's card.
    d.find_element(By.CSS_SELECTOR, "svg.timeline a rect").click()
    _wait_for(d, "return location.hash.startsWith('#hl-')")
    target = d.execute_script("return location.hash")
    assert d.execute_script("return document.querySelector(location.hash).matches('.card')"), target
    assert webkit.errors_since_load() == [] and _broken_media(d) == []
