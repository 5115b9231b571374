"""``torch_threads(n)``: torch's intra-op thread count set for a block of work and put back after.

``torch.set_num_threads`` changes the calling thread's count (OpenMP keeps one per thread) and
also the count every thread started afterwards begins with. A library object that sets it and
leaves it set changes the rest of its caller's process: a later training run, another model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Within the block, torch runs on ``threads`` intra-op threads on the calling thread; after
    it, exceptions included, the calling thread's count is set back, and with it the count
    threads started later begin with (worker threads set inside the block leave theirs there)."""
    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)
