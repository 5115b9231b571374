"""The review page on a phone, used by touch alone: no keyboard, so every step a reviewer takes by
key has a button a finger can hit (about 44 px), and a decision made by tapping is the one the
server records. On a desktop the page stays as it was: keys, their hints and no touch buttons.
Skipped where Playwright or Chromium is missing (`tests.review_browser`)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from tests.review_browser import ReviewServer
from tests.review_fixtures import (
    MODEL, copy_detect_folder, detect_folder_fixtures, make_detect_folder,
)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE_ON_ITS_SIDE = {**PHONE, "viewport": {"width": 844, "height": 390}}
TABLET = {**PHONE, "viewport": {"width": 820, "height": 1180}, "device_scale_factor": 2}
# A phone's own name for its video, long enough to overflow a phone's width in the game list.
LONG_NAME = "PXL_20261204_153012345_saturday_under_twelves_home_game_second_half"


made_detect_folder = detect_folder_fixtures("review-touch", LONG_NAME)[0]


def _review(folder, root):
    # With a dataset to export to, the header holds every control it can have (Export too).
    return ReviewServer([str(folder), "--db", str(root / "review.sqlite"), "--to-dataset", str(root / "datasets")])


@pytest.fixture(scope="module")
def server(made_detect_folder, tmp_path_factory):
    """The review the tests that only look at the page share: none of them decides an item."""
    running = _review(made_detect_folder, tmp_path_factory.mktemp("review-touch-db"))
    yield running
    running.kill()


@pytest.fixture
def deciding_server(made_detect_folder, tmp_path_factory):
    """A review of a test's own, for a test that decides items: the next test finds them pending."""
    root = tmp_path_factory.mktemp("review-touch-decided")
    running = _review(copy_detect_folder(made_detect_folder, root), root)
    yield running
    running.kill()


def _server_states(server) -> dict[str, tuple[str, str]]:
    """{item id: (status, label)} as the server has them, asked over its API."""
    parts = urllib.parse.urlsplit(server.url)
    token = urllib.parse.parse_qs(parts.query)["token"][0]
    base = f"{parts.scheme}://{parts.netloc}"

    def get(path: str) -> dict:
        request = urllib.request.Request(base + path, headers={"X-Review-Token": token})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)

    game = get("/api/games")["games"][0]["id"]
    items = get(f"/api/games/{urllib.parse.quote(game)}/items?limit=500")["items"]
    return {it["id"]: (it["state"]["status"], it["state"]["label"]) for it in items}


def _open(browser, server, device):
    context = browser.new_context(**device)
    page = context.new_page()
    page.goto(server.url)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)
    return context, page


def _selected(page) -> str:
    return page.eval_on_selector("#list li.sel", "li => li.dataset.item")


def test_every_control_is_a_fingers_size_on_a_phone_and_the_page_fits(browser, server):
    context, page = _open(browser, server, PHONE)
    try:
        small = page.evaluate("""() => [...document.querySelectorAll('header input, header select, header button,'
                                  + ' #controls button, #pager button')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 44 || r.height < 44)
            .map(([name, r]) => name + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")
        width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        shown = page.evaluate("""() => Object.fromEntries(['#bPrev', '#bNext', '#bPlay', '#touchHelp', '#help']
            .map(s => [s, document.querySelector(s).offsetParent !== null]))""")
        hints = page.evaluate("() => [...document.querySelectorAll('kbd')].filter(k => k.offsetParent !== null).length")
    finally:
        context.close()
    assert small == []
    assert width[0] <= width[1], f"the page is {width[0]} px wide on a {width[1]} px screen"
    assert shown == {"#bPrev": True, "#bNext": True, "#bPlay": True, "#touchHelp": True, "#help": False}
    assert hints == 0  # no keys to press on a phone


def test_a_desktop_keeps_its_keys_and_shows_no_touch_buttons(browser, server):
    context, page = _open(browser, server, DESKTOP)
    try:
        shown = page.evaluate("""() => Object.fromEntries(['#bPrev', '#bNext', '#bPlay', '#touchHelp', '#help']
            .map(s => [s, document.querySelector(s).offsetParent !== null]))""")
        accept = page.eval_on_selector("#bAccept", "b => b.getBoundingClientRect().height")
    finally:
        context.close()
    assert shown == {"#bPrev": False, "#bNext": False, "#bPlay": False, "#touchHelp": False, "#help": True}
    assert accept < 40  # the desktop's compact buttons


def test_tapping_moves_accepts_and_relabels_and_the_server_records_it(browser, deciding_server):
    server = deciding_server
    context, page = _open(browser, server, PHONE)
    try:
        page.fill("#reviewer", "coach")
        order = page.eval_on_selector_all("#list li", "els => els.map(e => e.dataset.item)")
        assert _selected(page) == order[0]
        page.tap("#bNext")
        page.wait_for_function("id => document.querySelector('#list li.sel').dataset.item === id", arg=order[1])
        page.tap("#bPrev")
        page.wait_for_function("id => document.querySelector('#list li.sel').dataset.item === id", arg=order[0])
        page.tap("#bNext")
        page.wait_for_function("id => document.querySelector('#list li.sel').dataset.item === id", arg=order[1])
        accepted_label = page.eval_on_selector("#current b", "b => b.textContent.trim()")
        page.tap("#bAccept")  # decides order[1] and moves on to order[2]
        page.wait_for_function("id => document.querySelector('#list li.sel').dataset.item === id", arg=order[2])
        classes = page.eval_on_selector_all("#classButtons button", "bs => bs.map(b => b.textContent)")
        page.tap("#classButtons button >> nth=2")  # relabels order[2] to the third class
        page.wait_for_function("id => document.querySelector('#list li.sel').dataset.item === id", arg=order[3])
    finally:
        context.close()
    states = _server_states(server)
    assert states[order[0]][0] == "pending"  # passed over by tapping next, not decided
    assert states[order[1]] == ("accepted", accepted_label)
    assert states[order[2]] == ("accepted", classes[2].split(" ", 1)[1])
    assert states[order[3]][0] == "pending"


def test_on_a_phone_on_its_side_the_video_and_the_decision_buttons_fit_the_screen(browser, server):
    """390 px tall: the header wrapped to three rows and more, and Accept, Reject and the classes
    needed a scroll before every decision. Each item in turn, they lie within the screen unscrolled."""
    context, page = _open(browser, server, PHONE_ON_ITS_SIDE)
    try:
        order = page.eval_on_selector_all("#list li", "els => els.map(e => e.dataset.item)")
        classes = page.eval_on_selector_all("#classButtons button", "bs => bs.length")
        outside = []
        for number, item in enumerate(order):
            if number:
                page.tap("#bNext")
                page.wait_for_function("id => document.querySelector('#list li.sel').dataset.item === id", arg=item)
            outside += page.evaluate("""n => [scrollY ? ['the page scrolled by', scrollY] : null,
                ...['#player', '#bAccept', '#bReject', ...[...document.querySelectorAll('#classButtons button')]]
                  .map(e => typeof e === 'string' ? document.querySelector(e) : e)
                  .map(e => [e.id || e.textContent.trim(), e.getBoundingClientRect()])
                  .filter(([, r]) => r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
                  .map(([name, r]) => [name, 'at item ' + n, Math.round(r.top), Math.round(r.bottom)])]
                .filter(x => x)""", number)
    finally:
        context.close()
    assert len(order) > 8 and classes >= 2  # the list scrolls within itself, and there are classes to check
    assert outside == []




def test_on_a_phone_on_its_side_a_long_message_keeps_to_two_lines_and_opens_on_a_tap(browser, server):
    """The message where an export went wrapped to four lines on a phone on its side and pushed
    the decision buttons below the screen. It keeps to two lines, whole in its tooltip and on a tap."""
    message = ("Exported 12 reviewed segments as v3 of /home/coach/highlights/datasets/under-twelves "
               "(9 accepted, 2 relabelled, 1 missed event; 3 rejected left out): train on it with "
               "highlights train --root /home/coach/highlights/datasets/under-twelves --version v3")
    context, page = _open(browser, server, PHONE_ON_ITS_SIDE)
    lines = """() => { const s = document.querySelector('#status');
        return [Math.round(s.getBoundingClientRect().height /
          parseFloat(getComputedStyle(s).lineHeight)), s.title]; }"""
    try:
        page.evaluate("m => status(m)", message)
        shown, title = page.evaluate(lines)
        outside = page.evaluate(_ON_SCREEN)
        page.tap("#status")
        opened, _ = page.evaluate(lines)
        page.evaluate("() => status('Undone.')")
        after, _ = page.evaluate(lines)
    finally:
        context.close()
    assert shown == 2 and title == message
    assert outside == [0], f"the page scrolled or the player or a decision button left the screen: {outside}"
    assert opened > 2  # the whole message, on a tap
    assert after == 1  # a new message starts closed again

@pytest.fixture(scope="module")
def fusion_server(tmp_path_factory):
    """A game whose items a fusion of a club's checkpoint and pose model proposed: the longest name
    a model has on the page."""
    root = tmp_path_factory.mktemp("review-fusion")
    folder = make_detect_folder(root, LONG_NAME)
    data = json.loads((folder / "highlights.json").read_text())
    data["config"]["classifier"] = {"backend": "fusion", "checkpoint": FUSION_CHECKPOINT,
                                    "pose_model": "pose/club.npz", "fusion_weight": 0.7}
    data["stages"]["classifier"] = "fusion"
    data["inference_backend"] = "torchscript+pose-mlp"
    (folder / "highlights.json").write_text(json.dumps(data))
    running = ReviewServer([str(folder), "--db", str(root / "review.sqlite")])
    yield running
    running.kill()


FUSION_CHECKPOINT = "/home/coach/highlights/runs/under-twelves-2026/v3/best.pt"
_PROPOSED_BY = """() => { const p = document.querySelector('#proposedBy'), r = p.getBoundingClientRect();
    return {text: p.textContent, title: p.title, shown: p.offsetParent !== null, lines: Math.round(r.height /
            parseFloat(getComputedStyle(p).lineHeight)), cut: p.scrollWidth > p.clientWidth,
            within: r.left >= 0 && r.right <= innerWidth && r.top >= 0 && r.bottom <= innerHeight}; }"""
_ON_SCREEN = """() => [scrollY, ...['#player', '#bAccept', '#bReject'].map(s => document.querySelector(s)
    .getBoundingClientRect()).filter(r => r.top < 0 || r.bottom > innerHeight).map(r => r.bottom)]"""


@pytest.mark.parametrize("device", [PHONE_ON_ITS_SIDE, PHONE, DESKTOP], ids=["phone-on-its-side", "phone", "desktop"])
def test_the_page_names_the_model_that_proposed_the_games_items(browser, server, fusion_server, device):
    """How far a reviewer trusts the proposals depends on the model that made them: the page names
    it above the list. On a phone on its side a fusion's long name is cut to one line that leaves
    the video and the decision buttons on the screen unscrolled, and a tap shows the whole of it."""
    context, page = _open(browser, server, device)
    try:
        checkpoint = page.evaluate(_PROPOSED_BY)
    finally:
        context.close()
    assert checkpoint["text"] == checkpoint["title"] == f"Proposed by {MODEL} (torchscript)"
    assert checkpoint["shown"] and checkpoint["lines"] == 1 and not checkpoint["cut"]
    if device is not PHONE:  # a phone held upright shows the list under the player, a scroll away
        assert checkpoint["within"]

    context, page = _open(browser, fusion_server, device)
    try:
        fusion = page.evaluate(_PROPOSED_BY)
        on_screen = page.evaluate(_ON_SCREEN)
        page.click("#proposedBy")
        tapped = page.evaluate(_PROPOSED_BY)
    finally:
        context.close()
    whole = (f"Proposed by fusion of {FUSION_CHECKPOINT} and pose/club.npz (torchscript+pose-mlp, fusion weight 0.7 "
             "(the R(2+1)D's share; the pose model's 0.3))")
    assert fusion["text"] == fusion["title"] == whole and fusion["shown"]
    if device is not PHONE:  # (upright, the page scrolls to the list's selected item, as it did before)
        assert on_screen == [0]
    if device is PHONE_ON_ITS_SIDE:
        assert fusion["lines"] == 1 and fusion["cut"] and fusion["within"]
        assert tapped["lines"] > 1 and not tapped["cut"]
    else:  # room to wrap: the whole name, no tap needed
        assert fusion["lines"] > 1 and not fusion["cut"]
        assert tapped["lines"] == fusion["lines"]


_HEADER_CONTROLS = """() => [...document.querySelectorAll('header input, header select, header button')]
    .map(e => [e.id, e.offsetParent !== null, e.getBoundingClientRect()])
    .map(([id, shown, r]) => [id, shown, Math.round(r.left), Math.round(r.right), Math.round(r.top),
                              Math.round(r.bottom)])"""


@pytest.mark.parametrize("device", [PHONE_ON_ITS_SIDE, PHONE, TABLET, DESKTOP],
                         ids=["phone-on-its-side", "phone", "tablet", "desktop"])
def test_every_header_control_is_on_the_screen_without_a_sideways_scroll(browser, server, device):
    """On a phone on its side the header is one row: the order, the missed-event class and export
    were past the screen's right edge, behind a sideways swipe. Every control lies within the
    screen's width, those the short screen folds into its More menu once the menu is open."""
    context, page = _open(browser, server, device)
    try:
        width = page.evaluate("() => innerWidth")
        row = page.evaluate(_HEADER_CONTROLS)
        folded = page.evaluate("() => document.querySelector('#moreBtn')?.offsetParent != null")
        if folded:
            page.tap("#moreBtn")
            opened = page.evaluate(_HEADER_CONTROLS)
            height = page.evaluate("() => innerHeight")
            page.select_option("#order", "time")  # a choice closes the menu
            closed = page.evaluate("() => document.querySelector('#order').offsetParent === null")
        scroll = page.evaluate("() => [document.querySelector('header').scrollWidth, "
                               "document.querySelector('header').clientWidth, document.documentElement.scrollWidth]")
    finally:
        context.close()
    names = {"reviewer", "game", "order", "missLabel", "exportBtn"}
    assert scroll[0] <= scroll[1] and scroll[2] <= width, f"the header scrolls sideways: {scroll} on {width} px"
    if not folded:
        assert {c[0] for c in row if c[1]} == names
        assert [c for c in row if c[1] and (c[2] < 0 or c[3] > width)] == []
        return
    assert device is PHONE_ON_ITS_SIDE  # the menu is for a short screen only
    assert {c[0] for c in row if c[1]} == {"reviewer", "game", "moreBtn"}
    assert [c for c in row if c[1] and (c[2] < 0 or c[3] > width)] == []
    assert {c[0] for c in opened if c[1]} == names | {"moreBtn", "keyBtn"}
    assert [c for c in opened if c[1] and (c[2] < 0 or c[3] > width or c[4] < 0 or c[5] > height)] == []
    assert closed


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_page_opens_at_its_top_and_moving_down_the_list_scrolls_the_list_alone(browser, server, device):
    # Keeping the selected item in view must scroll the list's own box, never the page: on a phone
    # held upright the list lies below the video, and scrolling the page to it put the video's top
    # off the screen as the page opened and at every step (there the list is part of the page and
    # the reviewer scrolls to it).
    context, page = _open(browser, server, device)
    try:
        opened_at = page.evaluate("() => [scrollY, document.querySelector('#player').getBoundingClientRect().top]")
        count = page.evaluate("() => document.querySelectorAll('#list li').length")
        for _ in range(count - 1):
            page.keyboard.press("j")
        moved = page.evaluate("""() => {
            const ul = document.querySelector('#list'), li = ul.querySelector('li.sel');
            const u = ul.getBoundingClientRect(), r = li.getBoundingClientRect();
            return [scrollY, ul.scrollTop, r.top >= u.top - 1 && r.bottom <= u.bottom + 1,
                    [...ul.children].indexOf(li)];
        }""")
    finally:
        context.close()
    assert count > 10, "the fixture's list is too short to need scrolling"
    assert opened_at[0] == 0 and opened_at[1] >= 0, f"the page opened scrolled by {opened_at[0]} px"
    assert moved[3] == count - 1
    assert moved[0] == 0, f"moving down the list scrolled the page by {moved[0]} px"
    if device is DESKTOP:  # a narrow screen has the list in the page, not in a box of its own
        assert moved[1] > 0 and moved[2], "the last item is not scrolled into the list's view"


_KEY = """() => { const key = document.querySelector('#timelineKey'), r = key.getBoundingClientRect();
    return {shown: key.offsetParent !== null || getComputedStyle(key).position === 'fixed' && r.height > 0,
            inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
            words: [...key.querySelectorAll('span')].filter(s => s.getBoundingClientRect().height > 0)
                     .map(s => s.textContent.trim()),
            button: document.querySelector('#keyBtn').offsetParent !== null}; }"""


@pytest.mark.parametrize("device", [PHONE_ON_ITS_SIDE, DESKTOP], ids=["phone-on-its-side", "desktop"])
def test_the_timelines_key_is_reachable_on_a_short_screen(browser, server, device):
    """Under 500 px tall the key beneath the timeline was hidden, with nothing to show it: what the
    bars' colours and patterns meant could not be read. There it opens from the More menu, inside
    the screen, and closes with Escape; a taller screen shows it beneath the timeline as before."""
    context, page = _open(browser, server, device)
    try:
        before = page.evaluate(_KEY)
        if device is PHONE_ON_ITS_SIDE:
            page.tap("#moreBtn")
            page.tap("#keyBtn")
            opened = page.evaluate(_KEY)
            expanded = page.get_attribute("#keyBtn", "aria-expanded")
            page.keyboard.press("Escape")
            closed = page.evaluate(_KEY)
    finally:
        context.close()
    # each decision's colour, and the mark of the selected item's key moment
    decisions = ["not decided", "accepted", "relabelled", "rejected", "missed", "the selected item's key moment"]
    if device is DESKTOP:
        assert before["shown"] and before["inside"] and before["words"][1:] == decisions and not before["button"]
        return
    assert not before["shown"]
    assert opened["shown"] and opened["inside"] and opened["words"][1:] == decisions and expanded == "true"
    assert not closed["shown"]
