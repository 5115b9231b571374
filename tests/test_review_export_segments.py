"""Which reviewed items become which clips, on hand-made decisions: a rejected item's `none` clip
trimmed clear of the actions of its own video, at least one classifier clip long, and one clip per
segment of a video decided as one class."""

from __future__ import annotations

from pathlib import Path

from highlights.clips.spec import ClipSpec
from highlights.review.export import ReviewedClip, game_annotation, keep_actions_out_of_none, one_clip_per_segment
from highlights.review.games import Game
from highlights.review.store import Decision


def _game(name: str, fps: float = 30.0, video: Path | None = None) -> Game:
    return Game(id=name, folder=Path(f"/runs/{name}"), video=video or Path(f"/games/{name}.mp4"),
                duration_s=60.0, fps=fps,
                width=640, height=360, classes=["soccer_shooting", "none"], model="tiny.pt", fingerprint="f" * 64,
                items=[])


def _clip(game: Game, item: str, status: str, start_s: float, end_s: float, *, kind: str = "highlight",
          label: str = "soccer_shooting", decided_label: str | None = None,
          rejected_as: str = "none", key_s: float | None = None) -> ReviewedClip:
    decision = Decision(id=0, game=game.id, item=item, status=status, label=decided_label, start_s=start_s, end_s=end_s,
                        key_s=key_s, reviewer="Ada", decided_at="2026-01-01T00:00:00Z", client="test", undoes=None,
                        run="r" * 64)
    return ReviewedClip(game=game, item=item, kind=kind, proposed_label=label, decision=decision,
                        rejected_as=rejected_as)


def test_a_part_clear_of_actions_is_kept_when_it_holds_one_classifier_clip_of_its_videos_frames():
    one_clip_s = ClipSpec().num_frames / 30.0            # 16 frames at 30 fps: 0.53 s
    game = _game("saturday")
    action = _clip(game, "h1", "accepted", 10.0, 12.0)
    longer = _clip(game, "h0", "rejected", 9.4, 10.5)      # 0.6 s clear before the action: kept, trimmed
    shorter = _clip(game, "h2", "rejected", 11.5, 12.5)    # 0.5 s clear after it: too short, left out
    kept, dropped = keep_actions_out_of_none([action, longer, shorter])
    assert 0.5 < one_clip_s < 0.6
    assert [(c.item, c.start_s, c.end_s) for c in kept] == [("h1", 10.0, 12.0), ("h0", 9.4, 10.0)]
    assert dropped == ["saturday/h2 (11.50-12.50 s)"]
    # At 10 fps a clip needs 1.6 s: the longer part is too short as well.
    slow = _game("sunday", fps=10.0)
    kept, dropped = keep_actions_out_of_none([_clip(slow, "h1", "accepted", 10.0, 12.0),
                                              _clip(slow, "h0", "rejected", 9.4, 10.5)])
    assert [c.item for c in kept] == ["h1"] and dropped == ["sunday/h0 (9.40-10.50 s)"]


def test_an_action_relabelled_none_is_no_action_to_trim_around_whatever_rejected_items_are_filed_under():
    game = _game("saturday")
    relabelled = _clip(game, "h1", "accepted", 10.0, 12.0, decided_label="none", rejected_as="rest")
    rejected = _clip(game, "h0", "rejected", 9.0, 11.0, rejected_as="rest")
    assert relabelled.background and rejected.background
    kept, dropped = keep_actions_out_of_none([relabelled, rejected])
    assert [(c.item, c.start_s, c.end_s) for c in kept] == [("h1", 10.0, 12.0), ("h0", 9.0, 11.0)] and dropped == []


def test_one_segment_decided_as_one_class_is_one_clip_per_video():
    saturday, sunday = _game("saturday"), _game("sunday")
    first = _clip(saturday, "h0", "accepted", 4.0, 6.0)
    again = _clip(saturday, "m1", "accepted", 4.0, 6.0, kind="missed")       # the same moment marked as missed
    other_label = _clip(saturday, "h3", "accepted", 4.0, 6.0, label="basketball_layup")
    other_video = _clip(sunday, "h0", "accepted", 4.0, 6.0)                  # same times, another game
    kept, repeated = one_clip_per_segment([first, again, other_label, other_video])
    assert [(c.game.id, c.item) for c in kept] == [("saturday", "h0"), ("saturday", "h3"), ("sunday", "h0")]
    assert repeated == ["saturday/m1 (as saturday/h0)"]


def test_two_key_moments_over_one_segment_are_one_clip_but_two_events_of_the_game():
    """Two shots 1.5 s apart near the video's end, both padded to its end: one clip of the segment,
    but the game's annotation holds both shots; a missed event marked twice at one playhead stays one."""
    game = _game("saturday")
    first = _clip(game, "h4", "accepted", 55.0, 60.0, key_s=57.0)
    second = _clip(game, "h5", "accepted", 55.0, 60.0, key_s=58.5)
    marked = _clip(game, "m1", "accepted", 20.0, 22.0, kind="missed", key_s=21.0)
    marked_again = _clip(game, "m2", "accepted", 20.5, 21.5, kind="missed", key_s=21.0)
    kept, repeated = one_clip_per_segment([first, second, marked, marked_again])
    assert [c.item for c in kept] == ["h4", "m1", "m2"] and repeated == ["saturday/h5 (as saturday/h4)"]
    events = game_annotation(game, [first, second, marked, marked_again]).events
    assert [(e.id, e.key_s, e.start_s, e.end_s) for e in events] == [
        ("m1", 21.0, 20.0, 22.0), ("h4", 57.0, 55.0, 60.0), ("h5", 58.5, 55.0, 60.0)]


def test_what_each_decision_makes_of_an_item():
    """A turned-down window or a missed event decided as an action is a miss of the model, whatever
    its label; a highlight kept is accepted under its label or relabelled under another; anything
    rejected is filed under the class given for rejections."""
    game = _game("saturday")
    outcomes = [(kind, status, label, _clip(game, "i", status, 1.0, 2.0, kind=kind, decided_label=label,
                                          rejected_as="rest").outcome)
                for kind, status, label in (("candidate", "accepted", None),
                                            ("candidate", "accepted", "basketball_layup"),
                                            ("missed", "accepted", None), ("highlight", "accepted", None),
                                            ("highlight", "accepted", "soccer_shooting"),
                                            ("highlight", "accepted", "basketball_layup"),
                                            ("highlight", "rejected", None), ("candidate", "rejected", None))]
    assert [(o.label, o.category) for *_, o in outcomes] == [
        ("soccer_shooting", "missed"), ("basketball_layup", "missed"), ("soccer_shooting", "missed"),
        ("soccer_shooting", "accepted"), ("soccer_shooting", "accepted"), ("basketball_layup", "relabelled"),
        ("rest", "rejected"), ("rest", "rejected")]


def test_a_decision_from_before_decisions_named_their_video_stands_for_the_game(tmp_path):
    """A review database older than decisions naming their video: its decisions are the game's
    (it cannot tell them apart); one naming another video under the same game id is not."""
    from highlights.review.games import video_identity
    from highlights.review.session import ReviewSession
    from highlights.review.store import DecisionStore

    video = tmp_path / "saturday.mp4"
    video.write_bytes(b"\0" * 64)
    game = _game("saturday", video=video)
    other = tmp_path / "elsewhere" / "sunday.mp4"
    other.parent.mkdir()
    other.write_bytes(b"\0" * 65)
    with DecisionStore(tmp_path / "review.sqlite") as store:
        for item, on in (("m-1", ""), ("m-2", video_identity(video)), ("m-3", video_identity(other))):
            store.decide("saturday", item, status="accepted", label="soccer_shooting", start_s=1.0, end_s=2.0,
                         key_s=1.5, reviewer="Ada", video=on)
        session = ReviewSession([game], store)
        assert [s["id"] for s in session.states("saturday")] == ["m-1", "m-2"]
        assert session.foreign_decisions() == {"saturday": (1, str(other))}


def test_an_event_decided_without_a_key_moment_is_at_its_segments_middle_in_a_game_of_its_size():
    """A decision stored without a key moment (a review database from before decisions recorded
    one) puts the game's event at the middle of its segment; the annotation carries the game's
    frame size, and none where the game does not know it (0)."""
    game = _game("saturday")
    ann = game_annotation(game, [_clip(game, "h0", "accepted", 10.0, 12.5)])
    assert [(e.id, e.key_s) for e in ann.events] == [("h0", 11.25)]
    assert (ann.width, ann.height, ann.sport) == (640, 360, "soccer")
    unsized = _game("sunday")
    unsized.width = unsized.height = 0
    ann = game_annotation(unsized, [_clip(unsized, "h0", "accepted", 1.0, 2.0)])
    assert (ann.width, ann.height) == (None, None)


def test_a_trimmed_none_clip_records_the_segment_cut_and_the_one_decided_to_the_millisecond():
    import json

    game = _game("saturday")
    action = _clip(game, "h1", "accepted", 10.00049, 12.0)
    rejected = _clip(game, "h0", "rejected", 8.40049, 10.5)
    kept, _ = keep_actions_out_of_none([action, rejected])
    provenance = json.loads(kept[1].provenance())
    assert (provenance["start_s"], provenance["end_s"]) == (8.4, 10.0)
    assert provenance["decided_s"] == [8.4, 10.5]
