"""Chromium for the review's browser tests: Debian's package, installed on first use when allowed.

The package registries carry no browser builds, so Playwright drives the system `chromium`. On
a machine without it the fixture installs it with apt-get when running as root (CI does); the
tests skip with the reason when it cannot be had. Set HIGHLIGHTS_NO_APT=1 to never install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _install_chromium() -> str | None:
    """None when chromium is there (after installing it if needed), else why it is not."""
    if CHROMIUM.exists():
        return None
    if os.environ.get("HIGHLIGHTS_NO_APT"):
        return f"{CHROMIUM} is missing and HIGHLIGHTS_NO_APT is set"
    if not shutil.which("apt-get"):
        return f"{CHROMIUM} is missing and there is no apt-get to install it (install Chromium)"
    if os.geteuid() != 0:
        return f"{CHROMIUM} is missing; install it with `sudo apt-get install chromium`"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            return f"`{' '.join(cmd)}` failed: {tail[0]}"
    return None if CHROMIUM.exists() else f"apt-get installed chromium but {CHROMIUM} is still missing"


def chromium_browser():
    """Yields Chromium driven by Playwright (the `browser` fixture, in conftest.py: one for the
    whole run, as a second Playwright in the same process fails); skips when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    why = _install_chromium()
    if why:
        pytest.skip(why)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        try:
            yield b
        finally:
            b.close()


class ReviewServer:
    """`highlights review DIR...` in a subprocess, as a user starts it; `.url` is the URL it printed."""

    def __init__(self, args: list[str]) -> None:
        # The review command group on its own (`highlights review ...` minus the root command's
        # imports of every other group), so the server is up in a moment.
        self.proc = subprocess.Popen([sys.executable, "-c", "from highlights.cli.review import app; app()",
                                      *args, "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr = ""  # what the server wrote to stderr, once `kill` has stopped it
        self.url = self._read_url()

    def _read_url(self) -> str:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            m = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            if m:
                return m.group(1)
        self.kill()
        raise AssertionError("the review printed no URL: " + "".join(lines) + self.stderr)

    def kill(self) -> None:
        """Stops the server and keeps what it wrote to stderr (a handler's traceback, which a
        failing test shows: the page is only told "Internal Server Error")."""
        if self.proc.poll() is None:
            self.proc.kill()  # SIGKILL: nothing gets a chance to flush on the way out
        self.proc.wait(timeout=10)
        if not self.proc.stderr.closed:
            self.stderr = self.proc.stderr.read()
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


def shots_folder(tmp_path: Path) -> Path:
    """Where a browser test keeps its screenshots: $HIGHLIGHTS_TEST_ARTIFACTS/review, else the test's
    own folder."""
    base = Path(os.environ.get("HIGHLIGHTS_TEST_ARTIFACTS") or tmp_path)
    out = base / "review"
    out.mkdir(parents=True, exist_ok=True)
    return out


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=15000)


def open_signed_in(page, url, reviewer="Ada"):
    """The page opened, its reviewer's name typed and entered, as a reviewer starts."""
    open_page(page, url)
    page.fill("#reviewer", reviewer)
    page.press("#reviewer", "Enter")


@contextmanager
def signed_in_review(browser, args: list[str]):
    """`highlights review ARGS...` and a tab on it signed in as Ada, its list drawn: the tab,
    for the block; the tab and the server closed after it."""
    server = ReviewServer(args)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        open_signed_in(page, server.url)
        page.wait_for_function("() => S.items.length > 0")
        yield page
    finally:
        context.close()
        server.kill()
