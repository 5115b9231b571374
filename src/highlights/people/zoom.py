"""Where to point MoveNet when the people are small: a region of the frame that holds every known
person, which one network pass at the usual input long side sees larger.

MoveNet MultiPose reads a frame at a fixed input long side (256 by default). A player 40 px tall in
a 320x180 analysis frame is 32 px tall in its input, and at that size wrists and ankles are
guessed more than seen: a kick or a jump shot leaves no speed peak. Seen larger, the same pixels
give joints that follow the action (upsampling adds no detail, but the network was trained on
people far larger than 32 px).

The region's long side maps to the same input long side as the whole frame's; its short side is
cut to the band the people stand in, rounded up to the network's stride of 32 input pixels. The
network's cost grows with its input's area, so a zoomed pass costs at most a whole-frame pass and
usually less (players on one pitch stand in a band): that saving pays for the whole-frame passes
that find people outside the region (see `MoveNetPeople`).

Pure geometry on (x1, y1, x2, y2) boxes; no image library.
"""

from __future__ import annotations

import math

import numpy as np

STRIDE = 32  # the network's input sides are multiples of this
# Room kept around each person, in his own box heights: sideways for an arm or a leg swung out
# and for where he runs in the frames between the one that placed the region and this one;
# upwards and downwards for a jump, arms raised, and the run.
MARGIN_X = 0.75
MARGIN_Y = 0.35
# A zoom below this is not worth the people outside the region that go unseen until the next
# whole-frame pass.
MIN_GAIN = 1.2


def zoom_region(size: tuple[int, int], boxes, *, input_long_side: int, target_px: float,
                max_zoom: float) -> tuple[int, int, int, int] | None:
    """The region (integer x1, y1, x2, y2 inside the frame) to run MoveNet on instead of the whole
    frame, or None to run the whole frame.

    `size`: the frame's (width, height); `boxes`: every person known, in frame pixels. The zoom
    asked for brings the smallest person to `target_px` tall in the network's input, at most
    `max_zoom` times what the whole frame gives him; the region then grows (less zoom) until its
    long side holds every person with his margin. Its short side holds them too, and is such that
    at the input long side `input_long_side` the input's short side is a multiple of `STRIDE`
    (no padding paid for). None when nobody is known, when the smallest is already `target_px`
    tall, or when the zoom left is under `MIN_GAIN`."""
    w, h = int(size[0]), int(size[1])
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(b) == 0 or w <= 0 or h <= 0 or max_zoom < MIN_GAIN:
        return None
    heights = np.maximum(b[:, 3] - b[:, 1], 1.0)
    long_side, short_side = max(w, h), min(w, h)
    want = min(float(max_zoom), target_px / (float(heights.min()) * input_long_side / long_side))
    if want < MIN_GAIN:
        return None
    x1 = max(0.0, float((b[:, 0] - MARGIN_X * heights).min()))
    x2 = min(float(w), float((b[:, 2] + MARGIN_X * heights).max()))
    y1 = max(0.0, float((b[:, 1] - MARGIN_Y * heights).min()))
    y2 = min(float(h), float((b[:, 3] + MARGIN_Y * heights).max()))
    (a1, a2), (c1, c2) = ((x1, x2), (y1, y2)) if w >= h else ((y1, y2), (x1, x2))  # long axis, short axis
    # The whole frame's input short side (padded to the stride) bounds the zoomed one: a band too
    # tall for it at this zoom takes less zoom, so a zoomed pass never costs more than a whole one.
    whole_short = max(STRIDE, math.ceil(short_side * input_long_side / long_side / STRIDE - 1e-9) * STRIDE)
    region_long = min(long_side, math.ceil(max(long_side / want, a2 - a1,
                                               (c2 - c1) * input_long_side / whole_short)))
    if long_side / region_long < MIN_GAIN:
        return None
    scale = input_long_side / region_long  # input pixels per frame pixel in the zoomed pass
    input_short = max(STRIDE, math.ceil((c2 - c1) * scale / STRIDE - 1e-9) * STRIDE)
    region_short = min(short_side, math.floor(input_short / scale + 1e-9))
    start_long = _placed(0.5 * (a1 + a2), region_long, long_side)
    start_short = _placed(0.5 * (c1 + c2), region_short, short_side)
    if w >= h:
        return start_long, start_short, start_long + region_long, start_short + region_short
    return start_short, start_long, start_short + region_short, start_long + region_long


def _placed(centre: float, length: int, room: int) -> int:
    """The start of a span of `length` centred on `centre`, moved to lie inside [0, room]."""
    return int(min(max(round(centre - 0.5 * length), 0), room - length))
