"""Which licence a review export without --licence carries from its parent (`review.stated_licence`):
the one the parent's clips of the reviewed game's video state, wherever they were cut from (the
video, a copy of it) or the video added whole; none where they state two, never one stated for other
footage, and none at all where the export is given a licence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from highlights.datasets import ClipDefaults, create_version
from highlights.datasets.sources import UNKNOWN_LICENCE
from highlights.review.export import export_review
from highlights.review.games import load_games
from highlights.review.session import ReviewSession
from highlights.review.store import DecisionStore
from tests.dataset_fixtures import make_class_tree, write_clip
from tests.review_fixtures import decide_first_three, detect_folder_fixtures


made_detect_folder, detect_folder = detect_folder_fixtures("licences")


@pytest.fixture
def session(detect_folder, tmp_path):
    s = ReviewSession(load_games([detect_folder]), DecisionStore(tmp_path / "review.sqlite"))
    yield s
    s.store.close()


def _cut(clips, name: str, source, licence: str, seed: int) -> None:
    """A clip of the parent whose provenance says a review cut it from ``source``, at a moment the
    tests' review leaves undecided (one it gave another label would refuse the export)."""
    path = write_clip(clips / "baseball_swing" / f"{name}.mp4", seed)
    path.with_suffix(".json").write_text(json.dumps({
        "licence": licence, "provenance": json.dumps({"source_video": str(source), "start_s": 7.0, "end_s": 9.0})}))


def _whole(clips, video, licence: str) -> None:
    whole = shutil.copyfile(video, clips / "soccer_shooting" / "whole session.mp4")
    whole.with_suffix(".json").write_text(json.dumps({"licence": licence}))


def _exported(result) -> list:
    """The clips the export added: a review's provenance names its item."""
    return [c for c in result.version.real_clips if c.provenance.startswith("{") and '"item"' in c.provenance]


# Each parent holds, beside clips of other footage stating "club-only", these clips of the reviewed
# game's video (given the video and a folder for copies); the licence its new clips carry.
PARENTS = {
    "whole, and a clip cut from it stating none": (
        lambda clips, video, elsewhere: (_whole(clips, video, "CC-BY-4.0"),
                                         _cut(clips, "cut", video, UNKNOWN_LICENCE, 900)),
        "CC-BY-4.0"),
    "a clip cut from a copy of it": (
        lambda clips, video, elsewhere: _cut(clips, "cut", shutil.copyfile(video, elsewhere / "copy.mp4"),
                                             "CC-BY-4.0", 900),
        "CC-BY-4.0"),
    "whole, and a clip cut from it stating another licence": (
        lambda clips, video, elsewhere: (_whole(clips, video, "CC-BY-4.0"),
                                         _cut(clips, "cut", video, "CC0-1.0", 900)),
        None),
    "a clip cut from another video": (
        lambda clips, video, elsewhere: _cut(clips, "cut", write_clip(elsewhere / "other.mp4", 901),
                                             "CC-BY-4.0", 900),
        None),
}


@pytest.mark.parametrize("holds", list(PARENTS))
def test_an_export_carries_the_one_licence_the_parent_states_for_the_video_or_none(session, tmp_path, holds):
    make, carried = PARENTS[holds]
    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    make(clips, session.games[0].video, elsewhere)
    root = tmp_path / "datasets"
    create_version(clips, root, seed=7, defaults=ClipDefaults(licence="club-only"))
    gid = decide_first_three(session)
    result = export_review(session, root, parent="v1")
    fresh = _exported(result)
    assert fresh and {c.licence for c in fresh} == {carried or UNKNOWN_LICENCE}
    assert result.carried_licences == ({gid: carried} if carried else {})
    assert result.no_licence == (0 if carried else len(fresh))


def test_an_export_given_a_licence_carries_none_from_its_parent(session, tmp_path):
    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    _whole(clips, session.games[0].video, "CC-BY-4.0")
    root = tmp_path / "datasets"
    create_version(clips, root, seed=7, defaults=ClipDefaults(licence="club-only"))
    decide_first_three(session)
    result = export_review(session, root, parent="v1", licence="CC0-1.0")
    fresh = _exported(result)
    assert fresh and {c.licence for c in fresh} == {"CC0-1.0"}
    assert result.carried_licences == {} and result.no_licence == 0


def test_the_licence_of_clips_cut_from_the_video_itself_is_found_without_reading_the_video(session, tmp_path,
                                                                                          monkeypatch):
    # A whole game is long: a clip whose provenance names the video's own file needs no hash of it.
    from highlights.datasets import load_version
    from highlights.review.stated_licence import licences_stated_for
    from tests.hash_reads import hash_reads

    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    video = session.games[0].video
    _cut(clips, "cut", video, "CC-BY-4.0", 900)
    create_version(clips, tmp_path / "datasets", seed=7, defaults=ClipDefaults(licence="club-only"))
    version = load_version(tmp_path / "datasets", "v1")
    reads = hash_reads(monkeypatch, tmp_path / "cache")
    assert licences_stated_for(version, video) == {"CC-BY-4.0"}
    assert not [r for r in reads if Path(r).resolve() == Path(video).resolve()]


def test_an_export_run_again_after_a_stop_names_no_licence_carried_where_the_stopped_run_was_given_one(
        session, tmp_path, monkeypatch):
    # The stopped run was given CC0-1.0; run again without --licence, the clips it made state
    # CC0-1.0, not the licence the parent states for the video, and no line may say they carry that.
    from highlights.atomic import DiskFullError
    from tests.review_fixtures import disk_full_at_the_annotations

    clips = make_class_tree(tmp_path / "my-clips", {label: [(f"{label}{i}", None) for i in range(6)]
                                                     for label in ("baseball_swing", "soccer_shooting", "none")})
    _whole(clips, session.games[0].video, "CC-BY-4.0")
    root, ann = tmp_path / "datasets", tmp_path / "ann"
    create_version(clips, root, seed=7, defaults=ClipDefaults(licence="club-only"))
    decide_first_three(session)
    with disk_full_at_the_annotations(monkeypatch):
        with pytest.raises(DiskFullError):
            export_review(session, root, parent="v1", licence="CC0-1.0", annotations_dir=ann)
    result = export_review(session, root, parent="v1", annotations_dir=ann)
    assert result.version.name == "v2"
    assert {c.licence for c in _exported(result)} == {"CC0-1.0"}
    assert result.carried_licences == {} and result.no_licence == 0
