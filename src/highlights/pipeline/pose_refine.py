"""A second pose estimate of one track over a keyed window (`pose.refine=blazepose`).

MoveNet MultiPose runs on every active analysis frame (320x180), where a player is a few dozen
pixels tall: it often swaps a walking player's ankles and misplaces his wrists, which the kinematic
triggers and the classifier read as kicks and swings (docs/measurements.md, "What MoveNet makes of
a walking player"). Keyed windows are few, so their track can afford a single-person model on a
square crop around its box, cut from the video's own frames (decoded again for the window, at most
`pose.refine_short_side` pixels on the short side) rather than from the analysis frames, on which
BlazePose finds the limbs far less often (bench/bench_pose_refine.py).
"""

from __future__ import annotations

import numpy as np

from highlights.pipeline.records import FrameRecord

REFINE_BACKENDS = ("off", "blazepose")
CROP_PIXELS = 256  # BlazePose's landmark model reads 256x256


def square_crop(rgb: np.ndarray, box, margin: float, side_px: int = CROP_PIXELS
                ) -> tuple[np.ndarray, float, float, float]:
    """A square around `box` (in `rgb`'s pixels), its side the box's longer side widened by
    `margin`, black where it leaves the frame, resized to `side_px`: (crop, x0, y0, frame pixels
    per crop pixel). BlazePose's own detector looks for a person filling much of its input: a
    crop centred on the box keeps the tracked player its one person."""
    import cv2

    x1, y1, x2, y2 = (float(v) for v in box)
    side = max(x2 - x1, y2 - y1, 2.0) * (1.0 + margin)
    x0, y0 = int(round(0.5 * (x1 + x2) - side / 2)), int(round(0.5 * (y1 + y2) - side / 2))
    n = max(2, int(round(side)))
    h, w = rgb.shape[:2]
    canvas = np.zeros((n, n, 3), dtype=rgb.dtype)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x0 + n), min(h, y0 + n)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    return cv2.resize(canvas, (side_px, side_px), interpolation=cv2.INTER_CUBIC), x0, y0, n / side_px


def blazepose_on_crops(frames: list[tuple[np.ndarray, tuple]], margin: float) -> list[np.ndarray | None]:
    """BlazePose over one track's frames in time order, each cropped around its box (in that
    frame's pixels), one tracking model for them all (`static_image_mode=False`: the landmarks of
    one frame seed the next's): per frame (17, 3) COCO keypoints in the frame's pixels with
    BlazePose's visibility, or None where it found no one."""
    from highlights.pipeline.blazepose import BlazePose

    model = BlazePose(video_mode=True)
    out: list[np.ndarray | None] = []
    try:
        for k, (rgb, box) in enumerate(frames):
            crop, x0, y0, per = square_crop(rgb, box, margin)
            kp = model.landmarks(k, crop, (crop.shape[1], crop.shape[0]))
            if kp is not None:
                kp = kp.copy()
                kp[:, 0] = kp[:, 0] * per + x0
                kp[:, 1] = kp[:, 1] * per + y0
            out.append(kp)
    finally:
        model.close()
    return out


def check_refine_available(backend: str) -> None:
    """A clear error at the run's start, not at its first keyed window, when the model is missing."""
    if backend == "blazepose":
        from highlights.errors import ConfigError

        try:
            import mediapipe  # noqa: F401
        except ImportError:
            raise ConfigError("pose.refine=blazepose needs the mediapipe package "
                              "(pip install 'highlights[pose]')") from None


class TrackRefiner:
    """Re-estimates one track's keypoints in the frame records of a window, in place, once per
    frame and track: windows overlap, and a frame refined for one keeps its keypoints for the next."""

    def __init__(self, video_path, source_size: tuple[int, int], *, margin: float, short_side: int) -> None:
        self.video_path = video_path
        self.source_size = source_size
        self.margin = margin
        self.short_side = short_side
        self.done: set[tuple[int, object]] = set()
        self.frames_refined = 0
        self.frames_without_pose = 0

    def refine(self, records: list[FrameRecord], track) -> int:
        """Replace `track`'s keypoints in `records` by BlazePose's on the video's frames (None where
        it finds no one: a frame of one model's keypoints among another's would be a jump that
        reads as speed). Returns how many frames were refined now."""
        rows = [(rec, person) for rec in records for person in rec.persons or []
                if person.track_id == track and person.box is not None and (rec.index, track) not in self.done]
        if not rows:
            return 0
        pictures = self._frames([rec.time_s for rec, _ in rows])
        scale = pictures[0].shape[1] / float(self.source_size[0])
        boxes = [tuple(v * scale for v in person.box) for _, person in rows]
        for (rec, person), kp in zip(rows, blazepose_on_crops(list(zip(pictures, boxes)), self.margin)):
            if kp is not None:
                kp[:, :2] /= scale
            person.keypoints = kp
            self.done.add((rec.index, track))
            self.frames_refined += 1
            self.frames_without_pose += kp is None
        return len(rows)

    def _frames(self, times: list[float]) -> list[np.ndarray]:
        """The video's frame nearest each of `times` (seconds, ascending), decoded again at most
        `short_side` pixels on the short side."""
        from highlights.video import iter_frames
        from highlights.video.reader import DecodeDamage

        slack = 0.1
        # The run's analysis read records the video's damaged packets; this second read counts them
        # into a record of its own that no one reads, so the reader does not warn again.
        decoded = [(f.time_s, f.rgb) for f in iter_frames(self.video_path, start_s=max(0.0, times[0] - slack),
                                                         end_s=times[-1] + slack, max_short_side=self.short_side,
                                                         damage=DecodeDamage())]
        if not decoded:
            from highlights.errors import HighlightsError

            raise HighlightsError(f"{self.video_path}: no frame decoded between {times[0]:.2f} s and {times[-1]:.2f} s "
                                  "for pose.refine")
        at = np.array([t for t, _ in decoded])
        return [decoded[int(np.argmin(np.abs(at - t)))][1] for t in times]
