"""What a batch run in the test's own process changes in it, put back: a batch of one worker runs
its games in the calling process and sets that process up as a worker (`prepare_worker`), and a
later test must find the process as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def worker_settings_put_back() -> Iterator[None]:
    """Torch's and OpenCV's threads, the thread variables child processes inherit, and the kept
    classifiers (closed) as they were before the block."""
    import cv2
    import torch

    from highlights.batch.worker import _THREAD_VARS
    from highlights.model.process_cache import keep_classifiers_loaded

    threads, cv2_threads = torch.get_num_threads(), cv2.getNumThreads()
    env = {var: os.environ.get(var) for var in _THREAD_VARS}
    try:
        yield
    finally:
        keep_classifiers_loaded(False)
        torch.set_num_threads(threads)
        cv2.setNumThreads(cv2_threads)
        for var, value in env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
