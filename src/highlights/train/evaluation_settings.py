"""How a checkpoint is scored: the options of `evaluate_checkpoint`, carried as one value to the
steps that use them, so that none is dropped on the way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EvaluationSettings:
    """``batch_size`` clips per inference call, decoded by ``num_workers`` worker processes;
    ``n_bootstrap`` resamples for the report's intervals; ``backend`` the fp32 inference path
    (`auto`: the fastest verified on this CPU). ``int8`` also runs the int8 model (calibrated on
    up to ``int8_calibration_clips`` clips of another split) and ``bf16`` the bf16 path, each
    judged against fp32 on the same clips."""

    batch_size: int = 8
    num_workers: int = 1
    n_bootstrap: int = 1000
    backend: str = "auto"
    int8: bool = False
    int8_calibration_clips: int = 16
    bf16: bool = False
    show_progress: bool = True
