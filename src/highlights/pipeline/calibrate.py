"""`highlights pipeline calibrate`: fit the highlight score's calibration on an annotated game.

The pipeline runs with no score floor, no caps and no calibration, so every action it finds is
kept with its raw evidence; each highlight is then marked right or wrong by the evaluation's
one-to-one matching (its key moment within the tolerance of an annotated event, whatever its
label: a score says "a real action is here", the label's own accuracy is class recall's
business), and a logistic map from its evidence to "right" is fitted (`ranking.fit_calibration`).
Fit on one game and use the file on others (`--set merge.score_calibration=FILE`); scores
measured on the game it was fitted on flatter it. The packaged calibration is fitted the same way
on several synthetic games (`scripts/make_default_calibration.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from highlights.errors import HighlightsError
from highlights.pipeline.evaluation import PRIMARY_TOLERANCE, match_key_moments
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.ranking import Calibration, fit_calibration, reliability


def correct_flags(highlights: Sequence[Highlight], events: Sequence[Any], tolerance_s: float, *,
                  by_label: bool = False) -> list[bool]:
    """Whether each highlight is matched one-to-one to an event (key moment within tolerance;
    with `by_label`, the same label too)."""
    keys = [h.moment_s for h in highlights]
    labels = {"pred_labels": [h.label for h in highlights], "true_labels": [e.label for e in events]} \
        if by_label else {}
    pairs = match_key_moments(keys, [e.key_s for e in events], tolerance_s, **labels)
    matched = {p for p, _ in pairs}
    return [i in matched for i in range(len(highlights))]


def score_reliability(highlights: Sequence[Highlight], annotation, tolerance_s: float = PRIMARY_TOLERANCE) -> dict:
    """Does a highlight scored s turn out right s of the time on this game? (n is one game's.)"""
    flags = correct_flags(highlights, list(annotation.events), tolerance_s)
    return {"tolerance_s": tolerance_s, **reliability([h.score for h in highlights], flags)}


def calibrate_on_game(video_path: str | Path, annotation, config, *, tolerance_s: float = PRIMARY_TOLERANCE,
                      progress: bool = True, cache: dict | None = None) -> tuple[Calibration, dict[str, Any]]:
    """Run the pipeline uncapped and uncalibrated on an annotated game (with the config's own
    merge) and fit the calibration to what it found.
    The file records what it was fitted on (video, its sha256, events, tolerance, the stages and
    the pose model), so a score can be traced to the game behind it."""
    return calibrate_on_games([(video_path, annotation, cache)], config, tolerance_s=tolerance_s, progress=progress)


def calibrate_on_games(games: Sequence[tuple[str | Path, Any, dict | None]], config, *,
                       tolerance_s: float = PRIMARY_TOLERANCE, progress: bool = True
                       ) -> tuple[Calibration, dict[str, Any]]:
    """`calibrate_on_game` on several annotated games, `(video, annotation, cache)` each, their
    highlights pooled into one fit: one game's dozen or so highlights pin a logistic map down
    poorly. With one game the file records it as `calibrate_on_game` always has; with several it
    records each game (video, sha256, events) under `games`."""
    from highlights import __version__
    from highlights.content_hash_cache import cached_file_sha256
    from highlights.pipeline.run import run_pipeline

    if not games:
        raise ValueError("no game to calibrate on")
    open_config = config.with_overrides({"merge.enabled": True,
                                         "merge.score_calibration": "none", "merge.highlight_min_score": 0.0,
                                         "merge.max_highlights": 0, "merge.reel_seconds": 0.0})
    highlights, flags, records, result = [], [], [], None
    for video_path, annotation, cache in games:
        result = run_pipeline(video_path, open_config, annotation=annotation, progress=progress, cache=cache)
        if not result.highlights:
            raise HighlightsError(f"{video_path}: the pipeline found no highlight in it, so there is nothing to fit "
                                  "the score to; calibrate on an annotated game where it finds some")
        highlights += result.highlights
        flags += correct_flags(result.highlights, list(annotation.events), tolerance_s)
        records.append({"video": Path(video_path).name, "video_sha256": cached_file_sha256(video_path),
                        "events": len(annotation.events)})
    where = records[0] if len(records) == 1 else {"games": records,
                                                  "events": sum(r["events"] for r in records)}
    calibration = fit_calibration(highlights, flags, fitted_on={
        **where, "tolerance_s": tolerance_s, "stages": result.backends,
        "classifier_inference": result.inference_backend, "pose_model": open_config.classifier.pose_model,
        "highlights_version": __version__})
    before = reliability([h.score for h in highlights], flags)
    after = reliability([calibration.score(h) for h in highlights], flags)
    return calibration, {"highlights": len(highlights), "right": int(sum(flags)),
                         "reliability_raw": before, "reliability_fitted_in_sample": after,
                         "config": open_config.to_dict()}
