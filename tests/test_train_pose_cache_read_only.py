"""`train --model pose --pose-cache DIR` takes a folder it cannot write (a team's shared cache of
estimated poses, on a read-only mount): the poses in it are read, and those it lacks are
estimated again each run, said once (`real_poses._store`). Only a file in its place is refused,
before training."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from highlights import atomic
from highlights.cli.pose_train_options import PoseTrainOptions
from highlights.cli.train import _refuse_pose_settings
from highlights.errors import HighlightsError


@pytest.fixture
def shared(tmp_path, monkeypatch) -> Path:
    """A pose cache folder nothing can be made in, as a read-only mount is (the tests may run as
    root, whom a folder's mode does not stop)."""
    folder = tmp_path / "team-poses"
    folder.mkdir()
    make = atomic.tempfile.mkdtemp

    def read_only(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == folder:
            raise PermissionError(errno.EROFS, "Read-only file system", str(dir))
        return make(*args, dir=dir, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkdtemp", read_only)
    return folder


def test_a_pose_cache_that_cannot_be_written_is_read_rather_than_refused(shared, tmp_path):
    with pytest.raises(atomic.OutputPathError):  # nothing can be written there
        atomic.check_writable_folder(shared)
    _refuse_pose_settings(PoseTrainOptions(tmp_path / "run", clips=tmp_path / "clips",
                                           pose_cache=shared))


def test_a_file_given_as_the_pose_cache_is_refused_naming_the_option(tmp_path):
    notes = tmp_path / "poses.txt"
    notes.write_text("not a folder")
    with pytest.raises(HighlightsError) as refused:
        _refuse_pose_settings(PoseTrainOptions(tmp_path / "run", clips=tmp_path / "clips",
                                               pose_cache=notes))
    assert str(refused.value) == (f"{notes}: is a file; --pose-cache names the folder the "
                                  "estimated poses are kept in")
