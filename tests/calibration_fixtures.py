"""Highlights with known raw scores and outcomes, shared by the calibration fit's tests and the
reliability picture's."""

from __future__ import annotations

from highlights.pipeline.records import Candidate


def highlight(key: float, score: float, label: str) -> Candidate:
    return Candidate(start_s=key - 1.0, end_s=key + 1.0, source="motion", key_s=key, label=label,
                     sport=label.split("_")[0], score=score, evidence={})


# The raw scores of the three highlights of a 24 s synthetic game (`synth game --minutes 0.4 --size
# 640x360 --seed 1`), their other evidence left neutral: the right one scored highest, the two wrong
# ones low.
THREE = [highlight(2.3, 0.2441, "baseball_swing"), highlight(5.0, 0.8512, "basketball_layup"),
         highlight(7.4, 0.1661, "soccer_shooting")]
THREE_RIGHT = [False, True, False]
