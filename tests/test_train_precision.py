"""bf16 autocast training: offered only on CPUs with native bf16, and a real training step."""

from __future__ import annotations

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


def test_bf16_training_is_refused_without_native_bf16():
    with pytest.raises(ValueError, match="native bf16.*Test CPU without bf16"):
        check_precision("bf16", AVX2_ONLY)
    check_precision("bf16", NATIVE_BF16)
    check_precision("fp32", AVX2_ONLY)
    with pytest.raises(ValueError, match="precision"):
        TrainConfig(root="r", version="v1", out_dir="o", precision="fp16")
    assert TrainConfig(root="r", version="v1", out_dir="o").precision == "auto"
    assert TrainConfig.from_dict(TrainConfig(root="r", version="v1", out_dir="o", precision="bf16").to_dict()).precision == "bf16"


def test_auto_precision_is_bf16_only_where_the_cpu_has_it_natively():
    assert resolve_precision("auto", NATIVE_BF16) == "bf16"
    assert resolve_precision("auto", AVX2_ONLY) == "fp32"
    # An explicit choice is kept as given (bf16 on an AVX2 CPU is then refused by check_precision).
    assert resolve_precision("fp32", NATIVE_BF16) == "fp32"
    assert resolve_precision("bf16", AVX2_ONLY) == "bf16"


def test_a_bf16_step_trains_fp32_weights_under_autocast():
    # Runs wherever the tests run (emulated where the CPU has no bf16): the arithmetic, not the speed.
    torch.manual_seed(0)
    model = r2plus1d_18(2, width=0.125, layers=(1, 1, 1, 1))
    x = tiny_clips(4, seed=3)
    loader = [(x, torch.tensor([0, 1, 0, 1]))]
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    config = TrainConfig(root="r", version="v1", out_dir="o", epochs=1, warmup_epochs=0)
    scheduler = make_scheduler(optimizer, config, steps_per_epoch=1)
    before = model.fc.weight.detach().clone()
    seen_dtypes = []
    hook = model.fc.register_forward_hook(lambda m, i, out: seen_dtypes.append(out.dtype))
    with Progress(disable=True) as progress:
        stats = train_one_epoch(model, nn.CrossEntropyLoss(), optimizer, scheduler, loader, progress, "bf16",
                                precision="bf16")
    hook.remove()
    assert seen_dtypes == [torch.bfloat16]  # the forward ran in bf16 ...
    assert model.fc.weight.dtype == torch.float32  # ... the weights stay fp32 ...
    assert not torch.equal(model.fc.weight, before)  # ... and were updated
    assert stats["clips"] == 4 and torch.isfinite(torch.tensor(stats["train_loss"]))
