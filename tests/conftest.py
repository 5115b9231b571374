"""Fixtures every test module shares.

Helper functions that build test data (tiny clips, games, models) live in the `*_fixtures.py`
modules of this package and are imported by their qualified name (`from tests.pipeline_fixtures
import make_game`); fixtures live here, so none is switched on by importing a module.
"""

from __future__ import annotations

import os

import pytest

# Test modules import albumentations themselves, before highlights sets this: no test asks PyPI
# for albumentations' newest release.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def pytest_configure(config):
    """A suite started with Ctrl-C ignored (`pytest &` in a shell without job control, `nohup`)
    hands that on to every process it starts, so the tests that stop a run with Ctrl-C would
    wait in vain: Python's own handler is put back, as a run started at a terminal has it."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Torch on one thread in every test (the machine's cores are shared), restored after."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def restore_threads():
    """For a test that runs a batch in this process: a batch worker keeps its classifiers loaded and
    sets torch's and OpenCV's threads and the thread variables; all are put back after."""
    from tests.worker_settings import worker_settings_put_back

    with worker_settings_put_back():
        yield


@pytest.fixture(autouse=True, scope="session")
def inference_path_cache(tmp_path_factory):
    """Measured inference-path choices go to a folder of this test session, never the user's cache
    (subprocesses inherit it through the environment)."""
    previous = os.environ.get("HIGHLIGHTS_CACHE_DIR")
    os.environ["HIGHLIGHTS_CACHE_DIR"] = str(tmp_path_factory.mktemp("highlights-cache"))
    yield
    if previous is None:
        os.environ.pop("HIGHLIGHTS_CACHE_DIR", None)
    else:
        os.environ["HIGHLIGHTS_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def cli():
    """`cli("detect", path, "--out", dir)`: runs the `highlights` command in-process (arguments
    may be paths or numbers) and returns typer's result (exit_code, output)."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def season(tmp_path_factory):
    """A season of three tiny games, one corrupt upload and their manifest (`tests.batch_fixtures`),
    built once for each module that asks for it; tests only read it."""
    from tests.batch_fixtures import make_season

    return make_season(tmp_path_factory.mktemp("season"))


@pytest.fixture(scope="session")
def browser():
    """Chromium for the browser tests (`tests.review_browser`); they skip where Playwright or
    Chromium is missing."""
    from tests.review_browser import chromium_browser

    yield from chromium_browser()


@pytest.fixture(scope="session")
def webkit():
    """WebKit, Safari's engine, driven by Selenium (`tests.webkit_browser`); its tests skip where
    selenium, WebKitWebDriver or an X display (or Xvfb) is missing."""
    from tests.webkit_browser import WebKit

    session = WebKit()
    try:
        yield session
    finally:
        session.close()
