"""pyproject.toml's dependencies against what the package imports.

`pip install highlights` installs only what pyproject declares (setup.sh installs the pinned
requirements instead, so the suite itself never sees a missing declaration): a module the
package imports that no declared distribution provides breaks a fresh install."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "src" / "highlights"


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _requirements() -> dict[str, Requirement]:
    project = _project()
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return {_name(req.name): req for req in map(Requirement, lines)}


def _imported_modules() -> dict[str, str]:
    """Top-level module -> the first file importing it, over every module of the package."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], str(path.relative_to(REPO)))
    return found


def test_every_imported_package_is_declared():
    declared = _requirements()
    providers = importlib.metadata.packages_distributions()
    undeclared = []
    for module, where in sorted(_imported_modules().items()):
        if module == "highlights" or module in sys.stdlib_module_names:
            continue
        dists = {_name(d) for d in providers.get(module, [module])}
        if not dists & declared.keys():
            undeclared.append(f"{module} ({where}; from {', '.join(sorted(dists))})")
    assert not undeclared, "imported but not in pyproject.toml: " + "; ".join(undeclared)


def test_typer_is_one_that_runs_on_click():
    """From 0.26 typer carries its own copy of click and raises that copy's exceptions, which
    the command's error boundary (highlights.cli.boundary, written against click) does not catch:
    every one-line error became a traceback."""
    typer_range = _requirements()["typer"].specifier
    assert "0.16.0" in typer_range
    assert "0.26.0" not in typer_range and "0.29.2" not in typer_range


def test_click_is_one_that_keeps_typer_s_argument_help():
    """click 8.5 gave arguments a help of their own, which it sets (to None) after typer (before
    0.26) has set the argument's: every argument's help vanished from the help pages."""
    click_range = _requirements()["click"].specifier
    assert "8.4.2" in click_range
    assert "8.5.0" not in click_range and "8.5.1" not in click_range


def test_every_python_admitted_has_wheels_of_the_numpy_admitted():
    """numpy 1.x, the only numpy `numpy<2` admits, has no wheels for Python 3.13: `pip install
    highlights` there compiled numpy from source and failed."""
    from packaging.specifiers import SpecifierSet

    numpy_range = _requirements()["numpy"].specifier
    pythons = SpecifierSet(_project()["requires-python"])
    if "2.0.0" not in numpy_range:
        assert "3.12" in pythons and "3.13" not in pythons
