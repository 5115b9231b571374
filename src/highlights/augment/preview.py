"""A picture of what the augmentation does: a few frames of a clip beside its variants."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
# A Figure of its own, not pyplot's: pyplot, or choosing its backend, would change the plotting
# of a notebook that previews the augmentation.
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from highlights.augment.config import PhoneAugmentConfig
from highlights.augment.phone import AugmentResult, PhoneAugment, derive_seed
from highlights.figure_png import png_made_by, write_figure_png
from highlights.video import read_clip
from highlights.wrapped_label import widest_line_pt, wrap_to_width

TITLE_SIZE = 9
COLUMN_TITLE_SIZE = 7
CELL_IN = 2.6  # a column's width
DPI = 110


def preview_variants(
    clip_path: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
) -> tuple[np.ndarray, np.ndarray, list[AugmentResult]]:
    """The clip's ``frames`` frames spread over its length, the times they are shown at, and
    ``variants`` augmentations of them."""
    if variants < 1 or frames < 1:
        raise ValueError("variants and frames must be at least 1")
    _refuse_not_a_file(clip_path)
    original, times = read_clip(clip_path, num_frames=frames)
    _check_whole(clip_path, times, frames)
    augment = PhoneAugment(config or PhoneAugmentConfig())
    return original, times, [augment.apply(original, seed=derive_seed(seed, k)) for k in range(variants)]


def _refuse_not_a_file(clip_path: str | Path) -> None:
    """A folder or a missing clip said in the project's one line naming it, not the OS's wording
    ("Is a directory") from hashing or opening it."""
    from highlights.video.errors import VideoError, missing_file_cause

    cause = missing_file_cause(clip_path)
    if cause is not None:
        raise VideoError(clip_path, cause)


def _check_whole(clip_path: str | Path, times: np.ndarray, frames: int) -> None:
    """Refuse a clip cut off part way (its index at the front): read_clip takes the frames nearest
    its sampling times, so it repeats the first part's last frame for the missing rest."""
    from highlights.video import check_frames_reach_end, probe

    info = probe(clip_path)
    # The last row is the frame nearest the last sampling time, half a step before the end.
    step = (info.duration_s - info.start_s) / frames
    check_frames_reach_end(clip_path, info.duration_s, float(times[-1]), step + 1.0 / info.fps)


def write_preview_grid(
    clip_path: str | Path,
    out: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
) -> Path:
    """Write a PNG grid (`preview_figure`), atomically, a file name in a script matplotlib's font
    lacks drawn with an installed font that has it. The PNG's `Description` holds what made it, as
    JSON: the clip (path and sha256), seed, variants, frames, the whole augmentation config and
    the highlights version."""
    from highlights import __version__
    from highlights.file_hash import file_sha256

    _refuse_not_a_file(clip_path)
    made_by = {"clip": str(Path(clip_path).resolve()), "clip_sha256": file_sha256(clip_path), "seed": seed,
               "variants": variants, "frames": frames, "config": (config or PhoneAugmentConfig()).to_dict(),
               "highlights_version": __version__}
    return write_figure_png(out, lambda: preview_figure(clip_path, variants=variants, seed=seed, frames=frames,
                                                        config=config), dpi=DPI, names=[Path(clip_path).name],
                            metadata={"Description": json.dumps(made_by, sort_keys=True)})


def is_preview_png(path: Path) -> bool:
    """Whether ``path`` is a picture `write_preview_grid` wrote: a PNG whose `Description` says
    what made it, or one a version that did not keep that note drew (`_is_earlier_preview_png`)."""
    made_by = png_made_by(path)
    if made_by is not None:
        return "clip_sha256" in made_by
    return _is_earlier_preview_png(path)


def _is_earlier_preview_png(path: Path) -> bool:
    """A preview drawn before its `Description` was kept, told by what every such grid holds: a
    PNG matplotlib wrote at `DPI` dots an inch, as wide as 2 to 17 columns of `CELL_IN` (the
    original and 1 to 16 variants); where it was refused as not a preview."""
    from PIL import Image  # matplotlib's dependency

    from highlights.figure_png import drawn_by_matplotlib

    if not drawn_by_matplotlib(path):
        return False
    try:
        with Image.open(path) as picture:
            width, dpi = picture.width, picture.info.get("dpi", (0, 0))
    except OSError:
        return False
    column_px = round(CELL_IN * DPI)
    return (round(float(dpi[0])) == DPI and width % column_px == 0
            and 2 <= width // column_px <= 17)


def preview_figure(
    clip_path: str | Path,
    *,
    variants: int = 4,
    seed: int = 0,
    frames: int = 4,
    config: PhoneAugmentConfig | None = None,
):
    """The grid: rows are frames of the clip, columns the original and its variants, each column
    titled with the parameters sampled for it, the clip's name above, on as many lines as it takes
    (in one line, a long name ran past both edges of a narrow grid). A `Figure` pyplot does not hold."""
    original, times, results = preview_variants(clip_path, variants=variants, seed=seed, frames=frames,
                                                config=config)
    columns = [("original", original)] + [(_title(k, r), r.frames) for k, r in enumerate(results)]
    h, w = original.shape[1:3]
    cell = CELL_IN
    title = wrap_to_width(f"{Path(clip_path).name}: phone augmentation, seed {seed}", (cell * len(columns) - 0.4) * 72,
                          TITLE_SIZE)
    fig = Figure(figsize=(cell * len(columns), cell * frames * h / w + 0.9 + 0.15 * title.count("\n")))
    FigureCanvasAgg(fig)  # drawn in memory, whatever backend the caller's pyplot uses
    axes = fig.subplots(frames, len(columns), squeeze=False)
    for col, (name, clip) in enumerate(columns):
        for row in range(frames):
            ax = axes[row][col]
            ax.imshow(clip[row])
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name, fontsize=COLUMN_TITLE_SIZE)
            if col == 0:  # which moment of the clip a row shows
                ax.set_ylabel(f"at {times[row]:.2f} s", fontsize=COLUMN_TITLE_SIZE)
    fig.suptitle(title, fontsize=TITLE_SIZE)
    fig.tight_layout()
    return fig


def _title(k: int, result: AugmentResult) -> str:
    """The variant's number and seed over what was applied, its items ("motion blur 17 px") packed
    into lines of its column's width, each whole: wrapped at any space, "17" stood over "px"."""
    width = (CELL_IN - 0.2) * 72
    lines: list[str] = []
    for item in result.describe().split(", "):
        joined = f"{lines[-1]}, {item}" if lines else item
        if lines and widest_line_pt(joined + ",", COLUMN_TITLE_SIZE) <= width:
            lines[-1] = joined
        else:
            lines.append(item)
    return f"variant {k + 1} (seed {result.seed})\n" + ",\n".join(lines)
