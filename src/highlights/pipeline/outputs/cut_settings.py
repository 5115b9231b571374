"""How the reel, the clips and the thumbnails are cut: the options of `write_reel`, carried as one
value to the pass that uses them and to the plan that tells whether an earlier, stopped cut's clips
may be reused, so that none is dropped on the way or left out of that comparison."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CutSettings:
    """``caption`` draws each frame's label, score and time on the reel and clips;
    ``clip_short_side`` is the clips' short side (never scaled up), ``reel_short_side`` the
    reel's (0: the source's size); ``reel_max_fps`` caps the reel's rate (0: the source's);
    ``thumbnail_width`` is the thumbnails' width in pixels; ``crf`` and ``clip_crf`` are the x264
    quality of the reel and of the clips (lower: better and larger)."""

    caption: bool = True
    clip_short_side: int = 180
    reel_short_side: int = 0
    reel_max_fps: float = 0.0
    thumbnail_width: int = 320
    crf: int = 23
    clip_crf: int = 28
