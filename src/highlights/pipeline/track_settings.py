"""Settings of a frame stage's section that act where tracks are read (kinematics, classifier),
not on what the stage writes into a frame: a frame's cache key leaves them out, so frames kept on
disk stay valid whichever way they are set."""

from __future__ import annotations

from dataclasses import fields, replace

# Section class name -> its settings read only with whole tracks.
TRACK_SETTINGS: dict[str, tuple[str, ...]] = {
    "PoseConfig": ("side_continuity", "refine", "refine_margin", "refine_short_side")}


def frame_settings(section):
    """`section` with its track-reading settings at their defaults (itself when it has none)."""
    names = TRACK_SETTINGS.get(type(section).__name__, ())
    if not names:
        return section
    defaults = {f.name: f.default for f in fields(section) if f.name in names}
    return replace(section, **defaults)
