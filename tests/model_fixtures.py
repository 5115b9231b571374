"""Tiny R(2+1)D models for the model tests: same code path as the real one, milliseconds a clip."""

from __future__ import annotations

import torch

from highlights.clips.spec import ClipSpec
from highlights.model import r2plus1d_18

TINY_ARCH = {"width": 0.25, "layers": (1, 1, 1, 1)}
TINY_SPEC = ClipSpec(num_frames=4, crop_size=32, resize_short_side=36)
TINY_CLASSES = ["baseball_swing", "basketball_layup", "soccer_shooting", "none"]


def tiny_model(num_classes: int = 4, *, seed: int = 0) -> torch.nn.Module:
    """A tiny model with non-trivial batch-norm statistics and a head whose logits spread out,
    so folding BN matters and argmax comparisons are not decided by rounding noise."""
    torch.manual_seed(seed)
    model = r2plus1d_18(num_classes, **TINY_ARCH)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm3d):
                module.running_mean.uniform_(-0.2, 0.2)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
        torch.nn.init.normal_(model.fc.weight, 0, 0.5)
    return model.eval()


def tiny_clips(n: int = 2, *, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, TINY_SPEC.num_frames, TINY_SPEC.crop_size, TINY_SPEC.crop_size,
                       generator=generator)


def tiny_meta(model: torch.nn.Module, classes: list[str] = TINY_CLASSES) -> dict:
    return {
        "classes": list(classes),
        "clip_spec": TINY_SPEC.to_dict(),
        "model": dict(model.arch_kwargs),
        "train_config": {"lr": 1e-3, "epochs": 2, "seed": 0},
        "dataset": {"root": "/data/clips", "version": "v2"},
    }


def keep_every_runner_started(monkeypatch) -> list:
    """From here on, every `ChunkRunner` a classifier makes starts two worker threads at once and is
    kept referenced here, so garbage collection cannot stop them: only the runner's `close` does.
    Returns the list the runners are kept in."""
    import highlights.model.classifier as classifier_module
    from highlights.model.runner import ChunkRunner

    made: list[ChunkRunner] = []

    class StartedRunner(ChunkRunner):
        def __init__(self, **kwargs):
            super().__init__(**{**kwargs, "workers": 2})
            self._executor()
            made.append(self)

    monkeypatch.setattr(classifier_module, "ChunkRunner", StartedRunner)
    return made


def inference_threads() -> set:
    """The runners' worker threads still running (a test compares those before and after, so that
    threads another test left to garbage collection are not counted)."""
    import threading

    return {t for t in threading.enumerate() if t.name.startswith("highlights-infer")}
