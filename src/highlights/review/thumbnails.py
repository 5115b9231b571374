"""Thumbnails made when the page first asks for them (the page loads them lazily), then kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

THUMB_WIDTH = 160
_CACHE_SIZE = 512


class Thumbnails:
    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, float], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def jpeg(self, video: Path, at_s: float) -> bytes:
        key = (str(video), round(float(at_s), 2))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = _render(video, key[1])
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return data


def _render(video: Path, at_s: float) -> bytes:
    import cv2

    from highlights.video import read_clip

    frames, _ = read_clip(video, 1, start_s=max(0.0, at_s - 0.05), end_s=at_s + 0.05)
    rgb = frames[0]
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (THUMB_WIDTH, max(1, round(h * THUMB_WIDTH / w))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    if not ok:
        raise ValueError(f"{video}: could not encode a thumbnail at {at_s:.2f} s")
    return buf.tobytes()
