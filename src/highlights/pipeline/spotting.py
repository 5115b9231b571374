"""The pipeline in SoccerNet's terms: its predicted spots and their average-mAP.

A run's spots are **every scored classifier window**, not only the highlights: for each window,
each class's probability (classes other than `none`) at the window's key moment. Average-mAP
sweeps the confidence from 0 to 1, so a threshold such as `classifier.min_score` would cut its
curve short; the highlights, the reel and recall/precision stay thresholded. Spots of one class
at one millisecond keep the most confident (`events.spotting.strongest_per_position`).

`spotting_report` scores spots against an annotation with SoccerNet's tight and loose
average-mAP (`events.average_map`, where its conventions are written out).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from highlights.events.average_map import (
    FRAMERATE, LOOSE_DELTAS_S, TIGHT_DELTAS_S, average_map, spotting_classes)
from highlights.events.formats import AnnotationError, read_json
from highlights.events.spotting import Spot, is_results_spotting, spots_from_results, strongest_per_position
from highlights.pipeline.highlight import Highlight
from highlights.vocabulary import NONE_LABEL, sport_of

# Both halves of a match on one timeline for the one-to-one matching: the second half starts this
# far after the first, longer than any half and any tolerance.
HALF_GAP_S = 100_000.0

CONVENTIONS = (
    "SoccerNet's action-spotting average-mAP (the official SoccerNet evaluation's conventions): "
    "times rounded to the millisecond, then to 2 frames per second; one spot per frame and class; "
    "delta is a window width (a prediction matches an event within +-delta/2); events in time order "
    "each take the most confident free prediction of their class in reach (greedy); precision and "
    "recall at 200 confidence thresholds from 0 to 1; 11-point interpolated AP; mean over the "
    "annotated classes; averaged over delta by the trapezoid rule. Tight: delta 1-5 s; "
    "loose: delta 5-60 s.")
MATCHING_DIFFERENCE = (
    "Recall and precision above pair highlights and events one to one with an exact maximum "
    "matching (Hungarian) on unrounded key moments within +-tolerance, at one confidence threshold. "
    "Average-mAP instead scores every prediction (every scored window of a run) at every threshold, "
    "rounds times to half "
    "seconds, reaches only +-delta/2, and matches greedily, so an early event can take the "
    "prediction a later one needed: the two can disagree on the same run.")

# Why average-mAP is printed without an interval, where every rate beside it has one.
WHY_NO_INTERVAL = (
    "Average-mAP is given without an interval: it has no closed-form variance, and a bootstrap "
    "needs independent units to resample, which one game does not have (its events and its false "
    "spots share one timeline and one greedy matching: resampling events would leave the false "
    "spots as they are). SoccerNet's own evaluation gives none either. Its n is the events of "
    "each class in the table: with a handful per class, read it as a rough figure, and score "
    "several games to see how far it moves from game to game.")


def window_spots(classifications: Iterable[dict[str, Any]], *, half: int = 1) -> list[Spot]:
    """Every scored window as spots: each class's probability at the window's key moment.

    A window record without probabilities (older result files) gives its top label and score.
    One window of one track is one prediction: triggers a moment apart near a video's end can
    clamp to the same window, and their records differ only in the trigger's time; average-mAP
    would count the same probabilities twice, so the first (earliest trigger) is kept.
    """
    spots, seen = [], set()
    for c in classifications:
        if c.get("window") is not None:
            window = (round(float(c["window"][0]), 3), round(float(c["window"][1]), 3), str(c.get("track")))
            if window in seen:
                continue
            seen.add(window)
        key = c["key_s"] if c.get("key_s") is not None else 0.5 * (c["window"][0] + c["window"][1])
        probs = c.get("probs") or {c["label"]: c["score"]}
        for label, p in probs.items():
            if label != NONE_LABEL:
                spots.append(Spot(label=str(label), time_s=max(0.0, float(key)), confidence=float(p), half=half))
    return strongest_per_position(spots)


def highlight_spots(highlights: Iterable[Highlight], *, half: int = 1) -> list[Spot]:
    """Each highlight as a spot at its key moment (its midpoint when it has none)."""
    return strongest_per_position(
        Spot(label=h.label, time_s=max(0.0, float(h.key_s if h.key_s is not None else 0.5 * (h.start_s + h.end_s))),
             confidence=float(h.score), half=half) for h in highlights)


def spots_as_highlights(spots: Iterable[Spot]) -> list[Highlight]:
    """Spots as zero-length highlights at their time, for recall and precision."""
    return [Highlight(start_s=s.time_s, end_s=s.time_s, label=s.label, sport=sport_of(s.label),
                      score=s.confidence, key_s=s.time_s, evidence={"half": s.half}) for s in spots]


def spotting_report(spots: Sequence[Spot], annotation, *, half: int | None = None) -> dict[str, Any]:
    """Tight and loose average-mAP, per class, of `spots` against `annotation`'s events.

    Events without a half are on the timeline of `half` (or 1): a one-video game is one half.
    """
    events = list(annotation.events)
    classes = spotting_classes([e.label for e in events], exclude=(NONE_LABEL,))
    predicted = sorted({s.label for s in spots} - set(classes) - {NONE_LABEL})
    report: dict[str, Any] = {
        "conventions": CONVENTIONS, "matching_difference": MATCHING_DIFFERENCE,
        "interval": None, "why_no_interval": WHY_NO_INTERVAL,
        "framerate": FRAMERATE, "classes": classes, "spots": len(spots),
        "unscored_labels": predicted,  # predicted, but no event of theirs is annotated
        # annotated, but no prediction names them: a label the model does not have ("Goal"), or
        # one of its classes spelt otherwise by hand; each of their events counts as missed
        "unpredicted_labels": sorted(set(classes) - {s.label for s in spots}),
    }
    if not classes:
        report.update({"tight": None, "loose": None})
        return report
    default_half = half or 1
    args = dict(true_times_s=[e.key_s for e in events], true_labels=[e.label for e in events],
                pred_times_s=[s.time_s for s in spots], pred_labels=[s.label for s in spots],
                pred_scores=[s.confidence for s in spots], classes=classes,
                true_groups=[e.half or default_half for e in events], pred_groups=[s.half for s in spots])
    for name, deltas in (("tight", TIGHT_DELTAS_S), ("loose", LOOSE_DELTAS_S)):
        report[name] = average_map(**args, deltas_s=deltas).to_dict()
    return report


@dataclass
class Predictions:
    """Predictions read from a file: the pipeline's `highlights.json` or a `results_spotting.json`."""

    kind: str                            # "highlights" or "results_spotting"
    spots: list[Spot]
    highlights: list[Highlight] | None   # None for a results_spotting.json
    data: dict[str, Any]                 # the file as parsed


def load_predictions(path: str | Path, *, half: int | None = None) -> Predictions:
    """Read `path`: the pipeline's `highlights.json` (its highlights; their spots are on `half`,
    default 1) or anyone's SoccerNet `results_spotting.json` (spots carry their half)."""
    path = Path(path)
    data = read_json(path)
    if is_results_spotting(data):
        return Predictions("results_spotting", spots_from_results(data, path), None, data)
    if isinstance(data, dict) and isinstance(data.get("highlights"), list):
        try:
            highlights = [Highlight.from_dict(h) for h in data["highlights"]]
        except (KeyError, TypeError, ValueError) as err:
            raise AnnotationError(path, f"malformed highlight ({type(err).__name__}: {err})") from None
        return Predictions("highlights", highlight_spots(highlights, half=half or 1), highlights, data)
    raise AnnotationError(path, "not a predictions file (expected the pipeline's highlights.json or a "
                                "SoccerNet results_spotting.json)")
