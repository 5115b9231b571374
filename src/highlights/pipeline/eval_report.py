"""`highlights pipeline evaluate`: run, score, attribute misses, write pipeline_eval.json and .md;
`highlights pipeline score`: the same report for predictions that already exist, without a run."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable

from highlights.atomic import atomic_write_json, atomic_write_text
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import write_highlights_json
from highlights.pipeline.evaluation import (
    CAUSE_TEXT, DEFAULT_TOLERANCES, PRIMARY_TOLERANCE, attribute_misses, evaluate_highlights)
from highlights.pipeline.json_values import json_default
from highlights.pipeline.run import PipelineResult, run_pipeline
from highlights.pipeline.spotting import (
    HALF_GAP_S, Predictions, load_predictions, spots_as_highlights, spotting_report, window_spots)

EVAL_JSON = "pipeline_eval.json"
EVAL_MD = "pipeline_eval.md"


def evaluate_result(result: PipelineResult, annotation, *, tolerances: Iterable[float] = DEFAULT_TOLERANCES,
                    attribution_tolerance_s: float = PRIMARY_TOLERANCE, half: int | None = None) -> dict[str, Any]:
    tolerances = sorted({float(t) for t in tolerances} | {float(attribution_tolerance_s)})
    report = evaluate_highlights(result.highlights, annotation, tolerances=tolerances)
    report["average_map"] = spotting_report(window_spots(result.trace.classifications, half=half or 1),
                                            annotation, half=half)
    report["average_map"]["predictions"] = "every scored classifier window (each class's probability)"
    report["attribution"] = attribute_misses(result.highlights, annotation, result.trace, result.config,
                                             result.before_merge, tolerance_s=attribution_tolerance_s)
    report.update({"config": result.config.to_dict(), "stages": result.backends,
                   "inference_backend": result.inference_backend, "video": result.video,
                   "stats": result.stats, "annotation": {"video": getattr(annotation, "video", None),
                                                         "events": len(annotation.events)}})
    return report


def evaluate_video(video_path: str | Path, annotation, config: PipelineConfig, out_dir: str | Path, *,
                   tolerances: Iterable[float] = DEFAULT_TOLERANCES, progress: bool = True,
                   cache: dict | None = None, half: int | None = None) -> tuple[dict[str, Any], dict[str, Path]]:
    result = run_pipeline(video_path, config, annotation=annotation, cache=cache, progress=progress)
    report = evaluate_result(result, annotation, tolerances=tolerances, half=half)
    out_dir = Path(out_dir)
    written = {"highlights": write_highlights_json(result, out_dir),
               "json": atomic_write_json(out_dir / EVAL_JSON, report, indent=2, default=json_default),
               "markdown": atomic_write_text(out_dir / EVAL_MD, render_markdown(report))}
    return report, written


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
                      min_score: float = 0.5, source: str = "") -> tuple[dict[str, Any], dict[str, Path]]:
    """Score predictions that already exist: recall and precision of the highlights (a
    `results_spotting.json`'s spots with confidence >= `min_score`), average-mAP of every spot.
    Writes the same pipeline_eval.json and .md as `evaluate`, without the attribution (no run)."""
    spots = predictions.spots
    if half is not None:
        spots = [s for s in spots if s.half == half]
    if predictions.highlights is not None:
        highlights, h_halves = predictions.highlights, [half] * len(predictions.highlights)
    else:
        kept = [s for s in spots if s.confidence >= min_score]
        highlights, h_halves = spots_as_highlights(kept), [s.half for s in kept]
    events = list(annotation.events)
    matched_against = annotation
    if len({e.half for e in events if e.half is not None}) > 1:  # a whole match, both halves
        highlights = _on_one_timeline(highlights, h_halves, ["start_s", "end_s", "key_s"])
        matched_against = replace(annotation, events=_on_one_timeline(
            events, [e.half for e in events], ["start_s", "end_s", "key_s"]))
    report = evaluate_highlights(highlights, matched_against, tolerances=sorted({float(t) for t in tolerances}))
    report["average_map"] = spotting_report(spots, annotation, half=half)
    if predictions.highlights is not None:
        report["average_map"]["predictions"] = "the highlights (one spot each, at its key moment)"
    else:
        report["average_map"]["predictions"] = "every spot in the file"
        report["highlights_from_spots"] = f"spots with confidence >= {min_score:g}"
    report.update({"predictions": {"path": source, "kind": predictions.kind, "spots": len(spots),
                                   "highlights": len(highlights)},
                   "annotation": {"video": getattr(annotation, "video", None), "events": len(events),
                                  "half": half}})
    out_dir = Path(out_dir)
    written = {"json": atomic_write_json(out_dir / EVAL_JSON, report, indent=2, default=json_default),
               "markdown": atomic_write_text(out_dir / EVAL_MD, render_markdown(report))}
    return report, written


def score_file(predictions_path: str | Path, annotation, out_dir: str | Path, *, half: int | None = None,
               annotation_source: str | Path = "annotation", **kwargs) -> tuple[dict, dict]:
    """`score_predictions` of a file. A highlights.json is one video: its half is `half`, else the
    one its video's name says (`2_224p.mkv`), else the annotation's only half."""
    from highlights.events.formats import half_of_video, select_half

    preds = load_predictions(predictions_path, half=half)
    if preds.kind == "highlights" and half is None:
        video = (preds.data.get("video") or {}).get("path") or ""
        annotation, half = select_half(annotation, video=video, source=annotation_source)
        preds = load_predictions(predictions_path, half=half)
    return score_predictions(preds, annotation, out_dir, source=str(predictions_path), half=half, **kwargs)


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def average_map_markdown(amap: dict[str, Any]) -> list[str]:
    lines = ["", "## Average-mAP (SoccerNet action spotting)", ""]
    if amap.get("tight") is None:
        return lines + ["No annotated class to score.", ""]
    lines += [f"Predictions scored: {amap.get('predictions', 'spots')} ({amap['spots']} spots).", "",
              "| | average-mAP | " + " | ".join(amap["classes"]) + " |",
              "|---|---|" + "---|" * len(amap["classes"])]
    for name in ("tight", "loose"):
        row = amap[name]
        d = row["deltas_s"]
        lines.append(f"| {name} (delta {d[0]:g}-{d[-1]:g} s) | {_fmt(row['average_map'])} | "
                     + " | ".join(_fmt(row["per_class"][c]) for c in amap["classes"]) + " |")
    lines.append("| events | | " + " | ".join(str(amap["tight"]["events"][c]) for c in amap["classes"]) + " |")
    if amap.get("unscored_labels"):
        lines += ["", "Predicted labels with no annotated event (not in the mean): "
                  + ", ".join(amap["unscored_labels"]) + "."]
    lines += ["", amap["conventions"], "", amap["matching_difference"], ""]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    lines = ["# Highlight pipeline evaluation", ""]
    video = report.get("video")
    if video is not None:
        lines += [f"Video: `{video.get('path', '?')}` ({video.get('duration_s', 0):.1f} s). "
                  f"Stages: " + ", ".join(f"{k}={v}" for k, v in report.get("stages", {}).items())
                  + f". Classifier inference: {report.get('inference_backend')}.", ""]
    preds = report.get("predictions")
    if isinstance(preds, dict):
        lines += [f"Predictions: `{preds['path']}` ({preds['kind']}, {preds['highlights']} highlights"
                  + (f", {report['highlights_from_spots']}" if report.get("highlights_from_spots") else "")
                  + "), scored without running the pipeline.", ""]
    lines += [f"Matching: {report['matching']}.", "",
              "| tolerance (s) | events | highlights | recall | precision | class recall | class precision |",
              "|---|---|---|---|---|---|---|"]
    for row in report["by_tolerance"]:
        lines.append(f"| {row['tolerance_s']:g} | {row['events']} | {row['highlights']} | {_fmt(row['recall'])} | "
                     f"{_fmt(row['precision'])} | {_fmt(row['class_recall'])} | {_fmt(row['class_precision'])} |")
    if report.get("average_map") is not None:
        lines += average_map_markdown(report["average_map"])
    att = report.get("attribution")
    at_s = att["tolerance_s"] if att else PRIMARY_TOLERANCE
    primary = next((r for r in report["by_tolerance"] if r["tolerance_s"] == at_s), report["by_tolerance"][0])
    lines += ["", f"## Per sport (tolerance {primary['tolerance_s']:g} s)", "",
              "| sport | events | recall | class recall |", "|---|---|---|---|"]
    for sport, row in primary["per_sport"].items():
        lines.append(f"| {sport} | {row['events']} | {_fmt(row['recall'])} | {_fmt(row['class_recall'])} |")
    if att is None:
        return "\n".join(lines + [""])
    lines += ["", f"## Where the misses were lost ({att['missed']} of {att['events']} events missed, "
              f"tolerance {att['tolerance_s']:g} s, class level)", "",
              "| stage | misses | share |", "|---|---|---|"]
    for stage, row in att["by_stage"].items():
        lines.append(f"| {stage} | {row['count']} | {_fmt(row['share'])} |")
    lines += ["", "| cause | misses | share |", "|---|---|---|"]
    for cause, row in att["by_cause"].items():
        lines.append(f"| {CAUSE_TEXT[cause]} | {row['count']} | {_fmt(row['share'])} |")
    if att["misses"]:
        lines += ["", "| event | label | key (s) | lost at | detail |", "|---|---|---|---|---|"]
        for m in att["misses"]:
            lines.append(f"| {m['event_id']} | {m['label']} | {m['key_s']:.2f} | {m['cause']} | {m['detail']} |")
    lines += ["", "The config that made these numbers is in `pipeline_eval.json` under `config`.", ""]
    return "\n".join(lines)
