"""The moments of a source video the parent version already holds, against a review's new clips.

A second detect run of a video whose review was exported (another model, another folder) is
another game to the review, and its items are other items: nothing ties a decision on one to a
decision on the other. Two clips of the same moment under two labels would teach the model both;
so each new clip is compared with the parent's clips cut from the same video (by path, or by
content where both record it). Over the same moment (their spans overlap by more than half the
shorter one), another label is a contradiction for the reviewer to settle, and the same label is
counted and kept, as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Sequence

from highlights.datasets import DatasetVersion
from highlights.datasets.cut_spans import CutSpan, cut_span


@dataclass(frozen=True)
class HeldMoment:
    """A clip of the parent version cut from a source video: its id, label, span and the video's
    sha256 where its provenance records it."""

    clip_id: str
    label: str
    span: CutSpan
    video_sha256: str | None


@dataclass
class MomentsAgainstParent:
    """New clips (any object with ``game``, ``start_s``, ``end_s`` and ``outcome.label``) paired
    with each parent clip of the same moment under another label, and how many new clips are of
    a moment the parent holds under the same label."""

    contradicted: list[tuple[object, HeldMoment]]
    same_label: int


def held_moments(version: DatasetVersion) -> list[HeldMoment]:
    """The parent's clips that record the video and span they were cut from."""
    held = []
    for clip in version.real_clips:
        span = cut_span(clip.provenance or "")
        if span is None:
            continue  # a clip added whole: no span of a source video to compare
        sha = json.loads(clip.provenance).get("source_video_sha256")
        held.append(HeldMoment(clip.clip_id, clip.label, span,
                               sha if isinstance(sha, str) else None))
    return held


def same_moment(a_start: float, a_end: float, b_start: float, b_end: float) -> bool:
    """Spans overlapping by more than half the shorter one: a clip padded or moved a little
    (another model's window, a reviewer's nudge) is still the moment the other holds."""
    shared = min(a_end, b_end) - max(a_start, b_start)
    return shared > 0.5 * min(a_end - a_start, b_end - b_start)


def _same_video(clip, held: HeldMoment) -> bool:
    sha = getattr(clip.game, "video_sha256", None)
    if sha and held.video_sha256:
        return sha == held.video_sha256  # a video re-exported under its name is another video
    return str(clip.game.video) == held.span.source


def against_parent(version: DatasetVersion, clips: Sequence, replaced: Mapping[str, str]
                   ) -> MomentsAgainstParent:
    """Each of ``clips`` against the parent ``version``'s clips of the same moment, leaving out
    the parent clips ``replaced`` names (an item's changed decision takes their place already)."""
    held = [h for h in held_moments(version) if h.clip_id not in replaced]
    contradicted, same_label = [], 0
    for clip in clips:
        over = [h for h in held if _same_video(clip, h)
                and same_moment(clip.start_s, clip.end_s, h.span.start_s, h.span.end_s)]
        others = [h for h in over if h.label != clip.outcome.label]
        contradicted += [(clip, h) for h in others]
        if over and not others:
            same_label += 1
    return MomentsAgainstParent(contradicted, same_label)


def contradiction_line(root, parent: str, contradicted: list[tuple[object, HeldMoment]]) -> str:
    """One line naming the first contradiction (the video, both spans and labels) and how to
    settle it: decide again in the review, or let the new labels replace the parent's clips."""
    clip, held = contradicted[0]
    more = len(contradicted) - 1
    others = (f" ({more} more clip{'s' if more > 1 else ''} of this review contradict {parent})"
              if more else "")
    return (f"{clip.game.video}: {clip.describe()} is decided {clip.outcome.label!r} over "
            f"{clip.start_s:.2f}-{clip.end_s:.2f} s, the same moment as {root}/{parent}'s clip "
            f"{held.clip_id}, labelled {held.label!r} over {held.span.start_s:.2f}-"
            f"{held.span.end_s:.2f} s of the same video{others}; decide it again in the review, or "
            f"run `highlights review export` with --replace-parent-labels to put the new label in "
            f"place of {parent}'s clip")
