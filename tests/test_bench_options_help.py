"""Every option of a bench script, and of the scripts that make the packaged files, says what it
is in `--help`: they are run from their usage lines and help, and an option listed bare leaves its
meaning to reading the code."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.bench_modules import BENCH_DIR


def _options_without_help(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_argument" and not any(k.arg == "help" for k in node.keywords)):
            names = [a.value for a in node.args if isinstance(a, ast.Constant)]
            found.append(f"line {node.lineno}: {' '.join(names)}")
    return found


def test_every_bench_and_script_option_has_help():
    scripts = sorted(BENCH_DIR.glob("*.py")) + sorted((BENCH_DIR.parent / "scripts").glob("*.py"))
    assert len(scripts) >= 14
    bare = [f"{path.name} {where}" for path in scripts for where in _options_without_help(path.read_text())]
    assert not bare, "options without help=:\n" + "\n".join(bare)


def _parses_its_command_line(source: str) -> bool:
    calls = [ast.unparse(node.func) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    return any(c.endswith("ArgumentParser") for c in calls)


def test_every_bench_and_script_answers_help_without_running():
    """`python FILE --help` prints its usage: a file that read no command line would run instead
    (`scripts/make_default_pose_model.py` would retrain the packaged model and replace it)."""
    scripts = sorted(BENCH_DIR.glob("*.py")) + sorted((BENCH_DIR.parent / "scripts").glob("*.py"))
    assert [path.name for path in scripts if not _parses_its_command_line(path.read_text())] == []
    assert not _parses_its_command_line("import sys\nsys.exit(main())\n")


def test_an_option_without_help_is_found():
    source = ("import argparse\np = argparse.ArgumentParser()\n"
              "p.add_argument('--games', type=int, help='games')\np.add_argument('--minutes', type=float)\n")
    assert _options_without_help(source) == ["line 4: --minutes"]


def test_the_help_of_a_bench_lists_each_option_with_its_text():
    shown = subprocess.run([sys.executable, str(BENCH_DIR / "bench_batch.py"), "--help"],
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "--skip-ray leave out the Ray engine's run" in text
    assert "--games GAMES synthetic games in the batch" in text
