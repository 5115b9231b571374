"""The settings a complete game's earlier run was made with that this run changes.

When a batch runs complete games again, it says why; "another config" alone left a team to guess
whether a `--set` they typed, a changed default or a replaced upload was the cause. The earlier
run's settings are in the game's own highlights.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from highlights.batch.game import LOCATION_FIELDS

MOST_NAMED = 3  # settings named in the one line; the rest are counted


class _Absent:
    """The value of a setting a config does not hold at all, not a value of null: as the earlier
    value, the version of highlights that made that run had no such setting (a rerun after an
    upgrade); as this run's, this version no longer has it."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    # As highlights.json holds it: tuples are lists there, and a tuple is not equal to a list.
    return json.loads(json.dumps(config, default=str))


def earlier_settings(out_root: str | Path, record: dict[str, Any]) -> dict[str, Any] | None:
    """The config a complete game folder was made with, or None where its highlights.json cannot say."""
    name = (record.get("files") or {}).get("json")
    try:
        config = json.loads((Path(out_root) / record["game_id"] / name).read_text(encoding="utf-8"))["config"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return config if isinstance(config, dict) else None


def changed_settings(earlier: dict[str, Any], now: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{section.field: (earlier value, this run's value)} of the settings that differ, where
    things are (a model's path, a ground-truth file) left out: a moved file is not a change. A
    setting the earlier config lacks has `ABSENT` as its earlier value, one this run's config lacks
    `ABSENT` as its value now; a whole section either lacks is named setting by setting."""
    earlier, now = _plain(earlier), _plain(now)
    changes: dict[str, tuple[Any, Any]] = {}
    for section in sorted(set(earlier) | set(now)):
        a, b = earlier.get(section), now.get(section)
        if section not in earlier and isinstance(b, dict):
            a = {}  # a section the earlier version did not have: each of its settings is new
        if section not in now and isinstance(a, dict):
            b = {}  # a section this version no longer has: each of its settings is gone
        if not (isinstance(a, dict) and isinstance(b, dict)):
            if a != b:
                changes[section] = (a if section in earlier else ABSENT, b if section in now else ABSENT)
            continue
        for key in sorted(set(a) | set(b)):
            if (section, key) in LOCATION_FIELDS or (key in a and key in b and a[key] == b[key]):
                continue
            changes[f"{section}.{key}"] = (a.get(key, ABSENT), b.get(key, ABSENT))
    return changes


def describe_changes(per_game: list[dict[str, tuple[Any, Any]]]) -> str:
    """One phrase for the changes of the games that run again: each setting with its values where
    every game changed it the same way, else its name alone. Settings an earlier run's version of
    highlights did not have, and those this version no longer has, are named apart: after an
    upgrade, "null -> 0.0" read as a value the team had set and this run changed."""
    values: dict[str, set[str]] = {}
    added: set[str] = set()
    dropped: set[str] = set()
    for changes in per_game:
        for name, (a, b) in changes.items():
            if a is ABSENT:
                added.add(name)
            elif b is ABSENT:
                dropped.add(name)
            else:
                values.setdefault(name, set()).add(f"{json.dumps(a)} -> {json.dumps(b)}")
    if not values and not added and not dropped:
        return "no setting changed, so a video or annotations file did"
    named = [f"{name} {next(iter(v))}" if len(v) == 1 else name for name, v in sorted(values.items())]
    phrases = [f"changed: {_some(named)}"] if named else []
    if added:
        phrases.append("settings new since the version of highlights that made the earlier run: "
                       f"{_some(sorted(added))}")
    if dropped:
        phrases.append(f"settings this version of highlights no longer has: {_some(sorted(dropped))}")
    return "; ".join(phrases)


def _some(names: list[str]) -> str:
    more = len(names) - MOST_NAMED
    return ", ".join(names[:MOST_NAMED]) + (f" and {more} more" if more > 0 else "")
