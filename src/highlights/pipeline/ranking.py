"""Few and right highlights: one action gives one highlight, each with a calibrated score, ranked,
and capped to what a person wants to watch.

Pure functions over `Candidate`s (the merge stage calls them):

- `group_actions`: detections of one action arrive several times (two tracks, two triggers, the
  classifier's overlapping windows); the best one takes every other whose key moment lies within
  `action_gap_s` of its own or whose window overlaps its own by more than `nms_iou`, and the
  highlight covers them all. Class-agnostic: two different
  actions do not share one second of a game.
- `Calibration`: a logistic map from a highlight's evidence (classifier probability, kinematic
  trigger strength, how many detections agreed, how central and near its player is, whether its
  sport is the one the rest of its shot looks like) to the chance it is a real action, fitted on an
  annotated game (`fit_calibration`, scikit-learn's LogisticRegression) and saved as JSON. The
  identity map (score = classifier probability) is what runs before any fit, and says so.
- `rank_and_cap`: best first, then the score floor, `max_highlights` and `reel_seconds`.
- `reliability`: the calibration check (expected calibration error and a table per score bin).
"""

from __future__ import annotations

import json
import math
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from highlights.events.interval import covered_seconds
from highlights.errors import ConfigError, MissingFileError
from highlights.pipeline.records import Candidate

FEATURES = ("logit_probability", "log_trigger_strength", "log_support", "centrality", "relative_size",
            "shot_sport_share")
_EPS = 1e-4


def _logit(p: float) -> float:
    p = min(max(float(p), _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def evidence_features(raw_score: float, evidence: dict[str, Any]) -> list[float]:
    """The numbers a highlight's score is computed from: `raw_score` is the classifier's
    probability for its label (the kinematic score when the classifier is off), then the
    kinematic trigger's strength, how many detections the action merged, the prominence of the
    track that acted (`ClassifierStage.prominence`) and the share of its shot's action
    probability that falls on its sport (`shot_sport_shares`). Evidence a run did not produce
    counts as neutral (1.0)."""
    kin = evidence.get("kinematics") or {}
    strength = float(kin["value"]) / float(kin["threshold"]) if kin.get("threshold") else 1.0
    support = int((evidence.get("merge") or {}).get("support", 1))
    prominence = (evidence.get("classifier") or {}).get("prominence") or {}
    share = (evidence.get("shot") or {}).get("sport_share")
    return [_logit(raw_score), math.log(max(strength, _EPS)), math.log(max(support, 1)),
            float(prominence.get("centrality", 1.0)), float(prominence.get("relative_size", 1.0)),
            1.0 if share is None else float(share)]


def raw_score(c) -> float:
    """The score before calibration (a calibrated candidate or highlight keeps it in evidence)."""
    return float((c.evidence.get("score") or {}).get("raw", c.score))


@dataclass(frozen=True)
class Calibration:
    """score = sigmoid(intercept + coef . features). The identity (0; 1, 0, ...) returns the
    classifier probability unchanged."""

    intercept: float = 0.0
    coef: tuple[float, ...] = (1.0,) + (0.0,) * (len(FEATURES) - 1)
    features: tuple[str, ...] = FEATURES
    fitted_on: dict[str, Any] = field(default_factory=dict)  # video, events, samples, tolerance

    @property
    def is_identity(self) -> bool:
        return not self.fitted_on

    def score(self, c) -> float:
        """The calibrated score of a candidate or highlight."""
        x = evidence_features(raw_score(c), c.evidence)
        return _sigmoid(self.intercept + sum(w * v for w, v in zip(self.coef, x)))

    def apply(self, c: Candidate) -> Candidate:
        """A copy whose score is calibrated; the raw score stays in evidence["score"]."""
        out = deepcopy(c)
        raw = raw_score(c)
        out.score = self.score(c)
        out.evidence["score"] = {"raw": round(raw, 4), "calibrated": round(out.score, 4),
                                 "calibration": "identity" if self.is_identity else "fitted"}
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"format": "highlights.score-calibration/1", **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Calibration":
        if data.get("format") != "highlights.score-calibration/1":
            raise ValueError("not a score calibration file (format highlights.score-calibration/1)")
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"calibration features {data.get('features')} differ from {list(FEATURES)}")
        return cls(intercept=float(data["intercept"]), coef=tuple(float(v) for v in data["coef"]),
                   features=FEATURES, fitted_on=dict(data.get("fitted_on") or {}))

    @classmethod
    def load(cls, path: str | Path) -> "Calibration":
        path = Path(path)
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            raise MissingFileError(path, "score calibration file not found") from None
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, IsADirectoryError) as e:
            raise ConfigError(f"{path}: not a score calibration file ({e})".splitlines()[0]) from None


def fit_calibration(candidates: Sequence[Any], correct: Sequence[bool], *,
                    fitted_on: dict[str, Any] | None = None, regularisation: float = 1.0) -> Calibration:
    """Logistic regression of 'this highlight matched a real event' on its evidence features.
    With only one outcome present there is nothing to separate: the intercept alone is fitted
    (the observed rate), so the map stays honest."""
    y = np.asarray(correct, dtype=int)
    if len(y) == 0:
        raise ValueError("no highlights to calibrate on")
    X = np.array([evidence_features(raw_score(c), c.evidence) for c in candidates], dtype=np.float64)
    info = {**(fitted_on or {}), "samples": int(len(y)), "positives": int(y.sum())}
    if y.min() == y.max():
        rate = min(max(y.mean(), 0.02), 0.98)
        return Calibration(intercept=_logit(rate), coef=(0.0,) * len(FEATURES), fitted_on=info)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=regularisation).fit(X, y)
    return Calibration(intercept=float(model.intercept_[0]), coef=tuple(float(v) for v in model.coef_[0]),
                       fitted_on=info)


def group_actions(candidates: Sequence[Candidate], gap_s: float,
                  overlap_iou: float = 0.0) -> list[tuple[Candidate, list[Candidate]]]:
    """(best, members) per action: best score first, each takes the not-yet-taken candidates whose
    key moments lie within `gap_s` of its own key moment, or (with `overlap_iou` > 0) whose
    window overlaps its own by more than that temporal IoU: a window pushed back inside the video
    at its end shares most of its footage with its neighbour whatever its key moment says, and
    temporal NMS counted such a pair as one action too. Among equal scores the one with the most
    neighbours goes first: the middle of a run of overlapping windows, not its edge, which would
    leave the run's far end to make a second highlight of the same action."""
    from highlights.pipeline.merge import temporal_iou

    def same_action(best: Candidate, other: Candidate) -> bool:
        if abs(other.moment_s - best.moment_s) <= gap_s:
            return True
        return overlap_iou > 0 and temporal_iou((best.start_s, best.end_s), (other.start_s, other.end_s)) > overlap_iou

    keys = np.array([c.moment_s for c in candidates], dtype=np.float64)
    neighbours = [int((np.abs(keys - k) <= gap_s).sum()) for k in keys]
    order = sorted(range(len(candidates)),
                   key=lambda i: (-round(candidates[i].score, 4), -neighbours[i], candidates[i].moment_s))
    taken: set[int] = set()
    groups = []
    for i in order:
        if i in taken:
            continue
        best = candidates[i]
        members = [j for j in order if j not in taken and same_action(best, candidates[j])]
        taken.update(members)
        groups.append((best, [candidates[j] for j in members]))
    return groups


def merge_action(best: Candidate, members: Sequence[Candidate]) -> Candidate:
    """One candidate for one action: the best's label and key moment, the span of all members."""
    ev = deepcopy(best.evidence)
    labels = sorted({m.label for m in members if m.label})
    ev["merge"] = {"support": len(members), "labels_seen": labels,
                   "segments": [[round(m.start_s, 3), round(m.end_s, 3)] for m in members][:20]}
    return Candidate(start_s=min(m.start_s for m in members), end_s=max(m.end_s for m in members),
                     source=best.source, key_s=best.moment_s, label=best.label, sport=best.sport,
                     score=best.score, evidence=ev)


def rank_and_cap(candidates: Sequence[Candidate], *, min_score: float = 0.0, max_highlights: int = 0,
                 reel_seconds: float = 0.0) -> tuple[list[Candidate], dict[str, int]]:
    """Best first; drop those under `min_score`; keep at most `max_highlights` (0: no cap) and as
    many as fit in `reel_seconds` of reel (0: no cap; a highlight that does not fit is skipped
    and a shorter, lower-ranked one may still fit; footage it shares with a kept highlight is
    already in the reel and costs nothing). Returns the kept ones, best first, and counts of what
    each rule dropped."""
    ranked = sorted(candidates, key=lambda c: (-c.score, c.start_s))
    dropped = {"below_min_score": 0, "over_max_highlights": 0, "over_reel_seconds": 0}
    kept: list[Candidate] = []
    for c in ranked:
        if c.score < min_score:
            dropped["below_min_score"] += 1
        elif max_highlights > 0 and len(kept) >= max_highlights:
            dropped["over_max_highlights"] += 1
        elif reel_seconds > 0 and covered_seconds([(k.start_s, k.end_s) for k in (*kept, c)]) > reel_seconds + 1e-6:
            dropped["over_reel_seconds"] += 1
        else:
            kept.append(c)
    return kept, dropped


def reliability(scores: Sequence[float], correct: Sequence[bool], bins: int = 5) -> dict[str, Any]:
    """Is a score of 0.8 right 8 times in 10? Equal-width bins; ECE = sum of |mean score - hit
    rate| weighted by the bin's share. n is small on one game: read it with its counts."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(correct, dtype=np.float64)
    rows = []
    ece = 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    for k in range(bins):
        inside = (s >= edges[k]) & ((s < edges[k + 1]) if k < bins - 1 else (s <= edges[k + 1]))
        n = int(inside.sum())
        if n == 0:
            continue
        mean_s, rate = float(s[inside].mean()), float(y[inside].mean())
        ece += n / len(s) * abs(mean_s - rate)
        rows.append({"bin": [round(float(edges[k]), 2), round(float(edges[k + 1]), 2)], "n": n,
                     "mean_score": round(mean_s, 3), "correct_rate": round(rate, 3)})
    return {"n": int(len(s)), "ece": round(ece, 4) if len(s) else None, "bins": rows}


def shot_sport_shares(classifications: Sequence[dict[str, Any]], cuts: Sequence[float],
                      times_s: Sequence[float]) -> list[dict[str, float]]:
    """For each time, the share of each sport in the action probability of every classifier
    window of its shot (the stretch between two scene cuts). One shot films one sport, so a
    soccer 'shot' among windows that all look like baseball is more likely a confusion than a
    goal attempt; the share says how much the rest of the shot agrees."""
    from highlights.vocabulary import NONE_LABEL, sport_of

    edges = np.array(sorted(cuts), dtype=np.float64)
    shot_of = lambda t: int(np.searchsorted(edges, t, side="right"))  # noqa: E731
    mass: dict[int, dict[str, float]] = {}
    for c in classifications:
        shot = mass.setdefault(shot_of(0.5 * (c["window"][0] + c["window"][1])), {})
        for label, p in (c.get("probs") or {}).items():
            if label != NONE_LABEL:
                sport = sport_of(label)
                shot[sport] = shot.get(sport, 0.0) + float(p)
    out = []
    for t in times_s:
        shot = mass.get(shot_of(t), {})
        total = sum(shot.values())
        out.append({s: v / total for s, v in shot.items()} if total > 0 else {})
    return out
