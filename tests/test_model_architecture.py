"""R(2+1)D-18 against the conformance vector made with torchvision itself."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from highlights.model import build_from_kwargs, r2plus1d_18
from highlights.model.r2plus1d import conv2plus1d_midplanes

from tests.model_fixtures import tiny_clips

# A copy of the conformance vector made with torchvision 0.29.1 itself (see its "source" field):
# torchvision's state-dict shapes and the logits its model gives when every tensor is filled by
# the rule below and fed `reference_input`. Matching them shows the same names, shapes and
# forward pass, so torchvision's checkpoints load and behave the same here.
REFERENCE = Path(__file__).resolve().parent / "data" / "r2plus1d_18_reference.json"


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


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def test_state_dict_names_order_and_shapes_equal_torchvision(reference):
    state = r2plus1d_18().state_dict()
    shapes = {key: list(tensor.shape) for key, tensor in state.items()}
    assert list(shapes) == list(reference["state_dict_shapes"])
    assert shapes == reference["state_dict_shapes"]


def test_reference_weights_reproduce_torchvision_logits(reference):
    model = fill_reference_weights(r2plus1d_18(400)).eval()
    assert reference["input_rule"].startswith("x = sin(arange(3*16*112*112")
    x = reference_input((1, 3, 16, 112, 112))
    with torch.inference_mode():
        logits = model(x)[0]
    expected = torch.tensor(reference["expected_logits"], dtype=torch.float32)
    assert logits.shape == expected.shape == (400,)
    assert torch.allclose(logits, expected, atol=1e-3, rtol=0)
    assert int(logits.argmax()) == int(expected.argmax())


def test_midplanes_keep_the_parameter_count_of_a_full_3d_conv():
    # torchvision's numbers for the first block of each stage.
    assert conv2plus1d_midplanes(64, 64) == 144
    assert conv2plus1d_midplanes(64, 128) == 230
    assert conv2plus1d_midplanes(512, 512) == 1152


def test_width_and_layers_make_a_small_model_with_the_same_names():
    tiny = r2plus1d_18(4, width=0.25, layers=(1, 1, 1, 1))
    full_keys = set(r2plus1d_18(4).state_dict())
    tiny_keys = set(tiny.state_dict())
    assert tiny_keys < full_keys  # same naming scheme, fewer blocks
    assert "layer1.1.conv1.0.0.weight" in full_keys - tiny_keys
    assert tiny.stem[0].out_channels == 11 and tiny.fc.in_features == 128
    assert sum(p.numel() for p in tiny.parameters()) < 0.05 * sum(p.numel() for p in r2plus1d_18(4).parameters())
    with torch.inference_mode():
        out = tiny.eval()(tiny_clips(2))
    assert out.shape == (2, 4) and torch.isfinite(out).all()


def test_architecture_round_trips_through_its_plain_description():
    model = r2plus1d_18(7, width=0.5, layers=(1, 2, 1, 1))
    assert model.arch_kwargs == {"arch": "r2plus1d_18", "num_classes": 7, "width": 0.5, "layers": [1, 2, 1, 1]}
    rebuilt = build_from_kwargs(model.arch_kwargs)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {k: v.shape for k, v in model.state_dict().items()}


@pytest.mark.parametrize("kwargs", [{"layers": (1, 1, 1)}, {"layers": (1, 0, 1, 1)}, {"width": 0.0}])
def test_bad_architecture_arguments_are_refused(kwargs):
    with pytest.raises(ValueError):
        r2plus1d_18(4, **kwargs)


def test_unknown_architecture_name_is_refused():
    with pytest.raises(ValueError, match="unknown architecture"):
        build_from_kwargs({"arch": "mc3_18", "num_classes": 4})
