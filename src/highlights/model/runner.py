"""Running an inference path over a batch: in chunks, and one clip per core.

Measured on the project's 2-core CPU (bench/bench_inference.py): giving each core its own clip
(two worker threads, one intra-op thread each) beats splitting every convolution over both cores
(one call, two intra-op threads) by about 10%: the cores never wait for each other at the end of
each operator, and each keeps its own clip's activations in its cache. A single clip still runs
on the calling thread with every intra-op thread, so latency for one clip is not halved.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import torch

Forward = Callable[[torch.Tensor], torch.Tensor]


class ChunkRunner:
    """Calls ``forward`` on ``chunk_size`` clips at a time, spread over ``workers`` threads.

    Each worker thread sets its own intra-op thread count (``intra_threads``); torch keeps that
    setting per thread (OpenMP), so the caller's thread count is left as it was. It also keeps it
    as the count threads started later begin with: the workers all set theirs when the pool
    starts, so a caller's ``torch_threads`` block around the first call puts that back.
    """

    def __init__(self, *, chunk_size: int = 1, workers: int = 1, intra_threads: int = 1) -> None:
        if chunk_size < 1 or workers < 1 or intra_threads < 1:
            raise ValueError(f"chunk_size, workers and intra_threads must be >= 1 "
                             f"(got {chunk_size}, {workers}, {intra_threads})")
        self.chunk_size = int(chunk_size)
        self.workers = int(workers)
        self.intra_threads = int(intra_threads)
        self._pool: ThreadPoolExecutor | None = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            threads = self.intra_threads
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="highlights-infer",
                                            initializer=lambda: torch.set_num_threads(threads))
            # Every worker started, and its count set, before the first batch: torch also keeps a
            # worker's count as the one threads started later begin with, which the caller's
            # `torch_threads` block puts back as it ends; a worker setting it after that (one
            # started late while another ran the whole batch) would leave it changed. Each task
            # holds its worker at the barrier, so the pool starts a thread for the next.
            # The timeout only ends a wait that would never end (a worker whose start failed).
            started = threading.Barrier(self.workers, timeout=60)
            for done in [self._pool.submit(started.wait) for _ in range(self.workers)]:
                done.result()
        return self._pool

    def __call__(self, forward: Forward, x: torch.Tensor) -> torch.Tensor:
        chunks = [x[i:i + self.chunk_size] for i in range(0, x.shape[0], self.chunk_size)]
        if self.workers > 1 and len(chunks) > 1:
            outputs = list(self._executor().map(forward, chunks))
        else:
            outputs = [forward(chunk) for chunk in chunks]
        return torch.cat([torch.as_tensor(o) for o in outputs])

    def describe(self) -> dict:
        return {"chunk_size": self.chunk_size, "workers": self.workers,
                "intra_threads_per_worker": self.intra_threads}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)
