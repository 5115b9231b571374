"""What `highlights train --model pose` was given: its options as one value, carried whole to the
checks that refuse them, the config they make and the line that says what is trained on, so that
none is dropped on the way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from highlights.pose_classifier.train import PoseTrainConfig


@dataclass(frozen=True)
class PoseTrainOptions:
    """``out`` is the folder the model is written in. None for ``family``, ``synth_windows``,
    ``epochs``, ``lr`` or ``seed`` keeps PoseTrainConfig's default (the packaged model's recipe).
    ``clips`` (a folder per class) or ``root`` and ``version`` (a dataset version's train split)
    are labelled clips whose estimated poses, cached in ``pose_cache``, are trained on, repeated
    to ``labelled_share`` of the training windows (None: PoseTrainConfig's default);
    ``games`` synthetic games and ``rendered_games`` rendered ones (kept in ``render_dir``) add
    windows cut the way the pipeline cuts them."""

    out: Path
    family: str | None = None
    synth_windows: int | None = None
    epochs: int | None = None
    lr: float | None = None
    seed: int | None = None
    clips: Path | None = None
    games: int = 0
    rendered_games: int = 0
    render_dir: Path | None = None
    root: Path | None = None
    version: str | None = None
    pose_cache: Path | None = None
    labelled_share: float | None = None

    @property
    def labelled(self) -> bool:
        """Labelled clips' poses are estimated (--clips, or --root/--version)."""
        return bool(self.clips or self.version)

    def config(self) -> PoseTrainConfig:
        """The training config these options make, before the clips' own classes are read."""
        from highlights.pose_classifier.game_data import GameWindowSpec
        from highlights.pose_classifier.train import PoseTrainConfig

        overrides = {"family": self.family, "epochs": self.epochs, "lr": self.lr, "seed": self.seed,
                     "labelled_share": self.labelled_share}
        if self.synth_windows is not None:
            # Validation keeps the recipe's share of the training windows (600 of 3000), 100 at
            # least.
            overrides.update(synth_windows=self.synth_windows,
                             val_windows=max(100, self.synth_windows // 5))
        return PoseTrainConfig(
            out_dir=str(self.out), clips_root=str(self.clips) if self.clips else None,
            dataset_root=str(self.root) if self.root else None, dataset_version=self.version,
            game=GameWindowSpec(games=self.games),
            val_games=(max(1, self.games // 5) if self.games else 0),
            rendered=GameWindowSpec(games=self.rendered_games, video_fps=10.0),
            render_dir=str(self.render_dir) if self.render_dir else None,
            pose_cache_dir=str(self.pose_cache) if self.pose_cache else None,
            **{k: v for k, v in overrides.items() if v is not None})
