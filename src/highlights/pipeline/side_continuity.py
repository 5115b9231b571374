"""Left and right joints kept on the side their motion continues (`pose.side_continuity`).

A pose model that sees a small player side-on often cannot tell his left leg from his right: in
MoveNet's estimates of the synthetic games' walking players the two ankles are the wrong way round
in a large share of frames, flipping back and forth within a window (docs/measurements.md). Each
flip moves both "ankles" by the distance between the feet in one frame step, a speed a walk never
has, and the kinematic trigger and the classifier read it as a kick. The features do not care
which foot is the left one (they take the larger and the smaller of the two), only that each stays
the same foot, so this restores continuity, not the true side: frame by frame, a pair is swapped
back when the swapped reading lands the two joints, relative to the body's centre, less than half
as far from where their motion was taking them as the reading as given. A kick moves one foot far
past the other, which the swapped reading explains no better, so it is left alone. A reading
that lands farther from where its side was going than the two sides are apart (a glitch) sets no
velocity: carried on from, it would make the next, correct frame look swapped.
"""

from __future__ import annotations

import warnings

import numpy as np

# COCO left/right pairs: eyes, ears, shoulders, elbows, wrists, hips, knees, ankles.
SIDE_PAIRS: tuple[tuple[int, int], ...] = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))
_TORSO = [5, 6, 11, 12]
# A swap is taken only when it explains the step with at most this share of the motion: set from
# what a swap does (the given reading jumps by twice the joints' separation, the swapped one barely
# moves), not fitted to any footage.
SWAP_RATIO = 0.5
_MAX_GAP_S = 0.6  # older than this, a joint's last place says nothing about where it is now
# Two joints closer than this (torso lengths) are left as given: which is which cannot be told
# from their motion, and a swap of them barely moves a speed.
MIN_APART = 0.5


def _centre(xy: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no torso joint seen: NaN
        return np.nanmean(xy[:, _TORSO], axis=1)


def _expected(seen: list, now: float) -> np.ndarray | None:
    """Where a joint should be at `now` (body-relative): carried on at its last velocity from its
    last two places, or its last place when only one is known; None when it was last seen too long ago."""
    if not seen or now - seen[-1][0] > _MAX_GAP_S:
        return None
    t1, p1 = seen[-1]
    if len(seen) < 2 or t1 - seen[-2][0] > _MAX_GAP_S or t1 <= seen[-2][0]:
        return p1
    t0, p0 = seen[-2]
    return p1 + (p1 - p0) * (now - t1) / (t1 - t0)


def _unexplained(place: np.ndarray, mine: np.ndarray | None, ea: np.ndarray | None, eb: np.ndarray | None,
                 apart: float) -> bool:
    """A reading farther from where its side's motion was taking it than the two sides were
    expected apart (and than `apart`, within which places are not told apart): neither naming
    explains it (a glitch, or a joint taken from something else).
    Its velocity would carry the next frame's expectation just as far off, and a good reading
    there would look swapped, so it does not enter the side's history unless the next reading
    carries on from it (then it was motion, as at a kick's start). The bound is the pair's own
    separation, what a swap moves a joint by, not a figure fitted to any footage."""
    if mine is None or ea is None or eb is None:
        return False  # nothing to judge it by: it is taken as the side's place
    return bool(np.linalg.norm(place - mine) > max(np.linalg.norm(ea - eb), apart))


def continuous_sides(times: np.ndarray, kp: np.ndarray, ratio: float = SWAP_RATIO) -> np.ndarray:
    """A copy of one track's (T, 17, C) keypoints (x, y, then any per-joint values such as the
    score, which travel with their joint; NaN x/y where unseen) at `times` with each left/right pair
    swapped back wherever the swap continues the pair's motion (see the module's docstring).
    Each joint is expected where its last two places, relative to the body's centre, carry it:
    the feet of a walk pass each other at speed, and a swap judged against their last places
    alone would be taken there."""
    out = np.array(kp, dtype=np.float64, copy=True)
    times = np.asarray(times, dtype=np.float64)
    if len(out) < 2:
        return out
    # The torso's centre does not change when its own pairs swap, so it is taken once.
    rel = out[:, :, :2] - _centre(out[:, :, :2])[:, None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        torso = np.nanmedian(np.linalg.norm(np.nanmean(rel[:, [5, 6]], axis=1) - np.nanmean(rel[:, [11, 12]], axis=1),
                                            axis=1))
    if not np.isfinite(torso) or torso <= 0:
        return out  # no scale to tell near from far
    apart = MIN_APART * torso
    for a, b in SIDE_PAIRS:
        seen: dict[int, list] = {a: [], b: []}  # (time, body-relative place) of each side, latest last
        held: dict[int, tuple | None] = {a: None, b: None}  # a last reading its motion did not explain
        for t in range(len(out)):
            ea, eb = _expected(seen[a], times[t]), _expected(seen[b], times[t])
            pa, pb = rel[t, a], rel[t, b]
            seen_a, seen_b = bool(np.isfinite(pa).all()), bool(np.isfinite(pb).all())
            swap = False
            if ea is not None and eb is not None:
                if seen_a and seen_b and np.linalg.norm(pa - pb) >= apart:
                    given = np.linalg.norm(pa - ea) + np.linalg.norm(pb - eb)
                    crossed = np.linalg.norm(pa - eb) + np.linalg.norm(pb - ea)
                    swap = crossed < ratio * given
                elif seen_a != seen_b and np.linalg.norm(ea - eb) >= apart:
                    # One joint seen: it may carry the other side's name (it is where that one should be).
                    p, mine, other = (pa, ea, eb) if seen_a else (pb, eb, ea)
                    swap = np.linalg.norm(p - other) < ratio * np.linalg.norm(p - mine)
            if swap:
                out[t, [a, b]] = out[t, [b, a]]
                rel[t, [a, b]] = rel[t, [b, a]]
            for j, mine in ((a, ea), (b, eb)):
                if not np.isfinite(rel[t, j]).all():
                    continue
                place = (times[t], rel[t, j].copy())
                if not _unexplained(place[1], mine, ea, eb, apart):
                    seen[j], held[j] = (seen[j] + [place])[-2:], None  # a glitch held aside is dropped
                elif held[j] is None:
                    held[j] = place  # a glitch, unless the next reading carries on from it
                else:  # two unexplained in a row: the side moved there
                    seen[j], held[j] = [held[j], place], None
    return out
