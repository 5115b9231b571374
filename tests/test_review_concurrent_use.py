"""The review server under concurrent use: two tabs saving decisions while the Export button is
clicked twice at once, a second process holding the decisions database or writing the dataset
root, an exported decision undone in another tab, a fault of the server itself, and a double
click on the page's Export button. The page's requests go over HTTP to the real server
(`ReviewServer`), as the page sends them."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
import warnings

import pytest

import highlights.review.export as export_module
import highlights.review.store as store_module
from highlights.datasets import list_versions, load_version
from highlights.datasets.lock import root_write_lock
from highlights.review.errors import ReviewError
from highlights.review.export import export_review
from highlights.review.export_staging import STAGING_PREFIX
from highlights.review.games import load_games
from highlights.review.server import create_app
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.review_browser import ReviewServer, open_page
from tests.review_fixtures import detect_folder_fixtures
from tests.review_http import Page, with_server_log

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

TOKEN = "test-token"
ALREADY_RUNNING = "an export is already running"
NOTHING_NEW = "nothing new to export"


made_detect_folder, detect_folder = detect_folder_fixtures("review-concurrent")


def _items(page: Page) -> tuple[str, list[dict], list[str]]:
    """The game's id, its highlights and first turned-down windows, and its action classes."""
    code, games = page.call("GET", "/api/games")
    assert code == 200 and games["export"] is True, games
    game = games["games"][0]
    _, listed = page.call("GET", f"/api/games/{game['id']}/items?limit=500&order=time")
    items = [i for i in listed["items"] if i["id"].startswith("h")]
    items += [i for i in listed["items"] if i["id"].startswith("c")][:3]
    return game["id"], items, [c for c in game["classes"] if c != "none"]


def _accept_all(page: Page, game: str, items: list[dict], classes: list[str], name: str,
                turn: int, answers: list) -> None:
    """Every item accepted, each under the class `turn` gives it (an action relabelled, a window
    taken as a miss): each decision is one the export must carry."""
    for n, item in enumerate(items):
        state = item["state"]
        answers.append(page.call(
            "POST", f"/api/games/{game}/items/{item['id']}/decision",
            {"status": "accepted", "label": classes[(n + turn) % len(classes)],
             "start_s": state["start_s"], "end_s": state["end_s"], "reviewer": "Ada",
             "client": name}))


def _tab(page: Page, game: str, items: list[dict], classes: list[str], name: str, turn: int,
         stop: threading.Event, answers: list) -> None:
    """One tab deciding the items over and over, under another class each time, until `stop`."""
    while not stop.is_set():
        _accept_all(page, game, items, classes, name, turn, answers)
        turn += 1


def _double_click(page: Page, answers: list) -> None:
    """Two exports sent at the same moment, as a double click on a page without its guard sends
    them (or two tabs' clicks)."""
    together = threading.Barrier(2)

    def click() -> None:
        together.wait()
        answers.append(page.call("POST", "/api/export"))

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join()


def test_two_tabs_saving_during_double_clicked_exports_lose_no_decision(detect_folder, tmp_path):
    root, db = tmp_path / "datasets", tmp_path / "review.sqlite"
    server = ReviewServer([str(detect_folder), "--db", str(db), "--to-dataset", str(root)])
    decided, exported, stop = [], [], threading.Event()
    try:
        page = Page(server.url)
        game, items, classes = _items(page)
        _accept_all(page, game, items, classes, "first", 0, decided)
        tabs = [threading.Thread(target=_tab, args=(page, game, items, classes, name, turn, stop,
                                                    decided))
                for name, turn in (("tab-a", 1), ("tab-b", 2))]
        try:
            for t in tabs:
                t.start()
            for _ in range(3):
                _double_click(page, exported)
        finally:
            stop.set()
            for t in tabs:
                t.join()
        # The decisions as they stand now, exported once more (or already all in the last version).
        exported.append(page.call("POST", "/api/export"))
    finally:
        server.kill()
    assert "Traceback" not in server.stderr, server.stderr
    refused = [answer for code, answer in decided if code != 200]
    assert decided and not refused, refused[:3]
    for code, answer in exported:
        said = answer.get("error") or answer.get("detail") or ""
        assert code == 200 or (code == 409 and said.startswith(ALREADY_RUNNING)) or (
            code == 400 and said.startswith(NOTHING_NEW)), with_server_log(answer, server)
    assert sum(code == 200 for code, _ in exported) >= 1
    # The latest version holds one clip per decided item, under the class its last decision gave.
    with DecisionStore(db) as decisions:
        standing = {item: d.label for (_, item), d in decisions.current().items()}
    clips = load_version(root, list_versions(root)[-1]).real_clips
    held = [json.loads(c.provenance)["item"] for c in clips]
    assert sorted(held) == sorted(standing)
    assert {json.loads(c.provenance)["item"]: c.label for c in clips} == standing


def test_a_decision_while_another_process_writes_the_database_is_refused_in_one_line(
        detect_folder, tmp_path, monkeypatch):
    """A second review (or a Label Studio import) on the same database holding its write lock
    past the busy timeout: the page is told so in one line, and the decision saves once it ends."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "review.sqlite"
    session = ReviewSession(load_games([detect_folder]), DecisionStore(db))
    client = TestClient(create_app(session, TOKEN), raise_server_exceptions=False)
    game = session.games[0].id
    item = session.states(game)[0]
    body = {"status": "rejected", "start_s": item["start_s"], "end_s": item["end_s"],
            "reviewer": "Ada"}
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the other process's write, not ended
        refused = client.post(f"/api/games/{game}/items/{item['id']}/decision", json=body,
                              headers={"X-Review-Token": TOKEN})
        other.execute("ROLLBACK")
        saved = client.post(f"/api/games/{game}/items/{item['id']}/decision", json=body,
                            headers={"X-Review-Token": TOKEN})
    finally:
        other.close()
        session.store.close()
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == (
        f"{db}: another process has held the review's decisions for writing for over 0.2 s "
        "(another `highlights review` or a Label Studio import on the same --db?): nothing was "
        "written; try again")
    assert saved.status_code == 200 and saved.json()["state"]["status"] == "rejected"


def test_a_review_started_while_another_process_writes_its_database_is_refused_in_one_line(
        tmp_path, monkeypatch):
    """`highlights review` started on a --db whose write lock another process holds: its first
    write, the access token of a new database, is refused as a decision is, in one line."""
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    db = tmp_path / "review.sqlite"
    DecisionStore(db).close()  # a database made, no review served from it yet
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with DecisionStore(db) as store, pytest.raises(ReviewError) as refused:
            store.token(lambda: "fresh")
        other.execute("ROLLBACK")
        with DecisionStore(db) as store:
            assert store.token(lambda: "fresh") == "fresh"
    finally:
        other.close()
    assert str(refused.value).startswith(f"{db}: another process has held the review's decisions")


def test_an_export_while_another_process_writes_the_dataset_root_says_to_export_again(
        detect_folder, tmp_path, monkeypatch):
    """`review export` in a terminal, a `dataset grow`, or another review's Export writing the same
    root: said before a clip is cut, or, when that writer starts after the check, when the
    version is written; in words an export can act on, where the dataset code said to pass
    --wait, an option no export has."""
    root = tmp_path / "datasets"
    root.mkdir()
    session = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        item = session.states(session.games[0].id)[0]
        session.decide(session.games[0].id, item["id"], status="accepted", label=item["label"],
                       start_s=item["start_s"], end_s=item["end_s"], reviewer="Ada")
        with root_write_lock(root):
            with pytest.raises(ReviewError) as before_cutting:
                export_review(session, root)
            monkeypatch.setattr(export_module, "root_being_written", lambda root: False)
            with pytest.raises(ReviewError) as at_the_version:
                export_review(session, root)
        monkeypatch.undo()
        made = export_review(session, root).version  # once the other writer has finished
    finally:
        session.store.close()
    said = ("is writing this dataset root; export again once it has finished (every decision is "
            "kept)")
    assert str(before_cutting.value) == f"{root}: another process {said}"
    assert str(at_the_version.value) == f"{root}: another process (pid {os.getpid()}) {said}"
    assert made.name == "v1" and [c.label for c in made.real_clips] == [item["label"]]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_an_export_after_an_exported_decision_was_undone_says_its_clip_stays(detect_folder,
                                                                             tmp_path):
    """Another tab (or this one) undid a decision after its export: the Export button said the
    version it grows was written again, with the clips of the decisions left, where nothing was
    written and the version still holds the undone item's clip."""
    root = tmp_path / "datasets"
    session = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        game = session.games[0]
        made = {}
        for state in session.states(game.id)[:2]:
            made[state["id"]] = session.decide(
                game.id, state["id"], status="accepted", label=state["label"],
                start_s=state["start_s"], end_s=state["end_s"], reviewer="Ada")["decision_id"]
        first = export_review(session, root).version
        undone = sorted(made)[-1]
        session.undo(made[undone], reviewer="Bea")
        with pytest.raises(ReviewError) as again:
            export_review(session, root, parent=first.name)
    finally:
        session.store.close()
    assert str(again.value) == (
        f"nothing new to export: every decided item is already in {root}/v1, which also holds "
        f"the clips of 1 item undone since ({game.name}/{undone}): they stay there until those "
        "items are decided again")
    assert list_versions(root) == ["v1"]


def test_a_fault_of_the_server_reaches_the_page_as_one_line(detect_folder, tmp_path):
    """An error that is no user's (a disk failing under the export): the page is told what failed
    in one line, where it was given a bare "Internal Server Error" it showed as "HTTP 500"."""
    staged = tmp_path / "staging" / "clip.mp4"

    def export() -> dict:
        raise OSError(errno.EIO, "Input/output error", str(staged))

    session = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        app = create_app(session, TOKEN, export=export)
        client = TestClient(app, raise_server_exceptions=False)
        failed = client.post("/api/export", headers={"X-Review-Token": TOKEN})
    finally:
        session.store.close()
    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/json"
    assert failed.json() == {"error": "the review server failed on POST /api/export (OSError: "
                                      f"[Errno 5] Input/output error: '{staged}'); its terminal "
                                      "shows where"}


def test_a_double_clicked_export_button_sends_one_export(browser, detect_folder, tmp_path):
    """The button is off while its export runs: a second click sent a second export, refused as
    one already running, and the page said "Export failed" while the first went on."""
    root = tmp_path / "datasets"
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite"),
                           "--to-dataset", str(root)])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    sent, shown = [], []
    try:
        http = Page(server.url)
        game, items, _ = _items(http)
        http.decide(game, items[0], "accepted")
        page = context.new_page()
        page.on("request",
                lambda r: sent.append(r.method) if "/api/export" in r.url else None)
        open_page(page, server.url)
        # every line the status showed, not only the last one
        page.evaluate("""() => {
            window.shownLines = []; const s = document.getElementById('status');
            new MutationObserver(() => window.shownLines.push(s.textContent)).observe(
                s, {childList: true, characterData: true, subtree: true}); }""")
        page.dblclick("#exportBtn")
        page.wait_for_function(
            "() => /written/.test(document.getElementById('status').textContent)", timeout=120000)
        shown = page.evaluate("() => window.shownLines")
    finally:
        context.close()
        server.kill()
    assert sent == ["POST"], shown
    assert not any("failed" in line for line in shown), shown
    assert list_versions(root) == ["v1"]


def test_an_export_held_by_a_hung_process_is_named_on_the_page_and_taken_over_once_it_is_gone(
        browser, detect_folder, tmp_path):
    """Another review server's export on the same dataset root, hung: a click is refused with one
    line naming that process and how long it has run, where it waited or was refused with no end;
    once that process is gone (killed), the next click exports."""
    import signal
    import subprocess
    import sys

    root = tmp_path / "datasets"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from highlights.review.export_lock import ExportLock\n"
         "with ExportLock(Path(sys.argv[1])).held():\n    print('held', flush=True)\n"
         "    time.sleep(600)\n", str(root)],
        stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    server = ReviewServer([str(detect_folder), "--db", str(tmp_path / "review.sqlite"),
                           "--to-dataset", str(root)])
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        assert holder.stdout.readline().strip() == "held"
        http = Page(server.url)
        game, items, _ = _items(http)
        http.decide(game, items[0], "accepted")
        page = context.new_page()
        open_page(page, server.url)
        page.click("#exportBtn")
        page.wait_for_function("() => /already running/.test(document.getElementById('status')"
                               ".textContent)", timeout=60000)
        said = page.inner_text("#status")
        assert said.startswith(f"Not exported: {ALREADY_RUNNING} (by process {holder.pid}, for ")
        assert f"stopping process {holder.pid} ends it" in said and "\n" not in said, said
        assert list_versions(root) == []
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        page.click("#exportBtn")
        page.wait_for_function(
            "() => /written/.test(document.getElementById('status').textContent)", timeout=120000)
    finally:
        context.close()
        server.kill()
        if holder.poll() is None:
            holder.kill()
        holder.wait(10)
        holder.stdout.close()
    assert list_versions(root) == ["v1"]
