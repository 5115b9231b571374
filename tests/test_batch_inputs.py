"""A batch's games from its inputs, by hand, on placeholder files (the inputs are not decoded
while games are collected): manifests by name, a video named twice, game ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from highlights.batch import BatchError, collect_games


def _video(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_no_input_is_refused_in_one_line():
    with pytest.raises(BatchError, match="no input: give videos, folders or a CSV manifest"):
        collect_games([])


def test_a_manifest_saved_with_an_upper_case_suffix_is_read_as_a_manifest(tmp_path):
    _video(tmp_path / "week1" / "final.mp4")
    manifest = tmp_path / "SEASON.CSV"
    manifest.write_text("path,game_id,sport\nweek1/final.mp4,cup-final,soccer\n")
    games = collect_games([manifest])
    assert [(g.game_id, g.video, g.sport) for g in games] == [("cup-final", tmp_path / "week1" / "final.mp4", "soccer")]


def test_a_manifests_columns_a_batch_does_not_read_are_warned_of_in_one_line(tmp_path):
    _video(tmp_path / "final.mp4")
    manifest = tmp_path / "clips.csv"
    manifest.write_text("path,label,sport,group\nfinal.mp4,soccer_shooting,soccer,g1\n")
    said: list[str] = []
    games = collect_games([manifest], warn=said.append)
    assert [(g.game_id, g.sport) for g in games] == [("final", "soccer")]  # run, not refused
    assert said == [f"{manifest}: columns 'label', 'group' ignored; a batch manifest reads "
                    "path, game_id, sport, annotations"]
    manifest.write_text("path,game_id,sport,annotations\nfinal.mp4,cup,soccer,\n")
    said.clear()
    collect_games([manifest], warn=said.append)
    assert said == []


def test_a_video_in_two_manifests_keeps_the_first_rows_settings(tmp_path):
    _video(tmp_path / "final.mp4")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("path,game_id,sport\nfinal.mp4,cup-final,soccer\n")
    second.write_text("path,game_id,sport\nfinal.mp4,replay,basketball\n")
    assert [(g.game_id, g.sport) for g in collect_games([first, second])] == [("cup-final", "soccer")]
    assert [(g.game_id, g.sport) for g in collect_games([second, first])] == [("replay", "basketball")]


def test_a_row_giving_only_annotations_is_kept_over_the_same_video_found_in_a_folder(tmp_path):
    uploads = tmp_path / "uploads"
    video = _video(uploads / "final.mp4")
    (uploads / "final-truth.json").write_text("{}")
    manifest = tmp_path / "truth.csv"
    manifest.write_text(f"path,annotations\n{video},{uploads / 'final-truth.json'}\n")
    (game,) = collect_games([uploads, manifest])
    assert (game.game_id, game.annotations) == ("final", uploads / "final-truth.json")


def test_a_folder_search_leaves_out_hidden_files_and_folders(tmp_path):
    uploads = tmp_path / "uploads"
    game = _video(uploads / "week1" / "game1.mp4")
    _video(uploads / "week1" / "._game1.mp4")          # the resource file a Mac copy leaves beside it
    _video(uploads / ".trash" / "game0.mp4")
    _video(uploads / "week1" / ".cache" / "game1.mp4")
    assert [g.video for g in collect_games([uploads])] == [game]


def test_a_manifest_excel_saved_with_a_byte_order_mark_and_spaced_headers_is_read(tmp_path):
    _video(tmp_path / "final.mp4")
    manifest = tmp_path / "season.csv"
    manifest.write_bytes("\ufeff path , game_id \nfinal.mp4,cup-final\n".encode("utf-8"))
    assert [(g.game_id, g.video) for g in collect_games([manifest])] == [("cup-final", tmp_path / "final.mp4")]


def test_a_nul_byte_in_an_annotations_name_refuses_the_manifest_naming_its_line(tmp_path):
    _video(tmp_path / "final.mp4")
    manifest = tmp_path / "season.csv"
    manifest.write_text("path,annotations\nfinal.mp4,truth\x00.json\n")
    with pytest.raises(BatchError, match="line 2: a NUL byte in a file name") as info:
        collect_games([manifest])
    assert str(manifest) in str(info.value)


def test_a_video_listed_twice_under_two_spellings_of_its_path_is_refused(tmp_path):
    _video(tmp_path / "final.mp4")
    (tmp_path / "week1").mkdir()
    manifest = tmp_path / "season.csv"
    manifest.write_text("path,sport\nfinal.mp4,soccer\nweek1/../final.mp4,soccer\n")
    with pytest.raises(BatchError, match="line 3: week1/../final.mp4 is already on line 2"):
        collect_games([manifest])


def test_game_ids_are_safe_folder_names_never_empty_nor_hidden(tmp_path):
    marks = _video(tmp_path / "###.mp4")
    dotted = _video(tmp_path / "..final.mp4")
    assert [g.game_id for g in collect_games([marks, dotted])] == ["game", "final"]


def test_a_game_id_given_twice_is_refused_and_one_given_keeps_its_name_beside_a_stem_like_it(tmp_path):
    _video(tmp_path / "a.mp4")
    _video(tmp_path / "week1" / "final.mp4")
    twice = tmp_path / "twice.csv"
    twice.write_text("path,game_id\na.mp4,final\nweek1/final.mp4,final\n")
    # Named where it is, as a video listed twice is: it named neither the manifest nor the line.
    with pytest.raises(BatchError) as refused:
        collect_games([twice])
    assert str(refused.value) == (f"{twice}: line 3: game_id 'final' is already on line 2; "
                                  "give each game its own id")
    (tmp_path / "one.csv").write_text("path,game_id\na.mp4,final\n")
    (tmp_path / "two.csv").write_text("path,game_id\nweek1/final.mp4,final\n")
    with pytest.raises(BatchError, match="game_id used twice in the manifests: final"):
        collect_games([tmp_path / "one.csv", tmp_path / "two.csv"])
    manifest = tmp_path / "season.csv"
    manifest.write_text("path,game_id\na.mp4,final\nweek1/final.mp4,\n")
    assert [g.game_id for g in collect_games([manifest])] == ["final", "week1__final"]


def test_stems_alike_take_their_folders_and_are_numbered_where_those_are_alike_too(tmp_path):
    one, two = _video(tmp_path / "a" / "final.mp4"), _video(tmp_path / "b" / "final.mp4")
    assert [g.game_id for g in collect_games([one, two])] == ["final", "final-2"]   # each its own folder's
    away = _video(tmp_path / "archive" / "cup" / "2024" / "week1" / "final.mp4")
    here = _video(tmp_path / "season" / "final.mp4")
    manifest = tmp_path / "season" / "games.csv"
    manifest.write_text(f"path\nfinal.mp4\n{away}\n")
    assert [g.game_id for g in collect_games([manifest])] == ["final", "cup__2024__week1__final"]
    assert [g.video for g in collect_games([manifest])] == [here, away]


def test_a_game_id_given_in_a_manifest_is_made_a_safe_folder_name(tmp_path):
    _video(tmp_path / "final.mp4")
    manifest = tmp_path / "season.csv"
    manifest.write_text("path,game_id\nfinal.mp4,../Cup Final/été 2024\n")
    assert [g.game_id for g in collect_games([manifest])] == ["Cup_Final_ete_2024"]


def test_a_game_id_from_a_long_name_fits_the_names_made_from_it_and_stays_its_own(tmp_path):
    from highlights.batch.game_progress import PROGRESS_SUFFIX

    # Two phone uploads named alike up to their last letters, each as long as a name can be.
    first = _video(tmp_path / ("match_" * 41 + "a.mp4"))
    second = _video(tmp_path / ("match_" * 41 + "b.mp4"))
    just = _video(tmp_path / ("x" * 200 + ".mp4"))
    ids = [g.game_id for g in collect_games([first, second, just])]
    assert len(set(ids)) == 3 and ids[2] == "x" * 200
    # The longest name a game's id is given: its staging folder's progress file (ID.TOKEN.progress.json).
    assert all(len(f"{gid}.{'0' * 12}{PROGRESS_SUFFIX}") <= 255 for gid in ids)
    assert ids[0].startswith("match_match_") and ids[:2] == [g.game_id for g in collect_games([first, second])]


def test_a_video_given_twice_is_one_game_and_said_once(tmp_path):
    video = _video(tmp_path / "uploads" / "final.mp4")
    other = _video(tmp_path / "uploads" / "semi.mp4")
    said = []
    games = collect_games([video, tmp_path / "uploads", video], warn=said.append)
    assert sorted(g.video for g in games) == sorted([video, other])
    assert said == [f"{video}: given more than once (a file, a folder holding it or a manifest "
                    "row): one game, run once"]
    said.clear()
    collect_games([video, other], warn=said.append)
    assert said == []
