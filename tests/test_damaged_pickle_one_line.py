"""A checkpoint damaged inside its pickle says so in the one line naming the file and nothing
else: torch's weights-only unpickler warns on its way to the error (a UserWarning with the C++
line that raised it), which reached the user above that line, and the line called the file one
holding pickled Python objects."""

from __future__ import annotations

import os
import pickletools
import subprocess
import sys
import zipfile
from pathlib import Path

from highlights.model import save_checkpoint
from tests.model_fixtures import tiny_meta, tiny_model

REPO = Path(__file__).resolve().parents[1]
REBUILD = "torch._utils _rebuild_tensor_v2"


def _damaged_checkpoint(path: Path) -> Path:
    """A checkpoint whose pickle, at one byte, calls its first tensor where it should call
    torch's tensor-rebuilding function for the second: the memo index a bit flip would change."""
    model = tiny_model()
    save_checkpoint(path, model, tiny_meta(model))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        member = next(m for m in archive.infolist() if m.filename.endswith("/data.pkl"))
        pickled = archive.read(member)
    start = data.index(pickled)  # stored, not compressed
    ops = list(pickletools.genops(pickled))
    at = next(k for k, (op, arg, _) in enumerate(ops) if op.name == "GLOBAL" and arg == REBUILD)
    rebuild = ops[at + 1][1]
    # The rebuild's call: a REDUCE of the MARKed tuple of its arguments (an OrderedDict() among
    # them is a REDUCE of an empty tuple).
    first = next(k for k in range(at, len(ops))
                 if ops[k][0].name == "REDUCE" and ops[k - 2][0].name == "TUPLE")
    tensor = ops[first + 1][1]  # the memo index the first tensor is put at
    later = next(pos for op, arg, pos in ops[first:] if op.name == "BINGET" and arg == rebuild)
    data[start + later + 1] = tensor
    path.write_bytes(bytes(data))
    return path


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    # A process of its own: torch gives this warning once a process.
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": f"{REPO / 'src'}:{REPO}",
                                            "HIGHLIGHTS_CACHE_DIR": str(tmp_path / "cache")})


def test_a_checkpoint_damaged_inside_its_pickle_is_said_in_one_line_alone(tmp_path):
    path = _damaged_checkpoint(tmp_path / "best.pt")
    loaded = _run(tmp_path, "-c", f"import torch; torch.load({str(path)!r}, weights_only=True)")
    assert "UserWarning" in loaded.stderr  # the damage is one torch warns of on its way
    run = _run(tmp_path, "-m", "highlights", "bench-paths", "--checkpoint", str(path))
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        f"error: {path}: not a readable checkpoint: a PyTorch file that is cut off or damaged (it "
        "does not read whole); copy or save it again"]
