"""How a run's summary names its classifier's inference: the path that ran, and for a fusion the
weight that mixed the two models, since the same two models give other highlights at another
weight and the weight is otherwise only in the config."""

from __future__ import annotations

from typing import Any


def classifier_inference_text(inference_backend: str, stages: dict[str, str], config: dict[str, Any]) -> str:
    """`inference_backend` as a run reports it (`PipelineResult.inference_backend`), with, when
    the classifier stage is a fusion, its `classifier.fusion_weight` from the run's `config`
    (`PipelineConfig.to_dict()`, as highlights.json holds it)."""
    if stages.get("classifier") != "fusion":
        return inference_backend
    weight = (config.get("classifier") or {}).get("fusion_weight")
    if weight is None:
        return inference_backend
    weight = float(weight)
    return f"{inference_backend}, fusion weight {weight:g} (the R(2+1)D's share; the pose model's {1 - weight:g})"
