"""Why a batch runs complete games again, in the line it prints: the settings that changed, each
with its values, or, with the same settings, a replaced video; a moved model file changes nothing."""

from __future__ import annotations

import json
import os

from highlights.batch import collect_games, run_batch
from highlights.batch.changed_settings import ABSENT, changed_settings, describe_changes
from tests.batch_fixtures import FAST


def _reran(said: list[str]) -> list[str]:
    return [line for line in said if "run again" in line]


def test_a_rerun_names_the_settings_that_changed_or_the_replaced_video(season, tmp_path, restore_threads):
    out = tmp_path / "out"
    games = [g for g in collect_games([season / "games.csv"]) if g.game_id in ("alpha", "bravo")]
    run_batch(games, out, FAST, workers=1, progress=False, log=lambda m: None)

    changed = FAST.with_overrides({"merge.pad_after_s": 2.5, "candidates.gap_s": 0.5})
    said = []
    run_batch(games, out, changed, workers=1, progress=False, log=said.append)
    assert _reran(said) == ["2 of 2 games complete from an earlier run are run again, their outputs replaced as each "
                            "is done: 2 with another config, video or annotations (changed: candidates.gap_s "
                            "1.0 -> 0.5, merge.pad_after_s 1.5 -> 2.5)"]

    # The same settings, one upload replaced (its modification time is what a new upload changes).
    video = games[0].video
    copy = tmp_path / "alpha.mp4"
    copy.write_bytes(video.read_bytes())
    os.utime(copy, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns + 10**9))
    moved = [games[0].__class__(game_id="alpha", video=copy, sport=games[0].sport, annotations=games[0].annotations),
             games[1]]
    said = []
    result = run_batch(moved, out, changed, workers=1, progress=False, log=said.append)
    assert [r["reused"] for r in result.records] == [False, True]
    assert _reran(said) == ["1 of 2 games complete from an earlier run is run again, their outputs replaced as each "
                            "is done: 1 with another config, video or annotations (no setting changed, so a video "
                            "or annotations file did)"]


def test_changes_are_named_once_each_and_where_games_differ_by_name_alone():
    a = {"merge": {"pad_after_s": 1.5, "reel_share": 0.1}, "classifier": {"sport": None, "checkpoint": "a.pt"}}
    b = {"merge": {"pad_after_s": 2.5, "reel_share": 0.1}, "classifier": {"sport": "soccer", "checkpoint": "b.pt"}}
    c = {"merge": {"pad_after_s": 2.5, "reel_share": 0.1}, "classifier": {"sport": "baseball", "checkpoint": "b.pt"}}
    # A model moved to another path is no change of setting (its content is hashed apart).
    assert changed_settings(a, b) == {"classifier.sport": (None, "soccer"), "merge.pad_after_s": (1.5, 2.5)}
    # A tuple in this run's config is the list its highlights.json holds: equal, not a change.
    assert changed_settings({"merge": {"x": [1, 2]}}, {"merge": {"x": (1, 2)}}) == {}
    assert describe_changes([changed_settings(a, b), changed_settings(a, c)]) == \
        "changed: classifier.sport, merge.pad_after_s 1.5 -> 2.5"
    many = [{f"merge.f{i}": (0, 1) for i in range(5)}]
    assert describe_changes(many) == "changed: merge.f0 0 -> 1, merge.f1 0 -> 1, merge.f2 0 -> 1 and 2 more"


def test_settings_an_earlier_version_did_not_have_are_named_as_new_not_as_changed_from_null():
    # highlights.json written before kinematics.peak_contrast and merge.reel_share existed holds
    # neither key; one the team set to null holds the key.
    older = {"kinematics": {"smooth_frames": 5}, "merge": {"pad_after_s": 1.5}, "classifier": {"sport": None}}
    now = {"kinematics": {"smooth_frames": 5, "peak_contrast": 0.0}, "merge": {"pad_after_s": 2.5, "reel_share": 0.1},
           "classifier": {"sport": "soccer"}}
    changes = changed_settings(older, now)
    assert changes["classifier.sport"] == (None, "soccer")
    assert changes["merge.pad_after_s"] == (1.5, 2.5)
    assert describe_changes([changes]) == (
        "changed: classifier.sport null -> \"soccer\", merge.pad_after_s 1.5 -> 2.5; settings new since the version "
        "of highlights that made the earlier run: kinematics.peak_contrast, merge.reel_share")
    only_added = changed_settings({"merge": {"pad_after_s": 1.5}}, {"merge": {"pad_after_s": 1.5, "reel_share": 0.1}})
    assert describe_changes([only_added]) == \
        "settings new since the version of highlights that made the earlier run: merge.reel_share"


def test_a_whole_section_an_earlier_version_did_not_have_is_named_setting_by_setting_as_new():
    older = {"merge": {"pad_after_s": 1.5}}
    now = {"merge": {"pad_after_s": 1.5}, "tracking": {"max_age_s": 1.0, "reach": None}}
    changes = changed_settings(older, now)
    assert changes == {"tracking.max_age_s": (ABSENT, 1.0), "tracking.reach": (ABSENT, None)}
    assert describe_changes([changes]) == ("settings new since the version of highlights that made the earlier "
                                           "run: tracking.max_age_s, tracking.reach")


def test_a_whole_section_this_version_no_longer_has_is_named_setting_by_setting_as_gone():
    """The mirror of a new section: a section the earlier run's version had and this one dropped is
    named by its settings, apart from the changes, not as one JSON value changed to null."""
    older = {"merge": {"pad_after_s": 1.5}, "tracking": {"max_age_s": 1.0, "reach": None}}
    now = {"merge": {"pad_after_s": 2.5}}
    changes = changed_settings(older, now)
    assert changes == {"merge.pad_after_s": (1.5, 2.5), "tracking.max_age_s": (1.0, ABSENT),
                       "tracking.reach": (None, ABSENT)}
    assert describe_changes([changes]) == ("changed: merge.pad_after_s 1.5 -> 2.5; settings this version of "
                                           "highlights no longer has: tracking.max_age_s, tracking.reach")


def test_a_setting_this_run_no_longer_has_is_gone_and_one_that_now_holds_null_is_a_change():
    assert changed_settings({"merge": {"pad_after_s": 1.5, "old": 2}}, {"merge": {"pad_after_s": 1.5}}) == {
        "merge.old": (2, ABSENT)}
    assert changed_settings({"merge": {"x": 1}, "gone": {"y": 2}}, {"merge": {"x": 1}}) == {"gone.y": (2, ABSENT)}
    assert changed_settings({"merge": {"x": 1}}, {"merge": {"x": None}}) == {"merge.x": (1, None)}
    assert changed_settings({"merge": {}}, {"merge": {"x": None}}) == {"merge.x": (ABSENT, None)}
    assert changed_settings({"format": 1}, {}) == {"format": (1, ABSENT)}


def test_three_changed_settings_are_all_named_with_nothing_more_counted():
    three = [{f"merge.f{i}": (0, 1) for i in range(3)}]
    assert describe_changes(three) == "changed: merge.f0 0 -> 1, merge.f1 0 -> 1, merge.f2 0 -> 1"

def test_a_game_folder_an_earlier_version_made_runs_again_rather_than_being_reused(season, tmp_path,
                                                                                     restore_threads):
    """A game.json written before the pipeline's output number and the picture reader's were
    recorded (its fingerprint hashed the config, the models, the video and the annotations alone)
    is rewritten here by hand: with the same settings, the game runs again and the line says why,
    where it was reused as though this version had made its highlights."""
    import hashlib
    import json

    from highlights.batch.game import GAME_FORMAT, GAME_RECORD, LOCATION_FIELDS, file_identity

    out = tmp_path / "out"
    games = [g for g in collect_games([season / "games.csv"]) if g.game_id in ("alpha", "bravo")]
    run_batch(games, out, FAST, workers=1, progress=False, log=lambda m: None)
    alpha = out / "alpha" / GAME_RECORD
    record = json.loads(alpha.read_text())
    config = json.loads((out / "alpha" / record["files"]["json"]).read_text())["config"]
    earlier = {"format": GAME_FORMAT,
               "config": {section: {k: v for k, v in fields.items() if (section, k) not in LOCATION_FIELDS}
                          for section, fields in config.items()},
               "model_sha256": record["model_sha256"], "video": file_identity(games[0].video),
               "annotations": file_identity(games[0].annotations.absolute())}
    record["fingerprint"] = hashlib.sha256(json.dumps(earlier, sort_keys=True, default=str).encode()).hexdigest()
    record.pop("made_by", None)
    alpha.write_text(json.dumps(record, indent=2))

    said = []
    result = run_batch(games, out, FAST, workers=1, progress=False, log=said.append)
    assert [r["reused"] for r in result.records] == [False, True]
    assert _reran(said) == ["1 of 2 games complete from an earlier run is run again, their outputs replaced as each "
                            "is done: 1 made by an earlier version of highlights (another pipeline or picture "
                            "reader: its highlights may not be this version's)"]
    assert json.loads(alpha.read_text())["made_by"] == json.loads((out / "bravo" / GAME_RECORD).read_text())["made_by"]
    said = []
    result = run_batch(games, out, FAST, workers=1, progress=False, log=said.append)
    assert [r["reused"] for r in result.records] == [True, True] and not _reran(said)


def test_the_earlier_settings_are_read_only_from_a_highlights_json_that_holds_them(tmp_path):
    from highlights.batch.changed_settings import earlier_settings

    record = {"game_id": "alpha", "files": {"json": "highlights.json"}}
    (tmp_path / "alpha").mkdir()
    stored = tmp_path / "alpha" / "highlights.json"
    stored.write_text(json.dumps({"config": {"merge": {"pad_after_s": 1.5}}}))
    assert earlier_settings(tmp_path, record) == {"merge": {"pad_after_s": 1.5}}
    for text in ('{"config": ["merge"]}', '{"highlights": []}', "[]", "{", ""):
        stored.write_text(text)
        assert earlier_settings(tmp_path, record) is None, text
    stored.write_text(json.dumps({"config": {}}))
    assert earlier_settings(tmp_path, {"game_id": "alpha", "files": {}}) is None   # no highlights.json named
    assert earlier_settings(tmp_path, {"game_id": "bravo", "files": {"json": "highlights.json"}}) is None


def test_a_top_level_value_is_a_change_only_where_it_differs():
    # highlights.json's config may hold values outside any section (its format number).
    assert changed_settings({"format": 1, "merge": {"x": 1}}, {"format": 1, "merge": {"x": 1}}) == {}
    assert changed_settings({"format": 1}, {"format": 2}) == {"format": (1, 2)}
