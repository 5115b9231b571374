"""What the sdist and the wheel carry: built from a copy of the project, as `python -m build` would."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "highlights"
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".pytest_cache")
WHEEL_LIMIT_BYTES = 2_000_000


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, list[str]]:
    project = tmp_path_factory.mktemp("dist") / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", "requirements.txt",
                 "requirements-dev.txt", "requirements-dev-nodeps.txt", "requirements-models.txt"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, project / name)
    for folder in ("src", "tests"):
        shutil.copytree(REPO / folder, project / folder, ignore=SKIP)
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
    return {"sdist": sdist_names, "wheel": wheel_names, "wheel_size": wheel_size}


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


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
    missing = [str(p.relative_to(REPO)) for p in _files(REPO / "tests") if str(p.relative_to(REPO)) not in sdist]
    assert not missing, missing
    assert {"LICENSE", "requirements.txt", "pyproject.toml"} <= sdist
