"""R(2+1)D-18 built from torch alone, with torchvision's exact module layout.

torchvision cannot be installed beside the CPU build of torch used here, yet users fine-tune from
torchvision's Kinetics-400 checkpoint (``r2plus1d_18-91a641e6.pth``). So the network is written
out here with the same module nesting as ``torchvision.models.video.r2plus1d_18`` (``stem.0``,
``layer1.0.conv1.0.0``, ``layer2.0.downsample.1``, ``fc`` ...): the state-dict keys and shapes are
then identical and a torchvision checkpoint loads with a plain ``load_state_dict``. The reference
vector in ``tests/data/r2plus1d_18_reference.json`` (from torchvision) checks names, shapes and the forward pass.

``width`` and ``layers`` only exist to build small models for tests and quick runs; at
``width=1.0`` and ``layers=(2, 2, 2, 2)`` the model is exactly torchvision's.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

ARCH_NAME = "r2plus1d_18"

# torchvision's channel counts at width 1.0.
_STEM_MID = 45
_STAGE_PLANES = (64, 128, 256, 512)


def _scaled(channels: int, width: float) -> int:
    return max(1, int(round(channels * width)))


def conv2plus1d_midplanes(in_planes: int, out_planes: int) -> int:
    """Channels between the spatial and temporal convolution.

    Chosen (as in the R(2+1)D paper and torchvision) so that the (2+1)D pair has about as many
    parameters as a full 3x3x3 convolution.
    """
    return (in_planes * out_planes * 3 * 3 * 3) // (in_planes * 3 * 3 + 3 * out_planes)


class Conv2Plus1D(nn.Sequential):
    """A 1x3x3 spatial convolution, BN, ReLU, then a 3x1x1 temporal convolution."""

    def __init__(self, in_planes: int, out_planes: int, midplanes: int, stride: int = 1) -> None:
        super().__init__(
            nn.Conv3d(in_planes, midplanes, kernel_size=(1, 3, 3), stride=(1, stride, stride),
                      padding=(0, 1, 1), bias=False),
            nn.BatchNorm3d(midplanes),
            nn.ReLU(inplace=True),
            nn.Conv3d(midplanes, out_planes, kernel_size=(3, 1, 1), stride=(stride, 1, 1),
                      padding=(1, 0, 0), bias=False),
        )


class BasicBlock(nn.Module):
    """Two (2+1)D convolutions with a residual connection.

    As in torchvision, both convolutions of a block use the mid-channel count computed from the
    block's *input* and output planes.
    """

    def __init__(self, in_planes: int, planes: int, stride: int = 1,
                 downsample: nn.Module | None = None) -> None:
        super().__init__()
        midplanes = conv2plus1d_midplanes(in_planes, planes)
        self.conv1 = nn.Sequential(
            Conv2Plus1D(in_planes, planes, midplanes, stride),
            nn.BatchNorm3d(planes),
            nn.ReLU(inplace=True),
        )
        self.conv2 = nn.Sequential(
            Conv2Plus1D(planes, planes, midplanes),
            nn.BatchNorm3d(planes),
        )
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.downsample is None else self.downsample(x)
        out = self.conv2(self.conv1(x))
        out = out + residual
        return self.relu(out)


class R2Plus1dStem(nn.Sequential):
    """Spatial 1x7x7 stride-2 convolution into 45 channels, then a temporal 3x1x1 one."""

    def __init__(self, mid: int = _STEM_MID, out: int = _STAGE_PLANES[0]) -> None:
        super().__init__(
            nn.Conv3d(3, mid, kernel_size=(1, 7, 7), stride=(1, 2, 2), padding=(0, 3, 3), bias=False),
            nn.BatchNorm3d(mid),
            nn.ReLU(inplace=True),
            nn.Conv3d(mid, out, kernel_size=(3, 1, 1), stride=(1, 1, 1), padding=(1, 0, 0), bias=False),
            nn.BatchNorm3d(out),
            nn.ReLU(inplace=True),
        )


class VideoResNet(nn.Module):
    """torchvision's ``VideoResNet`` specialised to R(2+1)D with basic blocks."""

    def __init__(self, num_classes: int = 400, *, width: float = 1.0,
                 layers: Sequence[int] = (2, 2, 2, 2)) -> None:
        super().__init__()
        if len(layers) != 4 or any(int(n) < 1 for n in layers):
            raise ValueError(f"layers must be four block counts >= 1, got {tuple(layers)}")
        if not width > 0:
            raise ValueError(f"width must be positive, got {width}")
        if int(num_classes) < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        planes = [_scaled(p, width) for p in _STAGE_PLANES]
        self.inplanes = planes[0]
        self.stem = R2Plus1dStem(_scaled(_STEM_MID, width), planes[0])
        self.layer1 = self._make_layer(planes[0], int(layers[0]), stride=1)
        self.layer2 = self._make_layer(planes[1], int(layers[1]), stride=2)
        self.layer3 = self._make_layer(planes[2], int(layers[2]), stride=2)
        self.layer4 = self._make_layer(planes[3], int(layers[3]), stride=2)
        self.avgpool = nn.AdaptiveAvgPool3d((1, 1, 1))
        self.fc = nn.Linear(planes[3], int(num_classes))
        # Plain-typed record of how to rebuild this model; a checkpoint stores it as meta["model"].
        self.arch_kwargs = architecture_kwargs(num_classes, width=width, layers=layers)
        self._init_weights()

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            # (2+1)D blocks downsample time as well as space.
            downsample = nn.Sequential(
                nn.Conv3d(self.inplanes, planes, kernel_size=1, stride=(stride, stride, stride), bias=False),
                nn.BatchNorm3d(planes),
            )
        blocks_list = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        blocks_list += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*blocks_list)

    def _init_weights(self, generator: torch.Generator | None = None) -> None:
        # torchvision's initialisation, so a model trained from scratch behaves the same. It sets
        # every parameter; `generator` draws the random ones (None: torch's global generator).
        for m in self.modules():
            if isinstance(m, nn.Conv3d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=generator)
            elif isinstance(m, nn.BatchNorm3d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
                m.reset_running_stats()
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01, generator=generator)
                nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = x.flatten(1)
        return self.fc(x)


def r2plus1d_18(num_classes: int = 400, *, width: float = 1.0,
                layers: Sequence[int] = (2, 2, 2, 2)) -> VideoResNet:
    """R(2+1)D-18; at the defaults its state dict matches torchvision's key for key.

    ``width`` scales every channel count and ``layers`` sets the blocks per stage, for small
    test and quick-run models (``width=0.25, layers=(1, 1, 1, 1)`` is a tiny one).
    """
    return VideoResNet(num_classes, width=width, layers=layers)


def seeded_r2plus1d_18(num_classes: int, *, seed: int, width: float = 1.0,
                       layers: Sequence[int] = (2, 2, 2, 2)) -> VideoResNet:
    """`r2plus1d_18` with weights drawn from a generator of its own seeded with `seed`: the same
    weights for the same seed, and torch's global generator, a library caller's, left as it was
    (built on the meta device, the layers' own initialisation draws nothing from it)."""
    with torch.device("meta"):
        model = r2plus1d_18(num_classes, width=width, layers=layers)
    model = model.to_empty(device="cpu")
    model._init_weights(torch.Generator().manual_seed(int(seed)))
    return model


def architecture_kwargs(num_classes: int, *, width: float = 1.0,
                        layers: Sequence[int] = (2, 2, 2, 2)) -> dict:
    """The plain-typed description stored as ``meta["model"]`` in a checkpoint."""
    return {"arch": ARCH_NAME, "num_classes": int(num_classes), "width": float(width),
            "layers": [int(n) for n in layers]}


def build_from_kwargs(arch: dict) -> VideoResNet:
    """Rebuild a model from :func:`architecture_kwargs` output (``meta["model"]``)."""
    name = arch.get("arch", ARCH_NAME)
    if name != ARCH_NAME:
        raise ValueError(f"unknown architecture {name!r} (known: {ARCH_NAME!r})")
    return r2plus1d_18(int(arch["num_classes"]), width=float(arch.get("width", 1.0)),
                       layers=tuple(int(n) for n in arch.get("layers", (2, 2, 2, 2))))


def normalise_arch(arch: dict) -> dict:
    """``arch`` with defaults filled in and types fixed, for comparing descriptions."""
    out = architecture_kwargs(int(arch["num_classes"]), width=float(arch.get("width", 1.0)),
                              layers=tuple(arch.get("layers", (2, 2, 2, 2))))
    out["arch"] = str(arch.get("arch", ARCH_NAME))
    return out
