"""`highlights review` and `review export` under a Latin-1 locale, over a game named with an accent
and a class with one: the file system names them in Latin-1 bytes while the page, the JSON the
server answers with and the dataset's files speak UTF-8. The game is made and reviewed in a
process of that locale, so its files are named as such a machine names them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.latin1_locale import LATIN1, needs_latin1

# Run under the locale: makes the game, serves it, fetches the page, a thumbnail and the video as the
# page does, accepts the highlight of the accented class, exports, then runs `review export`.
_REVIEW_UNDER_LOCALE = r'''
import json, subprocess, sys, urllib.request
from pathlib import Path
from highlights.datasets import load_version
from tests.review_browser import ReviewServer
from tests.review_fixtures import make_detect_folder
from tests.review_http import Page

root, game_name, cls = Path(sys.argv[1]), "partie_\u00e9t\u00e9", "tir_r\u00e9ussi"
folder = make_detect_folder(root, game_name)
data = json.loads((folder / "highlights.json").read_text(encoding="utf-8"))
for item in data["highlights"] + data["candidates"]:
    item["label"] = cls if item["label"] == "soccer_shooting" else item["label"]
    probs = item["probs"] if "probs" in item else item["evidence"]["classifier"]["probs"]
    probs[cls] = probs.pop("soccer_shooting")
(folder / "highlights.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
out = {"fs": sys.getfilesystemencoding(), "names": [p.name.encode("latin-1").hex() for p in sorted(root.iterdir())]}
server = ReviewServer([str(folder), "--db", str(root / "review.sqlite"), "--to-dataset", str(root / "served")])
try:
    page = Page(server.url)
    with urllib.request.urlopen(server.url, timeout=60) as response:
        out["page"] = [response.status, len(response.read())]
    _, games = page.call("GET", "/api/games")
    game = games["games"][0]
    out["video"], out["classes"] = game["video"], game["classes"]
    _, listed = page.call("GET", f"/api/games/{game['id']}/items?limit=500")
    item = next(i for i in listed["items"] if i["id"].startswith("h") and i["state"]["label"] == cls)
    for path in (f"/thumb/{game['id']}/{item['id']}.jpg", f"/media/{game['id']}/video"):
        request = urllib.request.Request(page.base + path, headers={"X-Review-Token": page.token})
        with urllib.request.urlopen(request, timeout=120) as response:
            out[path.split("/")[1]] = [response.headers["content-type"], len(response.read())]
    page.decide(game["id"], item, "accepted")
    code, exported = page.call("POST", "/api/export")
finally:
    server.kill()
out["served"] = [code, sorted({c.label for c in load_version(root / "served", exported["version"]).real_clips})]
done = subprocess.run([sys.executable, "-m", "highlights", "review", "export", str(folder), "--db",
                       str(root / "review.sqlite"), "--to-dataset", str(root / "exported"), "--no-progress"],
                      capture_output=True, timeout=300)
out["export"] = [done.returncode, (done.stdout + done.stderr).decode("latin-1"), str(folder)]
out["exported"] = sorted({c.label for c in load_version(root / "exported", "v1").real_clips})
out["annotation"] = json.loads((folder / "reviewed" / "reviewed.json").read_text(encoding="utf-8"))
print(json.dumps(out))
'''


@needs_latin1
def test_review_serves_and_exports_a_game_named_in_latin1(tmp_path):
    env = {**os.environ, "LANG": LATIN1, "LC_ALL": LATIN1, "PYTHONUTF8": "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _REVIEW_UNDER_LOCALE, str(tmp_path)], env=env, capture_output=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr.decode("latin-1")[-3000:]
    out = json.loads(done.stdout.decode("latin-1").splitlines()[-1])
    assert out["fs"] == "iso8859-1" and "706172746965" "5fe974e9" "2e6d7034" in out["names"]  # partie_\xe9t\xe9.mp4
    assert out["page"][0] == 200 and out["video"] == "partie_\u00e9t\u00e9.mp4" and "tir_r\u00e9ussi" in out["classes"]
    assert out["thumb"][0] == "image/jpeg" and out["thumb"][1] > 1000
    assert out["media"][0] == "video/mp4" and out["media"][1] > 10000
    assert out["served"] == [200, ["tir_r\u00e9ussi"]]
    code, said, folder = out["export"]
    assert code == 0 and f"{folder}/reviewed/reviewed.json" in said, said
    # the game named by its folder's own name, not by the ASCII slug of it its id is
    assert "partie_\u00e9t\u00e9-highlights: " in said and "partie_-t-" not in said
    assert out["exported"] == ["tir_r\u00e9ussi"]
    annotation = out["annotation"]
    assert (annotation["video"] == "partie_\u00e9t\u00e9.mp4"
            and [e["label"] for e in annotation["events"]] == ["tir_r\u00e9ussi"])
