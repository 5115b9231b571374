"""The highlights' score reliability as a picture (`reliability_diagram`): `pipeline evaluate`'s
`pipeline_eval_reliability.png`, linked from the section of pipeline_eval.md whose table holds
the same bins, and `pipeline calibrate`'s `NAME_reliability.png` beside the calibration NAME.json,
the raw and fitted scores side by side. Each is drawn from the reliability the table or the
terminal's figures are made of, never computed again."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from highlights.figure_png import write_figure_png

SCORE_RELIABILITY_PNG = "pipeline_eval_reliability.png"
SCORE_BIN = "highlight score (bin)"
SHARE_RIGHT = "share of the bin's highlights right"


def write_score_reliability(out_path: str | Path, panels: Sequence[tuple[str, dict[str, Any]]], *,
                            title: str) -> Path:
    """A panel per `(name, reliability)` of highlight scores under `title`, as a PNG, atomically."""
    from highlights.reliability_diagram import reliability_figure

    def build():
        fig = reliability_figure(panels, item="highlight", xlabel=SCORE_BIN, ylabel=SHARE_RIGHT)
        fig.suptitle(title, fontsize=10)
        return fig

    return write_figure_png(out_path, build, dpi=120, names=[title])


def calibration_picture(calibration_json: str | Path) -> Path:
    """Where `pipeline calibrate` draws the fit's reliability: beside its JSON,
    `NAME_reliability.png`."""
    path = Path(calibration_json)
    return path.with_name(f"{path.stem}_reliability.png")
