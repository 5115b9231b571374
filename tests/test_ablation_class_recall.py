"""`pipeline ablate` says what each change costs at both levels: recall counts an event found
whatever the label of the highlight that found it, so a change that still finds an event but now
names it wrong costs class recall only, and the summary must not call it harmless. The baseline's
own row has no change to show."""

from __future__ import annotations

from types import SimpleNamespace

from highlights.pipeline.ablation import (AblationResult, AblationRow, culprits_sentence, find_culprits,
                                          render_markdown, table_rows)
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.evaluation import score_at
from highlights.pipeline.highlight import Highlight

EVENTS = [SimpleNamespace(id=f"e{i}", sport="basketball", label="basketball_layup", start_s=k - 0.5, end_s=k + 0.5,
                          key_s=k) for i, k in enumerate((10.0, 20.0))]


def _hl(key: float, label: str) -> Highlight:
    return Highlight(start_s=key - 1.0, end_s=key + 1.0, label=label, score=0.9, sport=label.split("_")[0], key_s=key)


def _result() -> AblationResult:
    # The baseline finds both layups as layups; the change still finds both, the second as a swing.
    base = score_at([_hl(10.0, "basketball_layup"), _hl(20.0, "basketball_layup")], EVENTS, 2.0)
    relabelled = score_at([_hl(10.0, "basketball_layup"), _hl(20.5, "baseball_swing")], EVENTS, 2.0)
    change = {"kinematics.smooth_frames": 3}

    def row(name, kind, changes, score):
        return AblationRow(name, kind, changes, None, None, None, None, score=score)

    rows = [row("baseline", "baseline", {}, base), row("only kinematics.smooth_frames=3", "alone", change, relabelled),
            row("all changes", "all", change, relabelled)]
    result = AblationResult(PipelineConfig(), change, 2.0, rows=rows)
    result.culprits = find_culprits(rows)
    result.class_culprits = find_culprits(rows, class_level=True)
    return result


def test_a_change_that_names_a_found_event_wrong_is_a_class_recall_culprit():
    result = _result()
    assert [r.score.matched for r in result.rows] == [2, 2, 2]
    assert [r.score.class_matched for r in result.rows] == [2, 1, 1]
    assert result.culprits == []
    assert result.class_culprits == ["kinematics.smooth_frames"]
    said = culprits_sentence(result)
    assert said == ("No change costs recall alone or inside the batch. Changes that cost class recall "
                    "(alone, or inside the batch): `kinematics.smooth_frames`.")
    assert said in render_markdown(result)
    assert result.to_dict()["class_culprits"] == ["kinematics.smooth_frames"]


def test_only_a_run_where_neither_level_drops_is_called_harmless():
    result = _result()
    result.rows[1].score = result.rows[2].score = result.rows[0].score
    result.culprits, result.class_culprits = find_culprits(result.rows), find_culprits(result.rows, class_level=True)
    assert culprits_sentence(result) == "No change costs recall or class recall alone or inside the batch."


def test_the_baseline_row_shows_no_change_against_itself():
    rows = table_rows(_result())
    assert rows[0][0] == "baseline" and rows[0][4] == "-" and rows[0][5] == "-"
    assert rows[1][4].startswith("+0.000 [")  # a change run against the baseline keeps its interval
