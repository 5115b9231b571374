"""bf16 autocast training: offered only on CPUs with native bf16, and a real training step."""

from __future__ import annotations

import math

import pytest
import torch
from rich.progress import Progress
from torch import nn

from highlights.model import r2plus1d_18
from highlights.model.cpu_features import CpuInfo
from highlights.train.config import TrainConfig, check_precision, resolve_precision
from highlights.train.loop import make_scheduler, train_one_epoch

from tests.model_fixtures import tiny_clips

AVX2_ONLY = CpuInfo("Test CPU without bf16", frozenset({"avx2", "fma"}))
NATIVE_BF16 = CpuInfo("Test CPU with AMX", frozenset({"avx2", "amx_bf16", "amx_tile"}))
AVX512_BF16_ONLY = CpuInfo("Test CPU with AVX512_BF16, no AMX", frozenset({"avx2", "avx512f", "avx512_bf16"}))


def test_bf16_training_is_refused_without_native_bf16():
    with pytest.raises(ValueError, match="native bf16.*Test CPU without bf16"):
        check_precision("bf16", AVX2_ONLY)
    check_precision("bf16", NATIVE_BF16)
    check_precision("fp32", AVX2_ONLY)
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(root="r", version="v1", out_dir="o", precision="fp16")
    assert TrainConfig(root="r", version="v1", out_dir="o").precision == "auto"
    assert TrainConfig.from_dict(TrainConfig(root="r", version="v1", out_dir="o",
                                             precision="bf16").to_dict()).precision == "bf16"


def test_auto_precision_is_bf16_only_where_the_cpu_has_amx():
    assert resolve_precision("auto", NATIVE_BF16) == "bf16"
    assert resolve_precision("auto", AVX2_ONLY) == "fp32"
    # AVX512_BF16 without AMX: bf16 may be asked for, but is not the default.
    assert resolve_precision("auto", AVX512_BF16_ONLY) == "fp32"
    check_precision("bf16", AVX512_BF16_ONLY)
    # An explicit choice is kept as given (bf16 on an AVX2 CPU is then refused by check_precision).
    assert resolve_precision("fp32", NATIVE_BF16) == "fp32"
    assert resolve_precision("bf16", AVX2_ONLY) == "bf16"


def test_a_bf16_step_trains_fp32_weights_under_autocast():
    # Runs wherever the tests run (emulated where the CPU has no bf16): the arithmetic, not the speed.
    torch.manual_seed(0)
    model = r2plus1d_18(2, width=0.125, layers=(1, 1, 1, 1))
    x = tiny_clips(4, seed=3)
    before = model.fc.weight.detach().clone()
    stats, seen_dtypes = _bf16_epoch(model, [(x, torch.tensor([0, 1, 0, 1]))],
                                     torch.optim.AdamW(model.parameters(), lr=1e-2))
    # The forward ran in bf16 (then once more in fp32 if this CPU's bf16 gave a non-finite gradient) ...
    assert seen_dtypes[0] == torch.bfloat16
    assert seen_dtypes[1:] == ([torch.float32] if stats["precision"] == "fp32" else [])
    assert model.fc.weight.dtype == torch.float32  # ... the weights stay fp32 ...
    assert not torch.equal(model.fc.weight, before)  # ... and were updated
    assert stats["clips"] == 4 and torch.isfinite(torch.tensor(stats["train_loss"]))


class _NanGradientUnderAutocast(torch.autograd.Function):
    """Identity forward; under bf16 autocast its backward hands back NaN, as oneDNN's bf16 Conv3d
    weight gradient did at random on one CPU, while the loss stays finite."""

    @staticmethod
    def forward(ctx, x):
        ctx.autocast = torch.is_autocast_enabled("cpu")
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * float("nan") if ctx.autocast else grad


class _TinyNet(nn.Module):
    def __init__(self, nan_under_autocast: bool = True):
        super().__init__()
        self.first = nn.Linear(6, 8)
        self.fc = nn.Linear(8, 2)
        self.nan_under_autocast = nan_under_autocast

    def forward(self, x):
        hidden = torch.relu(self.first(x))
        return self.fc(_NanGradientUnderAutocast.apply(hidden) if self.nan_under_autocast else hidden)


def _bf16_epoch(model: nn.Module, batches, optimizer) -> tuple[dict, list[torch.dtype]]:
    """One `train_one_epoch` in bf16 over `batches`: its stats, and the dtype of every `model.fc` output."""
    config = TrainConfig(root="r", version="v1", out_dir="o", epochs=1, warmup_epochs=0)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch=len(batches))
    seen_dtypes = []
    hook = model.fc.register_forward_hook(lambda m, i, out: seen_dtypes.append(out.dtype))
    with Progress(disable=True) as progress:
        stats = train_one_epoch(model, nn.CrossEntropyLoss(), optimizer, scheduler, batches, progress, "bf16",
                                precision="bf16")
    hook.remove()
    return stats, seen_dtypes


def test_a_bf16_step_with_non_finite_gradients_is_redone_in_fp32_and_the_epoch_stays_in_fp32():
    torch.manual_seed(0)
    model = _TinyNet()
    batches = [(torch.randn(4, 6), torch.tensor([0, 1, 0, 1])) for _ in range(3)]
    before = model.first.weight.detach().clone()
    stats, seen_dtypes = _bf16_epoch(model, batches, torch.optim.SGD(model.parameters(), lr=0.1))
    assert all(torch.isfinite(p).all() for p in model.parameters())  # no NaN reached the weights
    assert not torch.equal(model.first.weight, before)  # the fp32 redo trained them
    assert stats["precision"] == "fp32" and stats["bf16_fallback_step"] == 1
    # step 1 in bf16 then again in fp32; steps 2 and 3 straight in fp32
    assert seen_dtypes == [torch.bfloat16, torch.float32, torch.float32, torch.float32]
    assert torch.isfinite(torch.tensor(stats["train_loss"]))


def test_an_epoch_without_trouble_stays_in_bf16():
    torch.manual_seed(0)
    model = _TinyNet(nan_under_autocast=False)
    stats, _ = _bf16_epoch(model, [(torch.randn(4, 6), torch.tensor([0, 1, 0, 1]))] * 2,
                           torch.optim.SGD(model.parameters(), lr=0.1))
    assert stats["precision"] == "bf16" and stats["bf16_fallback_step"] is None


def test_a_run_that_falls_back_to_fp32_says_so_and_stays_in_fp32_after_a_resume(tmp_path, monkeypatch):
    import highlights.train.loop as loop_module
    from highlights.train import fit

    from tests.train_fixtures import make_colour_dataset, tiny_config

    data = make_colour_dataset(tmp_path / "colour", per_class=4)
    monkeypatch.setattr(loop_module, "check_precision", lambda precision: None)  # bf16 on any CPU
    checks = []

    def non_finite_once(loss, model):  # the first bf16 step of the run meets a NaN gradient
        # The first step, not a later one: a fake "finite" before it would let a step whose
        # gradients really are non-finite (bf16 on some CPUs, for this tiny model) into the weights.
        checks.append(1)
        return len(checks) != 1

    monkeypatch.setattr(loop_module, "_finite_step", non_finite_once)
    real_epoch = loop_module.train_one_epoch
    epoch_precisions = []

    def epoch(*args, **kwargs):  # Ctrl-C as the third epoch starts
        if len(epoch_precisions) == 2:
            raise KeyboardInterrupt
        epoch_precisions.append(kwargs["precision"])
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(loop_module, "train_one_epoch", epoch)
    config = tiny_config(data, tmp_path / "run", epochs=3, precision="bf16")
    messages = []
    with pytest.raises(KeyboardInterrupt):
        fit(config, show_progress=False, log=messages.append)
    assert epoch_precisions == ["bf16", "fp32"]
    assert any("epoch 1, step 1: bf16 gave non-finite gradients" in m and "goes on in fp32" in m for m in messages)

    epoch_precisions.clear()
    monkeypatch.setattr(loop_module, "train_one_epoch",
                        lambda *a, **k: epoch_precisions.append(k["precision"]) or real_epoch(*a, **k))
    result = fit(config, resume=True, show_progress=False, log=messages.append)
    assert epoch_precisions == ["fp32"]  # the resumed run goes on in fp32
    assert [h["precision"] for h in result.history] == ["fp32", "fp32", "fp32"]
    assert len(checks) == 1  # no bf16 step after the switch


def test_an_epochs_learning_rates_are_the_ones_its_steps_used():
    """A one-epoch run decays to 0 after its last step; the epoch trained at the rates before it."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    config = TrainConfig(root="r", version="v1", out_dir="o", epochs=1, warmup_epochs=0, lr=0.1)
    batches = [(torch.randn(2, 4), torch.tensor([0, 1])) for _ in range(4)]
    scheduler = make_scheduler(optimizer, config, steps_per_epoch=len(batches))
    expected = [0.1 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(4)]  # cosine over the 4 steps
    with Progress(disable=True) as progress:
        stats = train_one_epoch(model, nn.CrossEntropyLoss(), optimizer, scheduler, batches, progress, "e")
    assert stats["lr_first_step"] == pytest.approx(expected[0]) and stats["lr_last_step"] == pytest.approx(expected[-1])
    assert stats["lr_last_step"] > 0 and optimizer.param_groups[0]["lr"] == pytest.approx(0.0)
