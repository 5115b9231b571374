"""Settings dataclasses rebuilt from the plain JSON values their `to_dict()` wrote into a
checkpoint or a report: each nested settings dataclass as itself again, each list as the tuple it
was (JSON has no tuples), so that the loaded settings equal the ones saved."""

from __future__ import annotations

import typing
from dataclasses import fields, is_dataclass
from typing import Any

from highlights.errors import ConfigError


def settings_from_dict(cls: type, data: Any, where: str):
    """`cls(**data)`, its nested dataclass fields rebuilt from their dicts and its lists made
    tuples. A key `cls` has no field for raises ConfigError naming it and `where` (what the
    settings are, for the message)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected an object of settings, got {type(data).__name__}")
    if unknown := sorted(set(data) - {f.name for f in fields(cls)}):
        raise ConfigError(f"{where}: unknown settings {', '.join(unknown)}")
    hints = typing.get_type_hints(cls)
    return cls(**{name: _typed(hints[name], value, f"{where}: {name}")
                  for name, value in data.items()})


def _typed(hint: Any, value: Any, where: str) -> Any:
    if is_dataclass(hint) and isinstance(value, dict):
        return settings_from_dict(hint, value, where)
    if isinstance(value, list):
        return tuple(_typed(None, item, where) for item in value)
    return value
