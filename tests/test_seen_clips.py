"""Which scored clips a model has seen (`report.seen_clips`), counted on files of known content:
the words both models' evaluations print and the report meta's fields come from here."""

from __future__ import annotations

import hashlib

from highlights.clips.clip_id import clip_id_of
from highlights.report.seen_clips import BEST_EPOCH, seen_clips


def _clips(tmp_path, *names):
    """(name, path, None) of a file per name, and each one's clip id."""
    clips, ids = [], {}
    for name in names:
        path = tmp_path / f"{name}.mp4"
        path.write_bytes(name.encode() * 100)
        clips.append((name, path, None))
        ids[name] = clip_id_of(hashlib.sha256(path.read_bytes()).hexdigest())
    return clips, ids


def test_a_clip_trained_and_validated_on_is_named_once_as_trained_on(tmp_path):
    clips, ids = _clips(tmp_path, "a", "b", "c", "d")
    seen = seen_clips(clips, {ids["a"], ids["b"]}, {ids["b"], ids["c"]}, "action threshold")
    assert (seen.trained, seen.validated, seen.chosen) == (["a", "b"], ["c"], "action threshold")
    said: list[str] = []
    seen.say(4, said.append)
    assert said[0].startswith("2 of the 4 clips were among this model's training clips")
    assert said[1].startswith("1 of the 4 clips was among the clips this model's action threshold was chosen on")
    assert seen.meta() == {"clips_seen_in_training": ["a", "b"], "clips_seen_in_validation": ["c"],
                           "chosen_on_validation": "action threshold"}


def test_clips_validated_on_alone_are_named(tmp_path):
    clips, ids = _clips(tmp_path, "a", "b")
    seen = seen_clips(clips, set(), {ids["b"]})
    assert (seen.trained, seen.validated, seen.chosen) == ([], ["b"], BEST_EPOCH)
    said: list[str] = []
    seen.say(2, said.append)
    assert len(said) == 1 and said[0].startswith("1 of the 2 clips was among the clips this model's best epoch")


def test_one_clip_scored_is_one_clip_not_one_clips(tmp_path):
    clips, ids = _clips(tmp_path, "a")
    said: list[str] = []
    seen_clips(clips, {ids["a"]}, set()).say(1, said.append)
    assert said[0].startswith("1 of the 1 clip was among this model's training clips")


def test_a_clip_whose_hash_is_known_is_not_read_and_none_is_read_without_seen_clips(tmp_path):
    sha = hashlib.sha256(b"gone").hexdigest()
    gone = tmp_path / "removed.mp4"  # not there: reading it would raise
    assert seen_clips([("x", gone, sha)], {clip_id_of(sha)}, set()).trained == ["x"]
    assert seen_clips([("x", gone, None)], set(), set()).trained == []


def test_clips_left_out_of_the_scores_are_left_out_of_both_lists(tmp_path):
    clips, ids = _clips(tmp_path, "a", "b", "c", "d")
    seen = seen_clips(clips, {ids["a"], ids["b"]}, {ids["c"], ids["d"]}, "action threshold")
    left = seen.without(["b", "c"])
    assert (left.trained, left.validated, left.chosen) == (["a"], ["d"], "action threshold")
