"""A game's scores against its annotations, as the batch's index keeps them: the recall at the
primary tolerance, and beside it the shown recall (`pipeline evaluate`'s, `eval_report.shown_of`),
per game and pooled over this run's annotated games."""

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
    """This run's done games' scores pooled (events of every annotated game together); None where
    none of them has annotations. The games an earlier run into the same folder left there
    (`other_batch`) are not pooled: their config and model may be other than this run's, and a
    recall over them together would be no one pipeline's. Their count is
    `other_batch_games_not_pooled`; each keeps its own figures in its row of the index.
    A tolerance or longest highlight that differs between the pooled games is kept as None: the
    pooled figure then names neither."""
    ours = [scores for r in records if not r.get("other_batch") and (scores := done_scores(r))]
    theirs = sum(1 for r in records if r.get("other_batch") and done_scores(r))
    if not ours:
        return None

    def same(values: set) -> Any:
        return values.pop() if len(values) == 1 else None

    return {"games": len(ours), "events": sum(s["events"] for s in ours),
            "found": sum(s["found"] for s in ours),
            "shown": sum(s["shown_in_reel"]["shown"] for s in ours),
            "shown_not_matched": sum(s["shown_in_reel"]["shown_not_matched"] for s in ours),
            "tolerance_s": same({s["tolerance_s"] for s in ours}),
            "max_length_s": same({s["shown_in_reel"]["max_length_s"] for s in ours}),
            "other_batch_games_not_pooled": theirs,
            "shown_in_reel_meaning": SHOWN_MEANING}


def pooled_rates(pooled: dict[str, Any]) -> tuple[Rate, Rate]:
    """The recall and the shown recall of `pooled_scores`."""
    return Rate(pooled["found"], pooled["events"]), Rate(pooled["shown"], pooled["events"])


def pooled_line(pooled: dict[str, Any]) -> str:
    """The terminal's line: the pooled recall, and the shown recall's line beside it."""
    within = (f"within {pooled['tolerance_s']:g} s" if pooled["tolerance_s"] is not None
              else "within each game's tolerance")
    recall, shown = pooled_rates(pooled)
    left_out = pooled["other_batch_games_not_pooled"]
    return (f"against the annotations of {counted(pooled['games'], 'game')} of this run (key moments {within}, pooled; "
            f"95% Wilson intervals): recall {recall.reported()}; "
            + shown_summary(shown, pooled["max_length_s"], pooled["shown_not_matched"], pooled["tolerance_s"])
            + (f"; left out: {counted(left_out, 'annotated game')} of earlier runs into this folder, "
               "maybe of another config or model (each one's own figures are in its row of the index)"
               if left_out else ""))
