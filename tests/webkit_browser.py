"""WebKit, the engine of Safari, for the pages' smoke tests: WebKitGTK's WebDriver and MiniBrowser,
driven by Selenium, on an X display (a started Xvfb where there is none).

Playwright's own WebKit is a download; Debian packages WebKitGTK's instead:
`apt-get install webkit2gtk-driver xvfb` (and `gstreamer1.0-libav gstreamer1.0-plugins-good` for
H.264 video), `pip install selenium`. Where one is missing the tests skip, saying which.

WebKit under WebDriver writes no console messages anywhere a test can read, so errors are gathered
twice: MiniBrowser on its own writes the page's console out until its load event
(`console_errors_at_load`), and a listener put on the page once it is open keeps what comes after
(`ERRORS_AFTER_LOAD`, read with `errors_since_load`). Neither sees a failed image or video (WebKit
reports those to its inspector only): the tests look at the page's media for those.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import pytest

MINIBROWSER_GLOBS = ("/usr/lib/*/webkit2gtk-4.*/MiniBrowser", "/usr/libexec/webkit2gtk-4.*/MiniBrowser")

# Uncaught errors, refused promises and console.error/warn from the moment it runs; failed media
# and images are looked for on the page itself.
ERRORS_AFTER_LOAD = """
if (!window.__errors) {
  window.__errors = [];
  addEventListener("error", (e) => { if (e.message) window.__errors.push("error: " + e.message); });
  addEventListener("unhandledrejection", (e) => window.__errors.push("unhandled rejection: " +
    ((e.reason && e.reason.message) || e.reason)));
  for (const level of ["error", "warn"]) {
    const was = console[level];
    console[level] = (...args) => {
      window.__errors.push("console." + level + ": " + args.join(" ")); was.apply(console, args); };
  }
}
"""


def minibrowser() -> str | None:
    for pattern in MINIBROWSER_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[-1]
    return None


class WebKit:
    """One X display and a WebDriver session on MiniBrowser (`.driver`); `close()` ends both."""

    def __init__(self) -> None:
        webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        driver_path = shutil.which("WebKitWebDriver")
        if driver_path is None:
            pytest.skip("WebKitWebDriver is missing (Debian: apt-get install webkit2gtk-driver)")
        self.browser = minibrowser()
        if self.browser is None:
            pytest.skip("WebKitGTK's MiniBrowser is missing (Debian: apt-get install webkit2gtk-driver)")
        self.xvfb = None
        self.env = dict(os.environ)
        if not os.environ.get("DISPLAY"):
            if shutil.which("Xvfb") is None:
                pytest.skip("no X display and no Xvfb to start one (Debian: apt-get install xvfb)")
            self.env["DISPLAY"] = self._start_xvfb()
        options = Options()
        options.binary_location = self.browser
        options.add_argument("--automation")  # given arguments, the driver adds none of its own
        try:
            # The driver starts the browser with its own environment, and so on the display set there.
            self.driver = webdriver.WebKitGTK(options=options,
                                              service=Service(executable_path=driver_path, env=self.env))
        except Exception:
            self._stop_xvfb()
            raise

    def _start_xvfb(self) -> str:
        # -displayfd: Xvfb picks a free display and writes its number, so runs side by side never clash.
        read, write = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                                      "1600x1200x24", "-nolisten", "tcp"],
                                     pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as numbers:
            number = numbers.readline().strip()
        if not number:
            self._stop_xvfb()
            pytest.skip("Xvfb did not start")
        return ":" + number

    def _stop_xvfb(self) -> None:
        if self.xvfb is not None:
            self.xvfb.kill()
            self.xvfb.wait(timeout=10)
            self.xvfb = None

    def console_errors_at_load(self, url: str) -> list[str]:
        """The console's errors and warnings (uncaught ones included) while MiniBrowser loads `url`."""
        done = subprocess.run([self.browser, "--enable-write-console-messages-to-stdout=true",
                               "--exit-after-load", url],
                              env=self.env, capture_output=True, text=True, errors="replace", timeout=120)
        # "stdout" in the setting's name; the messages come on stderr (WebKitGTK 2.50).
        return [line for line in (done.stdout + done.stderr).splitlines()
                if " CONSOLE " in line and any(w in line for w in (" ERROR ", " WARNING "))]

    def errors_since_load(self) -> list[str]:
        return self.driver.execute_script("return window.__errors || ['the error listener was never put on the page']")

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self._stop_xvfb()
