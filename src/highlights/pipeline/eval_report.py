"""`highlights pipeline evaluate`: run, score, attribute misses, write pipeline_eval.json and .md."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from highlights.atomic import atomic_write_json, atomic_write_text
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import write_highlights_json
from highlights.pipeline.evaluation import (
    CAUSE_TEXT, DEFAULT_TOLERANCES, PRIMARY_TOLERANCE, attribute_misses, evaluate_highlights)
from highlights.pipeline.json_values import json_default
from highlights.pipeline.run import PipelineResult, run_pipeline

EVAL_JSON = "pipeline_eval.json"
EVAL_MD = "pipeline_eval.md"


def evaluate_result(result: PipelineResult, annotation, *, tolerances: Iterable[float] = DEFAULT_TOLERANCES,
                    attribution_tolerance_s: float = PRIMARY_TOLERANCE) -> dict[str, Any]:
    tolerances = sorted({float(t) for t in tolerances} | {float(attribution_tolerance_s)})
    report = evaluate_highlights(result.highlights, annotation, tolerances=tolerances)
    report["attribution"] = attribute_misses(result.highlights, annotation, result.trace, result.config,
                                             result.before_merge, tolerance_s=attribution_tolerance_s)
    report.update({"config": result.config.to_dict(), "stages": result.backends,
                   "inference_backend": result.inference_backend, "video": result.video,
                   "stats": result.stats, "annotation": {"video": getattr(annotation, "video", None),
                                                         "events": len(annotation.events)}})
    return report


def evaluate_video(video_path: str | Path, annotation, config: PipelineConfig, out_dir: str | Path, *,
                   tolerances: Iterable[float] = DEFAULT_TOLERANCES, progress: bool = True,
                   cache: dict | None = None) -> tuple[dict[str, Any], dict[str, Path]]:
    result = run_pipeline(video_path, config, annotation=annotation, cache=cache, progress=progress)
    report = evaluate_result(result, annotation, tolerances=tolerances)
    out_dir = Path(out_dir)
    written = {"highlights": write_highlights_json(result, out_dir),
               "json": atomic_write_json(out_dir / EVAL_JSON, report, indent=2, default=json_default),
               "markdown": atomic_write_text(out_dir / EVAL_MD, render_markdown(report))}
    return report, written


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def render_markdown(report: dict[str, Any]) -> str:
    lines = ["# Highlight pipeline evaluation", ""]
    video = report.get("video") or {}
    lines += [f"Video: `{video.get('path', '?')}` ({video.get('duration_s', 0):.1f} s). "
              f"Stages: " + ", ".join(f"{k}={v}" for k, v in report.get("stages", {}).items())
              + f". Classifier inference: {report.get('inference_backend')}.", "",
              f"Matching: {report['matching']}.", "",
              "| tolerance (s) | events | highlights | recall | precision | class recall | class precision |",
              "|---|---|---|---|---|---|---|"]
    for row in report["by_tolerance"]:
        lines.append(f"| {row['tolerance_s']:g} | {row['events']} | {row['highlights']} | {_fmt(row['recall'])} | "
                     f"{_fmt(row['precision'])} | {_fmt(row['class_recall'])} | {_fmt(row['class_precision'])} |")
    primary = next(r for r in report["by_tolerance"] if r["tolerance_s"] == report["attribution"]["tolerance_s"])
    lines += ["", f"## Per sport (tolerance {primary['tolerance_s']:g} s)", "",
              "| sport | events | recall | class recall |", "|---|---|---|---|"]
    for sport, row in primary["per_sport"].items():
        lines.append(f"| {sport} | {row['events']} | {_fmt(row['recall'])} | {_fmt(row['class_recall'])} |")
    att = report["attribution"]
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
