"""An --out folder that can be written is accepted whatever its parent is: a volume mounted
writable on a read-only system (a container's /out), a folder of one's own inside /srv. Its
files go inside it; only a folder still to be made needs its parent."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.atomic import OutputPathError, check_writable_folder
from highlights.cli.app import app


@pytest.fixture
def writable_inside_read_only(tmp_path: Path) -> Iterator[Path]:
    """``parent/out``: ``out`` writable, ``parent`` not (for root, who ignores permissions, two small
    filesystems: the parent's mounted read-only and out's mounted on it)."""
    parent = tmp_path / "parent"
    parent.mkdir()
    out = parent / "out"
    out.mkdir()
    if os.geteuid() != 0:
        parent.chmod(0o555)
        yield out
        parent.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(parent)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        out.mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(parent)], check=True, capture_output=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(out)], check=True, capture_output=True)
        try:
            yield out
        finally:
            subprocess.run(["umount", "-l", str(out)], capture_output=True)
    finally:
        subprocess.run(["umount", "-l", str(parent)], capture_output=True)


def test_a_writable_out_folder_is_accepted_where_its_parent_is_not(writable_inside_read_only: Path) -> None:
    out = writable_inside_read_only
    check_writable_folder(out, out_name="--out")
    assert list(out.iterdir()) == []
    # A folder still to be made there needs the parent, which refuses it.
    with pytest.raises(OutputPathError, match="cannot be written: nothing can be made in"):
        check_writable_folder(out.parent / "new", out_name="--out")


def test_synth_clips_writes_into_a_writable_out_folder_in_a_read_only_parent(writable_inside_read_only: Path) -> None:
    out = writable_inside_read_only
    result = CliRunner().invoke(app, ["synth", "clips", "--out", str(out), "--per-class", "1", "--classes", "none",
                                      "--seconds", "0.2", "--size", "64x36", "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (out / "manifest.csv").is_file() and len(list((out / "none").glob("*.mp4"))) == 1


def test_detect_into_a_writable_folder_in_a_read_only_parent_says_to_give_a_folder_inside_it(
        writable_inside_read_only: Path) -> None:
    from highlights.pipeline.output_folder import check_replaceable

    out = writable_inside_read_only
    # detect's folder is made whole beside it and swapped in, which its parent refuses.
    with pytest.raises(OutputPathError, match="cannot be written: nothing can be made in") as refused:
        check_replaceable(out, out_name="--out")
    assert refused.value.__notes__ == [f"the outputs are made beside {out} and swapped in whole, so its parent "
                                       f"must take a folder too: give --out a new folder inside it "
                                       f"({out / 'game'}, say)"]
    check_replaceable(out / "game", out_name="--out")
    assert list(out.iterdir()) == []
