"""The highlights' score reliability as a picture (`reliability_diagram`): `pipeline evaluate`'s
`pipeline_eval_reliability.png`, linked from the section of pipeline_eval.md whose table holds
the same bins, and `pipeline calibrate`'s `NAME_reliability.png` beside the calibration NAME.json,
the raw and fitted scores side by side. Each is drawn from the reliability the table or the
terminal's figures are made of, never computed again. The calibration's picture says in its
`Description` that `pipeline calibrate` drew it, so that the next run replaces it and no other
file of that name (a picture of one's own)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import json

from highlights.figure_png import png_made_by, write_figure_png

SCORE_RELIABILITY_PNG = "pipeline_eval_reliability.png"
SCORE_BIN = "highlight score (bin)"
SHARE_RIGHT = "share of the bin's highlights right"
# The `made_by` of `pipeline calibrate`'s picture, kept in the PNG.
CALIBRATION_PICTURE_MADE_BY = "pipeline calibrate"


def write_score_reliability(out_path: str | Path, panels: Sequence[tuple[str, dict[str, Any]]], *,
                            title: str, made_by: dict[str, Any] | None = None) -> Path:
    """A panel per `(name, reliability)` of highlight scores under `title`, as a PNG, atomically;
    `made_by`, where given, kept as JSON in its `Description`."""
    from highlights.reliability_diagram import reliability_figure

    def build():
        fig = reliability_figure(panels, item="highlight", xlabel=SCORE_BIN, ylabel=SHARE_RIGHT)
        fig.suptitle(title, fontsize=10)
        return fig

    metadata = None if made_by is None else {"Description": json.dumps(made_by, sort_keys=True)}
    return write_figure_png(out_path, build, dpi=120, names=[title], metadata=metadata)


def calibration_picture(calibration_json: str | Path) -> Path:
    """Where `pipeline calibrate` draws the fit's reliability: beside its JSON,
    `NAME_reliability.png`."""
    path = Path(calibration_json)
    return path.with_name(f"{path.stem}_reliability.png")


def is_calibration_picture(path: Path) -> bool:
    """Whether ``path`` is a picture `pipeline calibrate` drew: a PNG whose `Description` says so.
    One drawn before the note was kept is not told apart from a picture of one's own."""
    made_by = png_made_by(path)
    return made_by is not None and made_by.get("made_by") == CALIBRATION_PICTURE_MADE_BY
