"""Damaged packets a run skipped, and the stretches of the game it could therefore not analyse.

A damaged stretch in the middle of a game decodes to nothing: the run analyses the rest, and its
record (highlights.json's `damage`, the detect summary, `pipeline evaluate`, the batch index) says
how much was never looked at, so that a recall figure on such a game is read for what it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from highlights.counted_noun import counted
from highlights.video.reader import DecodeDamage


@dataclass
class StreamGaps:
    """Stretches between consecutive analysis frames wider than the sampling grid leaves: where
    no source frame decoded. Kept as the stream goes, so that nothing grows with the game but
    the gaps themselves."""

    step_s: float  # the analysis grid's step
    frame_step_s: float  # the source's frame step
    start_s: float = 0.0  # the video's first picture: a damaged start leaves a gap before the first frame
    analysed: int = 0
    missed: int = 0  # grid points inside the gaps
    gaps: list[tuple[float, float]] = field(default_factory=list)
    _last_s: float | None = None

    def add(self, time_s: float) -> None:
        # The nearest frame to each grid point is kept, so consecutive analysis frames lie at most
        # a step and a source frame apart, and the first lies within a source frame of the start;
        # a wider gap lost frames.
        if self._last_s is None:
            if time_s - self.start_s > self.step_s / 2 + self.frame_step_s:
                self.gaps.append((self.start_s, time_s))
                self.missed += max(0, round((time_s - self.start_s) / self.step_s))
        elif time_s - self._last_s > 1.5 * self.step_s + self.frame_step_s:
            self.gaps.append((self._last_s, time_s))
            self.missed += max(0, round((time_s - self._last_s) / self.step_s) - 1)
        self._last_s = time_s
        self.analysed += 1


def damage_record(skipped: DecodeDamage, gaps: StreamGaps) -> dict[str, Any] | None:
    """highlights.json's `damage`: None for a video with no damaged packet (the field is absent)."""
    if not skipped.packets:
        return None
    return {
        "packets_skipped": skipped.packets,
        "first_error": skipped.first_error,
        "analysis_frames_expected": gaps.analysed + gaps.missed,
        "analysis_frames_analysed": gaps.analysed,
        "unanalysed_s": [[round(a, 3), round(b, 3)] for a, b in gaps.gaps],
    }


def damage_line(damage: dict[str, Any] | None) -> str | None:
    """One line for a reader of the run's outputs, or None when the video had no damaged packet."""
    if not damage:
        return None
    from highlights.pipeline.outputs.timecode import short_clock

    packets = counted(int(damage["packets_skipped"]), "damaged packet")
    expected, analysed = int(damage["analysis_frames_expected"]), int(damage["analysis_frames_analysed"])
    stretches = damage.get("unanalysed_s") or []
    if not stretches:
        return f"{packets} skipped; every analysis frame ({analysed}) was still analysed"
    where = ", ".join(f"{short_clock(a)}-{short_clock(b)}" for a, b in stretches[:3])
    if len(stretches) > 3:
        where += f" and {len(stretches) - 3} more"
    return (f"{packets} skipped: {analysed} of {expected} analysis frames analysed; "
            f"not analysed: {where}")
