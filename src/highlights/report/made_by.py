"""What made each of two test reports, side by side: `report compare` names every part that
differs (the model by its checkpoint's content, the training settings, the data it learnt from by
content, the evaluation settings, the package version), so a change is not read as one model's
against another when more than the model changed, and says which parts a report written before
it recorded them leaves unknown."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# Where a run wrote or cached its files: not what it computed (`render_dir`: where a pose run keeps
# and reuses its rendered games).
LOCATION_SETTINGS = frozenset({"out_dir", "cache_dir", "pose_cache_dir", "render_dir"})
# Where the training data was read from: left out of the training settings when both reports name
# that data by content ("the data it was trained on"), so a dataset moved or copied to another
# folder is not a change; compared as settings where either lacks the content id.
DATA_FOLDER_SETTINGS = frozenset({"root", "dataset_root", "clips_root"})
SHORT_HASH = 12
SETTINGS_SHOWN = 6


def made_differently_note(a: dict, b: dict, *, name_a: str = "A", name_b: str = "B") -> str | None:
    """One paragraph naming what made `a` and `b` differently, and what either does not record;
    None when every part both record is the same and neither lacks one."""
    differs, unknown = [], []
    meta_a, meta_b = a.get("meta") or {}, b.get("meta") or {}
    data_by_content = _trained_on(meta_a) is not None and _trained_on(meta_b) is not None
    for part, read, tell in _PARTS:
        va, vb = read(meta_a), read(meta_b)
        if data_by_content and part == TRAINING_SETTINGS and va is not None and vb is not None:
            va, vb = (_without(v, DATA_FOLDER_SETTINGS) for v in (va, vb))
        if part == TRAINING_SETTINGS and va is not None and vb is not None:
            va, vb = _applied_threshold(va, meta_a), _applied_threshold(vb, meta_b)
        if va is None or vb is None:
            lacking = [name for name, v in ((name_a, va), (name_b, vb)) if v is None]
            # A part neither records (a report built from a confusion matrix) is not compared, and not news.
            if len(lacking) == 1:
                unknown.append(f"{part} ({lacking[0]} does not record it)")
        elif va != vb:
            differs.append(f"{part} ({tell(va, vb)})")
    lines = []
    if differs:
        lines.append(f"{name_a} and {name_b} were made differently: " + "; ".join(differs) + "."
                     + (" The change is theirs together, not any one of them alone." if len(differs) > 1 else ""))
    if unknown:
        lines.append("Not compared, as one report was written before it was recorded: " + "; ".join(unknown) + ".")
    return " ".join(lines) or None


def _applied_threshold(settings: dict, meta: dict) -> dict:
    """A pose model's training settings with the action threshold its report applied. Asked for
    (0.5), left unset, or chosen on val clips, the setting is not the threshold the model took:
    the packaged model records 0.5 and applies 0.05, as does one trained with it unset."""
    if "action_threshold" not in meta or "action_threshold" not in settings:
        return settings
    return {**settings, "action_threshold": meta["action_threshold"]}


def _without(settings: dict, keys: frozenset) -> dict:
    return {k: v for k, v in settings.items() if k not in keys}


def _checkpoints(meta: dict) -> tuple[str, ...] | None:
    """The model files' sha256, by content: the checkpoint's, and a fused report's pose model's."""
    hashes = []
    for key in ("checkpoint", "pose_model"):
        entry = meta.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str):
            hashes.append(entry["sha256"])
        elif key == "checkpoint":
            return None
    return tuple(hashes)


def _settings(key: str) -> Callable[[dict], dict | None]:
    def read(meta: dict) -> dict | None:
        value = meta.get(key)
        if not isinstance(value, dict):
            return None
        return {k: v for k, v in value.items() if k not in LOCATION_SETTINGS}
    return read


def _trained_on(meta: dict) -> tuple[str, str] | None:
    """The data the model learnt from, by content: (version, content id), or None unrecorded. A
    model trained on synthetic windows alone records its generator instead."""
    data = (meta.get("dataset") or {}).get("trained_on")
    if not isinstance(data, dict):
        return None
    if data.get("content_id"):
        return str(data.get("version")), str(data["content_id"])
    if data.get("kind") == "synthetic" and data.get("generator"):
        return "synthetic", str(data["generator"])
    return None


def _version(meta: dict) -> str | None:
    value = meta.get("highlights_version")
    return value if isinstance(value, str) else None


def _tell_hashes(va: tuple, vb: tuple) -> str:
    return f"checkpoint {' + '.join(h[:SHORT_HASH] for h in va)} vs {' + '.join(h[:SHORT_HASH] for h in vb)}"


def _flat(settings: dict, prefix: str = "") -> dict:
    """A nested section's settings by dotted name (`augment.flicker`): a section printed whole is
    cut after 40 characters, where two sections alike at their start show the same text."""
    out = {}
    for key, value in settings.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _tell_settings(va: dict, vb: dict) -> str:
    """Each setting that differs, `name A's vs B's` (`-` where one side has no such setting); past
    SETTINGS_SHOWN (two kinds of model differ in dozens) the rest by count, as the reports hold them."""
    va, vb = _flat(va), _flat(vb)
    keys = [k for k in list(va) + [k for k in vb if k not in va] if va.get(k, "-") != vb.get(k, "-")]
    shown = ", ".join(f"{k} {_short(va.get(k, '-'))} vs {_short(vb.get(k, '-'))}" for k in keys[:SETTINGS_SHOWN])
    return shown + (f" and {len(keys) - SETTINGS_SHOWN} more" if len(keys) > SETTINGS_SHOWN else "")


def _tell_data(va: tuple, vb: tuple) -> str:
    return f"{va[0]}, content {va[1]} vs {vb[0]}, content {vb[1]}"


def _short(value: Any) -> str:
    """A setting's value as the note prints it: plain for a number or a word, `unset` for a
    setting left to its default (an R(2+1)D's classes, taken from its dataset), JSON for the rest,
    cut where it runs long (a nested section: the note names it, the reports hold it whole)."""
    if value is None:
        return "unset"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 40 else text[:37] + "..."


TRAINING_SETTINGS = "the training settings"
_PARTS: list[tuple[str, Callable[[dict], Any], Callable[[Any, Any], str]]] = [
    ("the model", _checkpoints, _tell_hashes),
    (TRAINING_SETTINGS, _settings("train_config"), _tell_settings),
    ("the data it was trained on", _trained_on, _tell_data),
    ("the evaluation settings", _settings("eval_config"), _tell_settings),
    ("the highlights version", _version, lambda va, vb: f"{va} vs {vb}"),
]
