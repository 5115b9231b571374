"""Errors a worker process sends back (synth clips' renderers, a batch's games) arrive as they were
raised: a full disk says so in its one line, where the pool that read it broke with a traceback."""

from __future__ import annotations

import errno
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from highlights.atomic import DiskFullError, UnwritablePathError
from highlights.events.formats import AnnotationError
from highlights.model.errors import CheckpointError
from highlights.synth import clipset
from highlights.synth.clipset import ClipSetConfig, generate_clip_set
from highlights.train.evaluation import ClipReadError
from highlights.video import VideoError


@pytest.mark.parametrize("error", [DiskFullError("/data/clips/a.mp4"),
                                   UnwritablePathError("/data/clips/a.mp4",
                                                       OSError(errno.EROFS, "Read-only file system")),
                                   VideoError("/data/game.mp4", "not a video file"),
                                   CheckpointError("/runs/best.pt", "not a checkpoint"),
                                   AnnotationError("/data/game.json", "line 3 is not an event"),
                                   ClipReadError("/data/clips/a.mp4: no decodable video frames")],
                         ids=["disk full", "unwritable", "video", "checkpoint", "annotation",
                              "video, made of its message"])
def test_an_error_crosses_a_process_boundary_whole(error: Exception) -> None:
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error) and again.path == error.path
    assert getattr(again, "errno", None) == getattr(error, "errno", None)


def _full_disk(args):
    raise DiskFullError(f"{args[0]}/{args[1]}")


def test_a_full_disk_in_a_clip_renderer_reaches_the_caller_as_a_full_disk(tmp_path, monkeypatch) -> None:
    # The renderers are fresh processes (spawn): the failing job must be importable by them, so a
    # pool of the real kind runs a module-level function that fails as a full disk would.
    monkeypatch.setattr(clipset, "_make", _full_disk)
    monkeypatch.setattr(clipset, "ProcessPoolExecutor",
                        lambda **kwargs: ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork")))
    with pytest.raises(DiskFullError, match=r"while writing .*/none/"):
        generate_clip_set(tmp_path, ClipSetConfig(per_class=1, classes=("none",), seconds=0.2, size="64x36",
                                                  workers=2))
