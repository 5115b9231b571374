"""`highlights detect`: run the pipeline over one game and write its results."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Callable

from highlights.atomic import atomic_write_json
from highlights.events.spotting import RESULTS_SPOTTING_JSON, write_results_spotting
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.json_values import json_default
from highlights.pipeline.output_folder import check_replaceable, mark_complete, moved, run_folder
from highlights.pipeline.run import PipelineResult, run_pipeline
from highlights.pipeline.spotting import window_spots

HIGHLIGHTS_JSON = "highlights.json"


def rejected_windows(result: PipelineResult) -> list[dict]:
    """Every classifier window the run turned down, once each, in time order, with its class
    probabilities: the pool a reviewer searches for missed events (`highlights review`)."""
    seen: dict[tuple, dict] = {}
    for c in result.trace.classifications:
        if not c.get("accepted"):
            start, end = c["window"]
            seen.setdefault((start, end), {"start_s": start, "end_s": end, "key_s": c.get("key_s"),
                                           "label": c["label"], "score": c["score"],
                                           "probs": c.get("probs", {})})
    return [seen[k] for k in sorted(seen)]


def write_highlights_json(result: PipelineResult, out_dir: str | Path) -> Path:
    data = {**result.to_dict(), "candidates": rejected_windows(result)}
    return atomic_write_json(Path(out_dir) / HIGHLIGHTS_JSON, data, indent=2, default=json_default)


def write_spotting_results(result: PipelineResult, out_dir: str | Path, *, half: int = 1) -> Path:
    """SoccerNet's `results_spotting.json`: every scored classifier window, under the display
    threshold too (average-mAP sweeps the confidence), on `half`'s video."""
    return write_results_spotting(window_spots(result.trace.classifications, half=half),
                                  Path(out_dir) / RESULTS_SPOTTING_JSON,
                                  game=Path(str(result.video.get("path", ""))).name)


def output_writers() -> Callable | None:
    """The CSV/EDL/reel/HTML writers, if that part of the package is installed."""
    try:
        from highlights.pipeline.outputs import write_all
    except ImportError:
        return None
    return write_all


def detect_highlights(video_path: str | Path, config: PipelineConfig, out_dir: str | Path, *,
                      annotation=None, progress: bool = True, half: int = 1,
                      log: Callable[[str], None] = print) -> tuple[PipelineResult, dict[str, Path]]:
    """Run the pipeline; write DIR/highlights.json and results_spotting.json (on `half`'s video),
    then every other output the writers provide.

    DIR is written whole (`output_folder`): a run that fails or is killed leaves the previous
    run's DIR as it was. A DIR holding files no run wrote is refused before the run starts.
    """
    final_dir = Path(out_dir)
    known = _output_names()
    check_replaceable(final_dir, known)
    result = run_pipeline(video_path, config, annotation=annotation, progress=progress)
    with run_folder(final_dir, known) as out_dir:
        written = {"json": write_highlights_json(result, out_dir),
                   "results_spotting": write_spotting_results(result, out_dir, half=half)}
        write_all = output_writers()
        if write_all is None:
            log("note: the CSV/EDL/reel/HTML writers (highlights.pipeline.outputs) are not available; "
                "wrote highlights.json only")
        else:
            kwargs = {"config_dict": result.config.to_dict(), "annotation": annotation}
            if "progress" in inspect.signature(write_all).parameters:
                kwargs["progress"] = progress
            written.update(write_all(result.highlights, Path(video_path), out_dir, **kwargs))
        mark_complete(out_dir, written, video=str(Path(video_path).resolve()))
    return result, moved(written, out_dir, final_dir)


def _output_names() -> set[str]:
    try:
        from highlights.pipeline.outputs import OUTPUT_NAMES
    except ImportError:
        return {HIGHLIGHTS_JSON, RESULTS_SPOTTING_JSON}
    return {HIGHLIGHTS_JSON, RESULTS_SPOTTING_JSON, *OUTPUT_NAMES.values()}
