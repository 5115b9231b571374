"""How good a run was, and where each miss was lost.

Matching is one-to-one and optimal: the Hungarian algorithm (scipy's `linear_sum_assignment`)
pairs predicted and true key moments so that the number of pairs within the tolerance is as large
as possible and, among such pairings, their total time error is smallest. A predicted highlight's
key moment is its `key_s` (its midpoint if it has none). Recall = matched events / events,
precision = matched highlights / highlights. Class level: a pair counts only when the labels agree.

Beside recall, `shown_in_reel` counts the events a viewer of the highlights sees: those whose key
moment lies inside a highlight's span. The merge folds a highlight into another whose span holds
its key moment, so two actions a second or two apart can end as one highlight keyed at one of
them: the one-to-one matching (one spot per event, as SoccerNet's action spotting counts) calls
the other missed, though the reel shows it. Only highlights no longer than `merge.max_length_s`
count, since a highlight spanning the whole game would show every event.

Attribution walks every event missed at the class level through the stages in order and names
the first that lost it, reading the run's `StageTrace`; an event no highlight was matched to at
all, whose moment lies inside another highlight, is "shown inside another highlight" instead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from highlights.errors import ConfigError
from highlights.events.interval import key_moment
from highlights.figures_apart import figures_apart
from highlights.pipeline.event_person import ACTOR_BOX_IOU, BY_ANYONE, BY_BOX, EventPerson
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.trace import StageTrace
from highlights.rate_interval import CONFIDENCE, METHOD as INTERVAL_METHOD, wilson_interval

DEFAULT_TOLERANCES: tuple[float, ...] = (1.0, 2.0, 5.0)
PRIMARY_TOLERANCE = 2.0

# Attribution causes, in stage order. "pose/kinematics" in the summary groups two of them: a
# pose too poor to trigger and a trigger that never fired are one stage's failure to a reader.
# "shown" is last: no stage lost such an event, the reel shows it inside a highlight keyed at another.
# "damaged_video" is first: no stage saw such an event, its stretch of the video never decoded.
CAUSES: tuple[str, ...] = ("damaged_video", "candidates", "detection", "pose", "kinematics", "classifier_none",
                           "classifier_wrong_class", "merge", "matching", "shown")
CAUSE_TEXT = {
    "damaged_video": "never analysed: the video is damaged there",
    "candidates": "no candidate window",
    "detection": "no person detected",
    "pose": "pose failed",
    "kinematics": "kinematics did not trigger",
    # `none`, or under the argmax rule its own class below classifier.min_score: turned down either way
    "classifier_none": "classifier turned it down",
    "classifier_wrong_class": "classifier said the wrong class",
    "merge": "removed at merge",
    "matching": "found, but matched to another event",
    "shown": "shown inside another highlight",
}
STAGE_GROUP = {"damaged_video": "damaged video",
               "candidates": "candidates", "detection": "detection", "pose": "pose/kinematics",
               "kinematics": "pose/kinematics", "classifier_none": "classifier",
               "classifier_wrong_class": "classifier", "merge": "merge", "matching": "merge",
               "shown": "shown inside another highlight"}


# Times are floats: a key moment 2 s from another, both read back from JSON at millisecond
# precision, can lie 2.0000000000000004 s apart (4.4 - 2.4). Matching and failure attribution both use this
# slack, so an event that a highlight at exactly the tolerance matches is never said to have had
# "no trigger within" that tolerance.
_TIME_SLACK_S = 1e-9


def _within(a: float, b: float, tolerance_s: float) -> bool:
    return abs(a - b) <= tolerance_s + _TIME_SLACK_S


def match_key_moments(pred_s: Sequence[float], true_s: Sequence[float], tolerance_s: float, *,
                      pred_labels: Sequence[str] | None = None,
                      true_labels: Sequence[str] | None = None) -> list[tuple[int, int]]:
    """Maximum one-to-one matching of key moments within `tolerance_s` (labels must agree if given)."""
    if len(pred_s) == 0 or len(true_s) == 0:
        return []
    p = np.asarray(pred_s, dtype=np.float64)[:, None]
    t = np.asarray(true_s, dtype=np.float64)[None, :]
    dist = np.abs(p - t)
    allowed = dist <= tolerance_s + _TIME_SLACK_S
    if pred_labels is not None and true_labels is not None:
        allowed &= np.asarray(pred_labels, dtype=object)[:, None] == np.asarray(true_labels, dtype=object)[None, :]
    # A forbidden pair costs more than all allowed pairs together, so the optimum first
    # maximises the number of allowed pairs, then minimises their time error.
    big = float(dist[allowed].sum()) + 1.0 if allowed.any() else 1.0
    cost = np.where(allowed, dist, big)
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c)) for r, c in zip(rows, cols) if allowed[r, c]]


def _key(h: Highlight) -> float:
    return h.moment_s


@dataclass(frozen=True)
class Rate:
    """`hits` of `total`, kept exact: printed and stored figures are rounded once, from the
    fraction itself (4/19 is 0.211 to three places, not 0.2105 rounded again to 0.210)."""

    hits: int
    total: int

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def rounded(self, digits: int) -> float | None:
        return float(round(Fraction(self.hits, self.total), digits)) if self.total else None

    def text(self, digits: int = 3) -> str:
        """The figure as printed: `digits` places, `-` when there is nothing to divide by."""
        value = self.rounded(digits)
        return "-" if value is None else f"{value:.{digits}f}"

    def counted(self, digits: int = 3) -> str:
        """The figure with the counts it is made of, `0.750 (3/4)`: a rate of few is read as few."""
        return f"{self.text(digits)} ({self.hits}/{self.total})"

    @property
    def interval(self) -> tuple[float, float] | None:
        """Its 95% interval (`rate_interval.METHOD`); None when there is nothing to divide by."""
        return wilson_interval(self.hits, self.total)

    def stored_interval(self) -> list[float] | None:
        return None if self.interval is None else [round(x, STORED_DIGITS) for x in self.interval]

    def with_interval(self, digits: int = 3) -> str:
        """`0.750 [0.301, 0.954]`: the figure and its 95% interval."""
        if self.interval is None:
            return self.text(digits)
        lo, hi = self.interval
        return f"{self.text(digits)} [{lo:.{digits}f}, {hi:.{digits}f}]"

    def reported(self, digits: int = 3) -> str:
        """`0.750 [0.301, 0.954] (3/4)`: the figure, its 95% interval and the counts it is made of."""
        return f"{self.with_interval(digits)} ({self.hits}/{self.total})"


STORED_DIGITS = 4  # places kept in the JSON reports


@dataclass(frozen=True)
class GroupScore:
    """Recall over the events of one sport or one class."""

    events: int
    recall: Rate
    class_recall: Rate


def group_dict(g: GroupScore) -> dict[str, Any]:
    """One sport's or class's events, found with any label (`recall`) and with their own
    (`class_recall`), each with its counts and 95% interval."""
    return {"events": g.events, "matched": g.recall.hits, "class_matched": g.class_recall.hits,
            "recall": g.recall.rounded(STORED_DIGITS), "recall_interval": g.recall.stored_interval(),
            "class_recall": g.class_recall.rounded(STORED_DIGITS),
            "class_recall_interval": g.class_recall.stored_interval()}


@dataclass(frozen=True)
class ToleranceScore:
    """Matching at one key-moment tolerance: event level (any label) and class level."""

    tolerance_s: float
    events: int
    highlights: int
    matched: int
    class_matched: int
    per_sport: dict[str, GroupScore]
    per_class: dict[str, GroupScore]
    # which events (their indices) a highlight found: two runs on the same events differ by the
    # events one found and the other did not, which their recalls alone do not show
    found_events: frozenset[int] = field(default=frozenset(), compare=False)
    # the one-to-one matching itself, (highlight index, event index) pairs, any label and class
    # level: a picture marks each highlight and event by it rather than matching again
    pairs: tuple[tuple[int, int], ...] = field(default=(), compare=False)
    class_pairs: tuple[tuple[int, int], ...] = field(default=(), compare=False)

    @property
    def recall(self) -> Rate:
        return Rate(self.matched, self.events)

    @property
    def precision(self) -> Rate:
        return Rate(self.matched, self.highlights)

    @property
    def class_recall(self) -> Rate:
        return Rate(self.class_matched, self.events)

    @property
    def class_precision(self) -> Rate:
        return Rate(self.class_matched, self.highlights)

    def to_dict(self) -> dict[str, Any]:
        r = lambda rate: rate.rounded(STORED_DIGITS)  # noqa: E731
        ci = lambda rate: rate.stored_interval()  # noqa: E731
        return {
            "tolerance_s": self.tolerance_s,
            "events": self.events, "highlights": self.highlights,
            "recall": r(self.recall), "precision": r(self.precision),
            "class_recall": r(self.class_recall), "class_precision": r(self.class_precision),
            "matched": self.matched, "class_matched": self.class_matched,
            "recall_interval": ci(self.recall), "precision_interval": ci(self.precision),
            "class_recall_interval": ci(self.class_recall), "class_precision_interval": ci(self.class_precision),
            "per_sport": {s: group_dict(g) for s, g in self.per_sport.items()},
            # the same fields as per sport: `recall` any label, `class_recall` the event's own label
            "per_class": {c: group_dict(g) for c, g in self.per_class.items()},
        }


INTERVALS = {"confidence": CONFIDENCE, "method": INTERVAL_METHOD,
             "of": "each rate (`*_interval`, and every attribution share), its n the count it divides by"}
MATCHING = "hungarian (scipy.optimize.linear_sum_assignment) on key-moment distance"


@dataclass(frozen=True)
class Evaluation:
    """Scores at each tolerance; `at(t)` picks one."""

    scores: tuple[ToleranceScore, ...]
    matching: str = MATCHING

    @property
    def tolerances(self) -> list[float]:
        return [s.tolerance_s for s in self.scores]

    def at(self, tolerance_s: float) -> ToleranceScore:
        for score in self.scores:
            if abs(score.tolerance_s - float(tolerance_s)) < 1e-9:
                return score
        raise KeyError(f"no score at tolerance {tolerance_s:g} s (have {', '.join(f'{t:g}' for t in self.tolerances)})")

    def to_dict(self) -> dict[str, Any]:
        return {"matching": self.matching, "intervals": INTERVALS,
                "by_tolerance": [s.to_dict() for s in self.scores]}


def score_at(highlights: Sequence[Highlight], events: Sequence[Any], tolerance_s: float) -> ToleranceScore:
    keys = [_key(h) for h in highlights]
    ev_keys = [float(e.key_s) for e in events]
    any_pairs = match_key_moments(keys, ev_keys, tolerance_s)
    cls_pairs = match_key_moments(keys, ev_keys, tolerance_s, pred_labels=[h.label for h in highlights],
                                  true_labels=[e.label for e in events])
    found = {g for _, g in any_pairs}
    found_cls = {g for _, g in cls_pairs}

    def group(idx: list[int]) -> GroupScore:
        return GroupScore(len(idx), Rate(sum(i in found for i in idx), len(idx)),
                          Rate(sum(i in found_cls for i in idx), len(idx)))

    return ToleranceScore(
        tolerance_s=tolerance_s, events=len(events), highlights=len(highlights),
        matched=len(any_pairs), class_matched=len(cls_pairs), found_events=frozenset(found),
        pairs=tuple(any_pairs), class_pairs=tuple(cls_pairs),
        per_sport={s: group([i for i, e in enumerate(events) if e.sport == s])
                   for s in sorted({e.sport for e in events})},
        per_class={c: group([i for i, e in enumerate(events) if e.label == c])
                   for c in sorted({e.label for e in events})},
    )


def evaluate_highlights(highlights: Sequence[Highlight], annotation, *,
                        tolerances: Iterable[float] = DEFAULT_TOLERANCES) -> Evaluation:
    """Recall and precision (event and class level, overall, per sport, per class) at each
    tolerance. A tolerance not above 0 s (NaN too) raises ConfigError: nothing would match
    within it, and every score would read 0 as if the run had found nothing."""
    tolerances = [float(t) for t in tolerances]
    if refused := [t for t in tolerances if not t > 0]:
        raise ConfigError(f"tolerances {refused[0]:g}: a key moment's tolerance must be above 0 s")
    events = list(annotation.events)
    return Evaluation(tuple(score_at(highlights, events, t) for t in tolerances))


# -- shown in the reel ---------------------------------------------------------------------------

SHOWN_MEANING = ("events whose key moment lies inside the span of a highlight of any label no longer than "
                 "merge.max_length_s (shown by the run's highlights, matched to that highlight or not; the reel "
                 "file holds the best-ranked of them that fit its share of the game); a longer highlight "
                 "would show whatever it spans, and counts for none")


def shown_by(key_s: float, highlights: Sequence[Highlight], max_length_s: float) -> Highlight | None:
    """The highlight that shows a moment: of those no longer than `max_length_s` whose span holds
    it, the one keyed nearest to it; None where none does."""
    holding = [h for h in highlights if h.end_s - h.start_s <= max_length_s + _TIME_SLACK_S
               and h.start_s - _TIME_SLACK_S <= key_s <= h.end_s + _TIME_SLACK_S]
    return min(holding, key=lambda h: abs(_key(h) - key_s), default=None)


@dataclass(frozen=True)
class ShownScore:
    """Events shown in the reel (`SHOWN_MEANING`), and how many of them the one-to-one matching at
    `tolerance_s` paired with no highlight: each of those is shown inside a highlight keyed at
    another moment, and a miss to the headline recall."""

    max_length_s: float
    tolerance_s: float
    events: int
    shown_events: frozenset[int]
    unmatched: int

    @property
    def shown_recall(self) -> Rate:
        return Rate(len(self.shown_events), self.events)

    def to_dict(self) -> dict[str, Any]:
        rate = self.shown_recall
        return {"meaning": SHOWN_MEANING, "max_length_s": self.max_length_s, "events": self.events,
                "shown": rate.hits, "shown_recall": rate.rounded(STORED_DIGITS),
                "shown_recall_interval": rate.stored_interval(),
                "tolerance_s": self.tolerance_s, "shown_not_matched": self.unmatched}

    def summary(self) -> str:
        """The printed line: the figure, its interval and counts, what it counts and how many of
        its events the headline recall misses."""
        return shown_summary(self.shown_recall, self.max_length_s, self.unmatched, self.tolerance_s)


def shown_definition(longest: str) -> str:
    """What the shown recall counts, in the words every line, table and paragraph of it uses;
    ``longest``: the longest highlight that shows an event ("12 s", or "each run's")."""
    return f"events whose key moment lies inside a highlight no longer than {longest} (merge.max_length_s), any label"


def shown_summary(shown: Rate, max_length_s: float | None, unmatched: int, tolerance_s: float | None) -> str:
    """`ShownScore.summary()`'s line from its counts: also a batch's, pooled over its games (a
    longest highlight or tolerance that differs between them is None, and named as each game's)."""
    longest = f"{max_length_s:g} s" if max_length_s is not None else "each game's"
    within = f"{tolerance_s:g} s" if tolerance_s is not None else "each game's tolerance"
    return (f"shown recall {shown.reported()}: {shown_definition(longest)}; {unmatched} of them "
            f"matched to no highlight within {within} (shown inside another highlight)")


def shown_in_reel(highlights: Sequence[Highlight], events: Sequence[Any], max_length_s: float,
                  found_events: Iterable[int], tolerance_s: float) -> ShownScore:
    """Which events the highlights show; `found_events`: the events the one-to-one matching at
    `tolerance_s` (any label) found."""
    shown = frozenset(i for i, e in enumerate(events) if shown_by(float(e.key_s), highlights, max_length_s))
    return ShownScore(float(max_length_s), float(tolerance_s), len(events), shown, len(shown - set(found_events)))


# -- per-stage failure attribution ---------------------------------------------------------------

@dataclass(frozen=True)
class Attribution:
    event_id: str
    label: str
    sport: str
    key_s: float
    cause: str
    detail: str
    # Whose triggers and windows counted (`event_person`): the event's person's, told by
    # `track_id` or by `box`, or `anyone`'s.
    evidence_by: str = BY_ANYONE

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "label": self.label, "sport": self.sport,
                "key_s": round(self.key_s, 3), "cause": self.cause, "stage": STAGE_GROUP[self.cause],
                "detail": self.detail, "evidence_by": self.evidence_by}


def first_lost_stage(event, trace: StageTrace, config, before_merge: Sequence[Highlight],
                     tolerance_s: float, person: EventPerson | None = None) -> tuple[str, str]:
    """(cause, detail): the first enabled stage at which this event's evidence disappears.
    `person`: who performs the event, where known (`event_person`); then only their triggers and
    windows count, and a detail says where another person's was the one near."""
    start, end, key = float(event.start_s), float(event.end_s), float(event.key_s)
    lost = [(a, b) for a, b in trace.unanalysed_s if a < key < b]
    if lost:
        a, b = lost[0]
        return "damaged_video", f"its key moment lies in {a:.1f}-{b:.1f} s, where no frame decoded"
    frames = trace.frames_between(start, end)
    if config.candidates.enabled:
        windows = [w for w in trace.windows if w["start_s"] <= end and w["end_s"] >= start]
        if not windows:
            return "candidates", "no candidate window overlaps the event"
        if config.candidates.active_frames_only and not frames["active"].any():
            return "candidates", "no active (moving) frame during the event"
    if config.detection.enabled and not (frames["persons"] > 0).any():
        return "detection", f"no person in {len(frames['time'])} analysis frames of the event"
    if config.pose.enabled and not (frames["pose_ok"] > 0).any():
        return "pose", "no usable pose during the event"
    if config.kinematics.enabled:
        if config.pose.enabled:
            fired = [t for t in trace.triggers if t.get("trigger") and _within(t["key_s"], key, tolerance_s)]
            if not _theirs(fired, person):
                return "kinematics", (f"no trigger{_of(person, fired)} within {tolerance_s:g} s "
                                      f"of the key moment{_others_text(fired, 'trigger')}")
    if config.classifier.enabled:
        anyone = [c for c in trace.classifications if _within(_window_key(c), key, tolerance_s)]
        near = _theirs(anyone, person)
        right = [c for c in near if c["accepted"] and c["label"] == event.label]
        if not right:
            wrong = [c for c in near if c["accepted"]]
            if wrong:
                best = max(wrong, key=lambda c: c["score"])
                return "classifier_wrong_class", f"said {best['label']} ({_score_text(best)})"
            if not near:
                return "classifier_none", (f"no classifier window{_of(person, anyone)} near the "
                                           f"key moment{_others_text(anyone, 'window')}")
            return "classifier_none", turned_down_text(near, trace.classifier_gate)
    survived = [h for h in before_merge if _within(_key(h), key, tolerance_s)
                and (h.label == event.label or not config.classifier.enabled)]
    if survived and config.merge.enabled:
        return "merge", "a correct detection existed before merge"
    return "matching", "a detection existed but the one-to-one matching gave it to another event"


def _theirs(rows: list[dict[str, Any]], person: EventPerson | None) -> list[dict[str, Any]]:
    return rows if person is None else [r for r in rows if person.owns(r)]


def _of(person: EventPerson | None, near: list[dict[str, Any]]) -> str:
    """` of the event's person (track 4)` where another person's rows were near, else nothing;
    told by box, the person is the truth's id, and the tracks named beside it the detector's."""
    if person is None or not near:
        return ""
    if person.by == BY_BOX:
        return f" of the event's person (the truth's person {person.id}, by box)"
    return f" of the event's person (track {person.id})"


def _others_text(near: list[dict[str, Any]], what: str) -> str:
    """`; another person's trigger (track 7) was the one near`, where rows near the key moment,
    none the event's person's, were there; nothing where none was."""
    tracks = sorted({str(r.get("track")) for r in near})
    if not tracks:
        return ""
    whose = "another person's" if len(tracks) == 1 else "other persons'"
    plural = "s" if len(near) > 1 else ""
    return f"; {whose} {what}{plural} (track {', '.join(tracks)}) near it"


def turned_down_text(near: list[dict[str, Any]], gate: dict[str, Any] | None) -> str:
    """Why the windows near a missed event were turned down: the most action-like one (the least
    `none`), what it said, and the bar it did not reach. A window's score cannot pick it, as under
    the action gate a window turned down is scored by its P(none)."""
    def action(c: dict[str, Any]) -> float:
        probs = c.get("probs") or {}
        if "none" in probs:
            return 1.0 - probs["none"]
        return c["score"] if c["label"] != "none" else 0.0

    best = max(near, key=action)
    of = f"of {len(near)} windows" if len(near) != 1 else "of 1 window"
    probs = best.get("probs") or {}
    actions = {k: v for k, v in probs.items() if k != "none"}
    top = max(actions, key=actions.get) if actions else None
    if gate and gate.get("rule") == "action_threshold":
        action_text, top_text = figures_apart(action(best), actions[top] if top else 0.0)
        said = f" ({top} {top_text})" if top else ""
        return (f"most action-like {of}: action probability {action_text}{said}, "
                f"under the action threshold {gate['threshold']:g}")
    if best["label"] == "none":
        said = f"; {top} {actions[top]:.2f}" if top else ""
        return f"most action-like {of} said none ({best['score']:.2f}{said})"
    if gate and gate.get("rule") == "argmax":
        return (f"most action-like {of} said {best['label']} {best['score']:.2f}, "
                f"under classifier.min_score {gate['min_score']:g}")
    return f"most action-like {of} said {best['label']} ({best['score']:.2f})"


def _score_text(c: dict[str, Any]) -> str:
    """A window's score, and beside it its class's probability where they differ: under the
    action gate the score is the action probability, 1 - P(none), not the class's."""
    p = (c.get("probs") or {}).get(c["label"])
    if p is None or abs(p - c["score"]) < 0.005:
        return f"{c['score']:.2f}"
    score_text, p_text = figures_apart(c["score"], p)  # 0.452 and 0.447 are not both "0.45"
    return f"action {score_text}; {c['label']} {p_text}"


def _window_key(c: dict[str, Any]) -> float:
    return key_moment(c["window"][0], c["window"][1], c.get("key_s"))


def shown_text(h: Highlight, cause: str, detail: str) -> str:
    """Which highlight shows a missed event (its span, label and key moment), and what the stages
    made of the event itself: one folded in at the merge and one no stage found both fall inside
    a neighbour's highlight, and a reader fixing the stages wants to know which it was."""
    return (f"inside the {h.label} highlight {h.start_s:.2f}-{h.end_s:.2f} s, keyed at {_key(h):.2f} s; "
            f"of its own: {CAUSE_TEXT[cause]} ({detail})")


def event_level_miss(event, highlights: Sequence[Highlight], trace: StageTrace, config,
                     before_merge: Sequence[Highlight], tolerance_s: float,
                     person: EventPerson | None = None) -> tuple[str, str]:
    """(cause, detail) of an event missed at the event level (no highlight of any label matched to
    it), as the benches count them: "shown" (`shown_text`) where a highlight holds its moment, else
    the first stage that lost it (`first_lost_stage`), except that a classifier window that
    accepted it under another label did find it: the merge lost it where a highlight stood near it
    before the merge, else the matching. `person`: as `first_lost_stage`'s."""
    cause, detail = first_lost_stage(event, trace, config, before_merge, tolerance_s, person)
    if cause == "classifier_wrong_class":
        near = [h for h in before_merge if _within(h.moment_s, float(event.key_s), tolerance_s)]
        cause = "merge" if near and config.merge.enabled else "matching"
        detail = "found before merge (as another class)" if near else detail
    shown = shown_by(float(event.key_s), highlights, config.merge.max_length_s)
    return ("shown", shown_text(shown, cause, detail)) if shown is not None else (cause, detail)


PERSON_KNOWN = ("the event's person (the player the game's truth marks as followed at its key "
                "moment): another person's trigger or classifier window near it does not count; "
                "a row is theirs by its track id where the run's tracks are the truth's ids, else "
                "by its track's box overlapping the truth's box of them "
                f"(IoU >= {ACTOR_BOX_IOU:g}); "
                "each miss's `evidence_by` says which")
PERSON_UNKNOWN = "anyone: any person's trigger or classifier window near an event counts"


def attribute_misses(highlights: Sequence[Highlight], annotation, trace: StageTrace, config,
                     before_merge: Sequence[Highlight], *, tolerance_s: float = PRIMARY_TOLERANCE,
                     persons: Sequence[EventPerson | None] | None = None) -> dict[str, Any]:
    """Every event missed at the class level, with the stage that lost it (or the highlight that
    shows it, where no highlight was matched to it: `shown_by`), and the summary table.
    `persons`: per event, who performs it where known (`event_person.event_persons`)."""
    events = list(annotation.events)
    keys, ev_keys = [_key(h) for h in highlights], [e.key_s for e in events]
    pairs = match_key_moments(keys, ev_keys, tolerance_s,
                              pred_labels=[h.label for h in highlights], true_labels=[e.label for e in events])
    found = {g for _, g in pairs}
    found_any_label = {g for _, g in match_key_moments(keys, ev_keys, tolerance_s)}
    rows = []
    for i, e in enumerate(events):
        if i in found:
            continue
        # A highlight paired with this event under another label is its own, named wrong: the
        # stages say why. One paired with none, holding its moment, shows it inside another.
        shown = None if i in found_any_label else shown_by(float(e.key_s), highlights, config.merge.max_length_s)
        person = persons[i] if persons is not None else None
        cause, detail = first_lost_stage(e, trace, config, before_merge, tolerance_s, person)
        if shown is not None:
            cause, detail = "shown", shown_text(shown, cause, detail)
        rows.append(Attribution(str(e.id), e.label, e.sport, float(e.key_s), cause, detail,
                                BY_ANYONE if person is None else person.by))
    counts = Counter(r.cause for r in rows)
    groups = Counter(STAGE_GROUP[r.cause] for r in rows)
    n = len(rows)
    return {
        "tolerance_s": tolerance_s,
        "level": "class (a miss is an event with no highlight of its label within the tolerance)",
        "events": len(events), "missed": n,
        "evidence_of": (PERSON_KNOWN if persons is not None and any(p is not None for p in persons)
                        else PERSON_UNKNOWN),
        "by_cause": {c: {"count": counts.get(c, 0), "share": Rate(counts.get(c, 0), n).rounded(STORED_DIGITS),
                         "share_interval": Rate(counts.get(c, 0), n).stored_interval(),
                         "meaning": CAUSE_TEXT[c]} for c in CAUSES},
        "by_stage": {g: {"count": groups.get(g, 0), "share": Rate(groups.get(g, 0), n).rounded(STORED_DIGITS),
                         "share_interval": Rate(groups.get(g, 0), n).stored_interval()}
                     for g in dict.fromkeys(STAGE_GROUP.values())},
        "misses": [r.to_dict() for r in rows],
    }
