"""Geometry of the synthetic ground truth: keypoints, boxes, visibility and props."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.synth.body import BodyShape, Pose, sample_body, skeleton
from highlights.synth.render import Occluder, PersonInFrame, draw_scene_people
from highlights.synth.scene import Projector
from tests.synth_fixtures import WRISTS, ANKLES, actor_track, keypoints, rendered

CASES = [("baseball_swing", 1), ("basketball_layup", 5), ("soccer_shooting", 3),
         ("none", 4, "basketball", "dribble_basketball"), ("none", 5, "baseball", "check_swing")]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_visible_keypoints_lie_in_the_frame_and_in_their_box(case):
    label, seed, *rest = case
    frames, truth = rendered(label, seed, *rest)
    h, w = frames.shape[1:3]
    assert (truth["width"], truth["height"]) == (w, h)
    assert len(truth["frames"]) == truth["num_frames"] == len(frames)
    seen_actor = 0
    for fr in truth["frames"]:
        for p in fr["persons"]:
            kp = np.asarray(p["keypoints"], dtype=float)
            assert kp.shape == (17, 3)
            vis = kp[:, 2] > 0
            x1, y1, x2, y2 = p["box"]
            assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
            assert np.all((kp[vis, 0] >= 0) & (kp[vis, 0] < w) & (kp[vis, 1] >= 0) & (kp[vis, 1] < h))
            assert np.all((kp[vis, 0] >= x1 - 0.1) & (kp[vis, 0] <= x2 + 0.1))
            assert np.all((kp[vis, 1] >= y1 - 0.1) & (kp[vis, 1] <= y2 + 0.1))
            # Out-of-frame keypoints are never marked visible.
            outside = (kp[:, 0] < 0) | (kp[:, 0] >= w) | (kp[:, 1] < 0) | (kp[:, 1] >= h)
            assert not np.any(vis & outside)
            seen_actor += p["actor"]
    # At the easy setting the actor is in view throughout and mostly visible.
    assert seen_actor == len(truth["frames"])
    kp, _ = keypoints(truth)
    assert np.mean(kp[:, :, 2] > 0) > 0.8


def test_the_actor_is_large_at_low_difficulty_and_small_at_high():
    _, easy = rendered("none", 6, "soccer", "walk", 0.0)
    _, hard = rendered("none", 6, "soccer", "walk", 1.0)
    frac = lambda t: np.nanmedian(keypoints(t)[1]) / t["height"]  # noqa: E731
    assert frac(easy) > 0.4
    assert frac(hard) < frac(easy)


def test_bat_is_in_the_hands_during_a_swing():
    _, truth = rendered("baseball_swing", 1)
    act = truth["action"]
    checked = 0
    for fr, p in zip(truth["frames"], actor_track(truth)):
        if not act["start_s"] <= fr["t"] <= act["end_s"]:
            continue
        bats = [q for q in fr["props"] if q["kind"] == "bat" and q["person"] == p["id"]]
        assert len(bats) == 1
        knob = np.asarray(bats[0]["knob"])
        kp = np.asarray(p["keypoints"])
        height = p["box"][3] - p["box"][1]
        dist = min(np.linalg.norm(kp[j, :2] - knob) for j in WRISTS)
        assert dist < 0.12 * height
        checked += 1
    assert checked > 10


def test_layup_ball_is_in_hand_before_release_then_goes_to_the_rim():
    _, truth = rendered("basketball_layup", 2)
    key = truth["action"]["key_s"]
    before, after = [], []
    for fr, p in zip(truth["frames"], actor_track(truth)):
        ball = [q for q in fr["props"] if q["kind"] == "ball" and q["person"] == p["id"]][0]
        rim = [q for q in fr["props"] if q["kind"] == "rim"][0]
        c = np.asarray(ball["centre"])
        height = p["box"][3] - p["box"][1]
        if key - 0.25 <= fr["t"] < key:
            kp = np.asarray(p["keypoints"])
            before.append(min(np.linalg.norm(kp[j, :2] - c) for j in WRISTS) / height)
        if fr["t"] >= key:
            after.append(np.linalg.norm(c - np.asarray(rim["point"])))
    assert before and max(before) < 0.25
    assert len(after) > 3
    assert min(after) < 0.2 * after[0]          # the ball reaches the rim


def test_soccer_ball_is_at_the_foot_at_contact_then_flies_off():
    _, truth = rendered("soccer_shooting", 3)
    key = truth["action"]["key_s"]
    i_key = int(np.argmin([abs(fr["t"] - key) for fr in truth["frames"]]))
    track = actor_track(truth)

    def ball_at(i):
        # Relative to the goal post, which stands still in the world while the camera pans.
        props = truth["frames"][i]["props"]
        ball = [q for q in props if q["kind"] == "ball"][0]["centre"]
        post = [q for q in props if q["kind"] == "goal_bottom_right"][0]["point"]
        return np.asarray(ball) - np.asarray(post)

    p = track[i_key]
    kp = np.asarray(p["keypoints"])
    height = p["box"][3] - p["box"][1]
    ball = [q for q in truth["frames"][i_key]["props"] if q["kind"] == "ball"][0]["centre"]
    assert min(np.linalg.norm(kp[j, :2] - np.asarray(ball)) for j in ANKLES) < 0.2 * height
    # Still before contact, moving after it.
    assert np.linalg.norm(ball_at(i_key - 1) - ball_at(max(0, i_key - 6))) < 0.05 * height
    assert np.linalg.norm(ball_at(min(len(track) - 1, i_key + 6)) - ball_at(i_key)) > 0.15 * height


def _person(shape: BodyShape, x: float, depth: float, pid: int) -> PersonInFrame:
    # Arms reaching forward (to +X), feet apart.
    pose = Pose(hip=(x, shape.standing_hip_height), facing=1, hands=((0.6, 0.0), (0.6, 0.05)),
                feet=((x + 0.15, 0.08), (x - 0.15, 0.08)))
    return PersonInFrame(pid, pid == 0, shape, skeleton(shape, pose), depth)


def test_occluded_keypoints_have_visibility_zero():
    rng = np.random.default_rng(0)
    shape = sample_body(rng, height=1.8)
    proj = Projector(focal=400.0, cam_height=1.5)
    affine = np.array([[1.0, 0.0, 160.0], [0.0, 1.0, 50.0]])
    frame = np.zeros((240, 320, 3), np.uint8)
    actor = _person(shape, 0.0, 5.0, 0)
    assert actor.skel.points[[9, 10], 0].min() > 0.4 and actor.skel.points[:, 0].max() < 0.7
    # A post between the camera and the actor's hands (x 0.38..0.78 m at the actor's depth).
    post = Occluder(x=0.58 * 2.0 / 5.0, depth=2.0, width=0.4 * 2.0 / 5.0, height=5.0, colour=(90, 90, 90))
    persons, _ = draw_scene_people(frame.copy(), [actor], proj, affine, [post])
    vis = np.asarray(persons[0]["keypoints"])[:, 2]
    assert np.all(vis[[9, 10]] == 0)                # wrists behind the post
    assert np.all(vis[[0, 11, 12, 15, 16]] == 2)    # nose, hips, ankles in the clear
    clear, _ = draw_scene_people(frame.copy(), [actor], proj, affine)
    assert np.all(np.asarray(clear[0]["keypoints"])[:, 2] == 2)
    blocker = _person(sample_body(rng, height=1.8), 0.0, 3.0, 1)
    both, _ = draw_scene_people(frame.copy(), [actor, blocker], proj, affine)
    by_id = {p["id"]: np.asarray(p["keypoints"])[:, 2] for p in both}
    assert (by_id[0] == 0).sum() >= 8       # mostly hidden behind the nearer person
    assert (by_id[1] == 2).sum() >= 14       # who is in view


def test_skeleton_limbs_keep_their_lengths():
    rng = np.random.default_rng(1)
    shape = sample_body(rng)
    pose = Pose(hip=(0.0, 0.9), facing=-1, hands=((0.3, 0.1), (-0.1, -0.4)), feet=((0.3, 0.1), (-0.2, 0.06)))
    pts = skeleton(shape, pose).points
    from highlights.synth import body as b
    assert np.isclose(np.linalg.norm(pts[b.L_ELBOW] - pts[b.L_SHOULDER]), shape.upper_arm)
    assert np.isclose(np.linalg.norm(pts[b.R_KNEE] - pts[b.R_ANKLE]), shape.shin)
    # Facing left: the nose is left of the head centre, the knees bend forward (to the left).
    assert pts[b.NOSE, 0] < pts[b.HEAD, 0]
    hip_ankle_mid = (pts[b.L_HIP] + pts[b.L_ANKLE]) / 2
    assert pts[b.L_KNEE, 0] < hip_ankle_mid[0]
