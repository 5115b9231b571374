"""A batch's scores against annotations (`batch.game_scores`), pooled over game records made by
hand whose recall, shown recall and unmatched counts all differ, so that no figure can stand in
for another."""

from __future__ import annotations

import csv
import io

from highlights.batch.game_scores import pooled_line, pooled_rates, pooled_scores, recall_of, shown_recall_of
from highlights.batch.index import render_csv
from highlights.pipeline.evaluation import Rate


def _record(game_id: str, status: str = "done", *, events=4, found=2, shown=3, not_matched=1, tolerance_s=2.0,
            max_length_s=12.0) -> dict:
    scores = {"tolerance_s": tolerance_s, "events": events, "highlights": 9, "found": found,
              "shown_in_reel": {"shown": shown, "shown_not_matched": not_matched, "max_length_s": max_length_s}}
    return {"game_id": game_id, "status": status, "video": f"/games/{game_id}.mp4", "scores": scores}


def test_the_done_games_with_annotations_are_pooled_and_no_other():
    without = _record("delta")
    del without["scores"]
    records = [_record("alpha"), _record("bravo", events=3, found=1, shown=2, not_matched=1),
               _record("charlie", "failed", events=50, found=50, shown=50, not_matched=0), without]
    pooled = pooled_scores(records)
    assert {k: pooled[k] for k in ("games", "events", "found", "shown", "shown_not_matched", "tolerance_s",
                                   "max_length_s")} == {"games": 2, "events": 7, "found": 3, "shown": 5,
                                                        "shown_not_matched": 2, "tolerance_s": 2.0,
                                                        "max_length_s": 12.0}
    assert pooled_rates(pooled) == (Rate(3, 7), Rate(5, 7))
    line = pooled_line(pooled)
    assert line.startswith("against the annotations of 2 games of this run (key moments within 2 s, pooled; 95% Wilson "
                           f"intervals): recall {Rate(3, 7).reported()}; shown recall {Rate(5, 7).reported()}: ")
    assert "a highlight no longer than 12 s" in line and "2 of them matched to no highlight within 2 s" in line
    assert pooled_scores([records[2], without]) is None
    assert pooled["other_batch_games_not_pooled"] == 0 and "left out" not in line


def test_games_an_earlier_batch_left_in_the_folder_are_not_pooled_but_counted():
    # Last week's game, maybe of another model: its figures stay in its own row, out of this run's.
    ours = _record("alpha")
    theirs = {**_record("bravo", events=10, found=9, shown=10, not_matched=1, tolerance_s=1.0), "reused": True,
              "other_batch": True}
    theirs_failed = {**_record("charlie", "failed"), "other_batch": True}
    pooled = pooled_scores([ours, theirs, theirs_failed])
    assert (pooled["games"], pooled["events"], pooled["found"], pooled["shown"],
            pooled["tolerance_s"]) == (1, 4, 2, 3, 2.0)
    assert pooled["other_batch_games_not_pooled"] == 1
    assert pooled_rates(pooled) == (Rate(2, 4), Rate(3, 4))
    assert pooled_line(pooled).startswith("against the annotations of 1 game of this run (key moments within 2 s")
    assert pooled_line(pooled).endswith("; left out: 1 annotated game of earlier runs into this folder, maybe of "
                                        "another config or model (each one's own figures are in its row of the index)")
    assert pooled_scores([theirs]) is None


def test_a_tolerance_or_longest_highlight_that_differs_between_games_is_named_as_each_games():
    pooled = pooled_scores([_record("alpha"), _record("bravo", tolerance_s=1.0, max_length_s=8.0)])
    assert (pooled["tolerance_s"], pooled["max_length_s"]) == (None, None)
    line = pooled_line(pooled)
    assert "(key moments within each game's tolerance, pooled;" in line
    assert "no longer than each game's (merge.max_length_s)" in line and "within each game's tolerance (shown" in line


def test_a_games_recall_and_shown_recall_are_its_own_in_the_index_table():
    record = _record("alpha")
    assert (recall_of(record["scores"]), shown_recall_of(record["scores"])) == (Rate(2, 4), Rate(3, 4))
    (row,) = csv.DictReader(io.StringIO(render_csv([record])))
    assert (row["events"], row["found"], row["recall"], row["shown"], row["shown_recall"]) == (
        "4", "2", Rate(2, 4).text(), "3", Rate(3, 4).text())


def test_a_games_scores_are_counted_from_its_highlights_and_leave_the_shown_recalls_meaning_to_the_summary():
    from highlights.batch.game_scores import game_scores
    from highlights.events import Event, GameAnnotation
    from highlights.pipeline.config import PipelineConfig
    from highlights.pipeline.highlight import Highlight

    events = [Event("0", "soccer", "soccer_shooting", 9.0, 11.0, 10.0),
              Event("1", "soccer", "soccer_shooting", 30.0, 32.0, 31.0)]
    annotation = GameAnnotation("g", None, None, None, None, "soccer", events, [])
    found = [Highlight(8.0, 12.0, "soccer_shooting", "soccer", 0.9, key_s=10.2)]
    scores = game_scores(found, PipelineConfig(), annotation)
    assert (scores["events"], scores["highlights"], scores["found"]) == (2, 1, 1)
    assert scores["recall"] == Rate(1, 2).rounded(4) and scores["shown_in_reel"]["shown"] == 1
    assert "meaning" not in scores["shown_in_reel"]  # said once, in the summary
