"""The backend registry: (stage, backend name) -> class. It knows no implementation.

Backends register themselves with `@register` in their own module under
`highlights.pipeline.stages`; that package's `__init__` imports each module once, which is all a
new backend needs besides its file. Nothing here imports a backend.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from highlights.errors import ConfigError
from highlights.pipeline.roles import ROLE_OF_STAGE, Stage

_REGISTRY: dict[tuple[str, str], type[Stage]] = {}


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: make a backend available under its (stage, backend)."""
    role = ROLE_OF_STAGE.get(getattr(cls, "name", None))
    if role is None:
        raise TypeError(f"{cls.__name__}.name must be one of {', '.join(ROLE_OF_STAGE)}")
    if not issubclass(cls, role):
        raise TypeError(f"{cls.__name__} fills the {cls.name} stage, so it must be a {role.__name__}")
    _REGISTRY[(cls.name, cls.backend)] = cls
    return cls


def unregister(stage: str, backend: str) -> None:
    _REGISTRY.pop((stage, backend), None)


@contextmanager
def registered(cls: type[Stage]) -> Iterator[type[Stage]]:
    """Register a backend for the duration of a `with` block (tests), restoring what was there."""
    before = _REGISTRY.get((cls.name, cls.backend))
    register(cls)
    try:
        yield cls
    finally:
        if before is None:
            unregister(cls.name, cls.backend)
        else:
            _REGISTRY[(cls.name, cls.backend)] = before


def registered_backends(stage: str) -> list[str]:
    return sorted(b for (s, b) in _REGISTRY if s == stage)


def stage_class(stage: str, backend: str) -> type[Stage]:
    try:
        return _REGISTRY[(stage, backend)]
    except KeyError:
        known = ", ".join(registered_backends(stage)) or "none"
        raise ConfigError(f"no {stage} backend named {backend!r} (known: {known})") from None
