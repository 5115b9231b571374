"""`highlights pipeline evaluate`: run, score, attribute misses, write pipeline_eval.json and .md;
`highlights pipeline score`: the same report for predictions that already exist, without a run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from highlights.counted_noun import counted
from highlights import __version__
from highlights.atomic import atomic_write_json, atomic_write_text, written_together
from highlights.file_set import WRITTEN_WITH, partners_record
from highlights.auc_interval import Auc
from highlights.markdown_table import markdown_table
from highlights.file_hash import file_sha256
from highlights.calibration_error import BIAS_NOTE as ECE_BIAS_NOTE, METHOD as ECE_METHOD, ece_reported
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import write_highlights_json
from highlights.pipeline.output_folder import refuse_a_detect_folder
from highlights.pipeline.eval_timeline import EVAL_TIMELINE_PNG, write_eval_timeline
from highlights.pipeline.score_reliability_png import SCORE_RELIABILITY_PNG
from highlights.pipeline.evaluation import (
    CAUSE_TEXT, DEFAULT_TOLERANCES, PRIMARY_TOLERANCE, Evaluation, Rate, ShownScore, ToleranceScore,
    attribute_misses, evaluate_highlights, shown_definition, shown_in_reel)
from highlights.pipeline.event_person import (
    ACTOR_BOX_IOU, BY_ANYONE, BY_BOX, BY_TRACK, event_persons)
from highlights.pipeline.json_values import json_default
from highlights.pipeline.run import PipelineResult, run_pipeline
from highlights.rate_interval import METHOD as INTERVAL_METHOD
from highlights.progress import status_line
from highlights.pipeline.spotting import (
    HALF_GAP_S, Predictions, load_predictions, spots_as_highlights, spotting_report, window_spots)

EVAL_JSON = "pipeline_eval.json"
EVAL_MD = "pipeline_eval.md"
# The pictures a report of either command may have beside pipeline_eval.json. Its run's
# highlights.json is not among them: `pipeline score` may be scoring that very file.
EVAL_PICTURES = (EVAL_TIMELINE_PNG, SCORE_RELIABILITY_PNG)


# The misses tables' column of where each miss went: a stage that lost it, or "shown" for one a
# highlight keyed at another moment shows (no stage lost it).
MISS_WHERE = "lost at, or shown"
# Whose triggers and classifier windows near an event a miss's stage was told from, as each miss's
# `evidence_by` in pipeline_eval.json says (`event_person`).
EVIDENCE_COLUMN = "triggers and windows counted"
EVIDENCE_TEXT = {BY_TRACK: "the event's person's, told by track id",
                 BY_BOX: f"the event's person's, told by box (IoU >= {ACTOR_BOX_IOU:g})",
                 BY_ANYONE: "anyone's"}


@dataclass(frozen=True)
class PipelineEvaluation:
    """Scores at each tolerance, SoccerNet's average-mAP, where a run's misses were lost (None when
    predictions were scored without a run), the events its highlights show (None for spots, which
    have no span), and what made them (`about`: config, stages, video ...)."""

    scores: Evaluation
    average_map: dict[str, Any] | None = None
    attribution: dict[str, Any] | None = None
    shown: ShownScore | None = None
    about: dict[str, Any] = field(default_factory=dict)

    @property
    def primary(self) -> ToleranceScore:
        """The scores at the attribution's tolerance (else the primary one, else the first)."""
        wanted = self.attribution["tolerance_s"] if self.attribution else PRIMARY_TOLERANCE
        try:
            return self.scores.at(wanted)
        except KeyError:
            return self.scores.scores[0]

    def to_dict(self) -> dict[str, Any]:
        out = self.scores.to_dict()
        if self.average_map is not None:
            out["average_map"] = self.average_map
        if self.shown is not None:
            out["shown_in_reel"] = self.shown.to_dict()
        if self.attribution is not None:
            out["attribution"] = self.attribution
        return {**out, **self.about}


def evaluate_result(result: PipelineResult, annotation, *, tolerances: Iterable[float] = DEFAULT_TOLERANCES,
                    attribution_tolerance_s: float = PRIMARY_TOLERANCE, half: int | None = None) -> PipelineEvaluation:
    tolerances = sorted({float(t) for t in tolerances} | {float(attribution_tolerance_s)})
    amap = spotting_report(window_spots(result.trace.classifications, half=half or 1), annotation, half=half)
    amap["predictions"] = "every scored classifier window (each class's probability)"
    from highlights.pipeline.calibrate import score_reliability
    from highlights.pipeline.ranking import describe_calibration

    scores = evaluate_highlights(result.highlights, annotation, tolerances=tolerances)
    persons = event_persons(result.config, (result.video or {}).get("path"), annotation.events,
                            result.trace)
    return PipelineEvaluation(
        scores=scores, average_map=amap,
        shown=shown_of(result.highlights, annotation.events, result.config, scores.at(attribution_tolerance_s)),
        attribution=attribute_misses(result.highlights, annotation, result.trace, result.config,
                                     result.before_merge, tolerance_s=attribution_tolerance_s,
                                     persons=persons),
        about={"config": result.config.to_dict(), "stages": result.backends,
               "inference_backend": result.inference_backend, "video": result.video,
               "stats": result.stats, "damage": result.damage,
               **({"sport_read": result.sport_read} if result.sport_read is not None else {}),
               "sports_hint": _sports_hint(result, annotation),
               "annotation": {"video": getattr(annotation, "video", None),
                              "events": len(annotation.events)},
               "score_reliability": score_reliability(result.highlights, annotation, attribution_tolerance_s),
               "score_calibration": describe_calibration(result.config),
               "models": result.models, "highlights_version": __version__})


def _sports_hint(result: PipelineResult, annotation) -> str | None:
    """detect's line for highlights that name several sports where the annotated events name one:
    a run without `--sport` (or whose `auto` read none) may label a shot with another sport's
    class, which the class-level scores count wrong; None where the run kept to one sport."""
    from highlights.pipeline.sport_filter import mixed_sports_hint

    reading = result.sport_read
    if result.config.classifier.sport and not (reading and reading.get("sport") is None):
        return None
    return mixed_sports_hint([h.label for h in result.highlights], [e.label for e in annotation.events])


def shown_of(highlights, events, config: PipelineConfig, score: ToleranceScore) -> ShownScore:
    """The events a run's highlights show (`shown_in_reel`), by the longest highlight its merge
    makes, beside the recall `score` gives at its tolerance: what every command that prints a
    run's recall prints beside it (`ShownScore.summary()`)."""
    return shown_in_reel(highlights, list(events), config.merge.max_length_s, score.found_events, score.tolerance_s)


def evaluate_video(video_path: str | Path, annotation, config: PipelineConfig, out_dir: str | Path, *,
                   tolerances: Iterable[float] = DEFAULT_TOLERANCES, progress: bool = True,
                   cache: dict | None = None, half: int | None = None,
                   annotation_path: str | Path | None = None) -> tuple[PipelineEvaluation, dict[str, Path]]:
    """Runs the pipeline on `video_path`, scores it against `annotation` and writes the report into
    `out_dir`; `annotation_path`, the file `annotation` was read from, is checked to name this video
    (`events.named_video`)."""
    refuse_a_detect_folder(out_dir)  # before the run, not after it
    result = run_pipeline(video_path, config, annotation=annotation, cache=cache, progress=progress)
    report = evaluate_result(result, annotation, tolerances=tolerances, half=half)
    from highlights.pipeline.seen_video import seen_video_warnings

    # In the files too, not on the terminal alone: the figures travel without the terminal, and on
    # a game the model learned from they are no test of it.
    report.about["seen_footage"] = seen_video_warnings(config, video_path)
    if annotation_path is not None:
        from highlights.events.named_video import other_video_line

        report.about["annotation"]["other_video"] = other_video_line(annotation_path, video_path)
        # the events scored against, by content: an annotation corrected in place gives other figures
        report.about["annotation"]["sha256"] = file_sha256(annotation_path)
    out_dir = Path(out_dir)
    video = result.video or {}
    name = Path(video["path"]).name if video.get("path") else "the game"
    with written_together():  # all or none: never this run's highlights beside an earlier run's scores
        written = {"highlights": write_highlights_json(result, out_dir),
                   # before the Markdown that links it
                   "timeline": write_eval_timeline(out_dir / EVAL_TIMELINE_PNG, result.highlights, annotation.events,
                                                   report.primary, misses=report.attribution["misses"],
                                                   duration_s=video.get("duration_s"),
                                                   title=f"Evaluation of {name}")}
        written.update(_reliability_picture(report.about, out_dir, name))
        written = _scores_last(report, out_dir, written)
    return report, written


def _reliability_picture(about: dict[str, Any], out_dir: Path, name: str) -> dict[str, Path]:
    """The score reliability section's picture, from the reliability its table shows, where there
    were highlights to bin (else none: `_scores_last` removes an earlier run's)."""
    from highlights.pipeline.score_reliability_png import write_score_reliability

    rel = about.get("score_reliability") or {}
    if not rel.get("n"):
        return {}
    title = f"Score reliability of {name} (tolerance {rel['tolerance_s']:g} s, event level)"
    return {"reliability": write_score_reliability(out_dir / SCORE_RELIABILITY_PNG, [("", rel)],
                                                   title=title)}


def _scores_last(report: PipelineEvaluation, out_dir: Path,
                 written: dict[str, Path]) -> dict[str, Path]:
    """The Markdown, then pipeline_eval.json naming the contents of every file written with it
    (`highlights.file_set`): a kill between the renames leaves an earlier JSON that says the files
    beside it are not its own. A picture of `EVAL_PICTURES` this report has none of (`pipeline
    score`'s, where `pipeline evaluate` wrote before) is removed with the renames."""
    written = {**written, "markdown": atomic_write_text(out_dir / EVAL_MD, render_markdown(report))}
    record = {**report.to_dict(), WRITTEN_WITH: partners_record(
        written.values(), may_hold=[out_dir / name for name in EVAL_PICTURES])}
    json_path = atomic_write_json(out_dir / EVAL_JSON, record, indent=2, default=json_default)
    return {**written, "json": json_path}


def _on_one_timeline(items: list, halves: list[int | None], keys: list[str]) -> list:
    """Items of both halves on one timeline for the one-to-one matching: the second half shifted
    by HALF_GAP_S, longer than any tolerance, so no pair crosses halves."""
    out = []
    for item, half in zip(items, halves):
        if half == 2:
            item = replace(item, **{k: getattr(item, k) + HALF_GAP_S for k in keys if getattr(item, k) is not None})
        out.append(item)
    return out


def score_predictions(predictions: Predictions, annotation, out_dir: str | Path, *,
                      tolerances: Iterable[float] = DEFAULT_TOLERANCES, half: int | None = None,
                      min_score: float = 0.5, source: str = "", annotation_sha256: str | None = None,
                      progress: bool = False) -> tuple[PipelineEvaluation, dict[str, Path]]:
    """Score predictions that already exist: recall and precision of the highlights (a
    `results_spotting.json`'s spots with confidence >= `min_score`), average-mAP of every spot.
    Writes the same pipeline_eval.json and .md as `evaluate`, without the attribution (no run).
    `progress`: a spinner on stderr naming the step, as a file of thousands of spots takes a while
    (most of it drawing the timeline)."""
    with status_line(f"scoring {Path(source).name or 'the predictions'}", enabled=progress) as show:
        return _score_predictions(predictions, annotation, out_dir, tolerances=tolerances, half=half,
                                  min_score=min_score, source=source, annotation_sha256=annotation_sha256,
                                  show=show)


def _score_predictions(predictions: Predictions, annotation, out_dir: str | Path, *, tolerances: Iterable[float],
                       half: int | None, min_score: float, source: str, annotation_sha256: str | None,
                       show: Callable[[str], None]) -> tuple[PipelineEvaluation, dict[str, Path]]:
    spots = predictions.spots
    if half is not None:
        spots = [s for s in spots if s.half == half]
    if predictions.highlights is not None:
        highlights, h_halves = predictions.highlights, [half] * len(predictions.highlights)
    else:
        kept = [s for s in spots if s.confidence >= min_score]
        highlights, h_halves = spots_as_highlights(kept), [s.half for s in kept]
    events = list(annotation.events)
    matched_against, matched = annotation, highlights
    if len({e.half for e in events if e.half is not None}) > 1:  # a whole match, both halves
        matched = _on_one_timeline(highlights, h_halves, ["start_s", "end_s", "key_s"])
        matched_against = replace(annotation, events=_on_one_timeline(
            events, [e.half for e in events], ["start_s", "end_s", "key_s"]))
    show(f"average-mAP of {counted(len(spots), 'spot')}")
    amap = spotting_report(spots, annotation, half=half)
    about: dict[str, Any] = {}
    if predictions.highlights is not None:
        amap["predictions"] = "the highlights (one spot each, at its key moment)"
    else:
        amap["predictions"] = "every spot in the file"
        about["highlights_from_spots"] = f"spots with confidence >= {min_score:g}"
    about.update({"highlights_version": __version__,
                  "predictions": {"path": source, "kind": predictions.kind, "spots": len(spots),
                                  "highlights": len(highlights),
                                  "sha256": file_sha256(source) if source and Path(source).is_file() else None},
                  "annotation": {"video": getattr(annotation, "video", None), "events": len(events),
                                 "half": half, "sha256": annotation_sha256}})
    if predictions.kind == "highlights" and predictions.data.get("damage"):
        about["damage"] = predictions.data["damage"]  # said beside recall, as `pipeline evaluate` says it
    show(f"recall and precision of {counted(len(highlights), 'highlight')}")
    scores = evaluate_highlights(matched, matched_against, tolerances=sorted({float(t) for t in tolerances}))
    report = PipelineEvaluation(scores=scores, average_map=amap, about=about)
    # Spots have no span to show anything in; a highlights.json's highlights do, and its config
    # says the longest the merge made them.
    longest = ((predictions.data.get("config") or {}).get("merge") or {}).get("max_length_s") \
        if predictions.highlights is not None else None
    if longest is not None:
        at = report.primary
        report = replace(report, shown=shown_in_reel(matched, list(matched_against.events), float(longest),
                                                     at.found_events, at.tolerance_s))
    out_dir = Path(out_dir)
    video = (predictions.data.get("video") or {}) if predictions.kind == "highlights" else {}
    title = f"Scores of {Path(source).name or 'the predictions'}"
    show("drawing the timeline")
    with written_together():
        written = {"timeline": write_eval_timeline(out_dir / EVAL_TIMELINE_PNG, highlights, events, report.primary,
                                                   highlight_halves=h_halves, duration_s=video.get("duration_s"),
                                                   title=title)}
        written = _scores_last(report, out_dir, written)
    return report, written


def score_file(predictions_path: str | Path, annotation, out_dir: str | Path, *, half: int | None = None,
               annotation_source: str | Path = "annotation", **kwargs) -> tuple[PipelineEvaluation, dict]:
    """`score_predictions` of a file. A highlights.json is one video: its half is `half`, else the
    one its video's name says (`2_224p.mkv`), else the annotation's only half; an annotation with
    key moments after that video's end is refused, as `pipeline evaluate` refuses it."""
    from highlights.events.formats import refuse_events_after, select_half

    preds = load_predictions(predictions_path, half=half)
    if preds.kind == "highlights":
        video = preds.data.get("video") or {}
        if half is None:
            annotation, half = select_half(annotation, video=video.get("path") or "", source=annotation_source)
            preds = load_predictions(predictions_path, half=half)
        refuse_events_after(annotation.of_half(half) if half is not None else annotation,
                            video.get("duration_s"), video.get("path") or Path(predictions_path).name,
                            source=annotation_source)
    return score_predictions(preds, annotation, out_dir, source=str(predictions_path), half=half,
                             annotation_sha256=file_sha256(annotation_source) if Path(annotation_source).is_file()
                             else None, **kwargs)


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def unpredicted_line(labels) -> str:
    """One line on annotated labels that no prediction names: their events can only be missed."""
    return ("Annotated labels that no prediction names (labels the model does not have, or spelt "
            "otherwise), so each of their events counts as missed: " + ", ".join(labels) + ".")


def average_map_markdown(amap: dict[str, Any]) -> list[str]:
    lines = ["", "## Average-mAP (SoccerNet action spotting)", ""]
    if amap.get("tight") is None:
        return lines + ["No annotated class to score.", ""]
    classes = amap["classes"]
    rows = [[f"{name} (delta {amap[name]['deltas_s'][0]:g}-{amap[name]['deltas_s'][-1]:g} s)",
             _fmt(amap[name]["average_map"]), *(_fmt(amap[name]["per_class"][c]) for c in classes)]
            for name in ("tight", "loose")]
    rows.append(["events", "", *(amap["tight"]["events"][c] for c in classes)])
    lines += [f"Predictions scored: {amap.get('predictions', 'spots')} ({amap['spots']} spots).", "",
              markdown_table(["", "average-mAP", *classes], rows)]
    if amap.get("why_no_interval"):
        lines += ["", amap["why_no_interval"]]
    if amap.get("unscored_labels"):
        lines += ["", "Predicted labels with no annotated event (not in the mean): "
                  + ", ".join(amap["unscored_labels"]) + "."]
    if amap.get("unpredicted_labels"):
        lines += ["", unpredicted_line(amap["unpredicted_labels"])]
    lines += ["", amap["conventions"], "", amap["matching_difference"], ""]
    return lines


def bins_words(reliability: dict[str, Any], lead: str = "over") -> str:
    """` over 5 equal-width score bins`: what an ECE was computed over (nothing for a reliability
    stored before it said)."""
    bins = reliability.get("bins_used")
    return f" {lead} {bins} equal-width score bins" if bins else ""


def auc_line(auc: dict[str, Any]) -> str:
    """How well the score ranks right highlights above wrong ones, from a reliability's `auc`."""
    return (f"The score ranks a right highlight above a wrong one with AUC {Auc.from_dict(auc).reported()} "
            f"(95% interval: {auc['method']}).")


def shown_paragraph(shown: ShownScore) -> str:
    """The shown recall beside the recall table, and why it is not the recall."""
    return (f"Shown recall {shown.shown_recall.reported()}: {shown_definition(f'{shown.max_length_s:g} s')} (a "
            f"longer one counts for none). {shown.unmatched} of them {'was' if shown.unmatched == 1 else 'were'} "
            f"matched to no highlight within {shown.tolerance_s:g} s: each is "
            "shown inside a highlight keyed at another moment, and a miss to the recall above, which pairs one "
            "highlight with one event as SoccerNet's action spotting does.")


def damaged_recall_line(damage: dict[str, Any] | None) -> str | None:
    """Beside recall, for a video with damaged packets: what was never analysed, and that an event
    there counts as a miss (of the video, not of any stage)."""
    from highlights.pipeline.damage import damage_line

    line = damage_line(damage)
    if line is None:
        return None
    return (f"The video is damaged: {line}. An event in a stretch never analysed counts as missed "
            f"(cause `damaged_video`), so recall is lower than the pipeline's on the footage it saw.")


def render_markdown(report: PipelineEvaluation) -> str:
    lines = ["# Highlight pipeline evaluation", "", *_what_was_scored(report.about)]
    lines += [f"Matching: {report.scores.matching}.", "",
              f"Each rate is shown with its 95% interval ({INTERVAL_METHOD}) and the counts it is made of.", "",
              markdown_table(["tolerance (s)", "events", "highlights", "recall", "precision", "class recall",
                              "class precision"],
                             ([f"{s.tolerance_s:g}", s.events, s.highlights, s.recall.reported(),
                               s.precision.reported(), s.class_recall.reported(), s.class_precision.reported()]
                              for s in report.scores.scores))]
    damaged = damaged_recall_line(report.about.get("damage"))
    if damaged:
        lines += ["", damaged]
    if report.shown is not None:
        lines += ["", shown_paragraph(report.shown)]
    primary = report.primary
    lines += ["", f"Each event found or missed{' (with the stage that lost it)' if report.attribution else ''} "
              f"and each highlight right, of the wrong class or false, on the game's time axis (class level, tolerance "
              f"{primary.tolerance_s:g} s):", "",
              f"![Events found and missed, highlights right and false]({EVAL_TIMELINE_PNG})"]
    if report.average_map is not None:
        lines += average_map_markdown(report.average_map)
    lines += ["", f"## Per sport (tolerance {primary.tolerance_s:g} s)", "",
              markdown_table(["sport", "events", "recall", "class recall"],
                             ([sport, g.events, g.recall.reported(), g.class_recall.reported()]
                              for sport, g in primary.per_sport.items()))]
    if report.attribution is None:
        return "\n".join(lines + [""])
    lines += _misses_markdown(report.attribution) + _reliability_markdown(report.about)
    lines += ["", "The config that made these numbers is in `pipeline_eval.json` under `config`"
              + (", and the model files the run loaded, each with its sha256, under `models`"
                 if report.about.get("models") else "") + ".", ""]
    rerun = path_choice_note(report.about)
    if rerun:
        lines += [rerun, ""]
    return "\n".join(lines)


def _what_was_scored(about: dict[str, Any]) -> list[str]:
    """The report's opening: the video and its stages, or the predictions file scored, and what the
    footage seen leaves out."""
    lines = []
    video = about.get("video")
    if video is not None:
        from highlights.pipeline.classifier_inference import classifier_inference_text

        inference = classifier_inference_text(str(about.get("inference_backend")), about.get("stages") or {},
                                              about.get("config") or {})
        # the pictures' length: `duration_s` is where a video ends on its clock, which a camera's
        # file starting an hour in ends an hour past
        length_s = max(0.0, float(video.get("duration_s") or 0.0)
                       - float(video.get("start_s") or 0.0))
        lines += [f"Video: `{video.get('path', '?')}` ({length_s:.1f} s). "
                  f"Stages: " + ", ".join(f"{k}={v}" for k, v in about.get("stages", {}).items())
                  + f". Classifier inference: {inference}.", ""]
    warnings = [*(about.get("seen_footage") or []), (about.get("annotation") or {}).get("other_video")]
    lines += [f"**Warning:** {line}.\n" for line in warnings if line]
    preds = about.get("predictions")
    if isinstance(preds, dict):
        lines += [f"Predictions: `{preds['path']}` ({preds['kind']}, {counted(preds['highlights'], 'highlight')}"
                  + (f", {about['highlights_from_spots']}" if about.get("highlights_from_spots") else "")
                  + "), scored without running the pipeline.", ""]
    return lines


def misses_counted(att: dict[str, Any]) -> str:
    """`1 of 1 event missed`, in the heading of the misses' tables in the report and the terminal."""
    return f"{att['missed']} of {counted(att['events'], 'event')} missed"


def _misses_markdown(att: dict[str, Any]) -> list[str]:
    """Where the misses were lost: by stage, by cause, and each miss."""
    missed = att["missed"]
    lines = ["", f"## Where the misses were lost ({misses_counted(att)}, "
             f"tolerance {att['tolerance_s']:g} s, class level)", "",
             markdown_table(["stage", "misses", "share [95% interval]"],
                            ([stage, row["count"], Rate(row["count"], missed).with_interval()]
                             for stage, row in att["by_stage"].items())),
             "",
             markdown_table(["cause", "misses", "share [95% interval]"],
                            ([CAUSE_TEXT[cause], row["count"], Rate(row["count"], missed).with_interval()]
                             for cause, row in att["by_cause"].items()))]
    if att["misses"]:
        told = [EVIDENCE_TEXT[m.get("evidence_by", BY_ANYONE)] for m in att["misses"]]
        by_row = len(set(told)) > 1  # a column only where the misses were told differently
        lines += ["", markdown_table(["event", "label", "key (s)", MISS_WHERE, "detail"]
                                     + ([EVIDENCE_COLUMN] if by_row else []),
                                     # in the words of the causes' table above, not the code's names
                                     ([m["event_id"], m["label"], f"{m['key_s']:.2f}", CAUSE_TEXT[m["cause"]],
                                       m["detail"]] + ([text] if by_row else [])
                                      for m, text in zip(att["misses"], told)))]
        if not by_row:
            lines += ["", f"{EVIDENCE_COLUMN.capitalize()} for every miss: {told[0]}."]
    return lines


def _reliability_markdown(about: dict[str, Any]) -> list[str]:
    """The highlights' score reliability section, where there were highlights to bin."""
    rel = about.get("score_reliability") or {}
    if not rel.get("n"):
        return []
    calibration = about.get("score_calibration")
    return ["",
            f"## Score reliability (tolerance {rel['tolerance_s']:g} s, event level, "
            f"n={counted(rel['n'], 'highlight')})",
            "", f"Expected calibration error {ece_reported(rel)}{bins_words(rel)}; scores are {calibration}.", "",
            *([f"The interval is a 95% {ECE_METHOD}, {rel['ece_bootstrap']['n_resamples']} resamples of the "
               f"{counted(rel['n'], 'highlight')}; {ECE_BIAS_NOTE}.", ""] if rel.get("ece_interval") else []),
            *([auc_line(rel["auc"]), ""] if rel.get("auc") else []),
            "![Share of highlights right per score bin, with counts and the diagonal]"
            f"({SCORE_RELIABILITY_PNG})", "",
            markdown_table(["score bin", "highlights", "mean score", "share right [95%] (right/highlights)"],
                           ([f"{b['bin'][0]:.1f}-{b['bin'][1]:.1f}", b["n"], f"{b['mean_score']:.3f}",
                             Rate(b["right"], b["n"]).reported(2) if "right" in b else f"{b['correct_rate']:.2f}"]
                            for b in rel["bins"]))]


def path_choice_note(about: dict[str, Any]) -> str | None:
    """What the config alone does not fix: with `classifier.inference_path=auto` and a verified
    int8 or bf16 path, each run picks its path by timing it (a choice measured while other work kept
    the CPU busy is not cached, so the next run times again), and those paths move the probabilities
    slightly: a rerun of the same config can score a little differently. None where the path could
    not change precision."""
    path = (about.get("stats") or {}).get("inference_path") or {}
    offered = [p for p in ("int8", "bf16") if (path.get(p) or {}).get("offered")]
    if path.get("requested") != "auto" or not offered:
        return None
    return (f"The classifier ran on the `{about.get('inference_backend')}` path, which "
            f"`classifier.inference_path=auto` picked by timing this CPU's paths, fp32 and the "
            f"{' and '.join(offered)} path verified for this checkpoint by `evaluate`; "
            f"{' and '.join(offered)} move the probabilities slightly, so a rerun of this config that picks "
            "another path can give slightly different scores, and figures made from them. "
            "`--set classifier.int8=false --set classifier.bf16=false` keeps runs on fp32.")
