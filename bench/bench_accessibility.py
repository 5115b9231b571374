"""axe-core's accessibility audit of the pages highlights writes and serves, in each state a coach
sees.

    python bench/bench_accessibility.py --axe node_modules/axe-core/axe.min.js [--minutes 0.5]
                                        [--keep DIR]

Makes a synthetic game with the project's generator, runs `highlights detect` on it, and audits in
Chromium (Playwright with `/usr/bin/chromium`, as the browser tests use): the game's
`highlights.html`, the batch index over it, and the review page (`highlights review --to-dataset`)
opened, playing a segment, after a decision, with the short screen's More menu open, after an
export, with a game that has nothing to review, and after the server stopped (its error in the
status line). Prints each state's violations of WCAG 2.2 A/AA and axe's best practices, with the
elements, and exits 1 when there is any.

axe-core is not a dependency of highlights (its licence is MPL-2.0): fetch it once with
`npm install --prefix /tmp/axe axe-core` (then `--axe /tmp/axe/node_modules/axe-core/axe.min.js`),
or `pip install axe-playwright-python` into the environment, whose bundled copy is used when
`--axe` is not given. The page's script policy is bypassed only in the audit's browser, to add
axe to the page.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from highlights.cli.boundary import run_script
from highlights.errors import HighlightsError

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
CHROMIUM = Path("/usr/bin/chromium")
SHORT_SCREEN = {"width": 800, "height": 400}


def axe_source(path: Path | None) -> str:
    """axe.min.js's text: from `path`, else from the axe-playwright-python package when
    installed."""
    if path is None:
        try:
            import axe_playwright_python
        except ImportError:
            raise HighlightsError("no axe-core: give --axe PATH/axe.min.js (npm install axe-core) "
                                  "or pip install axe-playwright-python") from None
        found = sorted(Path(axe_playwright_python.__file__).parent.rglob("axe.min.js"))
        if not found:
            raise HighlightsError("axe-playwright-python is installed but holds no axe.min.js: "
                                  "give --axe")
        path = found[0]
    if not path.is_file():
        raise HighlightsError(f"{path}: no such file (axe.min.js from npm's axe-core)")
    return path.read_text(encoding="utf-8")


def audit(page, axe: str, state: str) -> list[dict]:
    """axe's violations on `page` as it is now, printed under `state`."""
    page.add_script_tag(content=axe)
    result = page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    violations = result["violations"]
    print(f"{state}: {len(violations)} violation(s), {len(result['incomplete'])} rule(s) axe could "
          "not decide")
    for v in violations:
        print(f"  [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} element(s))")
        for node in v["nodes"][:5]:
            print(f"      {' '.join(node['target'])}: "
                  f"{' '.join(node['failureSummary'].split())[:200]}")
    return violations


def make_pages(root: Path, minutes: float) -> tuple[Path, Path, Path]:
    """A detect folder over a synthetic game, one over the same game with nothing to review, and a
    batch index linking the first; returns the three."""
    from highlights.batch.index import render_html as render_index
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.detect import detect_highlights
    from highlights.synth import GameConfig, generate_game

    files = generate_game(root / "game", GameConfig(minutes=minutes, width=640, height=360, fps=15,
                                                    events_per_minute=6, seed=1, name="game1"))
    folder = root / "game1-highlights"
    from highlights.events import load_annotation

    result, _ = detect_highlights(files["video"], PipelineConfig(), folder, progress=False,
                                  annotation=load_annotation(files["annotation"]))
    empty = root / "empty-highlights"
    empty.mkdir()
    data = json.loads((folder / "highlights.json").read_text(encoding="utf-8"))
    data["highlights"], data["candidates"] = [], []
    (empty / "highlights.json").write_text(json.dumps(data), encoding="utf-8")
    index = root / "index.html"
    record = {"game_id": "game1-highlights", "status": "done", "video": str(files["video"]),
              "duration_s": minutes * 60,
              "highlights": len(result.highlights), "speed_x_realtime": 1.0,
              "files": {"html": "highlights.html"}}
    summary = {"games": 1, "done": 1, "reused": 0, "failed": 0,
               "highlights": len(result.highlights), "video_hours_total": minutes / 60}
    index.write_text(render_index([record], summary, {"engine": "local", "workers": 1}),
                     encoding="utf-8")
    return folder, empty, index


class ReviewServer:
    """`highlights review ARGS` in a subprocess; `.url` is the URL it printed."""

    def __init__(self, args: list[str]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c",
                                      "from highlights.cli.review import app; app()",
                                      *args, "--port", "0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.url = next((m.group(1) for line in self.proc.stdout
                         if (m := re.search(r"(http://\S+/\?token=\S+)", line))), None)
        if self.url is None:
            self.kill()
            raise RuntimeError("highlights review printed no URL")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


def audit_review(browser, axe: str, folders: list[Path], root: Path, found: dict) -> None:
    server = ReviewServer([*map(str, folders), "--db", str(root / "review.sqlite"),
                           "--to-dataset", str(root / "datasets")])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_selector("body[data-ready='1']", timeout=30000)
        found["review: the list"] = audit(page, axe, "review: the list")
        page.fill("#reviewer", "Audit")
        page.press("#reviewer", "Enter")
        page.keyboard.press("p")
        found["review: playing a segment"] = audit(page, axe, "review: playing a segment")
        page.keyboard.press("a")
        page.wait_for_function("() => S.undo.length === 1", timeout=10000)
        found["review: after a decision"] = audit(page, axe, "review: after a decision")
        page.set_viewport_size(SHORT_SCREEN)
        page.click("#moreBtn")
        found["review: More menu (short screen)"] = audit(page, axe,
                                                          "review: More menu (short screen)")
        page.click("#exportBtn")
        page.wait_for_function("() => "
                               "!/^Exporting/.test(document.getElementById('status').textContent)",
                               timeout=300000)
        print(f"  (export said: {page.inner_text('#status')})")
        found["review: after the export"] = audit(page, axe, "review: after the export")
        page.set_viewport_size({"width": 1280, "height": 900})
        if len(folders) > 1:
            page.select_option("#game", "1")
            page.wait_for_function("() => /Nothing to "
                                   "review/.test(document.getElementById('current').textContent)")
            found["review: a game with nothing to review"] = audit(
                page, axe, "review: a game with nothing to review")
            page.select_option("#game", "0")
            page.wait_for_function("() => S.items.length > 0")
        server.kill()
        page.keyboard.press("r")
        page.wait_for_function("() => /^Not "
                               "saved/.test(document.getElementById('status').textContent)",
                               timeout=10000)
        found["review: the server stopped"] = audit(page, axe, "review: the server stopped")
    finally:
        context.close()
        server.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axe", type=Path, default=None,
                    help="axe.min.js from npm's axe-core (default: the copy axe-playwright-python "
                         "bundles)")
    ap.add_argument("--minutes", type=float, default=0.5, help="length of the synthetic game")
    ap.add_argument("--keep", type=Path, default=None,
                    help="write the game and its pages into this folder and keep them (default: a "
                         "temporary one)")
    args = ap.parse_args()
    axe = axe_source(args.axe)
    if not CHROMIUM.exists():
        raise HighlightsError(f"{CHROMIUM}: no such file (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="highlights-a11y-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        folder, empty, index = make_pages(root, args.minutes)
        found: dict[str, list] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                for name, path in (("highlights.html", folder / "highlights.html"),
                                   ("batch index.html", index)):
                    page.goto(path.resolve().as_uri())
                    page.wait_for_load_state("load")
                    found[name] = audit(page, axe, name)
                page.close()
                audit_review(browser, axe, [folder, empty], root, found)
            finally:
                browser.close()
    bad = {state: len(v) for state, v in found.items() if v}
    print(f"{len(found)} page state(s) audited; " + ("no violations" if not bad else
          f"violations in {len(bad)}: " + ", ".join(f"{s} ({n})" for s, n in bad.items())))
    return 1 if bad else 0


if __name__ == "__main__":
    run_script(main)
