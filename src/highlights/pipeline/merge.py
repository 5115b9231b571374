"""Merge: temporal non-maximum suppression, padding, and minimum/maximum highlight length.

Pure functions over (start, end, score, key) segments; the `temporal_nms` backend
(`stages/temporal_nms.py`) wraps them. NMS is class-agnostic:
two different actions do not happen in the same second of one game, so overlapping detections
are one event told twice. Suppression runs twice: on the classifier's windows, then on the
highlights those windows became, because fitting them to the video and to the length limits can
move two windows that barely overlapped onto the same seconds (a window at the end of a video is
shifted back by its padding onto the one before it).
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy

from highlights.pipeline.records import Candidate


def temporal_iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union > 0 else 0.0


def temporal_nms(segments: list[tuple[float, float]], scores: list[float], iou_threshold: float,
                 may_suppress: Callable[[int, int], bool] | None = None) -> tuple[list[int], dict[int, list[int]]]:
    """Indices kept (best score first; ties by earlier start) and, per kept index, those it suppressed.
    `may_suppress(k, i)`, where given, must also hold for kept segment k to suppress segment i."""
    order = sorted(range(len(segments)), key=lambda i: (-scores[i], segments[i][0]))
    kept: list[int] = []
    suppressed: dict[int, list[int]] = {}
    for i in order:
        by = next((k for k in kept if temporal_iou(segments[i], segments[k]) > iou_threshold
                   and (may_suppress is None or may_suppress(k, i))), None)
        if by is None:
            kept.append(i)
            suppressed[i] = []
        else:
            suppressed[by].append(i)
    return kept, suppressed


def fit_length(start: float, end: float, key: float, *, pad_before: float, pad_after: float,
               min_len: float, max_len: float, duration: float,
               first_picture_s: float = 0.0) -> tuple[float, float]:
    """Pad a segment, then grow it to `min_len` or cut it to `max_len` around `key`, inside
    [first_picture_s, duration]. The video's pictures start at `first_picture_s` (its `start_s`):
    later than 0 where the sound starts first (a stream-copied trim), and a span reaching before
    them would be cut with fewer seconds of pictures than it says."""
    start, end = start - pad_before, end + pad_after
    if end - start < min_len:
        grow = min_len - (end - start)
        start, end = start - grow / 2, end + grow / 2
    if end - start > max_len:
        # Keep the key moment inside, as central as the segment allows.
        start = min(max(start, key - max_len / 2), end - max_len)
        end = start + max_len
    # Shift back inside the video rather than shorten, where the video is long enough.
    first_picture_s = max(0.0, first_picture_s)  # a clock read before 0 still plays from 0
    if start < first_picture_s:
        end, start = min(duration, end + (first_picture_s - start)), first_picture_s
    if end > duration:
        start, end = max(first_picture_s, start - (end - duration)), duration
    return start, end


def shown_core(start: float, end: float, *, pad_before: float, pad_after: float) -> tuple[float, float]:
    """A fitted highlight less the padding every highlight gets: what sets it apart from another.

    Two windows that NMS kept apart get the same padding, which would raise their overlap on its
    own (two shots 2 s apart would look like one); taking it off again leaves the overlap that
    fitting added (a shift back inside the video, growth to the minimum length, a cut to the
    maximum). A highlight no longer than its padding is compared whole."""
    if end - start <= pad_before + pad_after:
        return start, end
    return start + pad_before, end - pad_after


def suppress_shown(fitted: list[tuple[float, float]], scores: list[float], keys: list[float], config
                   ) -> tuple[list[int], dict[int, list[int]]]:
    """NMS on what fitted highlights show (`shown_core`), as `temporal_nms` returns it: the second
    pass of either merge. A highlight goes only into one whose fitted span holds its key moment
    (`keys`): an action's highlight can reach well before its key moment, and one that overlaps
    the next action's without showing that action's moment would hide it. `config`: the merge
    section."""
    cores = [shown_core(start, end, pad_before=config.pad_before_s, pad_after=config.pad_after_s)
             for start, end in fitted]
    return temporal_nms(cores, scores, config.nms_iou,
                        may_suppress=lambda k, i: fitted[k][0] <= keys[i] <= fitted[k][1])


def merge_candidates(candidates: list[Candidate], config, duration_s: float,
                     first_picture_s: float = 0.0) -> list[Candidate]:
    """NMS on the windows, padding and length limits, then NMS again on what the fitted highlights
    show (`shown_core`), so that two highlights a viewer would see as one moment are one; evidence
    says how many detections each survivor suppressed, in either pass. `config`: the merge section;
    the highlights lie between the video's first picture and its end (`fit_length`)."""
    segments = [(c.start_s, c.end_s) for c in candidates]
    kept, suppressed = temporal_nms(segments, [c.score for c in candidates], config.nms_iou)
    fitted = [fit_length(candidates[i].start_s, candidates[i].end_s, candidates[i].moment_s,
                         pad_before=config.pad_before_s, pad_after=config.pad_after_s,
                         min_len=config.min_length_s, max_len=config.max_length_s,
                         duration=duration_s, first_picture_s=first_picture_s)
              for i in kept]
    shown, merged = suppress_shown(fitted, [candidates[i].score for i in kept],
                                   [candidates[i].moment_s for i in kept], config)
    out = []
    for j in shown:
        c = candidates[kept[j]]
        start, end = fitted[j]
        n_suppressed = len(suppressed[kept[j]]) + sum(1 + len(suppressed[kept[m]]) for m in merged[j])
        ev = deepcopy(c.evidence)
        ev["merge"] = {"suppressed": n_suppressed, "segment": [round(c.start_s, 3), round(c.end_s, 3)]}
        out.append(Candidate(start_s=start, end_s=end, source=c.source, key_s=c.moment_s, label=c.label,
                             sport=c.sport, score=c.score, evidence=ev, track_id=c.track_id))
    return sorted(out, key=lambda c: c.start_s)
