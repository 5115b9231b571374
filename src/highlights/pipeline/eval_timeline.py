"""`pipeline_eval_timeline.png`: the scored game on its time axis, each annotated event marked found
or missed (a miss with the stage that lost it) and each highlight right, of the wrong class or
false, as the evaluation's one-to-one matching at its primary tolerance paired them (class level,
as the failure attribution counts misses; a highlight the label-blind matching paired with an
event of another label is told apart from one at no event, since the fix differs: the
classifier's label, not the triggers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from highlights.counted_noun import counted
from highlights.figure_png import write_figure_png
from highlights.pipeline.evaluation import ToleranceScore
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.timeline import Mark, TimelinePart, shown_names, timeline_parts_figure

EVAL_TIMELINE_PNG = "pipeline_eval_timeline.png"

# A highlight's mark is a circle, a diamond or a cross, an event's a triangle up or down: each has
# its own shape, so a mark says what it is without its lane.
RIGHT_MARKER, WRONG_CLASS_MARKER, FALSE_MARKER = "o", "D", "X"
FOUND_MARKER, MISSED_MARKER = "^", "v"
# Hollow (white) for a mark paired, filled (black) for one not: told apart in a grey print too. A
# missed event's vermillion read as a speck of the bar itself on the sports' colours (1.7:1 on
# basketball's orange, 1.3:1 on baseball's blue); black contrasts 3:1 or more with every sport's
# colour but the darkest few, on which the white rim round every mark (`MARK_HALO`) shows it.
MATCHED_FACE, UNMATCHED_FACE = "white", "black"
WRONG_CLASS_FACE = "#999999"
LANE_NAMES = ("highlights", "events")


def match_marks(score: ToleranceScore, highlights: Sequence[Highlight], events: Sequence[Any],
                misses: Sequence[dict[str, Any]] | None = None) -> tuple[list[Mark], list[Mark]]:
    """A mark for each highlight and each event, from `score.class_pairs` and `score.pairs` (the
    evaluation's matchings; nothing is matched again). A highlight not right at the class level
    that the label-blind matching paired with an event of another label is of the wrong class.
    `misses` is the failure attribution's list, in event order, of the events no highlight of
    their class was paired with; each missed event's mark carries its `stage`. None: predictions
    scored without a run, no stage known."""
    tolerance = f"{score.tolerance_s:g} s"
    right = {h for h, _ in score.class_pairs}
    # a highlight of the event's own label paired only label-blind is a repeat, not a wrong class
    wrong_class = {h for h, e in score.pairs if h not in right
                   and getattr(highlights[h], "label", None) != getattr(events[e], "label", None)}
    found = {e for _, e in score.class_pairs}
    stages: dict[int, str] = {}
    if misses is not None:
        missed = [i for i in range(len(events)) if i not in found]
        for i, miss in zip(missed, misses):
            if str(miss.get("event_id")) == str(getattr(events[i], "id", None)):
                stages[i] = str(miss.get("stage", ""))
    found_mark = Mark(f"event found: paired with a highlight of its class within {tolerance}",
                      FOUND_MARKER, MATCHED_FACE, tally="found")
    missed_legend = "event missed" + (", beneath it the stage that lost it" if misses is not None else "")
    if any(miss.get("cause") == "shown" for miss in misses or ()):
        missed_legend += ", or that a highlight keyed at another moment shows it"
    right_mark = Mark("highlight right: paired with an event of its class", RIGHT_MARKER, MATCHED_FACE, tally="right")
    # "paired", not "at": a highlight of another class beside an event the label-blind matching gave to
    # another highlight is a repeat, drawn false, though it too is within the tolerance of an event
    wrong_mark = Mark(f"wrong class: paired, labels aside, with an event of another class (within {tolerance})",
                      WRONG_CLASS_MARKER,
                      WRONG_CLASS_FACE, tally="wrong class")
    false_mark = Mark("false highlight: paired with no event of its class", FALSE_MARKER, UNMATCHED_FACE,
                      tally="false")
    event_marks = [found_mark if i in found else Mark(missed_legend, MISSED_MARKER, UNMATCHED_FACE,
                                                      stages.get(i, ""), tally="missed")
                   for i in range(len(events))]
    return [right_mark if i in right else wrong_mark if i in wrong_class else false_mark
            for i in range(len(highlights))], event_marks


def eval_timeline_figure(highlights: Sequence[Highlight], events: Sequence[Any], score: ToleranceScore, *,
                         misses: Sequence[dict[str, Any]] | None = None,
                         highlight_halves: Sequence[int | None] | None = None,
                         duration_s: float | None = None, title: str = "Evaluation"):
    """The picture as a matplotlib `Figure`: one axis for the game, or one per half when the items
    name more than one half (`highlight_halves`, each event's `half`), each with a lane of
    highlights above a lane of events. `highlights` and `events` are the lists `score` indexes."""
    highlights, events = list(highlights), list(events)
    h_marks, e_marks = match_marks(score, highlights, events, misses)
    h_halves = list(highlight_halves) if highlight_halves is not None else [None] * len(highlights)
    e_halves = [getattr(e, "half", None) for e in events]
    halves = sorted({h for h in [*h_halves, *e_halves] if h is not None})
    if len(halves) <= 1:
        parts = [TimelinePart(highlights, events, duration_s, "", h_marks, e_marks, LANE_NAMES)]
    else:
        # as the matching put them: an item without a half is on the first
        of = lambda half, item_half: (item_half or 1) == half  # noqa: E731
        parts = [TimelinePart([h for h, x in zip(highlights, h_halves) if of(half, x)],
                              [e for e, x in zip(events, e_halves) if of(half, x)], None, f"half {half}",
                              [m for m, x in zip(h_marks, h_halves) if of(half, x)],
                              [m for m, x in zip(e_marks, e_halves) if of(half, x)], LANE_NAMES)
                 for half in halves]
    counts = (f"{len({e for _, e in score.class_pairs})} of {counted(len(events), 'event')} found, "
              f"{len({h for h, _ in score.class_pairs})} of "
              f"{counted(len(highlights), 'highlight')} right "
              f"(class level, one-to-one within {score.tolerance_s:g} s)")
    # the legend top to bottom as the lanes are: highlights, then events
    shapes = (RIGHT_MARKER, WRONG_CLASS_MARKER, FALSE_MARKER)
    order = dict.fromkeys(m.legend for m in sorted(h_marks, key=lambda m: shapes.index(m.marker)))
    order.update(dict.fromkeys(m.legend for m in sorted(e_marks, key=lambda m: m.marker != FOUND_MARKER)))
    # Each lane counts both sides on every axis, none or not: "1 missed" alone read as if found were
    # not counted; a wrong class is counted only in a picture that has one.
    wrong = ["wrong class"] if any(m.tally == "wrong class" for m in h_marks) else []
    tallied = (["right", *wrong, "false"], ["found", "missed"])
    return timeline_parts_figure(parts, title=f"{title}\n{counts}", counts=len(parts) > 1, legend_order=list(order),
                                 tallied=tallied)


def write_eval_timeline(out_path: str | Path, highlights: Sequence[Highlight], events: Sequence[Any],
                        score: ToleranceScore, **kwargs: Any) -> Path:
    """`eval_timeline_figure` written as a PNG, atomically."""
    return write_figure_png(out_path, lambda: eval_timeline_figure(highlights, events, score, **kwargs),
                            names=shown_names(highlights, events))
