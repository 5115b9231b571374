"""MoveNet MultiPose with tracking, shared by the `movenet` detection and pose backends.

One network pass per analysis frame finds every person (up to 6 a pass; `detection.movenet_tiles`
> 1 adds overlapping strips so far, small players are seen at more pixels) with a box and the 17
COCO keypoints. `IouTracker` gives each a `track_id` that stays the same while the person stays in
view; a scene cut ends every track. Keypoints are in source-video pixels of the upright frame;
visibility is MoveNet's keypoint score.
"""

from __future__ import annotations

from highlights.pipeline.records import FrameRecord, Person

SHARED_KEY = "movenet"


class MoveNetPeople:
    """One MoveNet estimator and one tracker per run; the people of a frame computed once."""

    def __init__(self, settings) -> None:
        from highlights.people import IouTracker, MoveNetMultiPose

        self.estimator = MoveNetMultiPose(
            input_long_side=settings.movenet_input_long_side, tiles=settings.movenet_tiles,
            min_score=settings.movenet_min_score, threads=settings.movenet_threads or None,
            model_path=settings.movenet_model_path)
        self.tracker = IouTracker(max_age_s=settings.track_max_age_s, min_similarity=settings.track_min_similarity)
        self._last: tuple[int, list[Person]] | None = None

    def people(self, frame: FrameRecord, source_size: tuple[int, int]) -> list[Person]:
        if self._last is not None and self._last[0] == frame.index:
            return self._last[1]
        if frame.cut:
            self.tracker.reset()
        h, w = frame.rgb.shape[:2]
        sx, sy = source_size[0] / w, source_size[1] / h
        found = self.estimator(frame.rgb)
        ids = self.tracker.update(frame.time_s, [d.box for d in found])
        persons = []
        for d, track in zip(found, ids):
            kp = d.keypoints.copy()
            kp[:, 0] *= sx
            kp[:, 1] *= sy
            x1, y1, x2, y2 = d.box
            persons.append(Person(box=(x1 * sx, y1 * sy, x2 * sx, y2 * sy), score=d.score, keypoints=kp,
                                  track_id=int(track)))
        self._last = (frame.index, persons)
        return persons

    def close(self) -> None:
        self.estimator.close()


def shared_movenet(config, context) -> MoveNetPeople:
    """One model and tracker per run (settings in the `detection` section)."""
    model = context.shared.get(SHARED_KEY)
    if model is None:
        model = context.shared[SHARED_KEY] = MoveNetPeople(config.detection)
    return model


def release_movenet(context) -> None:
    model = context.shared.pop(SHARED_KEY, None)
    if model is not None:
        model.close()
