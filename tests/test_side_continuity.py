"""Left/right pairs kept on the side their motion continues (`pose.side_continuity`)."""

from __future__ import annotations

import numpy as np
import pytest

from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.kinematics import L_ANKLE, R_ANKLE, find_triggers, tracks_of
from highlights.pipeline.roles import FrameStage
from highlights.pipeline.side_continuity import continuous_sides
from highlights.pipeline.track_settings import frame_settings
from tests.keypoint_fixtures import FPS, L_KNEE, R_KNEE, one_track_records, swapped, walker

def test_ankles_swapped_for_a_few_frames_are_put_back():
    times, clean = walker()
    # Frames where the feet are far apart (a swap there is a jump of a whole stride).
    bad = swapped(clean, [3, 4, 13, 22], pairs=((L_ANKLE, R_ANKLE), (L_KNEE, R_KNEE)))
    assert not np.allclose(bad, clean)
    np.testing.assert_allclose(continuous_sides(times, bad), clean)


def test_a_clean_walk_is_left_alone():
    times, clean = walker()
    np.testing.assert_array_equal(continuous_sides(times, clean), clean)


def test_a_kick_past_the_standing_foot_is_left_alone():
    """The kicking foot swings from behind the standing foot to well in front of it in two
    frames: the swapped reading explains that no better, so the kick's speed stays."""
    times, kp = walker(12)
    kp[:, R_ANKLE, 0] = 320.0  # the standing foot
    kp[:, L_ANKLE, 0] = 320.0 - 30.0
    kp[6, L_ANKLE, 0] = 320.0 + 5.0
    kp[7:, L_ANKLE, 0] = 320.0 + 40.0
    np.testing.assert_array_equal(continuous_sides(times, kp), kp)


@pytest.mark.parametrize("named, seen", [(L_ANKLE, R_ANKLE), (R_ANKLE, L_ANKLE)], ids=["named left", "named right"])
def test_a_lone_joint_given_the_other_sides_name_is_moved_back(named, seen):
    times, clean = walker()
    bad = clean.copy()
    # Frame 8: only one ankle seen, where the `seen` one was, but given the other side's name.
    bad[8, named] = clean[8, seen]
    bad[8, seen, :2] = np.nan
    fixed = continuous_sides(times, bad)
    np.testing.assert_allclose(fixed[8, seen], clean[8, seen])
    assert np.isnan(fixed[8, named, :2]).all()


def test_unseen_frames_and_a_long_gap_are_no_evidence():
    times, clean = walker()
    bad = clean.copy()
    bad[8:16, [L_ANKLE, R_ANKLE], :2] = np.nan  # 0.8 s unseen: the last places are too old
    out = continuous_sides(times, swapped(bad, [16]))
    # Nothing to compare the frame after the gap with: it stays as given.
    np.testing.assert_array_equal(out[16], swapped(bad, [16])[16])


def test_swaps_make_an_ankle_trigger_that_continuity_removes():
    """The diagnosed failure end to end: a walk whose ankle labels flip fires the kick trigger;
    read with side continuity it does not, and the clean walk fires nothing either way."""
    times, clean = walker()
    bad = swapped(clean, [7, 17, 27])
    cfg = PipelineConfig().kinematics

    def ankle_triggers(kp, continuity):
        (track_times, track_kp, height), = tracks_of(one_track_records(times, kp), 0.3, continuity).values()
        return [t for t in find_triggers(track_times, track_kp, scale=height, config=cfg) if t.kind == "ankle_speed"]

    assert ankle_triggers(clean, False) == [] and ankle_triggers(clean, True) == []
    assert len(ankle_triggers(bad, False)) >= 2
    assert ankle_triggers(bad, True) == []


def test_side_continuity_is_off_by_default_and_out_of_the_frame_cache_key():
    off, on = PipelineConfig(), PipelineConfig().with_overrides({"pose.side_continuity": True})
    assert on.pose.side_continuity and not off.pose.side_continuity
    # Kept detection and pose frames do not depend on it: the frame stages' key is the same.
    assert frame_settings(off.pose) == frame_settings(on.pose)
    assert frame_settings(off.pose.__class__(min_visibility=0.5)) != frame_settings(on.pose)

    class Pose(FrameStage):
        name, backend, reads = "pose", "test", ("detection", "pose")

        def on_frame(self, frame):
            pass

    assert Pose(on, None).cache_key() == Pose(off, None).cache_key()
    other = PipelineConfig().with_overrides({"pose.min_keypoints": 5})
    assert Pose(other, None).cache_key() != Pose(off, None).cache_key()


def open_stance(frames: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """A player facing the camera, standing still, arms and legs wide: every left/right pair at
    least 20 px apart on a torso 30 px long (a swap of any of them is told from its motion)."""
    times = np.arange(frames) / FPS
    half = {1: 10, 3: 14, 5: 12, 7: 22, 9: 30, 11: 10, 13: 12, 15: 16}  # left joint's x off the middle
    kp = np.zeros((frames, 17, 3))
    kp[:, :, 2] = 0.8
    ys = {0: -45, 1: -47, 3: -46, 5: -30, 7: -15, 9: 0, 11: 0, 13: 25, 15: 50}
    kp[:, 0, :2] = [320.0, 180.0 + ys[0]]
    for left, dx in half.items():
        kp[:, left, :2] = [320.0 + dx, 180.0 + ys[left]]
        kp[:, left + 1, :2] = [320.0 - dx, 180.0 + ys[left]]
    return times, kp


def test_every_left_right_pair_swapped_is_put_back():
    times, clean = open_stance()
    pairs = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16))
    bad = swapped(clean, [5, 12], pairs=pairs)
    given = bad.copy()
    np.testing.assert_array_equal(continuous_sides(times, bad), clean)
    np.testing.assert_array_equal(bad, given)  # the keypoints given are not changed in place


def test_a_two_frame_track_is_put_back_and_shorter_or_torsoless_ones_are_left_as_given():
    times, clean = open_stance(2)
    bad = swapped(clean, [1], pairs=((15, 16), (9, 10)))
    np.testing.assert_array_equal(continuous_sides(times, bad), clean)
    one = swapped(clean[:1], [0], pairs=((15, 16),))
    np.testing.assert_array_equal(continuous_sides(times[:1], one), one)
    headless = bad.copy()
    headless[:, [5, 6, 11, 12], :2] = np.nan  # no torso: no scale to tell near from far
    np.testing.assert_array_equal(continuous_sides(times, headless), headless)


def ankles_at(frames: int, left_x, right_x, times=None) -> tuple[np.ndarray, np.ndarray]:
    """The open stance (torso 30 px long, so pairs 15 px or more apart are told apart) with the
    ankles' x off the body's middle given per frame (or one for all)."""
    default_times, kp = open_stance(frames)
    kp[:, L_ANKLE, 0] = 320.0 + np.broadcast_to(np.asarray(left_x, dtype=np.float64), (frames,))
    kp[:, R_ANKLE, 0] = 320.0 + np.broadcast_to(np.asarray(right_x, dtype=np.float64), (frames,))
    return (default_times if times is None else np.asarray(times, dtype=np.float64)), kp


def test_feet_passing_each_other_at_speed_are_carried_on_not_swapped():
    """The ankles pass each other 20 px a frame (-30, -10, 10, 30 and back): where their last two
    places carry them, not where they last were, and the track need not start at time 0."""
    times, clean = ankles_at(4, [-30, -10, 10, 30], [30, 10, -10, -30], times=[1.0, 1.1, 1.2, 1.3])
    np.testing.assert_array_equal(continuous_sides(times, clean), clean)
    # Frame 2 read swapped (the feet back where they were at frame 1): put back.
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [2])), clean)


def test_a_swap_is_judged_relative_to_the_body_when_the_whole_body_jumps():
    """The player steps 30 px right between frames 1 and 2 (a body that speeds up, or the camera
    jerking): relative to the body's centre the feet did not move, so the swapped reading at
    frame 2 is still put back and the jump itself swaps nothing."""
    times, clean = open_stance(4)
    clean[2:, :, 0] += 30.0
    np.testing.assert_array_equal(continuous_sides(times, clean), clean)
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [2])), clean)


def test_a_pair_half_a_torso_apart_is_told_apart_and_a_closer_one_left_as_given():
    times, clean = ankles_at(8, 7.5, -7.5)  # 15 px apart on a torso of 30: just far enough
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [5])), clean)
    times, close = ankles_at(8, 7.25, -7.25)  # 14.5 px: which is which cannot be told
    np.testing.assert_array_equal(continuous_sides(times, swapped(close, [5])), swapped(close, [5]))


def test_a_lone_joint_is_moved_only_when_the_sides_are_apart_and_it_is_nearer_the_others_place():
    times, clean = ankles_at(8, 7.5, -7.5)  # the two sides' places 15 px apart: told apart
    bad = clean.copy()
    bad[5, L_ANKLE] = clean[5, R_ANKLE]
    bad[5, R_ANKLE, :2] = np.nan
    fixed = continuous_sides(times, bad)
    np.testing.assert_array_equal(fixed[5, R_ANKLE], clean[5, R_ANKLE])
    times, close = ankles_at(8, 5.0, -5.0)  # 10 px apart: left as given
    bad = close.copy()
    bad[5, L_ANKLE] = close[5, R_ANKLE]
    bad[5, R_ANKLE, :2] = np.nan
    np.testing.assert_array_equal(continuous_sides(times, bad), bad)
    # A lone joint where its own side should be stays; one a third of the way from the other's
    # place (10 px from it, 20 px from its own) is no nearer it than half its own distance: stays.
    times, wide = ankles_at(8, 15.0, -15.0)
    for x in (15.0, -5.0):
        bad = wide.copy()
        bad[5, L_ANKLE, 0] = 320.0 + x
        bad[5, R_ANKLE, :2] = np.nan
        np.testing.assert_array_equal(continuous_sides(times, bad), bad)
    bad[5, L_ANKLE, 0] = 320.0 - 6.0  # 9 px from the other's place, 21 from its own: moved
    assert np.isnan(continuous_sides(times, bad)[5, L_ANKLE, :2]).all()


def test_a_swap_must_explain_the_step_with_less_than_half_the_motion():
    """Ankles 60 px apart read 20 px apart the wrong way round in the last frame: as given they
    moved 40 px each, swapped 20 px each, exactly half, which is not less: left as given; read
    24 px apart (36 px each against 84) they are put back."""
    times, half = ankles_at(6, [30.0] * 5 + [-10.0], [-30.0] * 5 + [10.0])
    np.testing.assert_array_equal(continuous_sides(times, half), half)
    times, less = ankles_at(6, [30.0] * 5 + [-12.0], [-30.0] * 5 + [12.0])
    fixed = continuous_sides(times, less)
    assert fixed[5, L_ANKLE, 0] == 320.0 + 12.0 and fixed[5, R_ANKLE, 0] == 320.0 - 12.0


def test_places_older_than_the_gap_are_no_evidence_and_those_within_it_are():
    # A joint last seen 0.6 s before is still where it was (a 2-frame track 0.6 s long is put back);
    # 0.7 s before, it is not evidence (the frame is left as given).
    for gap, put_back in ((0.6, True), (0.7, False)):
        times, clean = ankles_at(2, 16.0, -16.0, times=[0.0, gap])
        bad = swapped(clean, [1])
        np.testing.assert_array_equal(continuous_sides(times, bad), clean if put_back else bad)
    # Two places 0.6 s apart still give the joints' velocity: feet passing each other are carried on.
    times, passing = ankles_at(3, [-30, -10, 10], [30, 10, -10], times=[0.0, 0.6, 1.2])
    np.testing.assert_array_equal(continuous_sides(times, passing), passing)
    # Two places 0.61 s apart do not: the feet stopped where they were last seen stay there.
    times, stopped = ankles_at(3, [-30, -10, -10], [30, 10, 10], times=[0.0, 0.61, 1.2])
    np.testing.assert_array_equal(continuous_sides(times, stopped), stopped)
    # The last place counts, not the one before it: seen at 0 and 0.5 s, the swap at 0.7 s is put back.
    times, clean = ankles_at(3, 16.0, -16.0, times=[0.0, 0.5, 0.7])
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [2])), clean)


def test_two_frames_at_the_same_time_give_no_velocity_but_still_a_place():
    times, clean = ankles_at(4, 16.0, -16.0, times=[0.0, 0.1, 0.1, 0.2])
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [3])), clean)


def test_a_side_never_seen_lately_leaves_its_pair_as_given_and_later_frames_follow_it():
    """Continuity, not the true side: the right ankle first seen at frame 9, there read swapped, has
    nothing to be judged against, so the pair stays as given and the frames after it keep its naming."""
    times, clean = open_stance(12)
    bad = clean.copy()
    bad[:9, R_ANKLE, :2] = np.nan
    bad = swapped(bad, [9])
    np.testing.assert_array_equal(continuous_sides(times, bad), swapped(bad, [10, 11]))


def test_a_torso_of_no_length_leaves_the_track_as_given_and_the_scale_is_the_torsos():
    times, clean = open_stance(8)
    flat = clean.copy()
    flat[:, [5, 6, 11, 12], :2] = [320.0, 165.0]  # shoulders and hips at one point
    bad = swapped(flat, [5])
    np.testing.assert_array_equal(continuous_sides(times, bad), bad)
    # The same stance in coordinates normalised to the frame (a torso a few hundredths long): put back.
    small = clean.copy()
    small[:, :, :2] /= 640.0
    np.testing.assert_array_equal(continuous_sides(times, swapped(small, [5])), small)


def test_a_one_frame_glitch_does_not_make_the_next_good_frame_look_swapped():
    """The left ankle read once 60 px off (far from where it was going and from where it is next
    frame), then seen alone, rightly named, while the right ankle's score drops out: the glitch is
    no velocity to judge that frame by, so it is left as given and the track keeps one bad frame."""
    times, clean = ankles_at(10, 16.0, -16.0)
    bad = clean.copy()
    bad[5, L_ANKLE, 1] += 60.0  # the glitch
    bad[6, R_ANKLE, :2] = np.nan  # the frame after it: the left ankle alone, where it belongs
    np.testing.assert_array_equal(continuous_sides(times, bad), bad)


def test_a_joint_that_moves_far_and_stays_there_is_followed_from_its_second_reading():
    """The left ankle steps 100 px out at frame 4 and stays: its first reading there is not
    explained by its motion, the second carries on from it, so the side is taken to be there and
    the pair read swapped at frame 6 is put back."""
    times, clean = ankles_at(10, [16.0] * 4 + [116.0] * 6, -16.0)
    np.testing.assert_array_equal(continuous_sides(times, clean), clean)
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [6])), clean)


def test_feet_passing_each_other_across_a_missed_frame_are_carried_on_for_the_time_that_passed():
    # 100 px/s each, then 0.4 s until the next reading: 40 px further, past each other. Carried on
    # one frame's worth only (10 px) the swapped reading would look the nearer.
    times, passing = ankles_at(3, [-30, -20, 20], [30, 20, -20], times=[0.0, 0.1, 0.5])
    np.testing.assert_array_equal(continuous_sides(times, passing), passing)


def test_a_foot_stepping_off_a_foot_close_to_it_is_followed_from_its_first_step():
    """The ankles 4 px apart, then the left one steps 10 px out (more than they were apart, less
    than the 15 px within which places are not told apart): that is motion, not a glitch, so the
    next frame's reading the wrong way round is put back."""
    times, clean = ankles_at(4, [2.0, 2.0, 12.0, 22.0], -2.0)
    np.testing.assert_array_equal(continuous_sides(times, clean), clean)
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [3])), clean)


def test_a_frame_without_its_shoulders_is_judged_about_the_hips():
    times, clean = open_stance(10)
    clean[5, [5, 6], :2] = np.nan                  # the shoulders unseen in frame 5
    np.testing.assert_array_equal(continuous_sides(times, swapped(clean, [5])), clean)
