"""`pipeline ablate` gives each run's shown recall beside its recall, as `pipeline evaluate` does:
two shots 2.5 s apart, folded into one highlight keyed at the first, are one found and one missed
to the recall, both shown to a viewer of the highlights."""

from __future__ import annotations

from types import SimpleNamespace

from highlights.pipeline.ablation import AblationResult, AblationRow, render_markdown, shown_table
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.eval_report import shown_of
from highlights.pipeline.evaluation import score_at
from highlights.pipeline.highlight import Highlight

EVENTS = [SimpleNamespace(id=f"e{i}", sport="soccer", label="soccer_shooting", start_s=k - 0.5, end_s=k + 0.5,
                          key_s=k) for i, k in enumerate((10.0, 12.5))]


def _row(name: str, kind: str, changes: dict, highlights: list[Highlight], config: PipelineConfig) -> AblationRow:
    score = score_at(highlights, EVENTS, 2.0)
    return AblationRow(name, kind, changes, None, None, None, None, score=score,
                       shown=shown_of(highlights, EVENTS, config, score))


def _result() -> AblationResult:
    base = PipelineConfig()
    change = {"merge.max_length_s": 3.0}
    # one highlight over both shots, keyed at the first; the change caps highlights at 3 s, and a
    # highlight longer than that shows nothing
    folded = [Highlight(start_s=9.0, end_s=14.0, label="soccer_shooting", score=0.9, sport="soccer", key_s=10.0)]
    rows = [_row("baseline", "baseline", {}, folded, base),
            _row("only merge.max_length_s=3.0", "alone", change, folded, base.with_overrides(change)),
            _row("all changes", "all", change, folded, base.with_overrides(change))]
    return AblationResult(base, change, 2.0, rows=rows)


def test_each_run_has_its_shown_recall_beside_its_recall():
    result = _result()
    meaning, header, rows = shown_table(result)
    assert header[1:3] == ["recall [95%] (found/events)", "shown recall [95%] (shown/events)"]
    assert rows[0] == ["baseline", "0.500 [0.095, 0.905] (1/2)", "1.000 [0.342, 1.000] (2/2)", "1"]
    assert rows[1] == ["only merge.max_length_s=3.0", "0.500 [0.095, 0.905] (1/2)", "0.000 [0.000, 0.658] (0/2)", "0"]
    # the longest highlight that counts differs between the runs: the sentence says it is each run's
    assert "no longer than each run's (merge.max_length_s)" in meaning
    markdown = render_markdown(result)
    assert f"{meaning}:" in markdown and ("| baseline | 0.500 [0.095, 0.905] (1/2) | "
                                          "1.000 [0.342, 1.000] (2/2) | 1 |") in markdown


def test_ablation_json_keeps_each_runs_shown_recall():
    saved = _result().to_dict()
    assert "key moment" in saved["shown_in_reel_meaning"]
    base, capped = (row["shown_in_reel"] for row in saved["rows"][:2])
    assert (base["shown"], base["events"], base["shown_not_matched"], base["max_length_s"]) == (2, 2, 1, 12.0)
    assert (capped["shown"], capped["max_length_s"]) == (0, 3.0)
    assert "meaning" not in base  # said once, beside the rows
