"""Checks of a picture a command wrote beside its Markdown report, and of the text a figure draws:
within its edges, no label over another."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
from matplotlib.transforms import Bbox


def check_linked_picture(folder: Path, picture: str, markdown: str, output: str) -> tuple[int, int]:
    """`folder/picture` is a PNG of a readable size, the Markdown links it by its name (beside it),
    and the command printed its path; returns its (width, height) in pixels."""
    path = folder / picture
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = matplotlib.image.imread(path).shape[:2]
    assert 800 <= width <= 2000 and 150 <= height <= 1500, (width, height)
    assert f"]({picture})" in (folder / markdown).read_text()
    assert str(path) in "".join(output.split())  # a long path may be wrapped across lines
    assert not list(folder.glob(".*.tmp"))  # written atomically
    return width, height


def drawn_texts(fig) -> list[tuple[str, Bbox]]:
    """Each text `fig` draws (titles, axis labels, the tick labels in view, legends, words in the
    axes and on the figure) that is visible and not empty, with its box in pixels as the Agg
    renderer that writes the PNG lays it out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = list(fig.texts) + [t for legend in fig.legends for t in legend.get_texts()]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = (hi - lo) * 1e-6
            texts += [tick.label1 for tick in axis.get_major_ticks() if lo - slack <= tick.get_loc() <= hi + slack]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text().strip()]


def texts_outside(fig) -> list[str]:
    """The texts `fig` draws that reach past its edges (a pixel's rounding allowed)."""
    boxes = drawn_texts(fig)
    width, height = fig.canvas.get_width_height()
    return [text for text, box in boxes if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1]


def text_corners(text, renderer) -> np.ndarray:
    """The four corners in pixels of a text's own box, turned as the text is: a slanted label's
    upright box (its `get_window_extent`) is far larger than the label and covers its neighbours'."""
    rotation = text.get_rotation()
    text.set_rotation(0)
    try:
        upright = text.get_window_extent(renderer)
    finally:
        text.set_rotation(rotation)
    angle = np.radians(rotation)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = np.array([[0, 0], [upright.width, 0], [upright.width, upright.height], [0, upright.height]]) @ turn.T
    placed = text.get_window_extent(renderer)  # the turned box's bounds, where matplotlib puts them
    return corners - corners.min(axis=0) + [placed.x0, placed.y0]


def texts_cover_each_other(texts, renderer) -> list[tuple[str, str]]:
    """The pairs of `texts` whose turned boxes cover each other (separating axis test)."""
    def apart(a: np.ndarray, b: np.ndarray) -> bool:
        for poly in (a, b):
            for i in range(4):
                edge = poly[(i + 1) % 4] - poly[i]
                normal = np.array([-edge[1], edge[0]])
                pa, pb = a @ normal, b @ normal
                if pa.max() <= pb.min() or pb.max() <= pa.min():
                    return True
        return False

    boxes = [(t.get_text(), text_corners(t, renderer)) for t in texts if t.get_visible() and t.get_text().strip()]
    return [(a, b) for i, (a, ca) in enumerate(boxes) for b, cb in boxes[i + 1:] if not apart(ca, cb)]
