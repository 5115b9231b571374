"""The same-video test a dataset's writer and `dataset show` share (`WholeAndCutVideos`), on plain
files: a clip added whole and the source a review cut clips from are one video when their bytes
are, and a file is read only where its size could make it so."""

from __future__ import annotations

import hashlib
import os

import pytest

from highlights.datasets.same_video import (CUT_FROM_IT, CUT_FROM_THE_SAME, WHOLE_OF_IT, ContentHashes,
                                            WholeAndCutVideos, same_file)
from tests.hash_reads import hash_reads


@pytest.fixture
def reads(monkeypatch, tmp_path):
    return hash_reads(monkeypatch, tmp_path / "cache")


def _file(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_whole_clip_is_read_against_the_cut_sources_of_its_size_only(tmp_path, reads):
    game, other = os.urandom(5000), os.urandom(5001)
    videos = WholeAndCutVideos()
    videos.add_cut(str(_file(tmp_path / "other.mp4", other)), "other/cut0.mp4", "other")
    videos.add_cut(str(_file(tmp_path / "game 2.mp4", game)), "review/cut0.mp4", "game 2")
    whole = _file(tmp_path / "clips" / "py0922.mp4", game)
    assert videos.group_of_whole(whole, _sha(game)) == ("review/cut0.mp4", "game 2", WHOLE_OF_IT)
    assert reads == [str(tmp_path / "game 2.mp4")]
    # the same size, other bytes: not the video
    assert videos.group_of_whole(_file(tmp_path / "clips" / "x.mp4", os.urandom(5000)), _sha(b"x")) is None


def test_a_whole_video_joins_the_group_of_the_first_clip_cut_from_it(tmp_path, reads):
    # A long recording may hold two games, each reviewed into its own group: the whole file
    # joins the first group met, whichever clip was cut later.
    data = os.urandom(3000)
    source = str(_file(tmp_path / "recording.mp4", data))
    videos = WholeAndCutVideos()
    videos.add_cut(source, "first.mp4", "game 1")
    videos.add_cut(source, "second.mp4", "game 2")
    assert videos.group_of_whole(_file(tmp_path / "whole.mp4", data), _sha(data))[:2] == ("first.mp4", "game 1")


def test_a_cut_clip_finds_a_clip_cut_from_a_copy_of_its_video_by_content(tmp_path, reads):
    data = os.urandom(4000)
    videos = WholeAndCutVideos()
    videos.add_cut(str(_file(tmp_path / "shorter.mp4", os.urandom(3999))), "short.mp4", "shorter")
    videos.add_cut(str(_file(tmp_path / "lookalike.mp4", os.urandom(4000))), "l.mp4", "lookalike")
    videos.add_cut(str(_file(tmp_path / "session.mp4", data)), "s.mp4", "session")
    copy = str(_file(tmp_path / "session (1).mp4", data))
    assert videos.group_of_cut(copy) == ("s.mp4", "session", CUT_FROM_THE_SAME)
    assert reads == [copy, str(tmp_path / "lookalike.mp4"), str(tmp_path / "session.mp4")]  # of its size only
    # a clip added whole with those bytes is the better answer: the video itself
    videos.add_whole(_sha(data), "whole.mp4", "whole", len(data))
    assert videos.group_of_cut(copy) == ("whole.mp4", "whole", CUT_FROM_IT)
    assert videos.group_of_cut(str(tmp_path / "gone.mp4")) is None


def test_a_file_that_cannot_be_read_has_no_hash_and_is_tried_once(tmp_path, reads):
    hashes = ContentHashes()
    assert hashes(tmp_path / "gone.mp4") is None
    data = _file(tmp_path / "a.mp4", b"abc")
    assert hashes(data) == _sha(b"abc") and hashes(str(data)) == _sha(b"abc")
    assert reads == [str(data)]


def test_one_file_under_two_names_is_the_same_file_and_a_copy_is_not(tmp_path):
    original = _file(tmp_path / "games" / "game.mp4", b"pictures")
    os.link(original, tmp_path / "hard.mp4")
    os.symlink(tmp_path / "games", tmp_path / "linked")
    assert same_file(original, tmp_path / "hard.mp4")
    assert same_file(tmp_path / "linked" / "game.mp4", original)
    assert same_file(tmp_path / "games" / ".." / "games" / "game.mp4", original)
    assert not same_file(original, _file(tmp_path / "copy.mp4", b"pictures"))
    assert not same_file(original, tmp_path / "gone.mp4")


def test_a_missing_path_is_no_file_even_named_twice(tmp_path):
    # Two paths to nothing name no one file, however alike they are spelt.
    gone = tmp_path / "games" / "gone.mp4"
    assert not same_file(gone, gone)
    assert not same_file(gone, tmp_path / "games" / ".." / "games" / "gone.mp4")
    assert not same_file(str(gone), gone)
