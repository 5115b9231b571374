"""`highlights pipeline calibrate`: fit the highlight score's calibration on annotated games.

The pipeline runs with no score floor, no caps and no calibration, so every action it finds is
kept with its raw evidence; each highlight is then marked right or wrong by the evaluation's
one-to-one matching (its key moment within the tolerance of an annotated event, whatever its
label: a score says "a real action is here", the label's own accuracy is class recall's
business), and a logistic map from its evidence to "right" is fitted (`ranking.fit_calibration`).
The fit is L2-penalised (`fit_calibration`): on one game's few highlights the penalty pulls every
score toward the share right, so the fitted scores' ECE on that same game need not be zero and can
read above the raw probability's (`fit_summary` says so). Several games pooled
(`calibrate_on_games`) pull it less. Fit on some games and use the file on others
(`--set merge.score_calibration=FILE`). The packaged calibration is fitted the same way on
several synthetic games (`scripts/make_default_calibration.py`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

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
                       tolerance_s: float = PRIMARY_TOLERANCE, progress: bool = True,
                       say: Callable[[str], None] | None = None) -> tuple[Calibration, dict[str, Any]]:
    """`calibrate_on_game` on several annotated games, `(video, annotation, cache)` each, their
    highlights pooled into one fit: one game's dozen or so highlights pin a logistic map down
    poorly. With one game the file records it as `calibrate_on_game` always has; with several it
    records each game (video name and path, sha256, events, highlights, right, the stages it ran)
    under `games`, and the stages at the top level where every game ran the same ones.
    `say` is told which game runs, before each of several. The returned figures hold `games`: each
    game's highlights, right and the reliability of its raw and fitted scores (in sample: the fit
    saw them)."""
    from highlights import __version__
    from highlights.content_hash_cache import cached_file_sha256
    from highlights.pipeline.run import run_pipeline

    if not games:
        raise ValueError("no game to calibrate on")
    open_config = config.with_overrides({"merge.enabled": True,
                                         "merge.score_calibration": "none", "merge.highlight_min_score": 0.0,
                                         "merge.max_highlights": 0, "merge.reel_seconds": 0.0})
    found, records, ran = [], [], []
    for number, (video_path, annotation, cache) in enumerate(games, 1):
        if say is not None and len(games) > 1:
            say(f"game {number} of {len(games)}: {video_path}")
        result = run_pipeline(video_path, open_config, annotation=annotation, progress=progress, cache=cache)
        if not result.highlights:
            raise HighlightsError(f"{video_path}: the pipeline found no highlight in it, so there is nothing to fit "
                                  "the score to; calibrate on an annotated game where it finds some")
        flags = correct_flags(result.highlights, list(annotation.events), tolerance_s)
        found.append((video_path, result.highlights, flags))
        records.append({"video": Path(video_path).name, "video_sha256": cached_file_sha256(video_path),
                        "video_size_bytes": Path(video_path).stat().st_size, "events": len(annotation.events)})
        ran.append({"stages": result.backends, "classifier_inference": result.inference_backend})
    if len(records) == 1:
        where = {**records[0], **ran[0]}
    else:
        # The name as one game's file has it, and the path: SoccerNet names every game 1_224p.mkv.
        # Each game's stages are its own run's; the top level holds them where every game ran the same.
        where = {"games": [{**record, "path": str(Path(video).resolve()), "highlights": len(hs),
                            "right": int(sum(flags)), **stages}
                           for record, (video, hs, flags), stages in zip(records, found, ran)],
                 "events": sum(r["events"] for r in records), **(ran[0] if all(r == ran[0] for r in ran) else {})}
    highlights = [h for _, hs, _ in found for h in hs]
    calibration, info = fit_and_measure(highlights, [f for _, _, flags in found for f in flags], fitted_on={
        **where, "tolerance_s": tolerance_s, "pose_model": open_config.classifier.pose_model,
        # the whole config its scores were made under, and the models by content (the same for every game)
        "config": open_config.to_dict(), "models": result.models,
        "highlights_version": __version__})
    per_game = [{"video": str(video), "events": record["events"], "highlights": len(hs), "right": int(sum(flags)),
                 "reliability_raw": reliability([h.score for h in hs], flags),
                 "reliability_fitted_in_sample": reliability([calibration.score(h) for h in hs], flags)}
                for record, (video, hs, flags) in zip(records, found)]
    return calibration, {**info, "games": per_game, "config": open_config.to_dict(),
                         "stages_differ": stages_differ([str(video) for video, _, _ in found], ran)}


def stages_differ(names: Sequence[str], ran: Sequence[dict[str, Any]]) -> str | None:
    """What the games of one fit ran differently (``ran``: each game's stages and classifier
    inference path), one stage a clause: "classifier: pose on a/game.mp4, checkpoint on b/game.mp4"; None
    where they all ran the same. A calibration maps one pipeline's scores, so a fit that pooled
    the scores of different ones is said to be one."""
    runs = [{**r["stages"], "classifier inference": r["classifier_inference"]} for r in ran]
    clauses = []
    for stage in dict.fromkeys(key for run in runs for key in run):
        used = [run.get(stage, "off") for run in runs]
        if len(set(used)) > 1:
            clauses.append(f"{stage}: " + ", ".join(f"{backend} on {name}" for backend, name in zip(used, names)))
    return "; ".join(clauses) or None


def refuse_a_game_twice(videos: Sequence[str | Path]) -> None:
    """Refuse, in one line, a video given twice (one path twice, or a copy under another name):
    its highlights would count twice in the fit. Files are compared by size first, and only those
    of one size are read (their hashes kept in the cache folder, where the fit's record reads them)."""
    from highlights.content_hash_cache import cached_file_sha256
    from highlights.errors import ConfigError

    by_size: dict[int, list[Path]] = {}
    for video in map(Path, videos):
        by_size.setdefault(video.stat().st_size, []).append(video)
    seen: dict[str, Path] = {}
    for video in map(Path, videos):
        if len(by_size[video.stat().st_size]) < 2:
            continue
        digest = cached_file_sha256(video)
        if digest in seen:
            same = "the same file as" if seen[digest].resolve() == video.resolve() else "a copy of"
            raise ConfigError(f"--video {video}: {same} --video {seen[digest]}; a game's highlights count once "
                              "in a fit, so give each game once")
        seen[digest] = video


def fit_and_measure(highlights: Sequence[Any], flags: Sequence[bool], *, fitted_on: dict[str, Any]
                    ) -> tuple[Calibration, dict[str, Any]]:
    """The calibration fitted to highlights marked right or wrong, with the reliability of their
    raw and fitted scores, both over the same highlights and the same bins, and `fit`: what was
    fitted, in one line (`fit_summary`)."""
    calibration = fit_calibration(highlights, flags, fitted_on=fitted_on)
    before = reliability([h.score for h in highlights], flags)
    after = reliability([calibration.score(h) for h in highlights], flags)
    info = {"highlights": len(highlights), "right": int(sum(flags)),
            "reliability_raw": before, "reliability_fitted_in_sample": after}
    return calibration, {**info, "fit": fit_summary(calibration, info)}


def fit_summary(calibration: Calibration, info: dict[str, Any]) -> str | None:
    """What a penalised fit is, on how many highlights, and why its in-sample ECE can read above
    the raw score's: the penalty, not the ECE, decides how far the map moves (None for the
    intercept-only fit of one outcome, which the command describes on its own)."""
    penalty = calibration.fitted_on.get("l2_penalty_C")
    if penalty is None:
        return None
    n, right = info["highlights"], info["right"]
    text = (f"fitted: a logistic regression on {len(calibration.features)} evidence features over {n} highlights "
            f"({right} right), L2-penalised (C={penalty:g}) so that few highlights cannot drive it to scores of 0 "
            "and 1; the penalty pulls every score toward the share right, the harder the fewer the highlights, so "
            "the fitted in-sample ECE need not be zero and can read above the raw one")
    raw, fitted = (info[key]["ece"] for key in ("reliability_raw", "reliability_fitted_in_sample"))
    # Compared as printed (three places): a rise only in the fourth place is not one a reader sees.
    if round(fitted, 3) > round(raw, 3):
        text += " (it does here)"
    return text
