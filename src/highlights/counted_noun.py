"""A count with its noun in the right number: "1 highlight", "2 highlights", "0 games".

Written here because the few lines it takes are not worth a dependency (inflect) for two nouns.
"""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, the noun plural (``plural``, else ``noun + "s"``) unless ``n`` is 1."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
