"""Opening a video file for reading, probed far enough to find every stream's first packets."""

from __future__ import annotations

import av

# How far into the file (microseconds of any stream) FFmpeg's probe reads to learn each stream's
# rate and first timestamp. Its default, 5 s (7 s for MPEG-TS), misses a video stream whose first
# packet comes after that much sound (a recorder that starts the sound first, a stream-copied
# trim): the rate is then guessed as 25 and a Matroska file's pictures start at 0. The probe stops
# as soon as every stream has been seen, so a file whose pictures come early reads no further,
# and its byte limit (probesize, 5 MB) still bounds it.
_ANALYZE_DURATION_US = 30_000_000


def open_input(path: str) -> av.container.InputContainer:
    """`path` opened by PyAV, its streams probed up to `_ANALYZE_DURATION_US` in."""
    return av.open(path, mode="r", container_options={"analyzeduration": str(_ANALYZE_DURATION_US)})
