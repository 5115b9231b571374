"""The review: turned-down windows in detect's output, decisions in SQLite, the API's security,
export to the next dataset version with provenance and annotations, and Label Studio interop."""

from __future__ import annotations

import json
import sqlite3
import threading
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.datasets import DatasetError, load_version
from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from highlights.review.errors import ReviewError
from highlights.review.export import export_review
from highlights.review.games import load_games
from highlights.review.labelstudio import export_tasks, import_annotations, to_frame
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from highlights.video import VideoError
from tests.bad_inputs import truncated_faststart_copy
from tests.pipeline_fixtures import make_game
from tests.review_fixtures import (
    MODEL, detect_folder_fixtures, make_detect_folder, own_classes_copy,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

TOKEN = "test-token"


# A test's own copy of the detect folder: an export writes `reviewed/` into it and tests write
# beside it, which the next test must not find.
made_detect_folder, detect_folder = detect_folder_fixtures("review")


@pytest.fixture
def session(detect_folder, tmp_path):
    s = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    yield s
    s.store.close()


def _truth(detect_folder):
    data = json.loads((detect_folder / "highlights.json").read_text())
    return data, load_annotation(data["video"]["path"].replace(".mp4", ".json"))


# ---------------------------------------------------------------- detect's turned-down windows

def test_detect_writes_every_turned_down_window_with_its_probabilities(tmp_path):
    video = make_game(tmp_path / "game", duration_s=14.0)
    annotation = load_annotation(video.with_suffix(".json"))
    # Candidates and kinematics off: the classifier tiles the whole game, so most windows are turned down.
    cfg = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                           "classifier.backend": "oracle", "kinematics.enabled": False,
                                           "candidates.enabled": False})
    result, _ = detect_highlights(video, cfg, tmp_path / "out", annotation=annotation, progress=False)
    data = json.loads((tmp_path / "out" / "highlights.json").read_text())
    turned_down = {tuple(c["window"]) for c in result.trace.classifications if not c["accepted"]}
    taken = {tuple(c["window"]) for c in result.trace.classifications if c["accepted"]}
    assert turned_down and taken
    windows = [(c["start_s"], c["end_s"]) for c in data["candidates"]]
    assert set(windows) == turned_down and len(windows) == len(turned_down)
    assert windows == sorted(windows)
    for c in data["candidates"]:
        assert sum(c["probs"].values()) == pytest.approx(1.0, abs=1e-3)
        assert c["label"] == max(c["probs"], key=c["probs"].get)


# ---------------------------------------------------------------- store

def test_the_latest_decision_stands_undo_restores_the_one_before_and_nothing_is_lost(tmp_path):
    path = tmp_path / "d.sqlite"
    store = DecisionStore(path)
    a = store.decide("g", "h0", status="accepted", label="baseball_swing", start_s=1, end_s=2, key_s=1.5,
                     reviewer="Ada", client="tab1")
    b = store.decide("g", "h0", status="rejected", label=None, start_s=1, end_s=2, key_s=1.5,
                     reviewer="Bob", client="tab2")
    assert store.current()[("g", "h0")].id == b.id
    store.undo(b.id, reviewer="Bob")
    assert store.current()[("g", "h0")].id == a.id
    with pytest.raises(ReviewError, match="already undone"):
        store.undo(b.id, reviewer="Bob")
    with pytest.raises(ReviewError, match="reviewer"):
        store.decide("g", "h1", status="accepted", label="x", start_s=0, end_s=1, key_s=None, reviewer=" ")
    store.undo(a.id, reviewer="Ada")
    assert ("g", "h0") not in store.current()
    # Not closed: as if the process were killed. A second connection sees every row.
    other = sqlite3.connect(path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert other.execute("SELECT COUNT(*) FROM decisions").fetchone()[0] == 4
    other.close()
    assert len(DecisionStore(path).history("g")) == 4


def test_concurrent_decisions_from_many_tabs_all_land(tmp_path):
    store = DecisionStore(tmp_path / "d.sqlite")

    def tab(n):
        for i in range(40):
            store.decide("g", f"h{i % 5}", status="accepted", label="basketball_layup", start_s=0, end_s=1 + n,
                         key_s=None, reviewer=f"r{n}", client=f"tab{n}")

    threads = [threading.Thread(target=tab, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = store.history("g")
    assert len(history) == 160 and [d.id for d in history] == sorted(d.id for d in history)
    current = store.current("g")
    for i in range(5):  # each item's state is exactly its last row, whole
        last = max((d for d in history if d.item == f"h{i}"), key=lambda d: d.id)
        assert current[("g", f"h{i}")] == last and last.end_s == 1 + int(last.client[3:])
    assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# ---------------------------------------------------------------- items

def test_items_put_the_least_certain_first_and_offer_turned_down_windows_outside_highlights(session, detect_folder):
    game = session.games[0]
    data, _ = _truth(detect_folder)
    candidates = [i for i in game.items if i.kind == "candidate"]
    assert len([i for i in game.items if i.kind == "highlight"]) == len(data["highlights"])
    for c in candidates:
        for h in data["highlights"]:
            inside = max(0.0, min(c.end_s, h["end_s"]) - max(c.start_s, h["start_s"])) / (c.end_s - c.start_s)
            assert inside <= 0.5
    for i, a in enumerate(candidates):
        for b in candidates[i + 1:]:
            inter = max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))
            assert inter / ((a.end_s - a.start_s) + (b.end_s - b.start_s) - inter) <= 0.3
    page = session.page(game.id, limit=4)
    assert [s["id"] for s in page["items"]][:4] == ["c18", "h0", "h2", "h1"]  # fixture: 0.86, 0.81, 0.72, 0.18
    assert page["items"][0]["label"] == "baseball_swing"  # what the window nearly was
    assert [s["uncertainty"] for s in page["items"]] == sorted((s["uncertainty"] for s in page["items"]), reverse=True)
    assert session.page(game.id, offset=4, limit=100)["total"] == len(game.items)


def test_a_detect_folder_without_its_video_or_json_is_one_clear_error(tmp_path, detect_folder):
    with pytest.raises(ReviewError, match="highlights.json: missing"):
        load_games([tmp_path])
    moved = tmp_path / "copy"
    moved.mkdir()
    data = json.loads((detect_folder / "highlights.json").read_text())
    data["video"]["path"] = "/nowhere/game.mp4"
    (moved / "highlights.json").write_text(json.dumps(data))
    with pytest.raises(ReviewError, match="source video is not at .*pass --video"):
        load_games([moved])
    assert load_games([moved], videos=[detect_folder.parent / "game1.mp4"])[0].video.name == "game1.mp4"


def test_a_review_started_from_another_folder_finds_the_video_detect_was_given_by_a_relative_path(tmp_path,
                                                                                                 monkeypatch):
    """detect run in the club's folder on `videos/game.mp4` records that path as typed; a review
    started elsewhere finds the video detect read, and names it by its whole path (as the page and
    an export's provenance do), as it does a `--video` typed relative to where it runs."""
    club = tmp_path / "club"
    video = make_game(club / "videos", duration_s=6.0)
    cfg = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                           "classifier.backend": "oracle", "kinematics.enabled": False})
    monkeypatch.chdir(club)
    detect_highlights(Path("videos") / video.name, cfg, Path("runs/game"),
                      annotation=load_annotation(video.with_suffix(".json")), progress=False)
    assert json.loads((club / "runs" / "game" / "highlights.json").read_text())["video"]["path"] == "videos/game.mp4"
    elsewhere = tmp_path / "desk"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert load_games([club / "runs" / "game"])[0].video == video.resolve()
    typed = load_games([club / "runs" / "game"], videos=[Path("../club/videos/game.mp4")])[0].video
    assert typed == video.resolve()
    video.rename(club / "game-moved.mp4")  # moved since: the one line names each whole path looked at
    with pytest.raises(ReviewError) as missing:
        load_games([club / "runs" / "game"])
    assert str(missing.value) == (f"{club / 'runs' / 'game' / 'highlights.json'}: its source video is not at "
                                  f"{video.resolve()} or {club / 'runs' / 'game' / 'game.mp4'} or "
                                  f"{club / 'runs' / 'game.mp4'} or {elsewhere / 'videos' / 'game.mp4'} (pass --video)")


@pytest.mark.parametrize("make, cause", [
    (lambda path, source: path.write_bytes(b""), "empty file (0 bytes)"),
    (lambda path, source: path.write_text("not a video\n" * 40), "not a video file"),
    (lambda path, source: truncated_faststart_copy(source, path), "truncated or damaged: its frames end at"),
])
def test_a_source_video_that_does_not_play_is_refused_before_the_page_is_up(tmp_path, detect_folder, make, cause):
    # The page plays the source in the browser, which says nothing useful about a broken file:
    # without this the review opened on players that stayed black.
    source = detect_folder.parent / "game1.mp4"
    bad = tmp_path / "upload.mp4"
    make(bad, source)
    with pytest.raises(VideoError) as refused:
        load_games([detect_folder], videos=[bad])
    assert str(refused.value).startswith(f"{bad}: {cause}"), str(refused.value)


def test_a_folder_given_as_the_source_video_is_named_as_a_folder(tmp_path, detect_folder):
    folder = tmp_path / "game1.mp4"
    folder.mkdir()
    with pytest.raises(ReviewError, match=f"^{folder}: is a directory, not a video file$"):
        load_games([detect_folder], videos=[folder])


def test_a_dangling_link_given_as_the_source_video_is_named_as_one(tmp_path, detect_folder):
    link = tmp_path / "game1.mp4"
    link.symlink_to(tmp_path / "moved-away.mp4")
    with pytest.raises(ReviewError, match=f"^{link}: dangling symbolic link"):
        load_games([detect_folder], videos=[link])


def test_review_classes_refuse_a_name_its_export_could_not_file_as_a_folder(detect_folder):
    """`review --classes` is the list a reviewer relabels to and its export files clips under: the
    same class names are refused there as in `dataset create`."""
    with pytest.raises(ReviewError, match=r"^--classes: class name 'rally/spike' holds a path separator"):
        load_games([detect_folder], classes=["serve", "rally/spike"])
    assert load_games([detect_folder], classes=["serve", "pénalty"])[0].classes[:2] == ["serve", "pénalty"]
    # typed with the accent a character of its own (NFD), it is the class a dataset takes (NFC)
    assert load_games([detect_folder], classes=["serve", "pe\u0301nalty"])[0].classes[:2] == ["serve", "p\u00e9nalty"]


def test_a_folder_of_detect_outputs_is_refused_naming_its_games(tmp_path, detect_folder):
    # `highlights detect a.mp4 b.mp4 --out season` writes one detect folder per game under season/.
    season = tmp_path / "season"
    for game in ("g2", "g1"):
        (season / game).mkdir(parents=True)
        (season / game / "highlights.json").write_text((detect_folder / "highlights.json").read_text())
    (season / ".partial").mkdir()
    (season / "index.json").write_text("{}")
    with pytest.raises(ReviewError) as err:
        load_games([season])
    assert str(err.value) == (f"{season}/highlights.json: missing ({season} holds the detect output folders "
                              f"of 2 games: g1, g2; review those, e.g. `highlights review {season}/*/`)")


def test_a_highlight_that_ends_with_the_video_can_be_decided(detect_folder, tmp_path):
    # detect clamps a highlight to the video's end and stores its times to the millisecond: a
    # video of 17.9996 s gets a highlight ending at "18.0", which is the video's end all the same.
    import shutil

    copy = tmp_path / "game1-highlights"
    shutil.copytree(detect_folder, copy)
    data = json.loads((copy / "highlights.json").read_text())
    last = max(data["highlights"], key=lambda h: h["end_s"])
    duration = last["end_s"] - 0.0004
    data["video"]["duration_s"] = duration
    (copy / "highlights.json").write_text(json.dumps(data))
    session = ReviewSession(load_games([copy]), DecisionStore(tmp_path / "r.sqlite"))
    game = session.games[0]
    item = next(i for i in game.items if i.kind == "highlight" and i.end_s == last["end_s"])
    state = session.decide(game.id, item.id, status="rejected", label=None, start_s=item.start_s,
                           end_s=item.end_s, reviewer="Ada")["state"]
    assert state["status"] == "rejected" and state["end_s"] == pytest.approx(duration)
    with pytest.raises(ReviewError, match="not inside the video"):
        session.decide(game.id, item.id, status="rejected", label=None, start_s=item.start_s,
                       end_s=duration + 0.01, reviewer="Ada")


def test_decisions_made_on_an_earlier_detect_run_are_flagged(detect_folder, tmp_path):
    import shutil

    copy = tmp_path / "game1-highlights"
    shutil.copytree(detect_folder, copy)
    store = DecisionStore(tmp_path / "r.sqlite")
    session = ReviewSession(load_games([copy]), store)
    session.decide(session.games[0].id, "h0", status="rejected", label=None, start_s=1.0, end_s=3.0, reviewer="Ada")
    assert session.stale_decisions() == {}
    data = json.loads((copy / "highlights.json").read_text())
    data["highlights"] = data["highlights"][1:]  # detect run again: another list
    (copy / "highlights.json").write_text(json.dumps(data))
    assert ReviewSession(load_games([copy]), store).stale_decisions() == {session.games[0].id: 1}


# ---------------------------------------------------------------- the API and its security

def test_decisions_on_another_video_under_the_same_game_id_are_left_out(detect_folder, tmp_path, monkeypatch):
    import io

    from rich.console import Console

    import highlights.cli.review as cli_review

    db = tmp_path / "review.sqlite"
    store = DecisionStore(db)
    try:
        first = ReviewSession(load_games([detect_folder]), store)
        gid, video = first.games[0].id, first.games[0].video
        h0 = first.one(gid, "h0")
        first.decide(gid, "h0", status="rejected", label=None, start_s=h0["start_s"], end_s=h0["end_s"],
                     reviewer="Ada")
        first.mark_missed(gid, at_s=5.0, label="soccer_shooting", reviewer="Ada")
        # Next week's game, detected into a folder of the same name elsewhere and reviewed with the
        # same default --db: the same game id, another video.
        other = make_detect_folder(tmp_path / "week2", "game1", seed=11)
        second = ReviewSession(load_games([other]), store)
        assert second.games[0].id == gid and second.games[0].video != video
        assert second.foreign_decisions() == {gid: (2, str(video))} and second.stale_decisions() == {}
        assert second.one(gid, "h0")["state"]["status"] == "pending"
        assert second.counts(gid)["total"] == len(second.games[0].items)  # not the other video's missed event
        with pytest.raises(ReviewError, match="nothing to export"):
            export_review(second, tmp_path / "datasets")
        # The same folder detected again, or its video moved: its decisions stand, as before.
        again = ReviewSession(load_games([detect_folder]), store)
        assert again.one(gid, "h0")["state"]["status"] == "rejected" and again.foreign_decisions() == {}
    finally:
        store.close()
    said = io.StringIO()
    monkeypatch.setattr(cli_review, "err", Console(file=said, width=400))
    cli_review._session([other], db, None, None, 30).store.close()
    assert (f"warning: 2 decisions under game id {gid} in {db} were made on another video ({video}), not "
            f"{second.games[0].video}: left out of this review (give each set of games its own "
            f"--db)") in said.getvalue()


def test_decisions_on_a_video_changed_at_its_path_name_it_once(detect_folder, tmp_path, monkeypatch):
    import io

    from rich.console import Console

    import highlights.cli.review as cli_review

    db = tmp_path / "review.sqlite"
    session = ReviewSession(load_games([detect_folder]), DecisionStore(db))
    gid, video = session.games[0].id, session.games[0].video
    h0 = session.one(gid, "h0")
    session.decide(gid, "h0", status="rejected", label=None, start_s=h0["start_s"], end_s=h0["end_s"],
                   reviewer="Ada")
    session.store.close()
    from highlights.video import iter_frames, write_video

    # The same game re-encoded over it (a phone's "save a smaller copy"): another size.
    again = write_video(tmp_path / "again.mp4", (f.rgb for f in iter_frames(video)), 15.0, crf=35)
    assert again.stat().st_size != video.stat().st_size
    again.replace(video)
    said = io.StringIO()
    monkeypatch.setattr(cli_review, "err", Console(file=said, width=400))
    cli_review._session([detect_folder], db, None, None, 30).store.close()
    # It read "made on another video (X), not X".
    assert said.getvalue().strip() == (
        f"warning: 1 decision under game id {gid} in {db} was made on {video} when it was another "
        "file (of another size; replaced, re-encoded or cut short since): left out of this review")


def test_a_file_given_as_the_export_buttons_dataset_root_is_refused_before_the_page_is_up(
        detect_folder, tmp_path):
    import subprocess
    import sys

    root = tmp_path / "datasets.txt"
    root.write_text("my notes")
    # Run apart: served, it would never return (refused only at the first click of Export).
    serve = ["review", "serve", str(detect_folder), "--to-dataset", str(root), "--port", "0",
             "--db", str(tmp_path / "r.sqlite")]
    done = subprocess.run([sys.executable, "-m", "highlights", *serve], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: {root}: is a file; --to-dataset names the dataset root, the folder holding the "
        "versions v1, v2, ...")
    assert root.read_text() == "my notes"


def test_a_folder_given_as_the_label_studio_export_is_named_as_one(tmp_path):
    from highlights.review.labelstudio import read_export

    # It read "not a Label Studio JSON export ([Errno 21] Is a directory: ...)".
    with pytest.raises(ReviewError) as refused:
        read_export(tmp_path)
    assert str(refused.value) == f"{tmp_path}: is a folder, not a Label Studio JSON export"


def test_a_review_database_from_before_decisions_named_their_video_still_opens(tmp_path):
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as con:
        con.executescript("""
            CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, game TEXT NOT NULL, item TEXT NOT NULL,
                status TEXT, label TEXT, start_s REAL, end_s REAL, key_s REAL, reviewer TEXT NOT NULL,
                decided_at TEXT NOT NULL, client TEXT NOT NULL DEFAULT '', undoes INTEGER REFERENCES decisions(id),
                run TEXT NOT NULL DEFAULT '');
            INSERT INTO decisions (game, item, status, label, start_s, end_s, key_s, reviewer, decided_at)
                VALUES ('game1', 'h0', 'rejected', NULL, 1.0, 3.0, 2.0, 'Ada', '2026-01-01T00:00:00Z');""")
    with DecisionStore(db) as store:
        (d,) = store.current("game1").values()
        assert (d.item, d.status, d.video) == ("h0", "rejected", "")
        assert store.decide("game1", "h1", status="accepted", label="x", start_s=0.0, end_s=1.0, key_s=None,
                            reviewer="Ada", video="12:/v/game1.mp4").video == "12:/v/game1.mp4"


def test_the_api_needs_the_token_and_serves_only_the_reviews_files(session, detect_folder):
    from highlights.review.server import create_app

    missing_parent = lambda: export_review(session, detect_folder.parent / "no-datasets", parent="v9")  # noqa: E731
    client = TestClient(create_app(session, TOKEN, export=missing_parent))
    gid = session.games[0].id
    assert client.get("/").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    # The icon a browser asks for by itself, without the token: nothing, and no error.
    icon = client.get("/favicon.ico")
    assert icon.status_code == 204 and icon.content == b""
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200
    nonce = page.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.text and "__NONCE__" not in page.text
    assert client.get("/api/games").status_code == 403
    assert client.get("/api/games", headers={"X-Review-Token": TOKEN}).status_code == 200
    decision = {"status": "rejected", "start_s": 1.0, "end_s": 3.0, "reviewer": "Ada"}
    # State changes take the token from the header only: a link carrying it cannot decide.
    assert client.post(f"/api/games/{gid}/items/h0/decision?token={TOKEN}", json=decision).status_code == 403
    ok = client.post(f"/api/games/{gid}/items/h0/decision", json=decision, headers={"X-Review-Token": TOKEN})
    assert ok.status_code == 200 and ok.json()["state"]["outcome"] == "rejected"
    bad = client.post(f"/api/games/{gid}/items/h0/decision", headers={"X-Review-Token": TOKEN},
                      json={**decision, "status": "accepted", "label": "<b>x</b>"})
    assert bad.status_code == 400 and "unknown class" in bad.json()["error"]
    # Media: the source video with range requests (seeking), files under the detect folder only.
    ranged = client.get(f"/media/{gid}/video?token={TOKEN}", headers={"Range": "bytes=100-199"})
    video = session.games[0].video.read_bytes()
    assert ranged.status_code == 206 and ranged.content == video[100:200]
    assert client.get(f"/media/{gid}/file/highlights.json?token={TOKEN}").status_code == 200
    secret = detect_folder.parent / "secret.txt"
    secret.write_text("not for the browser")
    for attempt in ["../secret.txt", "%2e%2e/secret.txt", "..%2fsecret.txt", "%2E%2E%2Fsecret.txt",
                    f"{secret}", f"/{secret}", f"%2F{str(secret).lstrip('/')}", "..%5csecret.txt",
                    "clips/../../secret.txt", "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/etc/passwd"]:
        r = client.get(f"/media/{gid}/file/{attempt}?token={TOKEN}")
        assert r.status_code in (403, 404), attempt
        assert b"not for the browser" not in r.content and b"root:" not in r.content
    assert client.get(f"/media/{gid}/file/x?").status_code == 403
    # The Export button: a refusal of the dataset code comes back as its one line.
    assert client.post("/api/export").status_code == 403
    refused = client.post("/api/export", headers={"X-Review-Token": TOKEN})
    assert refused.status_code == 400 and "no such dataset version" in refused.json()["error"]
    thumb = client.get(f"/thumb/{gid}/h1.jpg?token={TOKEN}")
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"


# ---------------------------------------------------------------- export

def _decide_some(session):
    gid = session.games[0].id
    items = {s["id"]: s for s in session.states(gid)}
    for item, status, label in (("h0", "rejected", None), ("h1", "accepted", items["h1"]["label"]),
                                ("c18", "accepted", "baseball_swing")):
        s = items[item]
        session.decide(gid, item, status=status, label=label, start_s=s["start_s"], end_s=s["end_s"], reviewer="Ada")
    return gid


def test_an_export_names_the_videos_its_clips_were_cut_from_and_the_folder_of_a_name_two_share():
    from pathlib import Path
    from types import SimpleNamespace

    from highlights.review.export import _videos_named

    def clip(video: str):
        return SimpleNamespace(game=SimpleNamespace(video=Path(video)))

    clips = [clip("/season/week2/match.mp4"), clip("/season/cup.mp4"), clip("/season/week1/match.mp4"),
             clip("/season/cup.mp4")]
    assert _videos_named(clips) == "/season/week1/match.mp4, /season/week2/match.mp4, cup.mp4"
    assert _videos_named(clips[1:2]) == "cup.mp4"


def test_an_export_names_a_video_given_by_a_relative_path_once(detect_folder, monkeypatch):
    # A game whose video is typed relative (`review --video`), another's found by its recorded path:
    # one video, so one name (the game holds the video's whole path however it was given).
    from pathlib import Path
    from types import SimpleNamespace

    from highlights.review.export import _videos_named
    from highlights.review.games import load_game

    found = load_game(detect_folder)
    monkeypatch.chdir(found.video.parent.parent)
    typed = load_game(detect_folder, video=Path(found.video.parent.name) / found.video.name)
    assert _videos_named([SimpleNamespace(game=typed), SimpleNamespace(game=found)]) == found.video.name


def test_an_export_of_a_class_past_ascii_works_where_file_names_are_ascii(detect_folder, tmp_path):
    # Clips are cut into a folder per label before they become a version; under an ASCII file system
    # encoding (a C locale with UTF-8 mode off) a folder named `p\u00e9nalty` could not be made, and
    # the export failed. The label itself is kept as written.
    import os
    import subprocess
    import sys

    label = "p\u00e9nalty"
    made = detect_folder / "highlights.json"  # as a model with this class would have made it
    made.write_text(made.read_text(encoding="utf-8").replace('"baseball_swing"', '"p\\u00e9nalty"'), encoding="utf-8")
    db = tmp_path / "review.sqlite"
    session = ReviewSession(load_games([detect_folder]), DecisionStore(db))
    h1 = next(s for s in session.states(session.games[0].id) if s["id"] == "h1")
    session.decide(session.games[0].id, "h1", status="accepted", label=label, start_s=h1["start_s"],
                   end_s=h1["end_s"], reviewer="Ada")
    session.store.close()
    src = Path(__file__).resolve().parents[1] / "src"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONPATH": os.pathsep.join([str(src), *sys.path])}
    done = subprocess.run([sys.executable, "-m", "highlights", "review", "export", str(detect_folder),
                           "--to-dataset", str(tmp_path / "datasets"), "--db", str(db), "--no-progress"],
                          env=env, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=300)
    assert done.returncode == 0, done.stderr
    assert [c.label for c in load_version(tmp_path / "datasets", "v1").clips] == [label]


def test_export_makes_v1_then_grows_it_with_only_the_new_decisions(session, detect_folder, tmp_path):
    gid = _decide_some(session)
    root = tmp_path / "datasets"
    first = export_review(session, root, licence="CC-BY-4.0")
    assert first.version.name == "v1" and first.clips == {"rejected": 1, "accepted": 1, "missed": 1}
    assert first.pending == len(session.games[0].items) - 3
    # Where the clips came from names the review of the video they were cut from, not the staging
    # folder the export cut them into.
    assert session.games[0].video.name == "game1.mp4"
    assert first.version.meta["source"] == "review of game1.mp4"
    assert all(entry["source"].startswith("review of game1.mp4: ") for entry in first.version.meta["clips"].values())
    data, truth = _truth(detect_folder)
    # The wrongly labelled highlight is relabelled, a missed event is marked, and v2 grows v1.
    h2 = next(s for s in session.states(gid) if s["id"] == "h2")
    session.decide(gid, "h2", status="accepted", label=truth.events[1].label, start_s=h2["start_s"] - 0.2,
                   end_s=h2["end_s"], reviewer="Bob")
    session.mark_missed(gid, at_s=10.0, label="soccer_shooting", reviewer="Bob")
    second = export_review(session, root, parent="v1", licence="CC-BY-4.0")
    assert second.version.name == "v2" and second.unchanged == 3
    # The same export again (the same command run twice): refused, not a copy of v2 as v3.
    with pytest.raises(ReviewError, match=r"nothing new to export from v1: .*/v2 already grows v1 by every decided "
                                          r"item it lacks \(2\); export with --parent v2"):
        export_review(session, root, parent="v1", licence="CC-BY-4.0")
    assert second.clips == {"relabelled": 1, "missed": 1}
    v1, v2 = load_version(root, "v1"), second.version
    assert {c.sha256 for c in v1.clips} < {c.sha256 for c in v2.clips} and len(v2.clips) == 5
    assert v2.meta["parent"] == "v1"
    provs = {json.loads(c.provenance)["item"]: (c, json.loads(c.provenance)) for c in v2.clips}
    clip, prov = provs["h2"]
    assert clip.label == truth.events[1].label and prov["review"] == "relabelled" and prov["reviewer"] == "Bob"
    assert prov["start_s"] == pytest.approx(h2["start_s"] - 0.2, abs=1e-3)
    assert prov["proposed_label"] == data["highlights"][2]["label"] and prov["proposed_by"].startswith(MODEL)
    assert provs["h0"][0].label == "none" and provs["c18"][1]["review"] == "missed"
    assert {c.licence for c in v2.clips} == {"CC-BY-4.0"} and len({c.split for c in v2.clips}) == 1
    assert all(c.group == "game1" for c in v2.clips)
    # A clip is the segment: its length matches the decision's.
    from highlights.video import probe
    assert probe(clip.path).duration_s == pytest.approx(prov["end_s"] - prov["start_s"], abs=0.15)
    # The reviewed events as annotations, ours and SoccerNet's, readable by the evaluation.
    ours = load_annotation(detect_folder / "reviewed" / "reviewed.json")
    soccernet = load_annotation(detect_folder / "reviewed" / "Labels-v2.json")
    assert [e.label for e in ours.events] == [e.label for e in soccernet.events]
    assert sorted(e.label for e in ours.events) == sorted([items_label for items_label in (
        provs["h1"][0].label, "baseball_swing", truth.events[1].label, "soccer_shooting")])
    with pytest.raises(ReviewError, match="nothing new to export"):
        export_review(session, root, parent="v2")


def test_a_decision_changed_after_its_export_replaces_its_clip_in_the_next_version(session, tmp_path):
    gid = session.games[0].id
    items = {s["id"]: s for s in session.states(gid)}
    for item in ("h0", "h1"):
        s = items[item]
        session.decide(gid, item, status="accepted", label=s["label"], start_s=s["start_s"], end_s=s["end_s"],
                       reviewer="Ada")
    root = tmp_path / "datasets"
    v1 = export_review(session, root).version
    old = next(c for c in v1.real_clips if json.loads(c.provenance)["item"] == "h1")
    # On a second look h1 is no action: the same segment, now `none` (the same pictures under
    # another label, which the dataset refused as a duplicate, and the export with it).
    s = items["h1"]
    session.decide(gid, "h1", status="rejected", label=None, start_s=s["start_s"], end_s=s["end_s"], reviewer="Ada")
    second = export_review(session, root, parent="v1")
    v2 = second.version
    assert second.changed == [f"{gid}/h1"] and second.clips == {"rejected": 1}
    h1 = [c for c in v2.real_clips if json.loads(c.provenance)["item"] == "h1"]
    assert [(c.label, c.split) for c in h1] == [("none", old.split)]
    assert len(v2.real_clips) == len(v1.real_clips)  # one clip an item (ids are content hashes: h1's may recur)
    assert v2.meta["replaced"] == [{"clip_id": old.clip_id, "label": old.label, "split": old.split,
                                    "reason": f"review decision on {gid}/h1 changed to none "
                                              f"{s['start_s']:.2f}-{s['end_s']:.2f} s"}]
    assert old.clip_id in {c.clip_id for c in load_version(root, "v1").clips}  # the parent keeps it


def test_the_meta_of_an_exported_version_names_no_staged_file(session, detect_folder, tmp_path):
    gid = session.games[0].id
    # A segment shorter than a classifier clip (7 frames at 15 fps): the meta lists it as short.
    session.decide(gid, "h0", status="rejected", label=None, start_s=1.0, end_s=1.5, reviewer="Ada")
    meta = export_review(session, tmp_path / "datasets").version.meta
    assert [c["frames"] for c in meta["short_clips"]] == [pytest.approx(7, abs=1)]
    assert meta["short_clips"][0]["path"] == f"review of {session.games[0].video.name}: {gid}_h0.mp4"
    assert "highlights-review-export-" not in json.dumps(meta)


def test_an_item_of_another_detect_run_of_the_same_video_is_a_new_clip_not_a_changed_decision(
        session, detect_folder, tmp_path):
    _decide_some(session)  # h0 (the false alarm) rejected, among others
    root = tmp_path / "datasets"
    v1 = export_review(session, root).version
    # The same video detected again into another folder (another model): its item ids start from
    # h0 again, and its h0 is another moment of the game.
    rerun = tmp_path / "game1-rerun"
    rerun.mkdir()
    data = json.loads((detect_folder / "highlights.json").read_text())
    end = round(data["video"]["duration_s"] - 0.5, 3)
    data["highlights"][0].update(start_s=end - 2.0, end_s=end, key_s=end - 1.0)
    (rerun / "highlights.json").write_text(json.dumps(data), encoding="utf-8")
    store = DecisionStore(tmp_path / "rerun.sqlite")
    try:
        again = ReviewSession(load_games([rerun]), store)
        gid = again.games[0].id
        again.decide(gid, "h0", status="rejected", label=None, start_s=end - 2.0, end_s=end, reviewer="Bob")
        result = export_review(again, root, parent="v1")
    finally:
        store.close()
    # Both decisions stand: the first review's h0 clip is kept beside the second's.
    assert result.changed == [] and result.clips == {"rejected": 1}
    v2 = result.version
    assert v2.meta["replaced"] == [] and len(v2.real_clips) == len(v1.real_clips) + 1
    assert {c.clip_id for c in v1.real_clips} < {c.clip_id for c in v2.real_clips}


def test_items_decided_over_one_segment_as_one_class_are_one_clip(session, tmp_path):
    from highlights.cli.review import _export_message

    gid = session.games[0].id
    h0 = next(s for s in session.states(gid) if s["id"] == "h0")
    # A missed event marked twice at the same playhead (a key pressed twice), and a turned-down
    # window rejected over the same segment as the false alarm: the same clip twice each.
    session.mark_missed(gid, at_s=10.0, label="soccer_shooting", reviewer="Ada")
    session.mark_missed(gid, at_s=10.0, label="soccer_shooting", reviewer="Ada")
    session.decide(gid, "h0", status="rejected", label=None, start_s=h0["start_s"], end_s=h0["end_s"],
                   reviewer="Ada")
    session.decide(gid, "c18", status="rejected", label=None, start_s=h0["start_s"], end_s=h0["end_s"],
                   reviewer="Ada")
    root = tmp_path / "datasets"
    result = export_review(session, root)  # refused before: a duplicate clip
    assert result.clips == {"missed": 1, "rejected": 1} and len(result.version.real_clips) == 2
    assert len(result.repeated) == 2 and f"{gid}/c18 (as {gid}/h0)" in result.repeated
    assert f"2 items left out, the same clip as another item's" in _export_message(result)
    # ... and the missed event is one event of the game's annotations, which `pipeline evaluate` counts
    for path in result.annotations[gid]:
        loaded = load_annotation(path)
        assert [e.label for e in loaded.events if abs(e.key_s - 10.0) < 0.01] == ["soccer_shooting"], path.name
    with pytest.raises(ReviewError, match="nothing new to export"):
        export_review(session, root, parent="v1")


def test_a_window_decided_in_a_review_offering_more_candidates_is_exported_by_one_offering_fewer(
        detect_folder, tmp_path):
    store = DecisionStore(tmp_path / "review.sqlite")
    try:
        wide = ReviewSession(load_games([detect_folder], candidates_per_game=30), store)
        gid = wide.games[0].id
        last = wide.page(gid)["items"][-1]  # the least uncertain window offered
        assert last["kind"] == "candidate"
        wide.decide(gid, last["id"], status="rejected", label=None, start_s=last["start_s"], end_s=last["end_s"],
                    reviewer="Ada")
        # `highlights review export` with its default --candidates, or fewer: the window is not
        # offered, and its decision still stands.
        narrow = ReviewSession(load_games([detect_folder], candidates_per_game=1), store)
        assert last["id"] not in narrow.games[0].by_id
        assert narrow.counts(gid)["rejected"] == 1 and narrow.one(gid, last["id"])["state"]["status"] == "rejected"
        result = export_review(narrow, tmp_path / "datasets")
    finally:
        store.close()
    assert result.clips == {"rejected": 1}
    assert [json.loads(c.provenance)["item"] for c in result.version.real_clips] == [last["id"]]


def test_export_adds_the_reviews_classes_to_a_parent_without_them(session, tmp_path):
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    root = tmp_path / "datasets"
    create_version(write_colour_clips(tmp_path / "mine", per_class=4), root)  # baseball_swing, none
    gid = session.games[0].id
    decided = session.states(gid)[:3]
    for s in decided:
        session.decide(gid, s["id"], status="accepted", label=s["label"], start_s=s["start_s"], end_s=s["end_s"],
                       reviewer="Ada")
    result = export_review(session, root, parent="v1")  # refused before: labels not among the classes
    v2, new = result.version, sorted({s["label"] for s in decided} - {"baseball_swing", "none"})
    assert new and v2.classes == ["baseball_swing", "none", *new] and result.added_classes == new
    assert sorted(c.label for c in v2.real_clips if c.provenance.startswith("{")) == sorted(s["label"] for s in decided)


def test_an_export_refusal_names_the_reviewed_item_not_a_staged_file(session, tmp_path):
    gid = session.games[0].id
    h1 = next(s for s in session.states(gid) if s["id"] == "h1")
    other = next(c for c in ("soccer_shooting", "basketball_layup") if c != h1["label"])
    # the same segment decided twice with two labels: two copies of one clip that contradict
    session.decide(gid, "h1", status="accepted", label=h1["label"], start_s=h1["start_s"], end_s=h1["end_s"],
                   reviewer="Ada")
    session.decide(gid, "c18", status="accepted", label=other, start_s=h1["start_s"], end_s=h1["end_s"],
                   reviewer="Ada")
    reviewed = session.games[0].folder / "reviewed"
    before = {p: p.read_bytes() for p in reviewed.glob("*")} if reviewed.exists() else {}
    with pytest.raises(DatasetError) as err:
        export_review(session, tmp_path / "datasets")
    video, span = session.games[0].video, f"{h1['start_s']:.2f}-{h1['end_s']:.2f} s"
    message = str(err.value)
    assert "\n" not in message and "highlights-review-export-" not in message
    for item, label in (("h1", h1["label"]), ("c18", other)):
        assert f"the clip of {video} {span} ({gid}/{item}, {label})" in message
    # a duplicate, or a re-encoded copy where the two encodes differ by a byte
    assert f"labelled {h1['label']!r} there" in message or f"labelled {other!r} there" in message
    # refused, the export changed nothing: no version and no annotation of the review
    assert not (tmp_path / "datasets").exists() or not any((tmp_path / "datasets").iterdir())
    assert ({p: p.read_bytes() for p in reviewed.glob("*")} if reviewed.exists() else {}) == before


def test_two_decided_items_over_one_moment_with_two_labels_are_named_with_what_to_do():
    # The dataset refuses two cuts of one moment (a still scene) under two labels; the export
    # names the reviewed items and says what to do. Staged paths become the items they were cut from.
    from highlights.review.export import _named

    cut_from = {"/s/a/g_h2.mp4": "g.mp4 2.10-6.60 s (g/h2, soccer_shooting)",
                "/s/b/g_h3.mp4": "g.mp4 3.50-8.40 s (g/h3, basketball_layup)"}
    said = _named("/s/b/g_h3.mp4: cut from 3.10 s of the same moments of g.mp4 as /s/a/g_h2.mp4, labelled "
                  "'soccer_shooting' there", cut_from)
    assert said == ("the clip of g.mp4 3.50-8.40 s (g/h3, basketball_layup): cut from 3.10 s of the same moments of "
                    "g.mp4 as the clip of g.mp4 2.10-6.60 s (g/h2, soccer_shooting), labelled 'soccer_shooting' "
                    "there: relabel or reject one of the two in the review, then export again")
    # a re-encoded copy of another clip is not told to do that
    assert _named("/s/b/g_h3.mp4: the same pictures as x.mp4 (a re-encoded copy?), labelled 'a' there",
                  cut_from).endswith("labelled 'a' there")


def test_the_export_command_reports_one_line_errors(detect_folder, tmp_path, monkeypatch):
    from highlights.cli.app import app

    runner = CliRunner()
    monkeypatch.chdir(tmp_path)  # where the default review.sqlite is looked for, and is not
    export = ["review", "export", str(detect_folder), "--to-dataset", str(tmp_path / "ds")]
    res = runner.invoke(app, export)
    assert res.exit_code == 1
    assert res.stderr == (f"error: review.sqlite: no review database in {tmp_path}, where this command runs (pass "
                          "--db, the review.sqlite of the folder `highlights review` ran in)\n")
    # A --db given is the name mistyped, and a folder is no database: neither says "pass --db".
    res = runner.invoke(app, [*export, "--db", str(tmp_path / "none.sqlite")])
    assert res.exit_code == 1 and res.stderr == f"error: {tmp_path / 'none.sqlite'}: no such file\n"
    res = runner.invoke(app, [*export, "--db", str(tmp_path)])
    assert res.exit_code == 1
    assert res.stderr == f"error: {tmp_path}: is a folder, not a review database\n"
    assert not (tmp_path / "ds").exists()
    (tmp_path / "zero.sqlite").write_bytes(b"")  # left as it is, not made a database
    res = runner.invoke(app, [*export, "--db", str(tmp_path / "zero.sqlite")])
    assert res.exit_code == 1 and (tmp_path / "zero.sqlite").read_bytes() == b""
    assert res.stderr == (f"error: {tmp_path / 'zero.sqlite'}: an empty file, not a review database "
                          "(no decision to export)\n")
    DecisionStore(tmp_path / "empty.sqlite").close()
    res = runner.invoke(app, ["review", "export", str(detect_folder), "--to-dataset", str(tmp_path / "ds"),
                              "--db", str(tmp_path / "empty.sqlite")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    # the database named: a wrong --db (a new, empty one) is the usual cause
    assert f"error: {tmp_path / 'empty.sqlite'}: nothing to export: no item" in res.output
    assert "warning" not in res.output  # the model has `none`: rejected items go there


def test_annotations_that_cannot_be_written_refuse_the_export_before_a_version_is_made(
        session, detect_folder, tmp_path):
    from highlights.atomic import OutputPathError

    _decide_some(session)
    in_the_way = tmp_path / "annotations.json"  # a file given where their folder is to be
    in_the_way.write_text("my notes")
    root = tmp_path / "datasets"
    # They are written last: refused only then, the version was made and they were not.
    with pytest.raises(OutputPathError, match=f"{in_the_way}: is a file, but "):
        export_review(session, root, annotations_dir=in_the_way)
    assert not root.exists() and in_the_way.read_text() == "my notes"
    assert not (detect_folder / "reviewed").exists()


def _reject_one_accept_one(session):
    gid = session.games[0].id
    items = {s["id"]: s for s in session.states(gid)}
    for item, status in (("h0", "rejected"), ("h1", "accepted")):
        s = items[item]
        session.decide(gid, item, status=status, label=s["label"], start_s=s["start_s"], end_s=s["end_s"],
                       reviewer="Ada")
    return items


def test_rejected_highlights_are_filed_under_the_class_given_for_them(detect_folder, tmp_path):
    from highlights.review.export import models_without_none

    folder = own_classes_copy(detect_folder, tmp_path)
    session = ReviewSession(load_games([folder]), DecisionStore(tmp_path / "review.sqlite"))
    try:
        assert session.games[0].model_classes == ["volleyball_spike", "tennis_serve", "volleyball_block", "rest"]
        assert models_without_none(session) == (
            "the reviewed runs' model has no 'none' class (its classes: volleyball_spike, tennis_serve, "
            "volleyball_block, rest): rejected highlights are filed under 'none', a class it never had; "
            "--rejected-as CLASS files them under one of its own")
        items = _reject_one_accept_one(session)
        result = export_review(session, tmp_path / "datasets", rejected_as="rest", annotations_dir=tmp_path / "ann")
    finally:
        session.store.close()
    labels = {json.loads(c.provenance)["item"]: c.label for c in result.version.real_clips}
    assert labels == {"h0": "rest", "h1": items["h1"]["label"]}
    assert "rest" in result.version.classes and "none" not in result.version.classes
    # background play is no event of the reviewed game's annotation
    events = load_annotation(tmp_path / "ann" / session.games[0].id / "reviewed.json").events
    assert [e.label for e in events] == [items["h1"]["label"]]
    # the default model's runs have `none`: nothing to say
    with_none = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "other.sqlite"))
    try:
        assert models_without_none(with_none) is None
    finally:
        with_none.store.close()


def test_the_export_command_says_when_none_is_no_class_of_the_model_and_refuses_a_slip_for_one(detect_folder,
                                                                                                tmp_path):
    from highlights.cli.app import app

    folder = own_classes_copy(detect_folder, tmp_path)
    db = tmp_path / "review.sqlite"
    session = ReviewSession(load_games([folder]), DecisionStore(db))
    _reject_one_accept_one(session)
    session.store.close()
    runner = CliRunner()

    def export(*more):
        res = runner.invoke(app, ["review", "export", str(folder), "--to-dataset", str(tmp_path / "ds"),
                                  "--db", str(db), *more])
        return res, " ".join(res.output.split())

    # A slip for the model's `rest` would make a class of its own beside it.
    res, said = export("--rejected-as", "rets")
    assert res.exit_code == 1 and "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
    assert said == (f"error: --rejected-as: 'rets' is one slip from 'rest', a class of the model in "
                    f"{folder.resolve() / 'highlights.json'}; give the model's name")
    res, said = export("--rejected-as", "rest/more")
    assert res.exit_code == 1 and said.startswith("error: --rejected-as: class name 'rest/more' holds a path separator")
    assert not (tmp_path / "ds").exists()
    # Not given: filed under none as before, with one line naming the option and the model's classes.
    res, said = export()
    assert res.exit_code == 0, res.output
    assert ("warning: the reviewed runs' model has no 'none' class (its classes: volleyball_spike, tennis_serve, "
            "volleyball_block, rest): rejected highlights are filed under 'none', a class it never had; "
            "--rejected-as CLASS files them under one of its own") in said
    labels = {json.loads(c.provenance)["item"]: c.label for c in load_version(tmp_path / "ds", "v1").real_clips}
    assert labels["h0"] == "none" and labels["h1"] != "none"
    # The review page's Export button: the same check, before the page is up.
    res = runner.invoke(app, ["review", str(folder), "--db", str(db), "--to-dataset", str(tmp_path / "ds2"),
                              "--port", "0", "--rejected-as", "rets"])
    assert res.exit_code == 1 and " ".join(res.output.split()).startswith("error: --rejected-as: 'rets' is one slip")


# ---------------------------------------------------------------- Label Studio

def test_a_label_studio_export_that_fails_at_its_config_leaves_the_earlier_tasks(session, tmp_path, monkeypatch):
    import errno

    from highlights.review import labelstudio

    earlier = export_tasks(session, tmp_path / "ls")["tasks"].read_bytes()

    def full_disk(classes):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(labelstudio, "labelling_config", full_disk)
    with pytest.raises(OSError):
        export_tasks(session, tmp_path / "ls", video_url_prefix="/data/local-files/?d=")  # other tasks
    assert (tmp_path / "ls" / "tasks.json").read_bytes() == earlier
    assert not [p.name for p in (tmp_path / "ls").iterdir() if p.name.startswith(".")]


def test_label_studio_tasks_and_an_export_of_them_come_back_as_decisions(session, detect_folder, tmp_path):
    gid = session.games[0].id
    game = session.games[0]
    written = export_tasks(session, tmp_path / "ls", video_url_prefix="/data/local-files/?d=")
    tasks = json.loads(written["tasks"].read_text())
    config = written["config"].read_text()
    assert '<TimelineLabels name="actions" toName="video">' in config and '<Label value="basketball_layup"/>' in config
    assert len(tasks) == 1 and tasks[0]["data"]["video"] == "/data/local-files/?d=game1.mp4"
    regions = {r["id"]: r for r in tasks[0]["predictions"][0]["result"]}
    h1 = game.by_id["h1"]
    assert regions["h1"]["value"]["ranges"] == [{"start": to_frame(h1.start_s, 15), "end": to_frame(h1.end_s, 15)}]
    _, truth = _truth(detect_folder)
    # What an annotator hands back: h1 kept, h2 relabelled, h0 (the false alarm) removed, one new event.
    h2 = game.by_id["h2"]
    result = [regions["h1"],
              {**regions["h2"], "value": {**regions["h2"]["value"], "timelinelabels": [truth.events[1].label]}},
              {"id": "new", "from_name": "actions", "to_name": "video", "type": "timelinelabels",
               "value": {"ranges": [{"start": to_frame(9.5, 15), "end": to_frame(11.0, 15)}],
                         "timelinelabels": ["soccer_shooting"]}}]
    export = [{"id": 1, "data": tasks[0]["data"],
               "annotations": [{"id": 7, "completed_by_email": "lee@club.example", "result": result}]}]
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    counts = import_annotations(session, tmp_path / "ls-export.json")
    assert counts == {"accepted": 1, "relabelled": 1, "rejected": 1, "missed": 1, "tasks_without_game": 0}
    states = {s["id"]: s["state"] for s in session.states(gid)}
    assert states["h0"]["outcome"] == "rejected" and states["h2"]["label"] == truth.events[1].label
    assert states["h2"]["start_s"] == pytest.approx(h2.start_s, abs=1 / 15)
    # The new event took over the turned-down window it overlaps, or became a missed item of its own.
    new = [s for s in states.values() if s.get("outcome") == "missed"]
    assert len(new) == 1 and new[0]["label"] == "soccer_shooting"
    assert new[0]["start_s"] == pytest.approx(9.5, abs=1 / 15) and new[0]["end_s"] == pytest.approx(11.0, abs=1 / 15)
    assert {s["reviewer"] for s in states.values() if s["status"] != "pending"} == {"lee@club.example"}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ReviewError, match="bad.json: not a Label Studio JSON export"):
        import_annotations(session, tmp_path / "bad.json")
    # The command says what it did, in words, and where a task's game is not among the folders given.
    from highlights.cli.app import app

    export.append({"id": 2, "data": {"video": "/elsewhere/week2.mp4", "game": "week2-highlights"},
                   "annotations": [{"id": 8, "result": []}]})
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    res = CliRunner().invoke(app, ["review", "label-studio-import", str(tmp_path / "ls-export.json"),
                                   str(detect_folder), "--db", str(tmp_path / "review.sqlite")])
    assert res.exit_code == 0, res.output
    assert " ".join(res.output.split()) == (
        f"{tmp_path / 'ls-export.json'}: 1 accepted, 1 relabelled, 1 rejected, 1 missed; recorded in "
        f"{tmp_path / 'review.sqlite'}; 1 task names no game of this review ({gid}), left out: give the "
        "detect folders the tasks were made from")


def test_a_label_studio_annotator_exported_as_a_user_is_recorded_by_email(session, tmp_path):
    tasks = json.loads(export_tasks(session, tmp_path / "ls")["tasks"].read_text())
    region = next(r for r in tasks[0]["predictions"][0]["result"] if r["id"] == "h1")
    user = {"id": 3, "first_name": "Lee", "last_name": "Park", "email": "lee@club.example", "avatar": None}
    export = [{"id": 1, "data": tasks[0]["data"], "annotations": [{"id": 7, "completed_by": user, "result": [region]}]}]
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    import_annotations(session, tmp_path / "ls-export.json")
    decided = [s["state"] for s in session.states(session.games[0].id) if s["state"]["status"] != "pending"]
    assert decided and {s["reviewer"] for s in decided} == {"lee@club.example"}


@pytest.mark.parametrize("broken, cause", [
    ([1, 2], "not a Label Studio JSON export (task 1 is 1, not an object)"),
    ([{"data": "game1.mp4"}], "task 1 is malformed (its data is str, not an object)"),
    ([{"annotations": ["lee"]}], "task 1 is malformed (annotations: not a list of objects)"),
    ([{"annotations": [{"result": "h1"}]}],
     "task 1 is malformed (an annotation's result: not a list"),
    ([{"annotations": [{"result": [{"type": "timelinelabels", "value": "h1"}]}]}],
     "task 1 is malformed (a timeline region's value is not an object)"),
    ([{"annotations": [{"result": [{"type": "timelinelabels", "value": {
        "timelinelabels": "soccer_shooting", "ranges": [{"start": 1, "end": 9}]}}]}]}],
     "task 1 is malformed (a timeline region's labels are 'soccer_shooting', not a list)"),
    ([{"annotations": [{"result": [{"type": "timelinelabels", "value": {
        "timelinelabels": ["soccer_shooting"], "ranges": [{"start": "one", "end": 9}]}}]}]}],
     "task 1 is malformed (a range's frame is 'one', not a frame number)"),
    ([{"annotations": [{"result": [{"type": "timelinelabels", "value": {
        "timelinelabels": ["soccer_shooting"], "ranges": [{"start": float("nan"), "end": 9}]}}]}]}],
     "task 1 is malformed (a range's frame is nan, not a frame number)"),
    ([{"annotations": [{"result": [{"type": "timelinelabels", "value": {
        "timelinelabels": ["soccer_shooting"], "ranges": [{"end": 9}]}}]}]}],
     "task 1 is malformed (no 'start')"),
])
def test_a_malformed_label_studio_export_is_one_line_naming_its_task(session, detect_folder,
                                                                    tmp_path, broken, cause):
    from highlights.cli.app import app

    data = json.loads(export_tasks(session, tmp_path / "ls")["tasks"].read_text())[0]["data"]
    export = [{"data": data, **task} if isinstance(task, dict) and "data" not in task else task
              for task in broken]
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    export_file = tmp_path / "ls-export.json"
    res = CliRunner().invoke(app, ["review", "label-studio-import", str(export_file),
                                   str(detect_folder),
                                   "--db", str(tmp_path / "new.sqlite")])
    assert res.exit_code == 1, res.output
    assert " ".join(res.output.split()).startswith(f"error: {tmp_path / 'ls-export.json'}: {cause}")
    assert "Traceback" not in res.output and res.output.count("error:") == 1
    assert not (tmp_path / "new.sqlite").exists()  # refused before a database was made


def test_label_studio_tasks_of_a_review_without_a_database_make_none(detect_folder, tmp_path,
                                                                    monkeypatch):
    from highlights.cli.app import app

    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["review", "label-studio-export", str(detect_folder),
                                   "--out", "ls"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ls"]  # no review.sqlite left behind
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text())
    assert len(tasks) == 1 and tasks[0]["predictions"][0]["result"]


def test_a_file_given_for_a_detect_folder_is_named_as_a_file(detect_folder, tmp_path):
    # It was "no such folder", which sends the user looking for a folder that is not missing.
    with pytest.raises(ReviewError) as refused:
        load_games([detect_folder / "highlights.json"])
    assert str(refused.value) == (f"{detect_folder / 'highlights.json'}: a file, not a folder "
                                  f"(give its folder, {detect_folder})")
    (tmp_path / "notes.txt").write_text("game 3")
    with pytest.raises(ReviewError, match=r"notes.txt: a file, not a folder \(expected a"):
        load_games([tmp_path / "notes.txt"])
    with pytest.raises(ReviewError, match=r"gone: no such folder"):
        load_games([tmp_path / "gone"])


def test_a_label_studio_export_with_one_bad_task_records_none_of_its_decisions(
        session, detect_folder, tmp_path):
    from highlights.cli.app import app

    tasks = json.loads(export_tasks(session, tmp_path / "ls")["tasks"].read_text())
    region = next(r for r in tasks[0]["predictions"][0]["result"] if r["id"] == "h1")
    other = {**region, "id": "new", "value": {**region["value"], "timelinelabels": ["curling"]}}
    export = [{"id": 1, "data": tasks[0]["data"], "annotations": [{"id": 7, "result": [region]}]},
              {"id": 2, "data": tasks[0]["data"], "annotations": [{"id": 8, "result": [other]}]}]
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    with pytest.raises(ReviewError, match=r"ls-export.json: task 2: label 'curling' is not one of"):
        import_annotations(session, tmp_path / "ls-export.json")
    # The first task's decisions were not recorded before the second was refused.
    assert session.store.history() == []
    export_file = tmp_path / "ls-export.json"
    res = CliRunner().invoke(app, ["review", "label-studio-import", str(export_file),
                                   str(detect_folder),
                                   "--db", str(tmp_path / "new.sqlite")])
    assert res.exit_code == 1 and "task 2: label 'curling'" in " ".join(res.output.split())
    assert not (tmp_path / "new.sqlite").exists()
    # With the second task's label put right, both tasks are recorded, the first as before.
    other["value"]["timelinelabels"] = ["soccer_shooting"]
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    assert import_annotations(session, tmp_path / "ls-export.json")["accepted"] >= 1


def test_a_label_studio_range_past_the_videos_end_refuses_the_export_before_any_decision(
        session, tmp_path):
    """A range Label Studio gives past the end of the video the review has (a longer cut of the
    game labelled there) is refused with the export's other tasks, naming the task, not after
    the tasks before it were recorded."""
    tasks = json.loads(export_tasks(session, tmp_path / "ls")["tasks"].read_text())
    region = next(r for r in tasks[0]["predictions"][0]["result"] if r["id"] == "h1")
    game = session.games[0]
    past = to_frame(game.duration_s + 5.0, game.fps)
    late = {**region, "id": "late", "value": {**region["value"], "ranges": [
        {"start": past, "end": past + 20}]}}
    export = [{"id": 1, "data": tasks[0]["data"], "annotations": [{"id": 7, "result": [region]}]},
              {"id": 2, "data": tasks[0]["data"], "annotations": [{"id": 8, "result": [late]}]}]
    (tmp_path / "ls-export.json").write_text(json.dumps(export))
    with pytest.raises(ReviewError, match=r"ls-export.json: task 2: a range at [\d.]+-[\d.]+ s is "
                                          r"not inside the video"):
        import_annotations(session, tmp_path / "ls-export.json")
    assert session.store.history() == []  # task 1's decisions were not recorded either


def test_a_label_studio_region_of_a_prediction_decides_that_item_where_another_overlaps_it_more(
        detect_folder, tmp_path):
    # Two highlights of one action, the second 1 s after the first (temporal NMS keeps both):
    # the annotator keeps the second's region and moves it 0.5 s earlier and 1.5 s shorter, onto
    # the action, where it now overlaps the first highlight more than its own.
    twin = tmp_path / "twin"
    twin.mkdir()
    data = json.loads((detect_folder / "highlights.json").read_text())
    first = data["highlights"][1]
    a, b = first["start_s"], first["end_s"]
    data["highlights"].insert(1, {**first, "start_s": round(a - 1.0, 3), "end_s": round(b - 1.0, 3),
                                  "key_s": round(first["key_s"] - 1.0, 3)})
    (twin / "highlights.json").write_text(json.dumps(data), encoding="utf-8")
    store = DecisionStore(tmp_path / "review.sqlite")
    try:
        session = ReviewSession(load_games([twin]), store)
        gid = session.games[0].id
        tasks = json.loads(export_tasks(session, tmp_path / "ls")["tasks"].read_text())
        region = next(r for r in tasks[0]["predictions"][0]["result"] if r["id"] == "h2")
        trimmed = {**region, "value": {**region["value"],
                                       "ranges": [{"start": to_frame(a - 0.5, 15), "end": to_frame(b - 1.0, 15)}]}}
        export = [{"id": 1, "data": tasks[0]["data"],
                   "annotations": [{"id": 7, "completed_by": 3, "result": [trimmed]}]}]
        (tmp_path / "ls-export.json").write_text(json.dumps(export))
        import_annotations(session, tmp_path / "ls-export.json")
        states = {s["id"]: s["state"] for s in session.states(gid)}
    finally:
        store.close()
    # Label Studio keeps a prediction's region id in the annotation: the region is h2's, moved.
    assert states["h2"]["status"] == "accepted" and states["h2"]["start_s"] == pytest.approx(a - 0.5, abs=1 / 15)
    assert states["h1"]["status"] == "rejected"


def test_listening_beyond_loopback_warns_and_a_taken_port_is_one_line(detect_folder, tmp_path):
    import socket

    from highlights.cli.app import app

    taken = socket.socket()
    taken.bind(("0.0.0.0", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        res = CliRunner().invoke(app, ["review", str(detect_folder), "--db", str(tmp_path / "r.sqlite"),
                                       "--host", "0.0.0.0", "--port", str(port)])
    finally:
        taken.close()
    output = " ".join(res.output.split())
    assert res.exit_code == 1 and "Traceback" not in output
    assert "warning: listening on 0.0.0.0" in output and f"error: cannot listen on 0.0.0.0:{port}" in output


def test_the_proposing_model_is_read_from_either_config_layout():
    from highlights.review.games import _model_of

    nested = {"config": {"classifier": {"backend": "checkpoint", "checkpoint": "runs/v2/best.pt"}},
              "inference_backend": "torchscript"}
    flat = {"config": {"classifier": True, "classifier_backend": "checkpoint", "checkpoint": "runs/v2/best.pt"},
            "inference_backend": "torchscript"}
    assert _model_of(nested) == _model_of(flat) == "runs/v2/best.pt (torchscript)"
    assert _model_of({"config": {"classifier": {"backend": "oracle"}}}) == "oracle"


def test_a_pose_run_names_its_pose_model_not_only_the_backend():
    """The default classifier: the packaged pose model and a club's own give other items."""
    from highlights.review.games import _model_of

    packaged = {"config": {"classifier": {"backend": "pose"}}, "inference_backend": "pose-mlp"}
    assert _model_of(packaged) == "the packaged pose model (pose-mlp)"
    own = {"config": {"classifier": {"backend": "pose", "pose_model": "pose/club.npz"}},
           "inference_backend": "pose-mlp"}
    assert _model_of(own) == "pose/club.npz (pose-mlp)"


def test_a_fusion_run_is_named_with_both_models_and_its_weight(tmp_path):
    """The same two models give other items at another weight: the page's game, and the Label
    Studio predictions, name the weight, not only "fusion"."""
    folder = make_detect_folder(tmp_path / "runs", "game1")
    data = json.loads((folder / "highlights.json").read_text())
    data["config"]["classifier"] = {"backend": "fusion", "checkpoint": MODEL, "pose_model": "pose/club.npz",
                                    "fusion_weight": 0.7}
    data["stages"]["classifier"] = "fusion"
    data["inference_backend"] = "torchscript+pose-mlp"
    (folder / "highlights.json").write_text(json.dumps(data))
    named = (f"fusion of {MODEL} and pose/club.npz (torchscript+pose-mlp, fusion weight 0.7 "
             "(the R(2+1)D's share; the pose model's 0.3))")
    game = load_games([folder])[0]
    assert game.summary()["model"] == named
    session = ReviewSession([game], DecisionStore(tmp_path / "review.sqlite"))
    try:
        tasks = json.loads(export_tasks(session, tmp_path / "ls", progress=False)["tasks"].read_text())
    finally:
        session.store.close()
    assert {p["model_version"] for t in tasks for p in t["predictions"]} == {named}
    # The packaged pose model, unnamed in the config, is named as such.
    del data["config"]["classifier"]["pose_model"]
    (folder / "highlights.json").write_text(json.dumps(data))
    assert load_games([folder])[0].model.startswith(f"fusion of {MODEL} and the packaged pose model (")


def test_a_rejected_items_none_clip_never_holds_an_accepted_action(session, tmp_path):
    from highlights.cli.review import _export_message
    from highlights.video import probe

    gid = session.games[0].id
    items = {s["id"]: s for s in session.states(gid)}
    h1 = items["h1"]
    a, b = h1["start_s"], h1["end_s"]
    session.decide(gid, "h1", status="accepted", label=h1["label"], start_s=a, end_s=b, reviewer="Ada")
    # The false alarm before it, rejected over a segment that runs into the action: trimmed.
    session.decide(gid, "h0", status="rejected", label=None, start_s=1.0, end_s=a + 0.5, reviewer="Ada")
    # A turned-down window rejected over a segment wholly inside the action: nothing is left.
    inside = next(i for i, s in items.items() if s["kind"] == "candidate")
    session.decide(gid, inside, status="rejected", label=None, start_s=a + 0.2, end_s=b - 0.2, reviewer="Ada")
    # Beside the action, a rejected segment that only touches it is left as it is.
    after = next(i for i, s in items.items() if s["kind"] == "candidate" and i != inside)
    session.decide(gid, after, status="rejected", label=None, start_s=b, end_s=b + 1.5, reviewer="Ada")

    root = tmp_path / "datasets"
    result = export_review(session, root)
    assert result.clips == {"accepted": 1, "rejected": 2}
    assert result.trimmed == [f"{gid}/h0 (decided 1.00-{a + 0.5:.2f} s, cut 1.00-{a:.2f} s)"]
    assert result.dropped == [f"{gid}/{inside} ({a + 0.2:.2f}-{b - 0.2:.2f} s)"]
    cut = {json.loads(c.provenance)["item"]: (c, json.loads(c.provenance)) for c in result.version.clips}
    assert set(cut) == {"h0", "h1", after}
    clip, prov = cut["h0"]
    assert clip.label == "none" and (prov["start_s"], prov["end_s"]) == (1.0, round(a, 3))
    assert prov["decided_s"] == [1.0, round(a + 0.5, 3)]
    assert probe(clip.path).duration_s == pytest.approx(a - 1.0, abs=0.15)
    assert (cut[after][1]["start_s"], cut[after][1]["end_s"]) == (round(b, 3), round(b + 1.5, 3))
    assert "decided_s" not in cut[after][1]
    actions = [p for c, p in cut.values() if c.label != "none"]
    for c, p in cut.values():
        if c.label == "none":
            assert all(p["end_s"] <= q["start_s"] or p["start_s"] >= q["end_s"] for q in actions), p
    message = _export_message(result)
    assert "1 none clip trimmed" in message and f"{gid}/h0" in message
    assert "1 none clip left out" in message and f"{gid}/{inside}" in message
    # The trimmed clip is what the parent holds: exporting again finds nothing new.
    with pytest.raises(ReviewError, match="nothing new to export"):
        export_review(session, root, parent="v1")


def test_the_part_of_a_segment_clear_of_actions():
    from highlights.review.export import clear_of

    assert clear_of(0.0, 10.0, [], min_s=1.0) == (0.0, 10.0)
    assert clear_of(0.0, 10.0, [(2.0, 4.0), (5.0, 6.0)], min_s=1.0) == (6.0, 10.0)
    assert clear_of(0.0, 10.0, [(-1.0, 3.0), (3.5, 11.0)], min_s=1.0) is None
    assert clear_of(0.0, 10.0, [(-1.0, 3.0), (3.5, 11.0)], min_s=0.5) == (3.0, 3.5)
    assert clear_of(0.0, 10.0, [(10.0, 12.0), (-2.0, 0.0)], min_s=1.0) == (0.0, 10.0)
    assert clear_of(0.0, 10.0, [(1.0, 9.5)], min_s=1.0) == (0.0, 1.0)


def test_review_help_lists_the_command_that_serves_the_page():
    """`highlights review --help` is where a user looks for --reviewer, --port and --db: it names
    the command whose help lists them."""
    from highlights.cli.app import app

    listing = CliRunner().invoke(app, ["review", "--help"], terminal_width=200)
    assert listing.exit_code == 0, listing.output
    assert any(line.strip("│ ").startswith("serve ") for line in listing.output.splitlines()), listing.output
    serve = CliRunner().invoke(app, ["review", "serve", "--help"], terminal_width=200)
    assert serve.exit_code == 0 and "--reviewer" in serve.output and "--port" in serve.output


def test_a_review_started_again_on_the_same_database_keeps_its_address(detect_folder, tmp_path):
    """A tab left open (or a bookmark) goes on working when the review is stopped and started again
    on the same decisions database: the token is kept in it. Another database gets its own."""
    import httpx

    from tests.review_browser import ReviewServer

    db = tmp_path / "review.sqlite"
    first = ReviewServer([str(detect_folder), "--db", str(db)])
    token = first.url.split("token=")[1]
    first.kill()
    again = ReviewServer([str(detect_folder), "--db", str(db)])
    try:
        assert again.url.split("token=")[1] == token
        base = again.url.split("?")[0]
        games = httpx.get(base + "api/games", headers={"X-Review-Token": token}, timeout=30)
        assert games.status_code == 200 and games.json()["games"]
    finally:
        again.kill()
    other = ReviewServer([str(detect_folder), "--db", str(tmp_path / "other.sqlite")])
    other.kill()
    assert other.url.split("token=")[1] != token
    assert DecisionStore(db).token(lambda: "unused") == token


def test_another_tabs_undo_reaches_the_page_as_an_undo_with_who_decided_what_stands(session):
    """Bob rejects what Ann accepted, then takes his reject back: Ann's tab learns that Bob undid
    a decision and that her accept stands again, where it was told Bob had decided 'accepted'."""
    gid = session.games[0].id
    h0 = next(s for s in session.states(gid) if s["id"] == "h0")
    window = {"start_s": h0["start_s"], "end_s": h0["end_s"]}
    session.decide(gid, "h0", status="accepted", label=h0["label"], reviewer="Ann", client="tab-a", **window)
    since = session.store.last_id()
    bobs = session.decide(gid, "h0", status="rejected", label=None, reviewer="Bob", client="tab-b", **window)
    decided = session.changes(since)["changes"]
    assert [(c["id"], c["by"], c["undo"]) for c in decided] == [("h0", "Bob", False)]
    since = session.store.last_id()
    session.undo(bobs["state"]["decision_id"], reviewer="Bob", client="tab-b")
    undone = session.changes(since)["changes"]
    assert [(c["id"], c["by"], c["undo"]) for c in undone] == [("h0", "Bob", True)]
    assert (undone[0]["state"]["reviewer"], undone[0]["state"]["status"]) == ("Ann", "accepted")


def test_a_decision_answers_with_its_own_id_when_another_tab_decided_the_item_a_moment_later(session):
    """Two tabs decide one item at once: Bob's reject is saved between Ann's accept and the read of
    the item's state. Ann's answer names her decision (the one her tab's undo takes back) apart
    from Bob's, which stands; her tab had taken Bob's id for hers, and its undo took back his."""
    gid = session.games[0].id
    h0 = next(s for s in session.states(gid) if s["id"] == "h0")
    window = {"start_s": h0["start_s"], "end_s": h0["end_s"]}
    store_decide = session.store.decide
    bobs = []

    def then_bob(*args, **kwargs):
        row = store_decide(*args, **kwargs)
        if not bobs:
            bobs.append(store_decide(gid, "h0", status="rejected", label=h0["label"], key_s=None,
                                     reviewer="Bob", client="tab-b", **window))
        return row

    session.store.decide = then_bob
    anns = session.decide(gid, "h0", status="accepted", label=h0["label"], reviewer="Ann", client="tab-a", **window)
    session.store.decide = store_decide
    assert anns["state"]["decision_id"] == bobs[0].id and anns["state"]["reviewer"] == "Bob"
    assert anns["decision_id"] == bobs[0].id - 1
    assert session.store.get(anns["decision_id"]).reviewer == "Ann"
    missed = session.mark_missed(gid, at_s=1.0, label=h0["label"], reviewer="Ann", client="tab-a")
    assert missed["decision_id"] == missed["state"]["decision_id"]


def test_the_relabel_classes_are_the_models_own_in_its_order(detect_folder, tmp_path):
    """A model of a club's own classes offers those to relabel to (keys 1-9), in its order; the
    default four once came first, so key 1 relabelled a volleyball spike as a baseball swing."""
    import shutil

    own = {"baseball_swing": "volleyball_spike", "basketball_layup": "tennis_serve",
           "soccer_shooting": "volleyball_block", "none": "none"}
    folder = tmp_path / "game1-highlights"
    shutil.copytree(detect_folder, folder)
    data = json.loads((folder / "highlights.json").read_text())
    order = ("none", "soccer_shooting", "baseball_swing", "basketball_layup")
    for item in data["highlights"]:
        item["label"] = own[item["label"]]
        probs = item["evidence"]["classifier"]["probs"]
        item["evidence"]["classifier"]["probs"] = {own[c]: probs[c] for c in order}
    for item in data["candidates"]:
        item["probs"] = {own[c]: item["probs"][c] for c in order}
    (folder / "highlights.json").write_text(json.dumps(data))
    game = load_games([folder], videos=[data["video"]["path"]])[0]
    assert game.classes == ["volleyball_block", "volleyball_spike", "tennis_serve"]
    chosen = load_games([folder], videos=[data["video"]["path"]], classes=["tennis_serve", "volleyball_spike"])[0]
    assert chosen.classes[:2] == ["tennis_serve", "volleyball_spike"]
    # A slip for a model class would be a second button for it and, exported, a class of its own.
    with pytest.raises(ReviewError, match=(r"^--classes: 'voleyball_spike' is one slip from 'volleyball_spike', a "
                                           rf"class of the model in {folder / 'highlights.json'}; give the model's")):
        load_games([folder], videos=[data["video"]["path"]], classes=["tennis_serve", "voleyball_spike"])


def test_a_game_of_one_known_sport_starts_a_missed_event_at_that_sports_class(detect_folder, tmp_path):
    """A reviewer marking a shot the pipeline missed in a basketball game should not have to relabel
    each one: the game's one known sport (the one the run was told, else the one its highlights
    name) gives the class a missed event starts at; several sports, or none, give none."""
    import shutil

    from highlights.review.game_sport import known_sport, sport_class

    mixed = load_games([detect_folder])[0]
    assert len({h.label for h in mixed.items if h.kind == "highlight"}) > 1
    assert (mixed.sport, mixed.sport_class) == (None, None)
    assert mixed.summary()["sport_class"] is None

    def copy(name, change):
        folder = tmp_path / name
        shutil.copytree(detect_folder, folder)
        data = json.loads((folder / "highlights.json").read_text())
        change(data)
        (folder / "highlights.json").write_text(json.dumps(data))
        return load_games([folder], videos=[data["video"]["path"]])[0]

    def all_basketball(data):
        for h in data["highlights"]:
            h["label"], h["sport"] = "basketball_layup", "basketball"

    court = copy("court", all_basketball)
    assert (court.sport, court.sport_class) == ("basketball", "basketball_layup")
    assert court.summary()["sport_class"] == "basketball_layup" and court.summary()["sport"] == "basketball"
    told = copy("told", lambda data: data["config"]["classifier"].update(sport="Soccer"))
    assert (told.sport, told.sport_class) == ("soccer", "soccer_shooting")  # told wins over mixed highlights

    # Labels naming no sport count for none; a sport of several classes starts at the one most
    # highlights hold; a sport without a class in the review gives no class.
    assert known_sport(None, ["volleyball_spike", "highlight", "none", "swing"]) == "volleyball"
    assert known_sport(None, ["swing", "highlight"]) is None
    assert known_sport(None, ["volleyball_spike", "tennis_serve"]) is None
    own = ["volleyball_block", "volleyball_spike", "tennis_serve"]
    assert sport_class("volleyball", own, [
        "volleyball_spike", "volleyball_spike", "volleyball_block"]) == "volleyball_spike"
    assert sport_class("volleyball", own, []) == "volleyball_block"
    assert sport_class("basketball", own, ["basketball_layup"]) is None


def test_the_export_names_the_split_of_a_game_the_parent_holds_whole(session, tmp_path):
    """A game whose video is also one of the parent's labelled clips (under another name) joins
    that clip's split, and the export names that split as the game's."""
    import shutil

    from highlights.cli.review import _export_message
    from highlights.datasets import create_version
    from tests.dataset_fixtures import make_class_tree

    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    shutil.copyfile(session.games[0].video, clips / "soccer_shooting" / "whole session.mp4")
    root = tmp_path / "datasets"
    v1 = create_version(clips, root, seed=7)
    (whole,) = {c.split for c in v1.real_clips if c.group == "whole session"}
    assert whole != "train"  # where the export alone would have put a new game
    gid = _decide_some(session)
    result = export_review(session, root, parent="v1", licence="CC-BY-4.0")
    assert {c.split for c in result.version.real_clips if c.clip_id not in {x.clip_id for x in v1.clips}} == {whole}
    assert result.splits == {gid: [whole]}
    assert f"each game's clips are in one split of v2: {gid} {whole}" in _export_message(result)


def test_the_export_says_which_split_each_games_clips_went_to(session, tmp_path):
    """A game whose clips went into the train split is no test of a model trained on the version:
    the export names each game's split, so the user knows which reviewed games can score the
    pipeline fairly before training on the version."""
    from highlights.cli.review import _export_message

    gid = _decide_some(session)
    result = export_review(session, tmp_path / "datasets", licence="CC-BY-4.0")
    split = {c.split for c in result.version.clips}
    assert len(split) == 1 and result.splits == {gid: sorted(split)}
    message = _export_message(result)
    assert f"each game's clips are in one split of v1: {gid} {next(iter(split))}" in message
    assert split == {"train"}  # the one game of a new version lands in train
    seen = f"a model trained on v1 has seen {gid}: its `pipeline evaluate` against that game's reviewed annotations"
    assert seen in message


def test_the_export_says_a_game_in_the_val_split_chose_the_model_and_is_no_test_of_it(tmp_path):
    # A game whose clips went into val chose the best epoch of a model trained on the version (a
    # pose model's action threshold): the export named its split and said nothing more.
    from types import SimpleNamespace

    from highlights.cli.review import _splits_facts
    from highlights.review.export import ExportResult

    result = ExportResult(version=SimpleNamespace(name="v3"), clips={}, splits={"det2": ["val"], "det3": ["test"]})
    assert _splits_facts(result) == [
        "each game's clips are in one split of v3: det2 val, det3 test",
        "a model trained on v3 has its best epoch (a pose model its action threshold, where the val split is large "
        "enough to choose one) chosen on det2: its `pipeline evaluate` against that game's reviewed annotations is "
        "no test of it either"]


def test_the_export_message_says_how_many_more_a_list_cut_at_five_leaves_out(tmp_path):
    # Nine trimmed clips were said as "9 none clip(s) trimmed ...: " and five names, as if the
    # five were all of them.
    from pathlib import Path
    from types import SimpleNamespace

    from highlights.cli.review import _export_message
    from highlights.review.export import ExportResult

    trimmed = [f"game/c{i} (decided 1.00-3.00 s, cut 1.50-3.00 s)" for i in range(9)]
    result = ExportResult(version=SimpleNamespace(path=tmp_path / "v3"), clips={"rejected": 9}, trimmed=trimmed,
                          dropped=["game/c20 (4.00-6.00 s)"])
    message = _export_message(result)
    assert f"9 none clips trimmed to leave out an action decided in the same video: {', '.join(trimmed[:5])} " \
           "and 4 more;" in message
    assert "video is left out: game/c20 (4.00-6.00 s)" in message and "more" not in message.split("too short")[1]


def test_the_export_summary_reads_one_fact_a_line_in_an_80_column_terminal(tmp_path):
    # It was one line of every fact, parted by semicolons: a dozen lines of 80 columns to read as one.
    from types import SimpleNamespace

    from highlights.cli.review import _export_lines, _export_message
    from highlights.review.export import ExportResult

    folder = tmp_path / "a-folder-with-a-rather-long-name-that-no-line-may-cut" / "v3"
    result = ExportResult(version=SimpleNamespace(path=folder, name="v3", parent="v2"),
                          clips={"rejected": 9, "accepted": 4},
                          pending=12, unchanged=3, added_classes=["tennis_serve"],
                          changed=[f"saturday-highlights/h{i}" for i in range(7)],
                          trimmed=[f"saturday-highlights/c{i} (decided 1.00-3.00 s, "
                                   f"cut 1.50-3.00 s)" for i in range(3)],
                          repeated=["sunday-highlights/m1 (as sunday-highlights/h0)"],
                          dropped=["saturday-highlights/c20 (4.00-6.00 s)"],
                          splits={"saturday-highlights": ["train"], "sunday-highlights": ["val"]})
    message = _export_message(result)
    facts = message.count("; ") + 1
    lines = _export_lines(result, 80)
    assert lines[0].split()[0] == str(folder), lines  # the path whole, to copy
    assert all(len(line) <= 80 or len(line.split()) == 1 for line in lines), lines
    assert sum(line.startswith("- ") for line in lines) == facts - 1 and len(lines) > facts
    assert all(line.startswith(("- ", "  ")) for line in lines[1:]), lines
    # Nothing said is lost, nor added but the dashes: the page's one paragraph holds the same.
    assert " ".join(" ".join(lines).split()) == " ".join(message.replace("; ", " - ").split())
    # Written to a log: one fact a line, none broken.
    assert _export_lines(result, None) == [message.split("; ")[0], *(f"- {f}" for f in message.split("; ")[1:])]


@pytest.mark.parametrize("kind", ["pose", "checkpoint", "moved"])
def test_a_run_no_window_of_which_reached_the_classifier_offers_its_models_own_classes(detect_folder, tmp_path,
                                                                                       kind):
    import shutil

    import torch

    from highlights.model import save_checkpoint
    from highlights.pose_classifier.default import load_default_pose_model
    from highlights.pose_classifier.model import PoseClassifier, build_network
    from tests.model_fixtures import tiny_meta, tiny_model

    classes = ["tennis_serve", "volleyball_spike", "none"]
    if kind == "pose":
        torch.manual_seed(0)
        model = PoseClassifier(build_network("features_linear", 3), classes, load_default_pose_model().spec,
                               "features_linear", {})
        classifier = {"backend": "pose", "pose_model": str(model.save(tmp_path / "pose.pt"))}
    else:
        net = tiny_model(3)
        path = save_checkpoint(tmp_path / "best.pt", net, tiny_meta(net, classes))
        if kind == "moved":
            path = path.rename(tmp_path / "elsewhere.pt").with_name("best.pt")
        classifier = {"backend": "checkpoint", "checkpoint": str(path)}
    folder = tmp_path / "quiet-game"
    shutil.copytree(detect_folder, folder)
    data = json.loads((folder / "highlights.json").read_text())
    data.update(highlights=[], candidates=[], config={"classifier": {"enabled": True, **classifier}})
    (folder / "highlights.json").write_text(json.dumps(data))
    game = load_games([folder])[0]
    if kind == "moved":  # the file is gone: the default classes, as before
        assert game.classes == ["baseball_swing", "basketball_layup", "soccer_shooting"]
        assert game.model_classes == []
    else:
        # A missed event is marked with the club's classes, not the default four.
        assert game.classes == ["tennis_serve", "volleyball_spike"]
        assert game.model_classes == classes


def test_an_export_without_a_licence_says_how_many_clips_state_none_and_the_flag_that_sets_one(session, tmp_path):
    from highlights.cli.review import _export_message

    _decide_some(session)
    result = export_review(session, tmp_path / "datasets")
    assert {c.licence for c in result.version.real_clips} == {"unknown"}
    assert result.no_licence == 3
    assert ("; 3 of the 3 exported clips state no licence (recorded as unknown): --licence NAME records one"
            in _export_message(result))
    stated = export_review(session, tmp_path / "stated", licence="CC-BY-4.0")
    assert stated.no_licence == 0 and "no licence" not in _export_message(stated)


@pytest.mark.parametrize("stopped", [False, True], ids=["at once", "run again after a stop"])
def test_an_export_carries_the_one_licence_the_parent_states_for_the_same_video(session, tmp_path, monkeypatch,
                                                                                  stopped):
    """The parent holds the reviewed game whole, with the licence its owner gave it: the clips the
    review cuts from that video carry it; never one the parent states for other footage. The same
    export run again after one stopped (a full disk) once it had made the version says so too."""
    import shutil

    from highlights.atomic import DiskFullError
    from highlights.cli.review import _export_message
    from tests.review_fixtures import disk_full_at_the_annotations
    from highlights.datasets import ClipDefaults, create_version
    from tests.dataset_fixtures import make_class_tree

    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    whole = shutil.copyfile(session.games[0].video, clips / "soccer_shooting" / "whole session.mp4")
    whole.with_suffix(".json").write_text(json.dumps({"licence": "CC-BY-4.0"}))
    root = tmp_path / "datasets"
    create_version(clips, root, seed=7, defaults=ClipDefaults(licence="club-only"))
    gid = _decide_some(session)
    ann = tmp_path / "ann"
    if stopped:
        with disk_full_at_the_annotations(monkeypatch):
            with pytest.raises(DiskFullError):
                export_review(session, root, parent="v1", annotations_dir=ann)
    result = export_review(session, root, parent="v1", annotations_dir=ann)
    assert result.version.name == "v2"
    fresh = [c for c in result.version.real_clips if c.provenance.startswith("{")]
    assert len(fresh) == 3 and {c.licence for c in fresh} == {"CC-BY-4.0"}
    assert result.no_licence == 0 and result.carried_licences == {gid: "CC-BY-4.0"}
    message = _export_message(result)
    assert f"; the clips of {gid} carry CC-BY-4.0, the licence v1 states for its video" in message
    assert "no licence" not in message
    # A licence given on the command line is every clip's.
    given = export_review(session, tmp_path / "given", licence="CC0-1.0")
    assert {c.licence for c in given.version.real_clips} == {"CC0-1.0"} and given.carried_licences == {}


@pytest.mark.parametrize("stopped", [False, True], ids=["at once", "run again after a stop"])
def test_an_export_into_a_version_holding_its_video_in_two_splits_says_so(session, tmp_path, monkeypatch, stopped):
    """The parent, written before a video added whole and the clips a review cut from it were kept
    in one split, holds the reviewed game in two: the export's clips join one of them, and the
    export says that the new version holds that video in two splits, as `dataset grow` does; so
    does the same export run again after one stopped (a full disk) once it had made the version."""
    import shutil

    from highlights.atomic import DiskFullError
    from tests.review_fixtures import disk_full_at_the_annotations

    from highlights.cli.review import _export_message
    from highlights.datasets import create_version
    from tests.dataset_fixtures import as_written_before, make_class_tree

    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    shutil.copyfile(session.games[0].video, clips / "soccer_shooting" / "whole session.mp4")
    root = tmp_path / "datasets"
    create_version(clips, root, seed=7)
    gid = session.games[0].id
    h1 = next(s for s in session.states(gid) if s["id"] == "h1")
    session.decide(gid, "h1", status="accepted", label=h1["label"], start_s=h1["start_s"], end_s=h1["end_s"],
                   reviewer="Ada")
    first = export_review(session, root, parent="v1", licence="CC-BY-4.0")
    assert first.split_leaks is None and "two splits" not in _export_message(first)
    as_written_before(root / "v2", {f"{gid}_h1.mp4"})  # the clip cut from it now in another split
    _decide_some(session)
    if stopped:
        with disk_full_at_the_annotations(monkeypatch):
            with pytest.raises(DiskFullError):
                export_review(session, root, parent="v2", licence="CC-BY-4.0", annotations_dir=tmp_path / "ann")
    result = export_review(session, root, parent="v2", licence="CC-BY-4.0", annotations_dir=tmp_path / "ann")
    assert result.version.name == "v3"
    assert result.split_leaks.startswith("v3 holds a source video in two splits")
    assert "whole session.mp4" in result.split_leaks
    assert f"; warning: {result.split_leaks}" in _export_message(result)


def test_the_timeline_colours_each_item_by_its_outcome_as_the_list_does(session):
    """A relabelled highlight was drawn as accepted on the timeline, and a turned-down window taken
    as a real miss too, where the list's badges say relabelled and missed."""
    from highlights.review.server import create_app

    client = TestClient(create_app(session, TOKEN))
    gid = session.games[0].id
    items = {s["id"]: s for s in session.states(gid)}
    other = next(c for c in session.games[0].classes if c != items["h1"]["label"])
    for item, status, label in (("h0", "rejected", None), ("h1", "accepted", other),
                                ("h2", "accepted", items["h2"]["label"]), ("c18", "accepted", "baseball_swing")):
        s = items[item]
        session.decide(gid, item, status=status, label=label, start_s=s["start_s"], end_s=s["end_s"], reviewer="Ada")
    rows = client.get(f"/api/games/{gid}/timeline", headers={"X-Review-Token": TOKEN}).json()["rows"]
    shown = {row[0]: row[4] for row in rows}
    badges = {s["id"]: s["state"].get("outcome", s["state"]["status"]) for s in session.states(gid)}
    assert {k: shown[k] for k in ("h0", "h1", "h2", "c18")} == {"h0": "rejected", "h1": "relabelled",
                                                                 "h2": "accepted", "c18": "missed"}
    assert shown == badges


def test_an_export_says_how_many_of_its_clips_the_parent_holds_already_as_the_same_files(
        session, detect_folder, tmp_path):
    """A second detect folder of the same video, reviewed the same way, cuts the same files: the
    version it grows leaves them out, and the export's count of clips says what it adds."""
    import shutil

    from highlights.cli.review import _export_message

    _decide_some(session)
    root = tmp_path / "datasets"
    export_review(session, root, licence="CC-BY-4.0")
    again = shutil.copytree(detect_folder, tmp_path / "again")
    # detect run again with another model: the same windows, scored otherwise (another run)
    data = json.loads((again / "highlights.json").read_text())
    for h in data["highlights"]:
        h["score"] = round(h["score"] * 0.9, 4)
    (again / "highlights.json").write_text(json.dumps(data))
    other = ReviewSession(load_games([again]), DecisionStore(tmp_path / "other.sqlite"))
    try:
        gid = _decide_some(other)
        other.mark_missed(gid, at_s=10.0, label="soccer_shooting", reviewer="Bob")
        result = export_review(other, root, parent="v1", licence="CC-BY-4.0")
    finally:
        other.store.close()
    assert sum(result.clips.values()) == 4 and result.unchanged == 0
    assert result.version.meta["added"] == {**result.version.meta["added"], "already_in_parent": 3, "real": 1}
    assert len(result.version.real_clips) == len(load_version(root, "v1").real_clips) + 1
    assert ("3 of them already in v1 as the same files (cut by an earlier review of the same video), "
            "so v2 adds 1 clip") in _export_message(result)


@pytest.mark.parametrize("change, cause", [
    ("start_s = 'soon'", "its times 'soon'-3.0 are not finite numbers of seconds"),
    ("start_s = NULL, end_s = NULL", "its times None-None are not finite numbers of seconds"),
    ("end_s = 0", "its end 0.0 s is not after its start 1.0 s"),
    ("start_s = 1e308, end_s = 1e308", "its end 1e+308 s is not after its start 1e+308 s"),
    ("status = 'maybe'", "its status 'maybe' is none of accepted, rejected"),
    ("label = 'volley' || char(10) || 'ball'", "its label 'volley\\nball' is not a class name"),
], ids=["times-text", "times-null", "span-reversed", "times-huge", "status-other", "label-line-break"])
def test_export_of_a_database_edited_by_hand_names_the_damaged_decision(detect_folder, tmp_path, change, cause):
    """Tracebacks from rounding or seeking, or a line naming the export's own staging folder."""
    from highlights.cli.app import app

    db = tmp_path / "r.sqlite"
    store = DecisionStore(db)
    session = ReviewSession(load_games([detect_folder]), store)
    session.decide(session.games[0].id, "h0", status="accepted", label="baseball_swing", start_s=1.0,
                   end_s=3.0, reviewer="Ada")
    store.close()
    with sqlite3.connect(db) as edit:
        edit.execute(f"UPDATE decisions SET {change}")
    edit.close()
    res = CliRunner().invoke(app, ["review", "export", str(detect_folder), "--db", str(db), "--to-dataset",
                                   str(tmp_path / "ds"), "--no-progress"])
    assert res.exit_code == 1 and not (tmp_path / "ds").exists(), res.output
    assert res.stderr == f"error: {db}: decision 1 (item h0 of {session.games[0].id}) is damaged: {cause}\n"
