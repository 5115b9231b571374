"""docs/library.md's Python examples, run as written on a short synthetic game, so an integrator
copying one gets what the page shows.

Each ```python block runs in a folder holding `game.mp4` (and its annotations) from the project's
fixture generator, and `runs/v1/best.pt`, a tiny model's checkpoint, where the block loads it. A
line `print(...)  # prints: TEXT` says what it prints: TEXT must be a line of what the block
printed. A block the page marks `<!-- needs real footage -->` on the line above it
is not run (no real footage here). The README's one example: tests/test_readme_library.py.
The names the page's and the README's examples import are ones the package publishes, so an
integrator copying one does not come to depend on a module's inner names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from highlights.model import save_checkpoint
from tests.movenet_marks import NOT_INSTALLED, movenet_installed
from tests.model_fixtures import TINY_CLASSES, tiny_meta, tiny_model
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

LIBRARY = Path(__file__).resolve().parents[1] / "docs" / "library.md"
NEEDS_REAL_FOOTAGE = "<!-- needs real footage -->"


def python_blocks(page: str) -> list[tuple[int, str, bool]]:
    """(line of its first code line, code, needs real footage) of each ```python block of a page."""
    return [(page.count("\n", 0, m.start(2)) + 1, m.group(2), m.group(1) is not None)
            for m in re.finditer(r"^(<!-- needs real footage -->\n)?```python\n(.*?)^```", page, flags=re.S | re.M)]


def printed_lines_shown(code: str) -> list[str]:
    """The TEXT of each `# prints: TEXT` comment of a block."""
    return re.findall(r"#\s*prints:\s*(.+?)\s*$", code, flags=re.M)


BLOCKS = python_blocks(LIBRARY.read_text())


def test_the_page_shows_examples_and_what_they_print():
    assert len(BLOCKS) >= 2
    assert all(printed_lines_shown(code) for _, code, _ in BLOCKS), "an example that shows nothing it prints"


def imported_names(code: str) -> list[tuple[str, str]]:
    """(module, name) of each `from highlights... import a, b` line of a block."""
    return [(module, name.strip()) for module, names in
            re.findall(r"^from (highlights[\w.]*) import ([\w, ]+)$", code, flags=re.M)
            for name in names.split(",")]


def published(module_name: str, name: str) -> bool:
    """Whether the package publishes `name` of the module: in the module's `__all__`, or, for a
    package that keeps its `__init__` import-light (highlights.pipeline), named by that
    package's docstring as an entry point (`highlights.pipeline.run.run_pipeline`, or the
    module)."""
    import importlib

    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return name in module.__all__
    package = importlib.import_module(module_name.rpartition(".")[0])
    listed = re.findall(r"`(highlights[\w.]*)", package.__doc__ or "")
    return any(entry in listed for entry in (f"{module_name}.{name}", module_name))


def test_the_examples_import_only_the_names_the_package_publishes():
    pages = [LIBRARY, LIBRARY.parents[1] / "README.md"]
    imports = {pair for page in pages for _, code, _ in python_blocks(page.read_text())
               for pair in imported_names(code)}
    assert ("highlights.pipeline.detect", "detect_highlights") in imports and len(imports) >= 12
    unpublished = sorted(f"from {module} import {name}" for module, name in imports
                         if not published(module, name))
    assert not unpublished, unpublished
    # What each rule leaves out: a name outside a module's `__all__`, a module the docstring does
    # not name.
    assert not published("highlights.report", "metrics")
    assert not published("highlights.pipeline.merge", "merge_candidates")


def test_a_block_marked_for_real_footage_is_found_and_marked():
    page = "text\n```python\nprint(1)  # prints: 1\n```\n" + NEEDS_REAL_FOOTAGE + "\n```python\nx = 2\n```\n"
    assert python_blocks(page) == [(3, "print(1)  # prints: 1\n", False), (7, "x = 2\n", True)]
    assert printed_lines_shown(python_blocks(page)[0][1]) == ["1"]


@pytest.mark.slow
@pytest.mark.parametrize("line,code,needs_real", BLOCKS, ids=[f"library.md:{line}" for line, _, _ in BLOCKS])
def test_the_example_runs_as_written(line, code, needs_real, tmp_path, monkeypatch, capsys):
    if needs_real:
        pytest.skip("the page marks it as needing real footage")
    if any(name in code for name in ("game.mp4", "run_pipeline")) and not movenet_installed():
        pytest.skip(NOT_INSTALLED)
    make_game(tmp_path, "game", duration_s=6.0, events=DEFAULT_EVENTS[:1])
    if "runs/v1/best.pt" in code:  # a checkpoint as `highlights train` writes one, of a tiny model
        model = tiny_model()
        save_checkpoint(tmp_path / "runs" / "v1" / "best.pt", model, tiny_meta(model, sorted(TINY_CLASSES)))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f"{LIBRARY}:{line}", "exec"), {"__name__": "library_example"})
    printed = [text.strip() for text in capsys.readouterr().out.splitlines()]
    missing = [text for text in printed_lines_shown(code) if text not in printed]
    assert not missing, f"library.md:{line} printed {printed}, not {missing}"
