"""Native Windows: the package and the `highlights` command refuse it in one line.

The suite runs on Linux, so Windows is imitated in a subprocess: a ``sitecustomize`` on
PYTHONPATH sets ``sys.platform`` to ``win32`` and puts a finder first on ``sys.meta_path`` that
refuses ``fcntl`` and ``resource``, as a Windows Python has neither."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from highlights.supported_system import WINDOWS_MESSAGE, UnsupportedSystemError, check_supported_system

REPO = Path(__file__).resolve().parents[1]

_IMITATION = """
import sys


class _NotOnWindows:
    def find_spec(self, name, path=None, target=None):
        if name in ("fcntl", "resource"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


for _name in ("fcntl", "resource"):
    sys.modules.pop(_name, None)
sys.meta_path.insert(0, _NotOnWindows())
"""


def _run(tmp_path: Path, argv: list[str], *, platform: str | None = "win32") -> subprocess.CompletedProcess:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    code = _IMITATION + (f"sys.platform = {platform!r}\n" if platform else "")
    (site / "sitecustomize.py").write_text(code)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "src")])}
    return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_the_imitation_refuses_fcntl_so_an_unchecked_import_would_fail(tmp_path):
    # Without the platform set, the check lets the import through and the finder stops it at fcntl:
    # what a Windows user would see without the check.
    done = _run(tmp_path, [sys.executable, "-c", "import highlights.atomic"], platform=None)
    assert done.returncode == 1
    assert "No module named 'fcntl'" in done.stderr


@pytest.mark.parametrize("how", ["console script", "python -m", "entry function"])
def test_the_command_on_windows_prints_one_line_and_exits_1(tmp_path, how):
    script = Path(sys.executable).parent / "highlights"
    if how == "console script" and not script.exists():
        pytest.skip(f"{script}: no console script installed beside this Python")
    argv = {"console script": [str(script), "demo", "--help"],
            "python -m": [sys.executable, "-m", "highlights", "demo", "--help"],
            "entry function": [sys.executable, "-c", "from highlights.cli.app import main; main()", "--help"]}[how]
    done = _run(tmp_path, argv)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == f"error: {WINDOWS_MESSAGE}\n"
    assert "WSL2" in WINDOWS_MESSAGE


def test_importing_the_package_on_windows_raises_one_clear_import_error(tmp_path):
    code = textwrap.dedent("""
        try:
            import highlights
        except ImportError as e:
            print(type(e).__name__)
            print(e)
    """)
    done = _run(tmp_path, [sys.executable, "-c", code])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["UnsupportedSystemError", WINDOWS_MESSAGE]


@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_linux_and_macos_pass_the_check(platform):
    hook = sys.excepthook
    check_supported_system(platform)
    assert sys.excepthook is hook


def test_the_hook_prints_only_its_own_error_in_one_line(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(sys, "excepthook", lambda *args: seen.append(args[1]))
    with pytest.raises(UnsupportedSystemError) as raised:
        check_supported_system("win32")
    assert isinstance(raised.value, ImportError)
    sys.excepthook(UnsupportedSystemError, raised.value, None)
    assert capsys.readouterr().err == f"error: {WINDOWS_MESSAGE}\n"
    other = ValueError("a bug")
    sys.excepthook(ValueError, other, None)
    assert seen == [other]  # anything else keeps the previous hook (its traceback)
    hook = sys.excepthook
    with pytest.raises(UnsupportedSystemError):
        check_supported_system("win32")
    assert sys.excepthook is hook  # a second attempt does not wrap it again


def test_ctrl_c_while_the_command_loads_is_one_line_and_exit_130():
    """A Ctrl-C that lands in one of the command's imports (typer, rich, numpy, torch) printed
    Python's traceback from inside that import; the entry point says it in one line."""
    import tomllib

    scripts = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["highlights"] == "highlights.cli.entry:main"
    # Ctrl-C arriving while highlights.cli.app is imported: a finder that raises it there.
    code = ("import sys\n"
            "class CtrlC:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name == 'highlights.cli.app':\n"
            "            raise KeyboardInterrupt\n"
            "sys.meta_path.insert(0, CtrlC())\n"
            "from highlights.cli.entry import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, "detect", "--help"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 130
    assert done.stderr == "error: stopped (Ctrl-C) while highlights was starting; nothing was done\n"
    assert done.stdout == ""
