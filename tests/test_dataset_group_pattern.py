"""`dataset create|grow --group-pattern`: a clip's group (its source video) taken from its file name,
on the generator's clips renamed as a coach names clips cut from games (`game03_0012.mp4`)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from highlights.datasets import DatasetError, load_version
from highlights.datasets.group_pattern import GroupPattern
from highlights.datasets.sources import find_sources
from tests.dataset_fixtures import write_clip, write_manifest

CLASSES = ("none", "soccer_shooting")
PER_CLASS = 14
PATTERN = r"^(.+)_\d+$"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, list[Path]]:
    """Fourteen generator clips of each class, their videos by class (sidecars left behind: a
    coach's own clips have none)."""
    from typer.testing import CliRunner

    from highlights.cli.app import app

    out = tmp_path_factory.mktemp("rendered")
    made = CliRunner().invoke(app, ["synth", "clips", "--out", str(out), "--per-class", str(PER_CLASS),
                                    "--classes", ",".join(CLASSES), "--seconds", "0.3", "--size", "96x64",
                                    "--workers", "1", "--no-progress"])
    assert made.exit_code == 0, made.output
    return {label: sorted((out / label).glob("*.mp4")) for label in CLASSES}


def _games(rendered: dict[str, list[Path]], dst: Path, games: list[int], first: int = 0) -> Path:
    """Class folders of clips named ``gameNN_CCCC.mp4``: two clips of each class from each game,
    taken from ``rendered`` starting at clip ``first`` of each class."""
    for label, clips in rendered.items():
        (dst / label).mkdir(parents=True, exist_ok=True)
        for n, game in enumerate(g for g in games for _ in range(2)):
            shutil.copy(clips[first + n], dst / label / f"game{game:02d}_{(first + n) * 37 + 5:04d}.mp4")
    return dst


def _splits_by_game(root: Path, version: str) -> dict[str, set[str]]:
    """Each game's splits, read from the version's manifest by the stored clips' source names."""
    v = load_version(root, version)
    by_game: dict[str, set[str]] = defaultdict(set)
    for clip in v.real_clips:
        by_game[Path(v.meta["clips"][clip.clip_id]["source"]).stem.split("_")[0]].add(clip.split)
    return dict(by_game)


def _groups(root: Path, version: str) -> dict[str, str]:
    """Each real clip's group, by its label and the stem of the file it was added from."""
    v = load_version(root, version)
    return {f"{c.label}/{Path(v.meta['clips'][c.clip_id]['source']).stem}": c.group for c in v.real_clips}


def _one_line(output: str) -> str:
    return " ".join(output.split())


def test_a_group_pattern_keeps_every_game_in_one_split_where_stems_split_them(rendered, tmp_path, cli) -> None:
    src = _games(rendered, tmp_path / "clips", [1, 2, 3, 4, 5, 6])
    # A clip whose sidecar states its group keeps it: the pattern is for clips that state none.
    stated = src / "none" / "game06_0412.mp4"
    stated.with_suffix(".json").write_text(json.dumps({"group": "game01"}))

    by_stem = cli("dataset", "create", src, "--root", tmp_path / "stems", "--no-progress")
    assert by_stem.exit_code == 0, by_stem.output
    assert any(len(splits) > 1 for splits in _splits_by_game(tmp_path / "stems", "v1").values())
    assert load_version(tmp_path / "stems", "v1").meta["group_pattern"] is None

    root = tmp_path / "games"
    made = cli("dataset", "create", src, "--root", root, "--group-pattern", PATTERN, "--no-progress")
    assert made.exit_code == 0, made.output
    meta = load_version(root, "v1").meta
    assert meta["group_pattern"]["regex"] == PATTERN
    groups = _groups(root, "v1")
    assert groups.pop("none/game06_0412") == "game01"
    assert groups == {name: name.split("/")[1].split("_")[0] for name in groups}
    splits = _splits_by_game(root, "v1")
    assert len(splits) == 6 and len(set().union(*splits.values())) == 3
    assert all(len(s) == 1 for game, s in splits.items() if game != "game06"), splits
    v1 = load_version(root, "v1")
    assert {c.split for c in v1.real_clips if c.group == "game01"} == splits["game01"]
    assert ("source videos (groups): 6; a clip that states no group takes it from its file name by "
            "--group-pattern '^(.+)_\\d+$'") in _one_line(made.output)
    with open(root / "v1" / "manifest.csv", newline="") as f:
        assert {row["group"] for row in csv.DictReader(f)} == {f"game0{g}" for g in range(1, 7)}


def test_the_split_report_counts_games_not_clips(rendered, tmp_path, cli) -> None:
    src = _games(rendered, tmp_path / "clips", [1, 1, 2, 2, 3, 3])
    made = cli("dataset", "create", src, "--root", tmp_path / "d", "--group-pattern", PATTERN, "--no-progress")
    assert made.exit_code == 0, made.output
    said = _one_line(made.output)
    # 12 clips of each class from 3 games: 15% of 3 games is under one, so val and test are empty.
    assert "15% of each class's source videos (none 3, soccer_shooting 3) is under one" in said, said
    splits = _splits_by_game(tmp_path / "d", "v1")
    assert len(splits) == 3 and all(len(s) == 1 for s in splits.values()), splits


def test_a_grown_version_keeps_its_parents_pattern_and_a_new_clip_joins_its_games_split(
        rendered, tmp_path, cli) -> None:
    root = tmp_path / "d"
    first = _games(rendered, tmp_path / "first", [1, 2, 3, 4])
    assert cli("dataset", "create", first, "--root", root, "--group-pattern", PATTERN, "--seed", "2",
               "--no-progress").exit_code == 0
    more = _games(rendered, tmp_path / "more", [3, 5], first=8)
    grown = cli("dataset", "grow", more, "--root", root, "--parent", "v1", "--no-progress")
    assert grown.exit_code == 0, grown.output
    assert load_version(root, "v2").group_pattern == GroupPattern(PATTERN)
    before, after = _splits_by_game(root, "v1"), _splits_by_game(root, "v2")
    assert all(len(s) == 1 for s in after.values()), after
    assert after["game03"] == before["game03"] and set(after) == {f"game0{g}" for g in range(1, 6)}

    # '' takes the stem again: the next version records no pattern, and its new clips are their own.
    again = _games(rendered, tmp_path / "again", [7], first=12)
    stems = cli("dataset", "grow", again, "--root", root, "--parent", "v2", "--group-pattern", "",
                "--no-progress")
    assert stems.exit_code == 0, stems.output
    v3 = load_version(root, "v3")
    assert v3.meta["group_pattern"] is None and v3.group_pattern.by_stem
    assert {s: g for s, g in _groups(root, "v3").items() if "/game07" in s} == {
        s: s.split("/")[1] for s in _groups(root, "v3") if "/game07" in s}


def test_a_version_written_before_the_pattern_reads_and_grows_by_stem(rendered, tmp_path, cli) -> None:
    root = tmp_path / "d"
    assert cli("dataset", "create", _games(rendered, tmp_path / "a", [1, 2, 3]), "--root", root,
               "--no-progress").exit_code == 0
    meta_path = root / "v1" / "dataset_meta.json"
    meta = json.loads(meta_path.read_text())
    del meta["group_pattern"]
    meta_path.chmod(0o644)
    meta_path.write_text(json.dumps(meta))
    assert load_version(root, "v1").group_pattern == GroupPattern()
    assert cli("dataset", "show", "v1", "--root", root).exit_code == 0
    grown = cli("dataset", "grow", _games(rendered, tmp_path / "b", [4], first=6), "--root", root,
                "--parent", "v1", "--no-progress")
    assert grown.exit_code == 0, grown.output
    assert {s: g for s, g in _groups(root, "v2").items() if "/game04" in s} == {
        s: s.split("/")[1] for s in _groups(root, "v2") if "/game04" in s}


def test_a_name_the_pattern_finds_no_group_in_is_refused_in_one_line_or_left_out(
        rendered, tmp_path, cli) -> None:
    src = _games(rendered, tmp_path / "clips", [1, 2, 3])
    stray = src / "none" / "warmup.mp4"
    shutil.copy(rendered["none"][11], stray)
    root = tmp_path / "d"
    refused = cli("dataset", "create", src, "--root", root, "--group-pattern", PATTERN, "--no-progress")
    assert refused.exit_code == 1
    assert (f"{stray}: --group-pattern '^(.+)_\\d+$' finds no group in its name 'warmup'; rename it, "
            'give its group in warmup.json beside it ({"group": ...}), or change the pattern'
            ) in _one_line(refused.output)
    assert not (root / "v1").exists()

    left_out = cli("dataset", "create", src, "--root", root, "--group-pattern", PATTERN, "--skip-bad",
                   "--no-progress")
    assert left_out.exit_code == 0, left_out.output
    assert [s["path"] for s in load_version(root, "v1").meta["skipped"]] == [str(stray)]


@pytest.mark.parametrize("regex, cause", [("(game", "missing ), unterminated subpattern at position 0"),
                                           ("game[", "unterminated character set at position 4")])
def test_a_bad_pattern_is_one_line_naming_it(tmp_path, cli, regex: str, cause: str) -> None:
    write_clip(tmp_path / "clips" / "none" / "game01_0001.mp4", 0)
    result = cli("dataset", "create", tmp_path / "clips", "--root", tmp_path / "d", "--group-pattern", regex)
    assert result.exit_code == 1
    assert result.output.strip() == f"error: --group-pattern '{regex}': not a regular expression ({cause})"
    assert not (tmp_path / "d").exists()


def test_a_manifests_group_cell_wins_and_an_empty_cell_takes_the_pattern(tmp_path) -> None:
    rows = [{"path": "a/game01_0001.mp4", "label": "none"},
            {"path": "a/game01_0002.mp4", "label": "none", "group": "game02"},
            {"path": "a/other.mp4", "label": "none"}]
    for n, row in enumerate(rows):
        write_clip(tmp_path / row["path"], n)
    manifest = write_manifest(tmp_path / "clips.csv", rows)
    found = find_sources(manifest, group_pattern=GroupPattern(PATTERN))
    assert [(c.path.name, c.group) for c in found.clips] == [("game01_0001.mp4", "game01"),
                                                             ("game01_0002.mp4", "game02")]
    assert [p.reason for p in found.problems] == [
        f"{tmp_path / 'a' / 'other.mp4'}: --group-pattern '^(.+)_\\d+$' finds no group in its name "
        "'other'; rename it, give its group in clips.csv's group column, or change the pattern"]
    assert [c.group for c in find_sources(manifest).clips] == ["game01_0001", "game02", "other"]


@pytest.mark.parametrize("regex, stem, group", [
    (PATTERN, "game03_0012", "game03"),
    (r"(?P<group>game\d+)", "u12_game03_take2", "game03"),  # the named group, not the first
    (r"^(u\d+)_(?P<group>[a-z]+\d*)", "u12_game03_take2", "game03"),
    (r"game\d+", "u12_game03_take2", "game03"),  # no group: what it matches
    (r"^(\w+?)-", "game03-12", "game03"),
    (PATTERN, "game03", None),
    (r"^(x*)game", "game03", None),  # an empty group is none: it would join unrelated videos
    (r"(a)|(b)", "b", None),  # the first group took no part in the match
    ("", "game03_0012", "game03_0012"),  # the empty pattern: the whole stem
])
def test_the_group_a_pattern_takes_from_a_stem(regex: str, stem: str, group: str | None) -> None:
    assert GroupPattern(regex).group_of(stem) == group


def test_a_pattern_reads_back_from_what_a_meta_records() -> None:
    assert GroupPattern.from_dict(GroupPattern(PATTERN).to_dict()) == GroupPattern(PATTERN)
    assert GroupPattern().to_dict() is None and GroupPattern.from_dict(None) == GroupPattern()
    with pytest.raises(DatasetError, match=r"--group-pattern '\(': not a regular expression"):
        GroupPattern("(")


@pytest.mark.parametrize("recorded, cause", [
    ('"^(.+)_\\\\d+$"', 'group_pattern is "^(.+)_\\\\d+$", not null or an object such as'),
    ('{"regex": 3}', 'group_pattern is {"regex": 3}, not null or an object such as'),
    ('{"regex": "(game"}', "group_pattern's regex '(game' is not a regular expression"),
])
def test_a_meta_whose_pattern_was_edited_into_another_shape_is_refused_naming_it(
        rendered, tmp_path, cli, recorded: str, cause: str) -> None:
    # Read only when the version grows, it stopped `dataset grow` with a traceback.
    root = tmp_path / "d"
    assert cli("dataset", "create", _games(rendered, tmp_path / "a", [1, 2, 3]), "--root", root,
               "--no-progress").exit_code == 0
    meta_path = root / "v1" / "dataset_meta.json"
    meta = json.loads(meta_path.read_text())
    meta["group_pattern"] = json.loads(recorded)
    meta_path.chmod(0o644)
    meta_path.write_text(json.dumps(meta))
    grown = cli("dataset", "grow", _games(rendered, tmp_path / "b", [4], first=6), "--root", root,
                "--parent", "v1", "--no-progress")
    assert grown.exit_code == 1
    assert _one_line(grown.output).startswith(f"error: {meta_path}: {cause}"), grown.output
    assert not (root / "v2").exists()
