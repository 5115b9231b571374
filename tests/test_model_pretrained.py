"""Loading torchvision-style weights from a local file into a model with a new head."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from highlights.model import CheckpointError, load_pretrained, r2plus1d_18

from tests.model_fixtures import TINY_ARCH, tiny_clips, tiny_model


@pytest.fixture
def kinetics_like(tmp_path):
    """A torchvision-format file: the bare state dict of a 400-class model."""
    source = tiny_model(400, seed=3)
    path = tmp_path / "r2plus1d_18-kinetics.pth"
    torch.save(source.state_dict(), path)
    return source, path


def test_backbone_loads_and_a_new_head_stays_fresh(kinetics_like):
    source, path = kinetics_like
    model = r2plus1d_18(4, **TINY_ARCH)
    fresh_head = {k: v.clone() for k, v in model.state_dict().items() if k.startswith("fc.")}
    result = load_pretrained(model, path)

    assert result.head_loaded is False
    state, source_state = model.state_dict(), source.state_dict()
    backbone = [k for k in state if not k.startswith("fc.")]
    assert set(result.loaded) == set(backbone)
    for key in backbone:
        assert torch.equal(state[key], source_state[key]), key
    for key, value in fresh_head.items():
        assert torch.equal(state[key], value), key
    assert state["fc.weight"].shape == (4, 128)


def test_same_number_of_classes_loads_the_head_too(kinetics_like):
    source, path = kinetics_like
    model = r2plus1d_18(400, **TINY_ARCH).eval()
    result = load_pretrained(model, path)
    assert result.head_loaded is True
    x = tiny_clips(1)
    with torch.inference_mode():
        assert torch.equal(model(x), source(x))


def test_module_prefix_and_nested_state_dict_are_accepted(tmp_path):
    source = tiny_model(400, seed=4)
    path = tmp_path / "wrapped.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}, path)
    model = r2plus1d_18(400, **TINY_ARCH)
    load_pretrained(model, path)
    assert torch.equal(model.state_dict()["stem.0.weight"], source.state_dict()["stem.0.weight"])


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "r2plus1d_18-91a641e6.pth"
    with pytest.raises(CheckpointError, match="r2plus1d_18-91a641e6.pth: no such file"):
        load_pretrained(r2plus1d_18(4, **TINY_ARCH), path)


def test_a_file_that_is_not_a_checkpoint_names_the_file(tmp_path):
    path = tmp_path / "weights.pth"
    path.write_bytes(b"this is not a torch file at all")
    with pytest.raises(CheckpointError) as info:
        load_pretrained(r2plus1d_18(4, **TINY_ARCH), path)
    assert str(info.value).startswith(f"{path}: not a PyTorch weights file")
    assert "\n" not in str(info.value)


def test_a_tensor_that_is_not_a_state_dict_is_refused(tmp_path):
    path = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), path)
    with pytest.raises(CheckpointError, match="not a state dict"):
        load_pretrained(r2plus1d_18(4, **TINY_ARCH), path)


def test_mismatched_backbone_shapes_are_an_error_naming_file_and_keys(tmp_path):
    path = tmp_path / "wider.pth"
    torch.save(r2plus1d_18(400, width=0.5, layers=(1, 1, 1, 1)).state_dict(), path)
    model = r2plus1d_18(4, **TINY_ARCH)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(CheckpointError) as info:
        load_pretrained(model, path)
    message = str(info.value)
    assert message.startswith(f"{path}: weights do not fit the model backbone")
    assert "stem.0.weight" in message and "shapes differ" in message
    # Nothing was half-loaded.
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_missing_backbone_keys_are_an_error_unless_not_strict(tmp_path):
    full = tiny_model(400, seed=5)
    partial = {k: v for k, v in full.state_dict().items() if not k.startswith("layer4.")}
    path = tmp_path / "partial.pth"
    torch.save(partial, path)
    with pytest.raises(CheckpointError, match="backbone keys missing"):
        load_pretrained(r2plus1d_18(4, **TINY_ARCH), path)

    model = r2plus1d_18(4, **TINY_ARCH)
    result = load_pretrained(model, path, strict_backbone=False)
    assert result.missing and all(k.startswith("layer4.") for k in result.missing)
    assert torch.equal(model.state_dict()["layer3.0.conv1.0.0.weight"], partial["layer3.0.conv1.0.0.weight"])


def _saved_checkpoint(tmp_path, classes, seed=6):
    from highlights.model import save_checkpoint
    from tests.model_fixtures import tiny_meta

    source = tiny_model(len(classes), seed=seed)
    path = tmp_path / "best.pt"
    save_checkpoint(path, source, tiny_meta(source, classes))
    return source, path


def test_a_checkpoints_head_rows_follow_the_class_names(tmp_path):
    # Fine-tuning a run's best.pt on a version where one class was renamed: same number of
    # classes, another order. Rows go by name; the renamed class starts fresh.
    source, path = _saved_checkpoint(tmp_path, ["baseball_swing", "basketball_layup", "none", "soccer_shooting"])
    model = r2plus1d_18(4, **TINY_ARCH)
    fresh = model.state_dict()["fc.weight"].clone()
    classes = ["baseball_swing", "basketball_layup", "kick", "none"]
    result = load_pretrained(model, path, classes=classes)

    assert result.head_loaded is False
    assert result.head_classes == ("baseball_swing", "basketball_layup", "none")
    assert result.new_classes == ("kick",)
    weight, source_weight = model.state_dict()["fc.weight"], source.state_dict()["fc.weight"]
    assert torch.equal(weight[3], source_weight[2])          # none's row, from the file's none
    assert torch.equal(weight[2], fresh[2])                  # kick: fresh, not soccer_shooting's
    assert torch.equal(model.state_dict()["fc.bias"][0], source.state_dict()["fc.bias"][0])


def test_a_fifth_class_keeps_the_four_known_rows(tmp_path):
    source, path = _saved_checkpoint(tmp_path, ["baseball_swing", "basketball_layup", "none", "soccer_shooting"])
    model = r2plus1d_18(5, **TINY_ARCH)
    classes = ["baseball_swing", "basketball_layup", "none", "soccer_shooting", "volleyball_spike"]
    result = load_pretrained(model, path, classes=classes)
    assert result.new_classes == ("volleyball_spike",)
    assert torch.equal(model.state_dict()["fc.weight"][:4], source.state_dict()["fc.weight"])


def test_the_same_classes_load_the_whole_head(tmp_path):
    classes = ["baseball_swing", "basketball_layup", "none", "soccer_shooting"]
    source, path = _saved_checkpoint(tmp_path, classes)
    model = r2plus1d_18(4, **TINY_ARCH).eval()
    assert load_pretrained(model, path, classes=classes).head_loaded is True
    x = tiny_clips(1)
    with torch.inference_mode():
        assert torch.equal(model(x), source(x))


@pytest.mark.parametrize("make, cause", [
    (lambda p: torch.save(tiny_model(400, seed=3), p), "holds pickled Python objects (a whole model"),
    (lambda p: (torch.save(tiny_model(400, seed=3).state_dict(), p),
                p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])), "cut off or damaged"),
    (lambda p: p.write_bytes(len(b'{"a": {}}').to_bytes(8, "little") + b'{"a": {}}'), "a safetensors file"),
    (lambda p: p.write_text("hello\n"), "not a PyTorch weights file"),
    # Random bytes are refused by the weights-only unpickler as much as a pickled model is:
    # they are no model, and its advice (load them with weights_only=False) is not repeated.
    (lambda p: p.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()),
     "not a PyTorch weights file"),
    (lambda p: torch.save(tiny_model(400, seed=3), p, _use_new_zipfile_serialization=False),
     "holds pickled Python objects (a whole model"),
])
def test_an_unusable_weights_file_says_what_it_is_in_one_line(tmp_path, make, cause):
    path = tmp_path / "r2plus1d_18.pth"
    make(path)
    with pytest.raises(CheckpointError) as info:
        load_pretrained(r2plus1d_18(4, **TINY_ARCH), path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and cause in message
    assert "\n" not in message and "If you are seeing this error" not in message
    assert "weights_only" not in message
