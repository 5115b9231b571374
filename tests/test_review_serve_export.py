"""`highlights review DIR --to-dataset ROOT --rejected-as CLASS` as a user starts it: the real
server in a subprocess on a free port, decisions and the Export button's request sent over HTTP
as the page sends them, and the dataset version it writes read back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from highlights.datasets import load_version
from tests.review_browser import ReviewServer
from tests.review_http import Page, with_server_log
from tests.review_fixtures import detect_folder_fixtures, own_classes_copy

NO_NONE_WARNING = ("the reviewed runs' model has no 'none' class (its classes: volleyball_spike, tennis_serve, "
                   "volleyball_block, rest): rejected highlights are filed under 'none', a class it never had; "
                   "--rejected-as CLASS files them under one of its own")


# The game and its detect folder, made once; tests only read them.
made_detect_folder = detect_folder_fixtures("review-serve")[0]


@pytest.fixture
def own_classes_folder(made_detect_folder, tmp_path_factory):
    """A test's own detect folder of a model with `rest` for background play and no `none`: an
    export writes `reviewed/` into it, which the next test must not find."""
    return own_classes_copy(made_detect_folder, tmp_path_factory.mktemp("review-serve-own"))


def _reject_h0_accept_h1(page: Page) -> tuple[str, dict[str, dict]]:
    code, games = page.call("GET", "/api/games")
    assert code == 200 and games["export"] is True
    game = games["games"][0]["id"]
    _, listed = page.call("GET", f"/api/games/{game}/items?limit=500")
    items = {item["id"]: item for item in listed["items"]}
    page.decide(game, items["h0"], "rejected")
    page.decide(game, items["h1"], "accepted")
    return game, items


def _clips(root: Path, version: str) -> dict[str, str]:
    """Each exported clip's item, with the class the version files it under."""
    clips = load_version(root, version).real_clips
    assert all(c.path.is_file() for c in clips)
    return {json.loads(c.provenance)["item"]: c.label for c in clips}


def test_the_export_button_files_rejected_highlights_under_the_class_given_to_the_server(own_classes_folder,
                                                                                         tmp_path):
    root = tmp_path / "datasets"
    server = ReviewServer([str(own_classes_folder), "--db", str(tmp_path / "review.sqlite"), "--to-dataset",
                           str(root), "--rejected-as", "rest"])
    try:
        page = Page(server.url)
        game, items = _reject_h0_accept_h1(page)
        code, first = page.call("POST", "/api/export")
        assert code == 200, with_server_log(first, server)
        # Nothing decided since: refused in one line the page shows.
        refused_code, refused = page.call("POST", "/api/export")
        # One more decision: the next click grows the version the first one wrote.
        page.decide(game, items["h2"], "rejected")
        code, second = page.call("POST", "/api/export")
        assert code == 200, with_server_log(second, server)
    finally:
        server.kill()
    accepted = items["h1"]["state"]["label"]
    assert _clips(root, first["version"]) == {"h0": "rest", "h1": accepted}
    assert "rest" in load_version(root, first["version"]).classes
    assert "none" not in load_version(root, first["version"]).classes
    assert first["clips"] == {"accepted": 1, "rejected": 1} and first["rejected_as"] == "rest"
    assert "(1 accepted, 1 rejected); the rejected ones filed under 'rest'" in first["message"]
    assert "warning" not in first["message"]
    assert refused_code == 400 and refused["error"] == (
        f"nothing new to export: every decided item is already in {root}/{first['version']}")
    assert (first["version"], second["version"]) == ("v1", "v2")
    assert load_version(root, "v2").meta["parent"] == "v1"
    assert _clips(root, "v2") == {"h0": "rest", "h1": accepted, "h2": "rest"}
    assert second["clips"] == {"rejected": 1}


def test_without_rejected_as_the_page_is_told_where_rejected_highlights_went(own_classes_folder, tmp_path):
    """The warning the terminal printed at the start is hours old when the reviewer clicks
    Export on the page: the export's own message says it again."""
    root = tmp_path / "datasets"
    server = ReviewServer([str(own_classes_folder), "--db", str(tmp_path / "review.sqlite"), "--to-dataset",
                           str(root)])
    try:
        page = Page(server.url)
        _reject_h0_accept_h1(page)
        code, exported = page.call("POST", "/api/export")
    finally:
        server.kill()
    assert code == 200, with_server_log(exported, server)
    assert _clips(root, exported["version"])["h0"] == "none"
    assert NO_NONE_WARNING in " ".join(exported["message"].split())


def test_a_slip_for_the_models_class_is_refused_before_the_server_listens(own_classes_folder, tmp_path):
    # the `highlights` command itself, whose refusals are one line
    done = subprocess.run([sys.executable, "-c", "from highlights.cli.app import main; main()", "review",
                           str(own_classes_folder), "--db", str(tmp_path / "review.sqlite"), "--to-dataset",
                           str(tmp_path / "datasets"), "--rejected-as", "rets", "--port", "0"],
                          capture_output=True, text=True, timeout=120)
    said = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1 and "http://" not in said and "Traceback" not in said
    assert said.startswith("error: --rejected-as: 'rets' is one slip from 'rest', a class of the model")
    assert not (tmp_path / "datasets").exists()


def test_rejected_as_without_an_export_button_is_said_to_do_nothing(own_classes_folder, tmp_path):
    server = ReviewServer([str(own_classes_folder), "--db", str(tmp_path / "review.sqlite"), "--rejected-as", "rest"])
    try:
        code, games = Page(server.url).call("GET", "/api/games")
    finally:
        server.kill()
    said = " ".join(server.stderr.split())
    assert code == 200 and games["export"] is False
    assert ("warning: --rejected-as does nothing without --to-dataset (the page has no Export button); give it to "
            "`highlights review export`") in said
