"""A game's scores against its annotations, as the batch's index keeps them: the recall at the
primary tolerance, and beside it the shown recall (`pipeline evaluate`'s, `eval_report.shown_of`),
per game and pooled over the batch's annotated games."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from highlights.counted_noun import counted
from highlights.pipeline.evaluation import (PRIMARY_TOLERANCE, SHOWN_MEANING, STORED_DIGITS, Rate, evaluate_highlights,
                                            shown_summary)

SCORES = "scores"  # the game record's field; absent for a game without annotations


def game_scores(highlights, config, annotation) -> dict[str, Any]:
    """The record's `scores` of a run's highlights and config against the game's annotation."""
    from highlights.pipeline.eval_report import shown_of  # it loads the pipeline run, which the index needs not

    at = evaluate_highlights(highlights, annotation, tolerances=[PRIMARY_TOLERANCE]).at(PRIMARY_TOLERANCE)
    shown = {k: v for k, v in shown_of(highlights, annotation.events, config, at).to_dict().items()
             if k != "meaning"}  # said once, in the summary's `shown_in_reel_meaning`
    return {"tolerance_s": at.tolerance_s, "events": at.events, "highlights": at.highlights, "found": at.matched,
            "recall": at.recall.rounded(STORED_DIGITS), "recall_interval": at.recall.stored_interval(),
            "shown_in_reel": shown}


def scores_of_folder(game_folder: Path, record: dict[str, Any], annotations: str) -> dict[str, Any] | None:
    """The `scores` of a complete game folder whose record has none (written by a version whose
    index kept no scores, and reused as it is), counted from the highlights.json it wrote and the
    game's annotations as `run_game` counts them; None where either cannot be read."""
    from highlights.errors import HighlightsError
    from highlights.events import half_of_video, load_annotation, select_half
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.highlight import Highlight

    try:
        data = json.loads((game_folder / record["files"]["json"]).read_text(encoding="utf-8"))
        highlights = [Highlight.from_dict(h) for h in data["highlights"]]
        config = PipelineConfig.from_dict(data["config"])
        video = Path(record["video"])
        annotation, _ = select_half(load_annotation(annotations), half=half_of_video(video), video=video,
                                    source=Path(annotations))
    except (OSError, ValueError, KeyError, TypeError, HighlightsError):
        return None
    return game_scores(highlights, config, annotation)


def done_scores(record: dict[str, Any]) -> dict[str, Any] | None:
    """A game record's `scores`: those of a game done with annotations, else None."""
    return record.get(SCORES) if record.get("status") == "done" else None


def recall_of(scores: dict[str, Any]) -> Rate:
    return Rate(scores["found"], scores["events"])


def shown_recall_of(scores: dict[str, Any]) -> Rate:
    return Rate(scores["shown_in_reel"]["shown"], scores["events"])


def pooled_scores(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The done games' scores pooled (events of every annotated game together); None where no
    done game has annotations. A tolerance or longest highlight that differs between games (games
    of earlier runs, another config) is kept as None: the pooled figure then names neither."""
    scored = [scores for scores in map(done_scores, records) if scores]
    if not scored:
        return None

    def same(values: set) -> Any:
        return values.pop() if len(values) == 1 else None

    return {"games": len(scored), "events": sum(s["events"] for s in scored),
            "found": sum(s["found"] for s in scored),
            "shown": sum(s["shown_in_reel"]["shown"] for s in scored),
            "shown_not_matched": sum(s["shown_in_reel"]["shown_not_matched"] for s in scored),
            "tolerance_s": same({s["tolerance_s"] for s in scored}),
            "max_length_s": same({s["shown_in_reel"]["max_length_s"] for s in scored}),
            "shown_in_reel_meaning": SHOWN_MEANING}


def pooled_rates(pooled: dict[str, Any]) -> tuple[Rate, Rate]:
    """The recall and the shown recall of `pooled_scores`."""
    return Rate(pooled["found"], pooled["events"]), Rate(pooled["shown"], pooled["events"])


def pooled_line(pooled: dict[str, Any]) -> str:
    """The terminal's line: the pooled recall, and the shown recall's line beside it."""
    within = f"within {pooled['tolerance_s']:g} s" if pooled["tolerance_s"] is not None else "within each game's tolerance"
    recall, shown = pooled_rates(pooled)
    return (f"against the annotations of {counted(pooled['games'], 'game')} (key moments {within}, pooled; 95% "
            f"Wilson intervals): recall {recall.reported()}; "
            + shown_summary(shown, pooled["max_length_s"], pooled["shown_not_matched"], pooled["tolerance_s"]))
