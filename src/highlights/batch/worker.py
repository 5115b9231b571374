"""Setting up a process that runs games one after another: its thread budget and its model cache."""

from __future__ import annotations

import os

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def plan_workers(workers: int | None, cores: int | None = None) -> tuple[int, int]:
    """(workers, threads per worker) so that workers x threads fits the cores.

    By default two threads per worker (decoding and the network's background thread keep two
    busy), so half as many workers as cores; an explicit --workers N shares the cores among N."""
    cores = cores or available_cores()
    if workers is None:
        workers = max(1, cores // 2)
    if workers < 1:
        from highlights.errors import ConfigError

        raise ConfigError(f"--workers must be at least 1, got {workers}")
    return workers, max(1, cores // workers)


def prepare_worker(threads: int) -> None:
    """Before a process's games: torch, OpenCV and ONNX Runtime get `threads` threads, and loaded
    classifiers are kept for the next game (the model is loaded once per worker).

    Applied again at every call rather than remembered as done: a batch of one worker runs in the
    caller's process, which may put its threads back or close the kept classifiers after it, and
    its next batch must get both again. Each setting is cheap to apply."""
    for var in _THREAD_VARS:
        os.environ[var] = str(threads)
    import cv2
    import torch

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    from highlights.model.process_cache import keep_classifiers_loaded

    keep_classifiers_loaded(True)

