"""Few and right highlights: one action gives one highlight, each with a calibrated score, ranked,
and capped to what a person wants to watch.

Pure functions over `Candidate`s (the merge stage calls them):

- `group_actions`: detections of one action arrive several times (two tracks, two triggers, the
  classifier's overlapping windows); the best one takes every other whose key moment lies within
  `action_gap_s` of its own or whose window overlaps its own by more than `nms_iou`, and the
  highlight covers them all. Class-agnostic: two different
  actions do not share one second of a game.
- `Calibration`: a logistic map from a highlight's evidence (classifier probability, kinematic
  trigger strength and kind, how many detections agreed, how central and near its player is, its
  sport, whether its sport is the one the rest of its shot looks like, whether a more probable
  highlight lies near it) to the chance it is a real action, fitted on annotated games
  (`fit_calibration`, scikit-learn's LogisticRegression) and saved as JSON naming its features.
  The package ships one fitted on synthetic games (`DEFAULT_CALIBRATION`,
  `scripts/make_default_calibration.py`), used for the packaged pose model
  (`resolve_calibration`); the identity map (score = classifier probability) runs otherwise, and
  says so. `score_highlights` adds the neighbourhood and shot evidence and applies it; both merges
  call it.
- `rank_and_cap`: best first, then the score floor, `max_highlights` and `reel_seconds`.
- `reliability`: the calibration check (expected calibration error with its bootstrap interval,
  and a table per score bin).
"""

from __future__ import annotations

import codecs
import json
import math
from copy import deepcopy
from dataclasses import asdict, dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from highlights.events.interval import covered_seconds
from highlights.errors import ConfigError, MissingFileError
from highlights.packaged_file import file_or_member, packaged_file
from highlights.pipeline.records import Candidate

FEATURES = ("logit_probability", "log_trigger_strength", "log_support", "centrality", "relative_size",
            "shot_sport_share")
# Evidence a calibration may also use (a calibration file names the features it uses).
EXTRA_FEATURES = ("sport_baseball", "sport_basketball", "trigger_wrist", "trigger_ankle", "trigger_hip_rise",
                  "label_share", "trigger_fits_label", "local_best", "log_neighbours", "log_peak_contrast")
# The trigger kinds each sport's action makes: a kick moves the ankle, a swing the wrists, a layup
# or jump shot lifts the hips (arms up) or flicks the wrist.
SPORT_TRIGGERS = {"soccer": ("ankle_speed",), "baseball": ("wrist_speed",), "basketball": ("hip_rise", "wrist_speed")}
# A highlight is its neighbourhood's best when no other one within this many seconds of its key
# moment has a higher classifier probability (a run-up before a shot is seldom the best).
NEIGHBOURHOOD_S = 5.0
# A trigger's peak contrast (`kinematics.contrast`) is infinite where the track was still or unseen
# around it; as evidence it is capped here, well above the contrast of any kick or swing.
CONTRAST_CAP = 30.0
KNOWN_FEATURES = FEATURES + EXTRA_FEATURES
CALIBRATION_FORMAT = "highlights.score-calibration/1"


class OtherFormatVersion(ValueError):
    """A calibration file of this kind in a format another version of highlights wrote."""


# Fitted by scripts/make_default_calibration.py on synthetic games; its `fitted_on` says how. Read
# as a packaged file, not as a path: imported from a zip, it is a member of it (packaged_file).
DEFAULT_CALIBRATION = packaged_file("highlights.pipeline", "default", "score_calibration.json")
_EPS = 1e-4
# The bytes of a file read to tell a JSON object (a calibration) from anything else by its first
# character, past any indentation a hand edit left.
_JSON_START_READ = 4096


def _logit(p: float) -> float:
    p = min(max(float(p), _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def evidence_values(raw_score: float, evidence: dict[str, Any], label: str | None = None) -> dict[str, float]:
    """Every number a highlight's score may be computed from (`KNOWN_FEATURES`): `raw_score` is
    the classifier's probability for its label (the kinematic score when the classifier is off),
    then the kinematic trigger's strength, how many detections the action merged (temporal NMS:
    the survivor and those it suppressed), the prominence of the track that acted
    (`ClassifierStage.prominence`), the share of its shot's action probability that falls on
    its sport (`shot_sport_shares`), its sport and the kind of trigger as 0/1, the share of the
    window's action probability on its label (how sure the classifier is of the sport), whether
    the trigger is one its sport's action makes (`SPORT_TRIGGERS`),
    whether it is the best of its neighbourhood and how many others it has (`score_highlights`), and
    how far the trigger's peak stands out from the player's own motion around it (its contrast).
    Evidence a run did not produce counts as neutral (1.0 for ratios, shares and being the best,
    0 for the kinds and the neighbours)."""
    from highlights.vocabulary import NONE_LABEL, sport_of

    kin = evidence.get("kinematics") or {}
    strength = float(kin["value"]) / float(kin["threshold"]) if kin.get("threshold") else 1.0
    merge = evidence.get("merge") or {}
    support = int(merge["support"]) if "support" in merge else 1 + int(merge.get("suppressed", 0))
    classifier = evidence.get("classifier") or {}
    prominence = classifier.get("prominence") or {}
    share = (evidence.get("shot") or {}).get("sport_share")
    probs = classifier.get("probs") or {}
    action_mass = sum(float(p) for name, p in probs.items() if name != NONE_LABEL)
    label_share = float(probs[label]) / action_mass if label in probs and action_mass > 0 else 1.0
    sport = sport_of(label) if label else None
    trigger = kin.get("trigger")
    # Stored as null where infinite (`CONTRAST_CAP`); a run that recorded none is neutral.
    peak_contrast = min(float(kin["contrast"]), CONTRAST_CAP) if kin.get("contrast") is not None else (
        CONTRAST_CAP if "contrast" in kin else 1.0)
    return {"logit_probability": _logit(raw_score), "log_trigger_strength": math.log(max(strength, _EPS)),
            "log_support": math.log(max(support, 1)), "centrality": float(prominence.get("centrality", 1.0)),
            "relative_size": float(prominence.get("relative_size", 1.0)),
            "shot_sport_share": 1.0 if share is None else float(share),
            "sport_baseball": float(sport == "baseball"), "sport_basketball": float(sport == "basketball"),
            "trigger_wrist": float(trigger == "wrist_speed"), "trigger_ankle": float(trigger == "ankle_speed"),
            "trigger_hip_rise": float(trigger == "hip_rise"), "label_share": label_share,
            "trigger_fits_label": float(trigger in SPORT_TRIGGERS.get(sport, ())),
            "local_best": float((evidence.get("neighbourhood") or {}).get("best", True)),
            "log_neighbours": math.log(1 + int((evidence.get("neighbourhood") or {}).get("others", 0))),
            "log_peak_contrast": math.log(max(peak_contrast, _EPS))}


def evidence_features(raw_score: float, evidence: dict[str, Any], label: str | None = None,
                      features: Sequence[str] = FEATURES) -> list[float]:
    """The values of `features` (names from `KNOWN_FEATURES`, in that order) for one highlight."""
    values = evidence_values(raw_score, evidence, label)
    return [values[name] for name in features]


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
    fitted_on: dict[str, Any] = field(default_factory=dict)  # video or games, events, samples, tolerance
    name: str = "fitted"  # what a highlight's evidence calls it: fitted, default, identity

    @property
    def is_identity(self) -> bool:
        return not self.fitted_on

    def score(self, c) -> float:
        """The calibrated score of a candidate or highlight (the identity returns the raw score as
        it is, a certain 1.0 included)."""
        if self.is_identity:
            return raw_score(c)
        x = evidence_features(raw_score(c), c.evidence, c.label, self.features)
        return _sigmoid(self.intercept + sum(w * v for w, v in zip(self.coef, x)))

    def apply(self, c: Candidate) -> Candidate:
        """A copy whose score is calibrated; the raw score stays in evidence["score"]."""
        out = deepcopy(c)
        raw = raw_score(c)
        out.score = self.score(c)
        # Six places: the score can be recomputed from the saved evidence even near 1, where the
        # logit is steep.
        out.evidence["score"] = {"raw": round(raw, 6), "calibrated": round(out.score, 4),
                                 "calibration": "identity" if self.is_identity else self.name}
        return out

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("name")
        return {"format": CALIBRATION_FORMAT, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str = "fitted") -> "Calibration":
        if data.get("format") != CALIBRATION_FORMAT:
            kind = str(data.get("format", ""))
            if kind.startswith(CALIBRATION_FORMAT.split("/")[0] + "/"):
                raise OtherFormatVersion(f"format {kind!r}, written by another version of highlights; this one reads "
                                 f"{CALIBRATION_FORMAT!r}: fit it again with `highlights pipeline calibrate`")
            raise ValueError(f"expected format {CALIBRATION_FORMAT!r}")
        features = tuple(data.get("features", ()))
        unknown = [f for f in features if f not in KNOWN_FEATURES]
        if not features or unknown:
            raise ValueError(f"calibration features {unknown or 'none'}: not among {list(KNOWN_FEATURES)}")
        coef = tuple(float(v) for v in data["coef"])
        if len(coef) != len(features):
            raise ValueError(f"{len(coef)} coefficients for {len(features)} features")
        return cls(intercept=float(data["intercept"]), coef=coef, features=features,
                   fitted_on=dict(data.get("fitted_on") or {}), name=name)

    @staticmethod
    def written_by_highlights(path: Path) -> bool:
        """Whether ``path`` is a calibration file some version of `pipeline calibrate` wrote. A
        file that does not open as a JSON object is not read whole: a game's video named by a slip
        would be read into memory, gigabytes of it, only to be refused."""
        try:
            with path.open("rb") as file:
                start = file.read(_JSON_START_READ).removeprefix(codecs.BOM_UTF8)
            if not start.lstrip().startswith(b"{"):
                return False
            data = json.loads(path.read_text(encoding="utf-8-sig"))  # as `load` reads it
        except (OSError, ValueError, RecursionError):
            return False
        family = CALIBRATION_FORMAT.split("/")[0] + "/"
        return isinstance(data, dict) and str(data.get("format", "")).startswith(family)

    @classmethod
    def load(cls, path: str | Path | Traversable, name: str = "fitted") -> "Calibration":
        path = file_or_member(path)
        try:
            # utf-8-sig: a file saved again by a Windows editor starts with a byte-order mark
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8-sig")), name=name)
        except FileNotFoundError:
            raise MissingFileError(path, "score calibration file not found") from None
        except OtherFormatVersion as e:
            raise ConfigError(f"{path}: a score calibration file of {e}") from None
        except (KeyError, TypeError, ValueError, RecursionError, IsADirectoryError) as e:
            raise ConfigError(f"{path}: not a score calibration file ({e})".splitlines()[0]) from None


# The least spread of a feature over the fitted highlights that `fit_calibration` standardises by.
_LEAST_EVIDENCE_SPREAD = 0.01


def fit_calibration(candidates: Sequence[Any], correct: Sequence[bool], *,
                    fitted_on: dict[str, Any] | None = None, regularisation: float = 1.0,
                    features: Sequence[str] = FEATURES) -> Calibration:
    """Logistic regression of 'this highlight matched a real event' on its evidence `features`,
    L2-penalised (scikit-learn's C = `regularisation`; the intercept is not penalised): on a few
    highlights that a feature separates, an unpenalised fit runs to scores of 0 and 1, so the
    penalty pulls the coefficients toward 0 and every score toward the share right, the harder
    the fewer the highlights. The file records C. With only one outcome present there is nothing
    to separate: the intercept alone is fitted (the observed rate, held within 0.02-0.98), so the
    map stays honest.

    The penalty is applied to the features standardised over the fitted highlights (mean 0, sd 1;
    a constant feature is left unscaled, one spread less than 0.01, varying only by rounding, is
    scaled by 0.01): on raw units it would shrink a feature spanning 0..1 far
    harder than the logit spanning -9..9, a weighting set by each feature's units rather than by
    the evidence. The fitted map is folded back onto the raw features, so a file holds the same
    kind of coefficients as before and is applied the same way."""
    features = tuple(features)
    unknown = [f for f in features if f not in KNOWN_FEATURES]
    if unknown:
        raise ValueError(f"unknown calibration features {unknown}: choose among {list(KNOWN_FEATURES)}")
    y = np.asarray(correct, dtype=int)
    if len(y) == 0:
        raise ValueError("no highlights to calibrate on")
    X = np.array([evidence_features(raw_score(c), c.evidence, c.label, features) for c in candidates],
                 dtype=np.float64)
    info = {**(fitted_on or {}), "samples": int(len(y)), "positives": int(y.sum())}
    if y.min() == y.max():
        rate = min(max(y.mean(), 0.02), 0.98)
        return Calibration(intercept=_logit(rate), coef=(0.0,) * len(features), features=features, fitted_on=info)
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)  # a constant feature gets scale 1
    # A feature that varies on these highlights only by rounding (a share of float32 probabilities,
    # 1.0 beside 0.99999994) is constant for the evidence: scaled to sd 1, its noise would take a
    # coefficient of some ten million once folded back, and a highlight of another game whose share
    # is 0.9 would score 1.0. The evidence features are logs, shares and 0/1 kinds, where a spread
    # under 0.01 says nothing: such a feature is scaled as if it spread that far.
    scaler.scale_ = np.maximum(scaler.scale_, _LEAST_EVIDENCE_SPREAD)
    model = LogisticRegression(C=regularisation).fit(scaler.transform(X), y)
    # w . (x - mean) / scale + b  ==  (w / scale) . x + (b - w . mean / scale)
    coef = model.coef_[0] / scaler.scale_
    intercept = float(model.intercept_[0]) - float(coef @ scaler.mean_)
    return Calibration(intercept=intercept, coef=tuple(float(v) for v in coef), features=features,
                       fitted_on={**info, "l2_penalty_C": float(regularisation),
                                  "penalised_on": "standardised features"})


def uses_packaged_pose_model(config) -> bool:
    """Whether a run's highlight probabilities come from the packaged pose model, the one the
    default calibration was fitted to (another model's probabilities mean something else)."""
    cls = config.classifier
    return bool(config.enabled("classifier") and cls.backend == "pose" and not cls.pose_model)


def calibration_source(config) -> tuple[str, Path | Traversable | None]:
    """What `merge.score_calibration` means for this run, parsed in one place: ("none", None) for
    the classifier's own probability, ("default", path) for the packaged calibration, or ("file",
    path) for a file from `highlights pipeline calibrate`. `default` with any classifier other
    than the packaged pose model is "none": the packaged calibration was fitted to that model's
    probabilities, and another model's probabilities mean something else."""
    value = config.merge.score_calibration
    text = "none" if value is None else str(value)
    if text.lower() == "none":
        return "none", None
    if text.lower() == "default":
        return ("default", DEFAULT_CALIBRATION) if uses_packaged_pose_model(config) else ("none", None)
    return "file", Path(text)


def resolve_calibration(config) -> Calibration:
    """The calibration `merge.score_calibration` names (see `calibration_source`); loading one
    fitted under other kinematics settings than `config`'s says so in one line
    (`calibration_kinematics`)."""
    from highlights.pipeline.calibration_kinematics import warn_of_other_kinematics

    kind, path = calibration_source(config)
    if kind == "none":
        return Calibration()
    if kind == "default":
        if not path.is_file():
            raise MissingFileError(path, "the default score calibration is missing from the "
                                         "installation (reinstall highlights, or set "
                                         "merge.score_calibration=none)")
        calibration = Calibration.load(path, name="default")
    else:
        calibration = Calibration.load(path)
    warn_of_other_kinematics(path, calibration.fitted_on, config)
    return calibration


def describe_calibration(config) -> str:
    """What a run's highlight scores are, in words (for reports)."""
    kind, path = calibration_source(config)
    if kind == "default":
        return "calibrated by the packaged calibration (fitted on synthetic games)"
    if kind == "file":
        return f"calibrated by {path}"
    value = config.merge.score_calibration
    if value is not None and str(value).lower() == "default":
        return "the classifier's probability (the packaged calibration is for the packaged pose model)"
    return "the classifier's probability (no calibration)"


def score_highlights(candidates: Sequence[Candidate], calibration: Calibration, trace) -> list[Candidate]:
    """Each merged candidate with its shot's sport share and whether it is the best of its
    neighbourhood (no other within `NEIGHBOURHOOD_S` with a higher raw score) added to its
    evidence, and its score calibrated (copies; the raw score stays in evidence["score"])."""
    shares = shot_sport_shares(trace.classifications, trace.cuts, [c.moment_s for c in candidates])
    keys = np.array([c.moment_s for c in candidates], dtype=np.float64)
    raws = np.array([raw_score(c) for c in candidates], dtype=np.float64)
    out = []
    for i, (c, share) in enumerate(zip(candidates, shares)):
        c = deepcopy(c)
        if share and c.sport:
            c.evidence["shot"] = {"sport_share": round(share.get(c.sport, 0.0), 4)}
        near = np.abs(keys - keys[i]) <= NEIGHBOURHOOD_S
        near[i] = False
        c.evidence["neighbourhood"] = {"within_s": NEIGHBOURHOOD_S, "others": int(near.sum()),
                                       "best": bool(not (raws[near] > raws[i]).any())}
        out.append(calibration.apply(c))
    return out


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


def keep_ranked(scored: Sequence[Candidate], settings, detections: int) -> tuple[list[Candidate], dict[str, int]]:
    """What every merge backend ends with: `rank_and_cap` under the merge settings' caps, each
    kept highlight's rank in its evidence. Returns the kept ones in time order and the merge
    summary (detections in, actions scored, kept, and what each cap dropped)."""
    kept, dropped = rank_and_cap(scored, min_score=settings.highlight_min_score,
                                 max_highlights=settings.max_highlights, reel_seconds=settings.reel_seconds)
    for i, c in enumerate(kept, 1):
        c.evidence["rank"] = {"rank": i, "of": len(kept)}
    summary = {"detections": detections, "actions": len(scored), "kept": len(kept), **dropped}
    return sorted(kept, key=lambda c: c.start_s), summary


def reliability(scores: Sequence[float], correct: Sequence[bool], bins: int = 5) -> dict[str, Any]:
    """Is a score of 0.8 right 8 times in 10? Equal-width bins; ECE = sum of |mean score - hit
    rate| weighted by the bin's share, with its 95% bootstrap interval over the highlights
    (`calibration_error`: an interval of this plug-in estimate, biased upward at small n). n is
    small on one game: read it with its counts. With it, how well the score ranks right above
    wrong (`auc`: its AUC with its 95% interval and counts; None without one of each)."""
    from highlights.auc_interval import auc_of
    from highlights.calibration_error import ece_fields, reliability_bins

    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(correct, dtype=np.float64)
    auc = auc_of(s.tolist(), [bool(v) for v in y])
    # the bin count with the ECE: another count of bins gives another ECE of the same scores
    return {"n": int(len(s)), "bins_used": bins, **ece_fields(s, y, bins), "bins": reliability_bins(s, y, bins),
            "auc": None if auc is None else auc.to_dict()}


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
