"""One-at-a-time ablation: baseline, each change alone, all changes together, and all but one.

A batch of changes can hide a bad one (three that help and one that costs recall, made together,
can score below the baseline); this table exposes it: a change that lowers recall alone, and whose
removal from the full batch raises it, is the culprit. Recall counts an event found whatever the
label of the highlight that found it, so a change that keeps finding an event but now names it
wrong costs class recall alone: such a change is named on its own line (`class_culprits`).

Runs share one cache: detection/pose outputs per frame and classifier probabilities per window
are keyed by every setting that can change them, so a run recomputes only what its flags touch
(changing `nms_iou` reuses everything; changing `video_mode` recomputes pose, and then only the
classifier windows that moved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from highlights.atomic import atomic_write_json, atomic_write_text, written_together
from highlights.file_set import WRITTEN_WITH, partners_record
from highlights.errors import ConfigError
from highlights.markdown_table import markdown_table
from highlights import __version__
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.eval_report import evaluate_result
from highlights.pipeline.evaluation import (INTERVALS, PRIMARY_TOLERANCE, SHOWN_MEANING, STORED_DIGITS, ShownScore,
                                            ToleranceScore, group_dict, shown_definition)
from highlights.pipeline.json_values import json_default
from highlights.pipeline.run import run_pipeline
from highlights.rate_interval import PAIRED_METHOD, paired_difference_interval

ABLATION_JSON = "ablation.json"
ABLATION_MD = "ablation.md"


@dataclass
class AblationRow:
    name: str
    kind: str  # baseline | alone | all | all_but
    changes: dict[str, Any]
    recall: float | None
    precision: float | None
    class_recall: float | None
    class_precision: float | None
    delta_recall: float | None = None  # vs baseline (None for the baseline: no change to measure)
    delta_recall_vs_all: float | None = None  # all_but rows: what dropping that change from the batch does
    delta_recall_interval: list[float] | None = None  # 95%, paired: both runs scored the same events
    delta_recall_vs_all_interval: list[float] | None = None
    events_vs_baseline: dict[str, int] | None = None  # {"gained": n, "lost": n}: events behind delta_recall
    events_vs_all: dict[str, int] | None = None  # the same behind delta_recall_vs_all
    seconds: float = 0.0
    reused: bool = False
    models: list[dict[str, Any]] = field(default_factory=list)  # the model files its run loaded, by content
    score: ToleranceScore | None = field(default=None, repr=False, compare=False)  # the exact counts
    shown: ShownScore | None = field(default=None, repr=False, compare=False)  # the events its highlights show

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("score", "shown")}
        if self.shown is not None:  # what it means is said once, beside the rows
            out["shown_in_reel"] = {k: v for k, v in self.shown.to_dict().items() if k != "meaning"}
        if self.score is not None:
            s = self.score
            out.update(events=s.events, highlights=s.highlights, matched=s.matched, class_matched=s.class_matched,
                       recall_interval=s.recall.stored_interval(), precision_interval=s.precision.stored_interval(),
                       class_recall_interval=s.class_recall.stored_interval(),
                       class_precision_interval=s.class_precision.stored_interval(),
                       per_sport={sport: group_dict(g) for sport, g in s.per_sport.items()})
        return out


@dataclass
class AblationResult:
    base_config: PipelineConfig
    changes: dict[str, Any]
    tolerance_s: float
    rows: list[AblationRow] = field(default_factory=list)
    culprits: list[str] = field(default_factory=list)
    class_culprits: list[str] = field(default_factory=list)  # the same at class level: the right label
    # the game as read, with its size and sha256 (last: the fields before it are given by position)
    video: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"highlights_version": __version__, "video": self.video,
                "base_config": self.base_config.to_dict(), "changes": self.changes,
                "tolerance_s": self.tolerance_s, "culprits": self.culprits,
                "class_culprits": self.class_culprits,
                "intervals": {**INTERVALS, "changes_of_recall": PAIRED_METHOD},
                "shown_in_reel_meaning": SHOWN_MEANING,
                "rows": [r.to_dict() for r in self.rows]}


def ablation_plan(changes: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, kind, changed flags) for each row, in table order."""
    plan = [("baseline", "baseline", {})]
    plan += [(f"only {k}={_show(v)}", "alone", {k: v}) for k, v in changes.items()]
    plan.append(("all changes", "all", dict(changes)))
    if len(changes) > 1:
        plan += [(f"all but {k}", "all_but", {j: w for j, w in changes.items() if j != k}) for k in changes]
    return plan


def _show(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _recall_change(a: AblationRow, b: AblationRow, *, class_level: bool = False) -> Fraction | None:
    """Exact change in recall (`class_level`: class recall) from row `b` to row `a` (None where
    either has no events, and from the baseline to itself: a run against itself has no change
    to measure, and a paired interval around its 0 would read as an uncertainty it does not have)."""
    if a is b or a.score is None or b.score is None or not a.score.events or not b.score.events:
        return None
    if class_level:
        return Fraction(a.score.class_matched, a.score.events) - Fraction(b.score.class_matched, b.score.events)
    return Fraction(a.score.matched, a.score.events) - Fraction(b.score.matched, b.score.events)


def _stored(x: Fraction | None) -> float | None:
    return None if x is None else float(round(x, STORED_DIGITS))


def _stored_interval(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [round(v, STORED_DIGITS) for v in interval]


def _refuse_a_setting_changed_twice(items: list[str]) -> None:
    """A setting given twice would keep its last value only, and the other row would vanish from
    the table unsaid: each change is one setting's new value, so two values of one are refused."""
    values: dict[str, list[str]] = {}
    for item in items:
        key, _, value = item.partition("=")
        values.setdefault(key.strip(), []).append(value.strip())
    twice = {key: vals for key, vals in values.items() if len(vals) > 1}
    if twice:
        shown = "; ".join(f"{key} ({', '.join(vals)})" for key, vals in twice.items())
        raise ConfigError(f"--change gives one setting more than one value: {shown}; each change is run alone, all "
                          "together and all but one, so a setting takes one value: run ablate once per value "
                          "(or make one of them the baseline with --set)")


def run_ablation(video_path: str | Path, annotation, base: PipelineConfig, changes: dict[str, Any] | list[str], *,
                 tolerance_s: float = PRIMARY_TOLERANCE, cache: dict | None = None, progress: bool = False,
                 on_row: Callable[[AblationRow], None] | None = None,
                 log: Callable[[str], None] = lambda m: None) -> AblationResult:
    if not isinstance(changes, dict):
        from highlights.pipeline.config import parse_assignments

        _refuse_a_setting_changed_twice(changes)
        changes = parse_assignments(changes)
    if not changes:
        raise ConfigError("an ablation needs at least one setting to change (section.field=value)")
    for k, v in changes.items():
        if base.with_overrides({k: v}) == base:
            raise ConfigError(f"{k}={_show(v)} is already the baseline's value; nothing to ablate")
    configs = [(name, kind, ch, base.with_overrides(ch)) for name, kind, ch in ablation_plan(changes)]
    cache = {} if cache is None else cache
    scored: dict[PipelineConfig, tuple[ToleranceScore, ShownScore | None, float, list]] = {}
    result = AblationResult(base_config=base, changes=changes, tolerance_s=tolerance_s)
    from highlights.model.process_cache import classifiers_kept_loaded

    # One classifier for every run: a checkpoint's inference path is chosen by timing, and where
    # the machine is busy the choice is not cached, so each run loading its own could take another
    # path (an int8 one in one run, fp32 in the next) and a row's change would carry the paths'
    # difference in scores with it.
    with classifiers_kept_loaded():
        for i, (name, kind, ch, cfg) in enumerate(configs, 1):
            reused = cfg in scored
            # Each run takes as long as a pipeline run: say which row it is for before it starts.
            log(f"run {i} of {len(configs)}: {name}"
                + (" (the same config as an earlier row: reused)" if reused else ""))
            if not reused:
                run = run_pipeline(video_path, cfg, annotation=annotation, cache=cache, progress=progress)
                report = evaluate_result(run, annotation, tolerances=[tolerance_s], attribution_tolerance_s=tolerance_s)
                scored[cfg] = (report.scores.at(tolerance_s), report.shown, run.stats["seconds"], run.models)
                result.video = result.video or run.video
            score, shown, seconds, models = scored[cfg]
            r = AblationRow(name=name, kind=kind, changes=ch, recall=score.recall.rounded(STORED_DIGITS),
                            precision=score.precision.rounded(STORED_DIGITS),
                            class_recall=score.class_recall.rounded(STORED_DIGITS),
                            class_precision=score.class_precision.rounded(STORED_DIGITS),
                            seconds=0.0 if reused else seconds, reused=reused, models=models, score=score,
                            shown=shown)
            result.rows.append(r)
    baseline = result.rows[0]
    everything = next(r for r in result.rows if r.kind == "all")
    for r in result.rows:
        r.delta_recall = _stored(_recall_change(r, baseline))
        r.delta_recall_interval = _stored_interval(recall_change_interval(r, baseline))
        r.events_vs_baseline = None if r is baseline else _moved(r, baseline)
        if r.kind == "all_but":
            r.delta_recall_vs_all = _stored(_recall_change(r, everything))
            r.delta_recall_vs_all_interval = _stored_interval(recall_change_interval(r, everything))
            r.events_vs_all = _moved(r, everything)
        if on_row is not None:
            on_row(r)
    result.culprits = find_culprits(result.rows)
    result.class_culprits = find_culprits(result.rows, class_level=True)
    return result


def find_culprits(rows: list[AblationRow], *, class_level: bool = False) -> list[str]:
    """Changes that cost recall (`class_level`: class recall) alone, or whose removal from the
    full batch gains it."""
    out = []
    baseline = next((r for r in rows if r.kind == "baseline"), None)
    everything = next((r for r in rows if r.kind == "all"), None)
    alone = {next(iter(r.changes)): r for r in rows if r.kind == "alone"}
    all_but = {k: r for r in rows if r.kind == "all_but"
               for k in alone if k not in r.changes}
    for k, r in alone.items():
        hurts_alone = baseline is not None and (_recall_change(r, baseline, class_level=class_level) or 0) < 0
        removal_helps = (k in all_but and everything is not None
                         and (_recall_change(all_but[k], everything, class_level=class_level) or 0) > 0)
        if hurts_alone or removal_helps:
            out.append(k)
    return out


def write_ablation(result: AblationResult, out_dir: str | Path) -> dict[str, Path]:
    from highlights.pipeline.ablation_chart import ABLATION_PNG, write_ablation_chart

    out_dir = Path(out_dir)
    with written_together():  # all or none, as a report is read: the Markdown links the chart
        written = {"chart": write_ablation_chart(result, out_dir / ABLATION_PNG),
                   "markdown": atomic_write_text(out_dir / ABLATION_MD, render_markdown(result))}
        # The JSON last, naming the others' contents (`highlights.file_set`): a kill between the
        # renames leaves an earlier JSON that says the files beside it are not its own.
        record = {**result.to_dict(), WRITTEN_WITH: partners_record(written.values())}
        return {**written, "json": atomic_write_json(out_dir / ABLATION_JSON, record, indent=2,
                                                     default=json_default)}


def _signed(x: Fraction | None) -> str:
    return "-" if x is None else f"{float(round(x, 3)):+.3f}"


def events_gained_lost(a: AblationRow, b: AblationRow) -> tuple[int, int] | None:
    """Events row `a` found and row `b` did not, and the reverse (None without both runs' events)."""
    if a.score is None or b.score is None:
        return None
    return len(a.score.found_events - b.score.found_events), len(b.score.found_events - a.score.found_events)


def _moved(a: AblationRow, b: AblationRow) -> dict[str, int] | None:
    moved = events_gained_lost(a, b)
    return None if moved is None else {"gained": moved[0], "lost": moved[1]}


def recall_change_interval(a: AblationRow, b: AblationRow) -> tuple[float, float] | None:
    """The 95% interval of the change in recall from row `b` to row `a`: both runs scored the
    same events, so the interval is the paired one (`rate_interval.paired_difference_interval`)."""
    if _recall_change(a, b) is None:
        return None
    found_a, found_b = a.score.found_events, b.score.found_events
    both = len(found_a & found_b)
    return paired_difference_interval(both, len(found_a - found_b), len(found_b - found_a),
                                      a.score.events - len(found_a | found_b))


def _change_text(a: AblationRow, b: AblationRow) -> str:
    """`+0.067 [-0.046, 0.179] (+2 / -0 events)`: a change of recall with its paired 95% interval
    and the events it is made of, since a change of 0 can hide two events gained and two lost,
    and one event is all a small one is."""
    change = _signed(_recall_change(a, b))
    moved = events_gained_lost(a, b)
    if change == "-" or moved is None:
        return change
    low, high = recall_change_interval(a, b)
    return f"{change} [{low:.3f}, {high:.3f}] (+{moved[0]} / -{moved[1]} events)"


def table_rows(result: AblationResult) -> list[list[str]]:
    """The printed table: every figure rounded once, from its exact fraction, beside its counts."""
    baseline = result.rows[0]
    everything = next(r for r in result.rows if r.kind == "all")
    return [[r.name, r.score.recall.reported(), r.score.precision.reported(), r.score.class_recall.reported(),
             _change_text(r, baseline),
             _change_text(r, everything) if r.kind == "all_but" else "-"] for r in result.rows]


def sport_table(result: AblationResult) -> tuple[list[str], list[list[str]]] | None:
    """Each run's recall per sport, with its interval and counts (header, rows); None for a game
    of one sport, where the main table says it all. A change can gain recall overall on one
    sport's events and lose it on another's: the overall rate alone would credit it everywhere."""
    sports = result.rows[0].score.per_sport
    if len(sports) < 2:
        return None
    header = ["run", *(f"{sport} ({g.events} event{'' if g.events == 1 else 's'})" for sport, g in sports.items())]
    return header, [[r.name, *(r.score.per_sport[sport].recall.reported() for sport in sports)] for r in result.rows]


def shown_table(result: AblationResult) -> tuple[str, list[str], list[list[str]]] | None:
    """Each run's shown recall beside its recall (what it means, header, rows); None where no row
    has one. A table of its own: as a seventh column of the main table it would push that table,
    already wider than a terminal, wider still, and read apart from the recall it qualifies."""
    rows = [r for r in result.rows if r.shown is not None]
    if not rows:
        return None
    longest = {r.shown.max_length_s for r in rows}
    within = f"{longest.pop():g} s" if len(longest) == 1 else "each run's"
    meaning = (f"Shown recall: {shown_definition(within)}, and how many of them the matching paired with no "
               f"highlight within {result.tolerance_s:g} s (shown inside a highlight keyed at another moment, a miss "
               "to the recall)")
    header = ["run", "recall [95%] (found/events)", "shown recall [95%] (shown/events)",
              "shown, matched to no highlight"]
    return meaning, header, [[r.name, r.score.recall.reported(), r.shown.shown_recall.reported(),
                              str(r.shown.unmatched)] for r in rows]


TABLE_HEADER = ["run", "recall [95%] (found/events)", "precision [95%] (right/highlights)",
                "class recall [95%] (found/events)",
                "Δ recall vs baseline [95%]", "Δ recall vs all [95%]"]


def culprits_sentence(result: AblationResult, quote: str = "`") -> str:
    """Which changes cost recall, and which cost class recall (an event still found, now named
    wrong, costs only the latter), alone or inside the batch; or that none does."""
    def named(changes: list[str]) -> str:
        return ", ".join(f"{quote}{c}{quote}" for c in changes)

    if not result.culprits and not result.class_culprits:
        return "No change costs recall or class recall alone or inside the batch."
    said = [f"Changes that cost recall (alone, or inside the batch): {named(result.culprits)}." if result.culprits
            else "No change costs recall alone or inside the batch."]
    if result.class_culprits:
        said.append(f"Changes that cost class recall (alone, or inside the batch): {named(result.class_culprits)}.")
    else:
        said.append("No change costs class recall.")
    return " ".join(said)


def render_markdown(result: AblationResult) -> str:
    lines = ["# Pipeline ablation", "",
             f"Tolerance {result.tolerance_s:g} s on the key moment; one-to-one Hungarian matching; "
             "each rate with its 95% Wilson interval and its counts; each change of recall with its paired "
             "95% interval (Newcombe's: both runs scored the same events) and the events it gained and lost. "
             "Changes: " + ", ".join(f"`{k}={_show(v)}`" for k, v in result.changes.items()) + ".", "",
             markdown_table(TABLE_HEADER, table_rows(result)), ""]
    shown = shown_table(result)
    if shown is not None:
        meaning, header, rows = shown
        lines += [f"{meaning}:", "", markdown_table(header, rows), ""]
    per_sport = sport_table(result)
    if per_sport is not None:
        lines += [f"Recall per sport (tolerance {result.tolerance_s:g} s; 95% Wilson interval, found/events): "
                  "whether a change's gain holds for every sport or is one sport's alone.", "",
                  markdown_table(*per_sport), ""]
    lines += [culprits_sentence(result)]
    lines += ["", "Each run's recall, class recall and precision with their 95% intervals and "
              "counts, the baseline's row shaded and its figures dashed:", "",
              "![Recall, class recall and precision of each run](ablation.png)",
              "", "The baseline config is in `ablation.json` under `base_config`.", ""]
    return "\n".join(lines)
