"""How fast the review opens on a season: 20 games, 1,000 highlights.

    python bench/bench_review.py [--games 20] [--highlights 1000] [--decided 500] [--rounds 5]

Builds 20 detect output folders over one short synthetic video (a season's worth of
`highlights.json`: 50 highlights and 300 turned-down windows per game), records some decisions,
starts `highlights review` on them as a user would, and times opening it: in Chromium (page load
until the first game's first page of items, its timeline and the game list are drawn) when
`/usr/bin/chromium` and Playwright are there, and always over plain HTTP (the same requests the
page makes). Thumbnails are not part of opening: the page asks for each lazily, as it scrolls
into view. Prints the median and worst of `--rounds` opens, and the machine's load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from highlights.cli.boundary import run_script
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from highlights.video import write_video

CLASSES = ("baseball_swing", "basketball_layup", "soccer_shooting")


def make_season(root: Path, games: int, highlights: int,
                candidates_per_game: int = 300) -> list[Path]:
    video = root / "game.mp4"
    frames = (np.full((180, 320, 3), (i * 3) % 255, np.uint8) for i in range(15 * 60))
    write_video(video, frames, 15.0)  # one minute; every game's items point into it
    rng = np.random.default_rng(0)
    per_game = highlights // games
    folders = []
    for g in range(games):
        hl = []
        for i in range(per_game):
            start = float(rng.uniform(0, 57))
            label = CLASSES[i % 3]
            p = float(rng.uniform(0.4, 0.99))
            probs = {c: round((1 - p) / 3, 4) for c in (*CLASSES, "none")}
            probs[label] = round(p, 4)
            hl.append({"start_s": round(start, 3), "end_s": round(start + 2.5, 3), "label": label,
                       "sport": "x", "score": p, "key_s": round(start + 1.2, 3),
                       "evidence": {"classifier": {"probs": probs}}})
        hl.sort(key=lambda h: h["start_s"])
        cands = []
        for i in range(candidates_per_game):
            start = float(rng.uniform(0, 58))
            pn = float(rng.uniform(0.5, 0.99))
            probs = {c: round((1 - pn) / 3, 4) for c in CLASSES}
            probs["none"] = round(pn, 4)
            cands.append({"start_s": round(start, 3), "end_s": round(start + 1.6, 3), "key_s": None,
                          "label": "none", "score": pn, "probs": probs})
        folder = root / f"game{g:02d}-highlights"
        folder.mkdir()
        (folder / "highlights.json").write_text(json.dumps({
            "video": {"path": str(video), "duration_s": 60.0,
                      "fps": 15.0, "width": 320, "height": 180},
            "config": {"classifier": {"backend": "checkpoint", "checkpoint": "runs/v2/best.pt"}},
            "inference_backend": "torchscript", "highlights": hl, "candidates": cands}))
        folders.append(folder)
    return folders


def record_decisions(folders: list[Path], db: Path, n: int) -> None:
    session = ReviewSession(load_games(folders), DecisionStore(db))
    done = 0
    for game in session.games:
        for item in game.items:
            if done >= n:
                break
            session.decide(game.id, item.id, status="accepted" if done % 3 else "rejected",
                           label=item.label,
                           start_s=item.start_s, end_s=item.end_s, reviewer="bench")
            done += 1
    session.store.close()


def open_over_http(url: str) -> float:
    base, token = url.split("/?token=")
    started = time.perf_counter()

    def get(path: str) -> bytes:
        req = urllib.request.Request(base + path, headers={"X-Review-Token": token})
        with urllib.request.urlopen(req) as r:
            return r.read()

    get(f"/?token={token}")
    games = json.loads(get("/api/games"))["games"]
    first = games[0]["id"]
    get(f"/api/games/{first}/items?offset=0&limit=50&order=uncertainty")
    get(f"/api/games/{first}/timeline")
    return time.perf_counter() - started


def open_in_chromium(url: str, rounds: int) -> tuple[list[float], list[float]] | str:
    if not Path("/usr/bin/chromium").exists():
        return "no /usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return "playwright is not installed"
    wall, page_ms = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(url)  # warm: the browser's own start-up is not the review's
        page.wait_for_selector("body[data-ready='1']")
        for _ in range(rounds):
            started = time.perf_counter()
            page.reload()
            page.wait_for_selector("body[data-ready='1']")
            wall.append(time.perf_counter() - started)
            page_ms.append(float(page.get_attribute("body", "data-open-ms")) / 1000)
        browser.close()
    return wall, page_ms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--games", type=int, default=20, help="detect output folders in the review")
    ap.add_argument("--highlights", type=int, default=1000, help="highlights over all the games")
    ap.add_argument("--decided", type=int, default=500, help="decisions already recorded")
    ap.add_argument("--rounds", type=int, default=5,
                    help="times the review is opened (median and worst printed)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folders = make_season(root, args.games, args.highlights)
        db = root / "review.sqlite"
        record_decisions(folders, db, args.decided)
        proc = subprocess.Popen([sys.executable, "-c",
                                 "from highlights.cli.review import app; app()",
                                 *map(str, folders), "--db", str(db), "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = None
            for line in proc.stdout:
                m = re.search(r"(http://\S+/\?token=\S+)", line)
                if m:
                    url = m.group(1)
                    break
            if url is None:
                sys.exit("the review printed no URL")
            open_over_http(url)  # warm
            http = [open_over_http(url) for _ in range(args.rounds)]
            browser = open_in_chromium(url, args.rounds)
        finally:
            proc.kill()
            proc.wait()
    items = args.highlights + args.games * 30
    print(f"review of {args.games} games, {args.highlights} highlights (+{args.games * 30} "
          f"turned-down windows offered, {items} items), {args.decided} decisions recorded; "
          f"{args.rounds} opens each")
    print("  open over HTTP (page, game list, first 50 items, timeline): median "
          f"{statistics.median(http):.3f} s, worst {max(http):.3f} s")
    if isinstance(browser, str):
        print(f"  open in Chromium: not measured ({browser})")
    else:
        wall, page_s = browser
        print("  open in Chromium, by the page's clock (navigation start until the list and "
              f"timeline are drawn): median {statistics.median(page_s):.3f} s, worst "
              f"{max(page_s):.3f} s")
        print("  the same seen from outside (reload until drawn): median "
              f"{statistics.median(wall):.3f} s, worst {max(wall):.3f} s")
        print(f"  median under one second: {'yes' if statistics.median(page_s) < 1.0 else 'NO'}")
    print(f"  machine load (1-minute average) {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    run_script(main)
