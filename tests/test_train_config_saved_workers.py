"""A training run saved with more decoding workers than are now allowed still resumes."""

from __future__ import annotations

import pytest

from highlights.worker_processes import MAX_WORKER_PROCESSES
from highlights.errors import ConfigError
from highlights.train import TrainConfig


def _saved(num_workers: int) -> dict:
    # Written as a version without the bound saved it: a config of today cannot hold the number.
    return {**TrainConfig(root="data", version="v1", out_dir="runs/a").to_dict(), "num_workers": num_workers}


def test_a_run_saved_with_more_workers_than_allowed_resumes_with_the_workers_given():
    saved = TrainConfig.from_dict(_saved(MAX_WORKER_PROCESSES + 32))
    assert saved.num_workers == MAX_WORKER_PROCESSES
    assert saved.resumed_with(num_workers=8).num_workers == 8


def test_a_saved_run_within_the_bound_keeps_its_workers_and_a_new_one_past_it_is_refused():
    assert TrainConfig.from_dict(_saved(MAX_WORKER_PROCESSES)).num_workers == MAX_WORKER_PROCESSES
    assert TrainConfig.from_dict(_saved(0)).num_workers == 0
    with pytest.raises(ConfigError, match=f"at most {MAX_WORKER_PROCESSES}"):
        TrainConfig(root="data", version="v1", out_dir="runs/a", num_workers=MAX_WORKER_PROCESSES + 1)
