"""What the sdist and the wheel carry: built from a copy of the project, as `python -m build` would."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from highlights.video.file_names import VIDEO_SUFFIXES

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "highlights"
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache")
WHEEL_LIMIT_BYTES = 2_000_000
LEFT_BEHIND_VIDEOS = ("tests/left behind.mp4", "bench/IMG_0001.MOV", "docs/game.mkv", "tests/VID_0001.3GP",
                      "bench/camcorder.m2ts", "docs/old phone.wmv")
VIDEOS = VIDEO_SUFFIXES  # every suffix the package reads as video: what MANIFEST.in keeps out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, list[str]]:
    project = tmp_path_factory.mktemp("dist") / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "requirements.txt",
                 "requirements-dev.txt", "requirements-dev-nodeps.txt", "requirements-models.txt"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, project / name)
    for folder in ("src", "tests", "bench", "docs", "scripts"):
        shutil.copytree(REPO / folder, project / folder, ignore=SKIP)
    # Clips a developer left in a checkout: MANIFEST.in's grafts take files git does not track too.
    for stray in LEFT_BEHIND_VIDEOS:
        (project / stray).write_bytes(b"\0" * 64)
    script = ("import setuptools.build_meta as b; s = b.build_sdist('out'); w = b.build_wheel('out'); "
              "print('built', s, w)")
    done = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    sdist, wheel = done.stdout.splitlines()[-1].split()[1:]
    with tarfile.open(project / "out" / sdist) as tar:
        sdist_names = [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]
    with zipfile.ZipFile(project / "out" / wheel) as zf:
        wheel_names = zf.namelist()
        wheel_size = (project / "out" / wheel).stat().st_size
    return {"sdist": sdist_names, "wheel": wheel_names, "wheel_size": wheel_size,
            "wheel_path": project / "out" / wheel, "sdist_path": project / "out" / sdist, "project": project}


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """The wheel installed alone into a folder of its own (its dependencies come from this
    environment), as `pip install` puts it into a user's site-packages."""
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed in this environment")
    target = tmp_path_factory.mktemp("installed") / "site-packages"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(target), str(built["wheel_path"])], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return target


def _run_installed(target: Path, folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`python ARGS` in an empty folder far from the repository, importing highlights only from
    the installed copy: the checkout's src/ (an editable install, PYTHONPATH) is not on the path
    ahead of it, and neither tests/ nor bench/ can be imported."""
    env = {**os.environ, "PYTHONPATH": str(target), "HIGHLIGHTS_CACHE_DIR": str(folder / "cache"),
           "MPLCONFIGDIR": str(folder / "mpl")}
    return subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def _unshipped(built, folder: str) -> list[str]:
    """The files of ``folder`` in the tree the sdist was built from (the checkout, and the clips
    `built` leaves in it) that the sdist lacks, but footage, which it leaves out wherever it lies."""
    project, sdist = built["project"], set(built["sdist"])
    return [name for p in _files(project / folder) if (name := p.relative_to(project).as_posix()) not in sdist
            and not name.lower().endswith(VIDEOS)]


def test_the_wheel_carries_every_file_of_the_package_and_no_tests(built):
    """A data file the package reads at run time (the pose model and its provenance, the score
    calibration, the review page) is missing from a pip install unless package-data names it."""
    wheel = set(built["wheel"])
    missing = [str(p.relative_to(PACKAGE.parent)) for p in _files(PACKAGE)
               if str(p.relative_to(PACKAGE.parent)) not in wheel]
    assert not missing, missing
    assert not [n for n in wheel if n.startswith("tests/")]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel)
    assert built["wheel_size"] < WHEEL_LIMIT_BYTES


def test_the_sdist_carries_its_whole_test_suite_and_the_licence(built):
    """setuptools alone puts tests/test_*.py in the sdist but not conftest.py, the fixtures or
    tests/data: its tests could not run."""
    sdist = set(built["sdist"])
    missing = _unshipped(built, "tests")
    assert not missing, missing
    assert {"LICENSE", "requirements.txt", "pyproject.toml"} <= sdist


def _provenance_commands(value) -> list[str]:
    """Every `command` a provenance record holds, at any depth."""
    if isinstance(value, dict):
        return [*([value["command"]] if isinstance(value.get("command"), str) else []),
                *(c for item in value.values() for c in _provenance_commands(item))]
    if isinstance(value, list):
        return [c for item in value for c in _provenance_commands(item)]
    return []


def test_the_sdist_carries_the_commands_that_made_its_packaged_files_and_what_its_tests_read(built):
    """The packaged pose model's provenance names `scripts/make_default_pose_model.py` and
    `scripts/choose_action_threshold.py`, the score calibration's `scripts/make_default_calibration.py`:
    an sdist without scripts/ cannot rebuild them, and one without bench/ and docs/ fails the
    tests that read them."""
    import json

    sdist = set(built["sdist"])
    commands = [command for name in ("pose_classifier/default/pose_default.json",
                                     "pipeline/default/score_calibration.json")
                for command in _provenance_commands(json.loads((PACKAGE / name).read_text(encoding="utf-8")))]
    scripts = [word for command in commands for word in command.split() if word.endswith(".py")]
    assert len(scripts) == len(commands) >= 3, commands
    assert [script for script in scripts if script not in sdist] == []
    assert [name for folder in ("bench", "docs", "scripts") for name in _unshipped(built, folder)] == []


def test_the_wheels_description_says_where_its_docs_links_lead(built):
    """The wheel's long description is the README, whose links to docs/*.md are relative: on a
    package index's page, or read from a pip install, they lead nowhere. Before the first it says
    that those pages come with the source; every one it links to is in the sdist, none in the wheel."""
    with zipfile.ZipFile(built["wheel_path"]) as zf:
        (metadata,) = [name for name in zf.namelist() if name.endswith(".dist-info/METADATA")]
        text = zf.read(metadata).decode("utf-8")
    description = text.split("\n\n", 1)[1]  # the headers, a blank line, then the long description
    links = set(re.findall(r"\]\((docs/[^)#]+)", description))
    assert links
    said = " ".join(description[:description.index("](docs/")].split())
    assert "`docs/` pages this page links to come with the source" in said
    assert "source distribution" in said
    assert sorted(links - set(built["sdist"])) == []
    assert [name for name in built["wheel"] if name.startswith("docs/") or name.endswith(".md")] == []


def test_the_sdist_carries_no_video_left_in_the_checkout(built):
    """Footage (a real clip, a rendered game) lying in tests/, bench/ or docs/ of the checkout the
    sdist is built from stays out of it: no video goes out with the source."""
    assert [name for name in built["sdist"] if name.lower().endswith(VIDEOS)] == []


INSTALLED_CHECKS = """
import json, sys
from importlib import resources
from pathlib import Path

import highlights
root = Path(sys.argv[1]).resolve()

def inside(path):
    assert Path(path).resolve().is_relative_to(root), f"{path}: read from outside the installed package"
    return path

inside(highlights.__file__)
assert resources.files("highlights").joinpath("py.typed").is_file()
from highlights.pose_classifier.default import DEFAULT_MODEL, DEFAULT_PROVENANCE, load_default_pose_model
inside(DEFAULT_MODEL)
model = load_default_pose_model()
provenance = json.loads(inside(DEFAULT_PROVENANCE).read_text(encoding="utf-8"))
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.ranking import calibration_source, resolve_calibration
packaged = PipelineConfig().with_overrides({"merge.score_calibration": "default"})
kind, calibration = calibration_source(packaged)
assert kind == "default", kind
inside(calibration)
resolve_calibration(packaged)
from highlights.review.server import page_html
assert "<html" in page_html().lower()
# Every command's --help, as the command line shows it: none may need a file of the checkout.
import typer
from typer.testing import CliRunner
from highlights.cli.app import app

def paths(command, path):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, [*path, name])

runner = CliRunner()
helped = 0
for path in paths(typer.main.get_command(app), []):
    shown = runner.invoke(app, [*path, "--help"])
    assert shown.exit_code == 0 and "Usage:" in shown.output, (path, shown.output[-500:], shown.exception)
    helped += 1
assert helped > 20, helped
print("installed ok")
"""


def test_the_installed_wheel_finds_its_packaged_files_in_itself(installed, tmp_path):
    """The packaged pose model, its provenance, the score calibration, the review page and
    py.typed are read from the installed package, not from a checkout beside it; `python -m
    highlights` and every command's --help answer from any folder."""
    script = tmp_path / "checks.py"
    script.write_text(INSTALLED_CHECKS, encoding="utf-8")
    done = _run_installed(installed, tmp_path, str(script), str(installed / "highlights"))
    assert done.returncode == 0 and "installed ok" in done.stdout, done.stderr[-3000:]
    version = _run_installed(installed, tmp_path, "-m", "highlights", "--version")
    assert version.returncode == 0, version.stderr[-2000:]
    assert version.stdout.strip() == "highlights 0.1.0"
    # The install has no docs: its help says where the guides are.
    shown = _run_installed(installed, tmp_path, "-m", "highlights", "--help")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "docs/" in shown.stdout and "source distribution" in " ".join(shown.stdout.split())


@pytest.mark.slow
def test_the_installed_wheel_detects_highlights_in_a_synthetic_game(installed, tmp_path):
    """`synth game` then `detect` (the packaged pose model and calibration; person detection and
    pose read the generator's truth, so no MoveNet wheel is needed) from the installed copy, in a
    folder and with names holding spaces and non-ASCII letters: every output is written."""
    games = tmp_path / "my games ü"
    made = _run_installed(installed, tmp_path, "-m", "highlights", "synth", "game", "--out", str(games),
                          "--minutes", "0.25", "--size", "320x180", "--name", "partido ñ")
    assert made.returncode == 0, made.stderr[-3000:]
    out = tmp_path / "highlights ö"
    done = _run_installed(installed, tmp_path, "-m", "highlights", "detect", str(games / "partido ñ.mp4"),
                          "--out", str(out), "--set", "detection.backend=gt", "--set", "pose.backend=gt",
                          "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    import json

    result = json.loads((out / "highlights.json").read_text(encoding="utf-8"))
    assert result["inference_backend"].startswith("pose-")
    for name in ("highlights.html", "highlights.csv", "timeline.png"):
        assert (out / name).is_file(), name


def _wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        # RECORD lists the others with their hashes, which are compared here one by one.
        return {name: zf.read(name) for name in zf.namelist() if not name.endswith(".dist-info/RECORD")}


def test_the_wheel_built_from_the_sdist_is_the_wheel_built_from_the_tree(built, tmp_path):
    """`python -m build` builds the wheel from the sdist, not from the checkout: a data file that
    MANIFEST.in left out of the sdist would be missing from that wheel alone."""
    with tarfile.open(built["sdist_path"]) as tar:
        tar.extractall(tmp_path, filter="data")
    (unpacked,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    script = "import setuptools.build_meta as b; print('built', b.build_wheel('out'))"
    done = subprocess.run([sys.executable, "-c", script], cwd=unpacked, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    from_sdist = _wheel_files(unpacked / "out" / done.stdout.splitlines()[-1].split()[1])
    from_tree = _wheel_files(built["wheel_path"])
    assert sorted(from_sdist) == sorted(from_tree)
    assert [name for name in from_tree if from_sdist[name] != from_tree[name]] == []
