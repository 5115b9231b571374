"""A Ctrl-C that lands in code a C extension runs as a string (Cython's set-up of a module as it
is imported: numpy.random, scipy) and is caught by the command: `python -m highlights` exits 130
after its one line, where CPython, having noted the KeyboardInterrupt as unhandled, ended the
process by the signal itself (status -2 to its parent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Run with `python -m`: the command with its confusion matrix's reading stopped inside
# `PyRun_String`, as an import of a Cython module stopped by Ctrl-C is.
STOPPED_IN_C_CODE = """
import ctypes, sys
import highlights.report as report
def load_confusion(*args, **kwargs):
    run = ctypes.pythonapi.PyRun_String
    run.restype = ctypes.py_object
    run.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object, ctypes.py_object]
    run(b"raise KeyboardInterrupt", 257, {}, {})  # 257: Py_file_input
report.load_confusion = load_confusion
sys.argv[0] = "highlights"
from highlights.cli.entry import main
main()
"""


def test_a_ctrl_c_caught_from_c_code_ends_with_130_and_one_line(tmp_path: Path) -> None:
    (tmp_path / "stopped_in_c_code.py").write_text(STOPPED_IN_C_CODE)
    (tmp_path / "confusion.json").write_text(json.dumps({"labels": ["a", "b"],
                                                         "matrix": [[5, 1], [2, 6]]}))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO / "src")]),
               HIGHLIGHTS_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "stopped_in_c_code", "report", "from-confusion",
                           "confusion.json", "--out", "report"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, (done.returncode, done.stderr[-2000:])
    assert done.stderr.splitlines() == [
        "interrupted (Ctrl-C): highlights report from-confusion stopped before it finished; "
        "nothing half-written was kept"]
    assert not (tmp_path / "report").exists()
