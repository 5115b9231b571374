"""Each test module stands alone: what two modules share lives in a `tests/*_fixtures.py` module
or in conftest.py, so running one module (or the modules in any order) never depends on another
test module, and importing one never collects its tests or fixtures twice."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _test_modules_imported_by(path: Path) -> list[str]:
    """The test modules `path` imports, at module level or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names = [("." * node.level) + (node.module or "")]
            if node.module in (None, "tests"):  # `from tests import test_x`, `from . import test_x`
                names += [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [name for name in names if name.lstrip(".").split(".")[-1].startswith("test_")]
    return found


def test_no_test_module_imports_another():
    imports = {path.name: _test_modules_imported_by(path) for path in sorted(TESTS.glob("*.py"))}
    assert {name: found for name, found in imports.items() if found} == {}


def test_an_import_of_a_test_module_is_found(tmp_path):
    """The check above would see each way of writing the import."""
    for line in ("from tests.test_batch import FAST", "from .test_batch import FAST",
                 "from tests import test_batch", "from . import test_batch", "import tests.test_batch",
                 "def f():\n    from tests.test_batch import season"):
        (tmp_path / "m.py").write_text(line + "\n")
        assert _test_modules_imported_by(tmp_path / "m.py"), line
    (tmp_path / "m.py").write_text("from tests.batch_fixtures import FAST\nimport pytest\n")
    assert _test_modules_imported_by(tmp_path / "m.py") == []
