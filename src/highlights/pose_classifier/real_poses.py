"""Estimating one person's pose over a whole real clip, once, cached on disk by file content.

Poses come from the project's MediaPipe BlazePose wrapper (`pipeline.blazepose`), mapped to
COCO-17. The cache is one `.npz` per (file sha256, settings): arrays only, read with
`allow_pickle=False`, so a cache file can never run code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from highlights.atomic import OutputPathError
from highlights.cache_dir import cache_dir
from highlights.file_hash import file_sha256
from highlights.npz_file import DAMAGED_NPZ, write_npz

POSE_CACHE_ENV = "HIGHLIGHTS_POSE_CACHE"

log = logging.getLogger(__name__)
# Cache folders already said to be unwritable in this process: one line, not one per clip.
_SAID_UNWRITABLE: set[str] = set()


@dataclass(frozen=True)
class PoseEstimateSettings:
    fps: float = 10.0            # the pose classifier's frame rate (the pipeline's analysis rate)
    short_side: int = 360        # BlazePose finds more people at 360 than at the pipeline's 180
    video_mode: bool = True      # BlazePose tracking across frames

    def key(self) -> str:
        """The cache name's settings part; it carries the reader's `PICTURES_VERSION` too, since
        poses estimated on differently decoded pictures are other poses, and the estimator's
        identity (the installed mediapipe, the wrapper's model and mapping): an entry an earlier
        version of highlights, or another mediapipe, estimated is not served where this one would
        estimate other poses."""
        from highlights.pipeline.blazepose import estimator_identity
        from highlights.video import PICTURES_VERSION

        return hashlib.sha256(json.dumps({**asdict(self), "pictures": PICTURES_VERSION,
                                          "estimator": estimator_identity()},
                                         sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class ClipPoses:
    """One person's keypoints through a clip: `keypoints` (T,17,3) in displayed-frame pixels
    (x, y, visibility; a frame with nobody is all zeros), `times` (T,) seconds."""

    keypoints: np.ndarray
    times: np.ndarray
    width: int
    height: int

    @property
    def found(self) -> np.ndarray:
        return self.keypoints[:, :, 2].max(axis=1) > 0


def default_cache_dir() -> Path:
    """``$HIGHLIGHTS_POSE_CACHE``, else ``poses`` in the cache folder the inference-path choices
    use (``$HIGHLIGHTS_CACHE_DIR``, ``$XDG_CACHE_HOME/highlights`` or ``~/.cache/highlights``)."""
    env = os.environ.get(POSE_CACHE_ENV)
    if env:
        return Path(env)
    return cache_dir() / "poses"


def _store(entry: Path, poses: ClipPoses) -> None:
    """Keeps the poses for the next run. A cache that cannot be written (a read-only home, a
    file in the way) costs the next run the estimate again; it never fails this one, and is said
    once: otherwise every run over many clips would pay the estimate again without knowing why."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_npz(entry, compressed=False, keypoints=poses.keypoints, times=poses.times,
                  size=np.array([poses.width, poses.height]))
    except (OSError, OutputPathError) as e:
        folder = str(entry.parent)
        if folder not in _SAID_UNWRITABLE:
            _SAID_UNWRITABLE.add(folder)
            reason = getattr(e, "strerror", None) or str(e)
            log.warning("%s: estimated poses cannot be cached there (%s), so the next run estimates them "
                        "again; set HIGHLIGHTS_CACHE_DIR (or %s, or --pose-cache) to a folder that can be "
                        "written", folder, reason, POSE_CACHE_ENV)


def _cached_poses(entry: Path) -> ClipPoses | None:
    """The poses a cache entry holds; None where it is damaged or holds arrays of other shapes
    (17 keypoints of x, y, score per time, a width and height)."""
    try:
        with np.load(entry, allow_pickle=False) as z:
            keypoints, times, size = z["keypoints"], z["times"], z["size"]
    except DAMAGED_NPZ:
        return None
    if keypoints.ndim != 3 or keypoints.shape[1:] != (17, 3) or times.shape != keypoints.shape[:1] \
            or size.shape != (2,):
        return None
    return ClipPoses(keypoints, times, int(size[0]), int(size[1]))


def estimate_clip_poses(path: str | Path, settings: PoseEstimateSettings = PoseEstimateSettings(),
                        *, cache_dir: str | Path | None = None) -> ClipPoses:
    """BlazePose on every frame of `path` at `settings.fps`; reads the cache when it has the clip.
    A clip cut off after its index (only its first part decodes) raises `VideoError`."""
    from highlights.video import check_frames_reach_end, iter_frames, probe

    path = Path(path)
    info = probe(path)
    # The clip's last pose may lie a sampling step and a frame before its end.
    slack_s = 1.0 / settings.fps + (1.0 / info.fps if info.fps else 0.0)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    entry = cache / f"{file_sha256(path)}-{settings.key()}.npz"
    if entry.exists():
        cached = _cached_poses(entry)  # a damaged cache entry is recomputed
        if cached is not None:
            check_frames_reach_end(path, info.duration_s, float(cached.times[-1]) if len(cached.times) else None,
                                   slack_s)
            return cached
    from highlights.pipeline.blazepose import BlazePose

    model = BlazePose(video_mode=settings.video_mode)
    kps, times = [], []
    try:
        for frame in iter_frames(path, target_fps=settings.fps, max_short_side=settings.short_side):
            kp = model.landmarks(frame.index, frame.rgb, (info.width, info.height))
            kps.append(np.zeros((17, 3), np.float32) if kp is None else kp)
            times.append(frame.time_s)
    finally:
        model.close()
    poses = ClipPoses(np.asarray(kps, np.float32).reshape(-1, 17, 3), np.asarray(times, np.float64),
                      info.width, info.height)
    check_frames_reach_end(path, info.duration_s, times[-1] if times else None, slack_s)
    _store(entry, poses)
    return poses
