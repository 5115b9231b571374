"""Checkpoints: plain-typed contents, atomic writes, exact round trips, resume state, clear errors."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch

from highlights.model import (CheckpointError, capture_rng_state, load_checkpoint,
                              load_training_state, restore_rng_state, save_checkpoint)

from tests.model_fixtures import TINY_CLASSES, TINY_SPEC, tiny_clips, tiny_meta, tiny_model


def test_round_trip_is_weights_only_readable_and_gives_identical_outputs(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))

    raw = torch.load(path, weights_only=True)  # no pickled code anywhere in it
    assert raw["meta"]["classes"] == TINY_CLASSES
    assert raw["meta"]["model"] == {"arch": "r2plus1d_18", "num_classes": 4, "width": 0.25, "layers": [1, 1, 1, 1]}

    loaded, meta = load_checkpoint(path)
    assert meta == tiny_meta(model)
    assert not loaded.training
    x = tiny_clips(2)
    with torch.inference_mode():
        assert torch.equal(loaded(x), model(x))


def test_meta_model_is_filled_from_the_model_when_left_out(tmp_path):
    model = tiny_model()
    meta = tiny_meta(model)
    del meta["model"]
    path = save_checkpoint(tmp_path / "c.pt", model, meta)
    assert load_checkpoint(path)[1]["model"] == model.arch_kwargs


def test_meta_that_does_not_describe_the_model_is_refused(tmp_path):
    model = tiny_model()
    meta = tiny_meta(model)
    meta["model"] = {**meta["model"], "width": 1.0}
    with pytest.raises(ValueError, match="does not describe the model"):
        save_checkpoint(tmp_path / "c.pt", model, meta)
    meta = tiny_meta(model, classes=["a", "b"])
    with pytest.raises(ValueError, match="2 class names for a 4-class model"):
        save_checkpoint(tmp_path / "c.pt", model, meta)


def test_non_plain_meta_is_refused_and_the_old_file_survives(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    before = path.read_bytes()
    bad = tiny_meta(model)
    bad["train_config"] = {"out_dir": tmp_path}  # a Path object, not a plain type
    with pytest.raises(TypeError, match=r"meta\['train_config'\]\['out_dir'\] is PosixPath"):
        save_checkpoint(path, model, bad)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.pt"]  # no temp file left behind


def test_missing_meta_keys_are_refused(tmp_path):
    model = tiny_model()
    meta = tiny_meta(model)
    del meta["dataset"]
    with pytest.raises(ValueError, match="meta lacks dataset"):
        save_checkpoint(tmp_path / "c.pt", model, meta)


def test_training_state_resumes_optimizer_scheduler_and_rng(tmp_path):
    model = tiny_model()
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    loss = model(tiny_clips(2)).logsumexp(1).mean()
    loss.backward()
    optimizer.step()
    scheduler.step()
    np_rng = np.random.default_rng(7)
    np_rng.random()
    torch.manual_seed(11), random.seed(12), np.random.seed(13)
    rng_state = capture_rng_state(np_rng)
    expected_draws = (torch.rand(3), random.random(), np.random.rand(), np_rng.random())

    path = save_checkpoint(tmp_path / "last.pt", model, tiny_meta(model), optimizer=optimizer,
                           scheduler=scheduler,
                           extra={"epoch": 3, "best_metric": 0.75, "rng_state": rng_state,
                                  "history": [{"epoch": 1, "val_macro_f1": 0.5}]})
    torch.load(path, weights_only=True)

    state = load_training_state(path)
    assert state.epoch == 3 and state.best_metric == 0.75
    assert state.extra["history"] == [{"epoch": 1, "val_macro_f1": 0.5}]
    assert state.meta["dataset"] == {"root": "/data/clips", "version": "v2"}
    new_optimizer = torch.optim.AdamW(state.model.parameters(), lr=1e-3)
    new_optimizer.load_state_dict(state.optimizer_state)
    new_scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(new_optimizer, T_max=10)
    new_scheduler.load_state_dict(state.scheduler_state)
    assert new_scheduler.get_last_lr() == scheduler.get_last_lr()
    for old, new in zip(optimizer.state.values(), new_optimizer.state.values()):
        assert torch.equal(old["exp_avg"], new["exp_avg"])

    torch.manual_seed(0), random.seed(0), np.random.seed(0)
    fresh_rng = np.random.default_rng(0)
    restore_rng_state(state.rng_state, fresh_rng)
    draws = (torch.rand(3), random.random(), np.random.rand(), fresh_rng.random())
    assert torch.equal(draws[0], expected_draws[0])
    assert draws[1:] == expected_draws[1:]


def test_a_checkpoint_without_resume_state_reads_as_none(tmp_path):
    model = tiny_model()
    state = load_training_state(save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model)))
    assert state.optimizer_state is None and state.epoch is None and state.rng_state is None


def test_missing_checkpoint_names_the_file(tmp_path):
    path = tmp_path / "nope.pt"
    with pytest.raises(CheckpointError, match=r"nope\.pt: no such file"):
        load_checkpoint(path)


def test_truncated_checkpoint_names_the_file(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert str(info.value).startswith(f"{path}: not a readable checkpoint")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("make, cause", [
    (lambda p: p.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()),
     "not a checkpoint (not a PyTorch file)"),
    (lambda p: torch.save(tiny_model(), p), "holds pickled Python objects"),
    # A function of a module torch's unpickler blocks outright (os, sys) is refused in other words
    # ("unsupported GLOBAL ... is blocked"), and was said as a damaged file.
    (lambda p: torch.save({"state": tiny_model().state_dict(), "run": os.system}, p),
     "holds pickled Python objects"),
    (lambda p: (torch.save(tiny_model().state_dict(), p), p.write_bytes(p.read_bytes()[:300])),
     "not a readable checkpoint: a PyTorch file that is cut off or damaged"),
])
def test_a_file_torch_cannot_read_is_named_for_what_it_is(tmp_path, make, cause):
    """Whichever loader meets it first (the pose-or-R(2+1)D check of evaluate, or the checkpoint
    loader), one line says what the file is, never torch's advice to load it with weights_only=False."""
    from highlights.pose_classifier.default import is_pose_checkpoint

    path = tmp_path / "best.pt"
    make(path)
    for load in (load_checkpoint, is_pose_checkpoint):
        with pytest.raises(CheckpointError) as info:
            load(path)
        message = str(info.value)
        assert message.startswith(f"{path}: ") and cause in message
        assert "\n" not in message and "weights_only" not in message


def test_torchvision_weights_are_no_pose_model_and_no_checkpoint_but_a_pretrained_file(tmp_path):
    from highlights.pose_classifier.default import is_pose_checkpoint

    path = tmp_path / "r2plus1d_18-91a641e6.pth"
    torch.save(tiny_model().state_dict(), path)
    assert is_pose_checkpoint(path) is False  # left to the R(2+1)D loader, which says what it is
    with pytest.raises(CheckpointError, match="bare state dict.*highlights train --pretrained"):
        load_checkpoint(path)


def test_a_bare_state_dict_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "r2plus1d_18-91a641e6.pth"
    torch.save(tiny_model().state_dict(), path)
    with pytest.raises(CheckpointError, match="not a highlights checkpoint.*load_pretrained"):
        load_checkpoint(path)


def test_weights_that_do_not_fit_the_described_architecture_name_the_file(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    payload["meta"]["model"]["width"] = 0.5
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="best.pt: weights do not fit the architecture"):
        load_checkpoint(path)


def test_a_folder_is_not_a_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="not a file"):
        load_checkpoint(tmp_path)


def test_the_clip_spec_survives_the_round_trip(tmp_path):
    from highlights.clips.spec import ClipSpec

    model = tiny_model()
    _, meta = load_checkpoint(save_checkpoint(tmp_path / "c.pt", model, tiny_meta(model)))
    assert ClipSpec.from_dict(meta["clip_spec"]) == TINY_SPEC


def test_every_part_saved_is_checked_for_plain_types_inside_lists_keys_extra_and_optimizer_state(tmp_path):
    model = tiny_model()

    class _Optimizer:  # an optimizer whose state holds something weights_only loading refuses
        def state_dict(self):
            return {"param_groups": [{"lr": 0.1, "log": tmp_path}]}

    bad_list, bad_key = tiny_meta(model), tiny_meta(model)
    bad_list["dataset"] = {"versions": ["v1", tmp_path]}
    bad_key["dataset"] = {("v1", "v2"): "grown"}
    for kwargs, where in [
        ({"meta": bad_list}, r"meta\['dataset'\]\['versions'\]\[1\] is PosixPath"),
        ({"meta": bad_key}, r"meta\['dataset'\]: key \('v1', 'v2'\) is tuple"),
        ({"optimizer": _Optimizer()}, r"optimizer state\['param_groups'\]\[0\]\['log'\] is PosixPath"),
        ({"extra": {"epoch": 3, "started": tmp_path}}, r"extra\['started'\] is PosixPath"),
    ]:
        with pytest.raises(TypeError, match=where):
            save_checkpoint(tmp_path / "c.pt", model, **{"meta": tiny_meta(model), **kwargs})
    assert not (tmp_path / "c.pt").exists()


def test_class_names_are_saved_as_text_and_a_first_epoch_of_zero_reads_as_zero(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "c.pt", model, tiny_meta(model, classes=[0, 1, 2, 3]),
                           extra={"epoch": 0, "best_metric": 0.0})
    state = load_training_state(path)
    assert state.meta["classes"] == ["0", "1", "2", "3"]
    assert (state.epoch, state.best_metric) == (0, 0.0)


def test_an_empty_dict_is_not_a_checkpoint_and_not_taken_for_a_state_dict(tmp_path):
    path = tmp_path / "empty.pt"
    torch.save({}, path)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert str(info.value).endswith("not a highlights checkpoint (no 'format' marker)")


@pytest.mark.parametrize("change, said", [
    (lambda p: p.update(format_version=2), "checkpoint format version 2, written by another version of highlights"),
    (lambda p: p.update(state_dict=None), "checkpoint has no 'state_dict' dict"),
    (lambda p: p["meta"].update(model="r2plus1d_18"), "meta has no 'model' architecture description"),
    (lambda p: p["meta"].update(model={"arch": "pose_gru"}), "a pose classifier checkpoint, where an R.2.1.D clip"),
])
def test_a_checkpoint_of_another_format_or_missing_a_part_names_the_file_and_what_it_lacks(tmp_path, change, said):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "c.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    change(payload)
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=said) as info:
        load_checkpoint(path)
    assert str(info.value).startswith(str(path))


def test_weights_lacking_a_layer_of_the_described_architecture_are_refused(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "c.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    payload["state_dict"].pop(next(iter(payload["state_dict"])))
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="weights do not fit the architecture"):
        load_checkpoint(path)


def test_rng_state_taken_without_a_generator_leaves_a_generator_given_on_restore_as_it_was():
    state = capture_rng_state()
    generator = np.random.default_rng(5)
    restore_rng_state(state, generator)
    assert generator.random() == np.random.default_rng(5).random()


@pytest.mark.parametrize("edit, cause", [
    (lambda meta: meta.update(classes="baseball_swing,none"), "its classes are 'baseball_swing,none', not a list"),
    (lambda meta: meta.update(classes=[*TINY_CLASSES, "extra"]), "5 class names for a model of 4 outputs"),
    (lambda meta: meta.update(classes=["a", "b", "a", ""]), "not a list of class names"),
    (lambda meta: meta.update(classes=["a", "b", "a", "c"]), "its classes list a twice"),
    (lambda meta: meta["clip_spec"].update(num_frames=0), "its clip settings say num_frames 0: at least 1"),
    (lambda meta: meta["clip_spec"].pop("crop_size"), "its clip settings {"),
    (lambda meta: meta["clip_spec"].update(std=[0.2, 0.0, 0.2]), "not three finite numbers each, the std's above 0"),
], ids=["classes-a-string", "more-classes-than-outputs", "a-blank-class", "a-class-twice", "zero-frames",
        "no-crop-size", "zero-std"])
def test_a_checkpoint_whose_meta_cannot_be_used_is_refused_naming_it(tmp_path, edit, cause):
    """Edited by hand after it was saved: a traceback from inference, or each letter a class."""
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    edit(payload["meta"])
    torch.save(payload, path)
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(path)
    assert str(caught.value).startswith(f"{path}: ") and cause in str(caught.value)


def test_a_checkpoint_without_class_names_loads_its_outputs_named_by_index(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    payload["meta"]["classes"] = []
    torch.save(payload, path)
    assert load_checkpoint(path)[1]["classes"] == []


def test_a_checkpoint_path_that_is_a_link_loop_or_dangling_link_is_said_so(tmp_path):
    loop = tmp_path / "best.pt"
    loop.symlink_to(loop.name)
    with pytest.raises(CheckpointError, match=f"^{loop}: symbolic link loop$"):
        load_checkpoint(loop)
    dangling = tmp_path / "last.pt"
    dangling.symlink_to(tmp_path / "gone.pt")
    with pytest.raises(CheckpointError, match="last.pt: dangling symbolic link .it points to .*gone.pt"):
        load_checkpoint(dangling)
    with pytest.raises(CheckpointError, match="other.pt: no such file$"):
        load_checkpoint(tmp_path / "other.pt")


def test_a_checkpoint_of_non_finite_weights_is_refused_naming_it(tmp_path):
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["fc.weight"][0, 0] = float("nan")
    payload["state_dict"]["fc.bias"][0] = float("inf")
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=f"^{path}: 2 of its weight tensors .* hold NaN or infinite"):
        load_checkpoint(path)


def test_a_checkpoint_of_one_non_finite_tensor_names_that_tensor_alone(tmp_path):
    # It said "1 of its weight tensors (fc.weight, ...) hold", as though there were more.
    model = tiny_model()
    path = save_checkpoint(tmp_path / "best.pt", model, tiny_meta(model))
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["fc.weight"][0, 0] = float("nan")
    torch.save(payload, path)
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint(path)
    assert str(refused.value) == (f"{path}: its weight tensor fc.weight holds NaN or infinite values: "
                                  "a run that diverged, or a damaged file")
