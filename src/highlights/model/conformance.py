"""The R(2+1)D-18 conformance vector: deterministic weights and input made with torchvision.

``shared/reference/r2plus1d_18_reference.json`` holds torchvision's state-dict shapes and the
logits its model gives when every tensor is filled by the rule below and fed ``reference_input``.
Matching them shows the same names, shapes and forward pass, so torchvision's checkpoints load
and behave the same here. The bench also uses these weights: unlike a fresh initialisation they
give well-spread logits, which makes logit differences between inference paths meaningful.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import torch
from torch import nn


def _fill(key: str, shape: tuple[int, ...]) -> torch.Tensor:
    n = math.prod(shape)
    seed = sum((i + 1) * ord(c) for i, c in enumerate(key)) % 997
    i = torch.arange(n, dtype=torch.float64)
    return (torch.sin(i * 0.61803398875 + seed) * 0.05).reshape(shape)


def fill_reference_weights(model: nn.Module) -> nn.Module:
    """Overwrite every tensor of ``model``'s state dict by the reference fill rule (in place)."""
    state = model.state_dict()
    with torch.no_grad():
        for key, tensor in state.items():
            if key.endswith("num_batches_tracked"):
                continue
            values = _fill(key, tuple(tensor.shape))
            if key.endswith("running_var"):
                values = 1.0 + values.abs()
            elif key.endswith(".weight") and tensor.dim() == 1:  # batch-norm scale
                values = 1.0 + values
            tensor.copy_(values.to(tensor.dtype))
    return model


def reference_input(shape: tuple[int, ...] = (1, 3, 16, 112, 112)) -> torch.Tensor:
    """``sin(arange(n) * 0.001)`` reshaped to ``shape``, as float32 (the reference's input_rule)."""
    n = math.prod(shape)
    return torch.sin(torch.arange(n, dtype=torch.float64) * 0.001).reshape(shape).to(torch.float32)


def load_reference(path: str | os.PathLike) -> dict:
    """The reference JSON: ``state_dict_shapes``, ``expected_logits``, ``input_rule``, ..."""
    return json.loads(Path(path).read_text())
