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


def unkept_choice_note(path: dict[str, Any] | None) -> str | None:
    """A line for a run whose R(2+1)D inference path was timed while other processes kept the
    machine busy (`stats.inference_path`, as highlights.json holds it), so the choice was not
    cached: the next run times the paths again and may take another one, and a reduced-precision
    path (int8, bf16) scores the same windows a little differently from fp32's. Without this line
    a user comparing two runs of one command reads that difference as theirs. None otherwise."""
    if (not path or path.get("choice") != "measured" or path.get("stored", True)
            or path.get("cache_unwritable") or path.get("others_busy_cores") is None):
        return None
    offered = [p for p in ("int8", "bf16") if (path.get(p) or {}).get("offered")]
    article = "an" if offered and offered[0] == "int8" else "a"  # an int8, a bf16
    differ = (f"{article} {' or '.join(offered)} path's scores differ slightly from an fp32 path's"
              if offered else "two fp32 paths' scores may differ in their last digits")
    return (f"the classifier's inference path ({path.get('picked')}) was chosen by timing while other processes "
            f"kept {float(path['others_busy_cores']):.2f} cores busy, so the choice was not kept: the next run "
            f"times the paths again and may take another ({differ}); to compare runs, give each "
            "--set classifier.inference_path=PATH (an fp32 path: torchscript, onnxruntime, ...)")
