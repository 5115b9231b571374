"""The main job: the whole system end to end on synthetic footage, through the public CLI.

Every step is a `highlights ...` command line, printed before it runs and run through the same
CLI a user types, so the demo is a worked example of the real workflow rather than a separate
script. Each step names the file that shows it is done; a second run skips finished steps
unless `fresh` is set.
"""

from __future__ import annotations

import shlex
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from rich.console import Console
from rich.rule import Rule


@dataclass(frozen=True)
class DemoSize:
    """How much the demo generates and trains. `default` fits a 2-core CPU in about 15 minutes."""

    name: str
    clips_per_class_v1: int
    none_clips_added_v2: int
    action_clips_added_v2: int
    clip_seconds: float
    train_epochs: int
    train_width: float
    train_layers: tuple[int, int, int, int]
    train_frames: int
    batch_size: int
    game_minutes: float
    game_size: str


SIZES: dict[str, DemoSize] = {
    "default": DemoSize(
        name="default",
        clips_per_class_v1=30,
        none_clips_added_v2=45,
        action_clips_added_v2=10,
        clip_seconds=2.0,
        train_epochs=8,
        train_width=0.25,
        train_layers=(1, 1, 1, 1),
        train_frames=16,
        batch_size=8,
        game_minutes=3.0,
        game_size="640x360",
    ),
    "tiny": DemoSize(
        name="tiny",
        clips_per_class_v1=3,
        none_clips_added_v2=3,
        action_clips_added_v2=0,
        clip_seconds=1.0,
        train_epochs=1,
        train_width=0.125,
        train_layers=(1, 1, 1, 1),
        train_frames=8,
        batch_size=4,
        game_minutes=0.4,
        game_size="320x180",
    ),
}


@dataclass
class Step:
    title: str
    argv: list[str]
    done_when: Path | None = None  # the file whose existence shows the step already ran


@dataclass
class DemoPlan:
    out: Path
    size: DemoSize
    steps: list[Step] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
