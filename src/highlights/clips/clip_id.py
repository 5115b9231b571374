"""A clip's id: the first hex digits of its content's SHA-256, as a dataset stores its files and
names its clips, and as both models record the clips they were trained and validated on."""

from __future__ import annotations

CLIP_ID_CHARS = 16


def clip_id_of(sha256: str) -> str:
    return sha256[:CLIP_ID_CHARS]
