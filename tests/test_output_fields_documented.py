"""Every field a program reads from highlights.json (docs/detect.md) and a batch's index.json
(docs/batch.md) is named there with its type, and both files are standard JSON a strict reader takes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from highlights.events import load_annotation
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.detect import detect_highlights
from tests.pipeline_fixtures import make_game

DOC = Path(__file__).resolve().parents[1] / "docs" / "detect.md"
FAST = PipelineConfig().with_overrides(
    {"detection.backend": "gt", "pose.backend": "gt", "classifier.backend": "oracle"})
BATCH_DOC = DOC.with_name("batch.md")
JSON_TYPES = {"string": str, "object": dict, "array": list, "integer": int, "number": (int, float), "boolean": bool,
              "number or null": (int, float, type(None)), "string or null": (str, type(None)),
              "integer or null": (int, type(None)), "object or null": (dict, type(None))}


def _documented_tables(doc: Path, heading: str) -> list[dict[str, tuple[str, str]]]:
    """The tables of the section `heading`: field -> (type, what it is), in the order they come."""
    text = doc.read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    tables, current = [], None
    for line in section.splitlines():
        row = re.match(r"\| `([a-z0-9_]+)` \| ([a-z ]+) \| (.+) \|$", line)
        if row:
            if current is None:
                current = {}
                tables.append(current)
            current[row.group(1)] = (row.group(2), row.group(3))
        elif not line.startswith("|"):
            current = None
    return tables


def _refuse(constant):
    raise ValueError(f"not standard JSON: {constant}")


def test_every_field_is_documented_with_its_type(tmp_path):
    video = make_game(tmp_path / "game", duration_s=12.0)
    _, files = detect_highlights(video, FAST, tmp_path / "out", annotation=load_annotation(video.with_suffix(".json")),
                                 progress=False)
    data = json.loads(files["json"].read_text(encoding="utf-8"), parse_constant=_refuse)
    top, video_fields, highlight_fields = _documented_tables(DOC, "Reading highlights.json from a program")
    assert data["highlights"], "the fixture game's events are found"
    for documented, found in ((top, data), (video_fields, data["video"]),
                              *((highlight_fields, h) for h in data["highlights"])):
        assert sorted(found) == sorted(documented)
        for name, (kind, _) in documented.items():
            assert isinstance(found[name], JSON_TYPES[kind]), (name, kind, found[name])
    assert data["format"] in top["format"][1]
    for candidate in data["candidates"]:
        assert all(f"`{key}`" in top["candidates"][1] for key in candidate), candidate


def test_every_field_of_a_batch_index_is_documented_with_its_type(tmp_path, restore_threads):
    from highlights.batch import collect_games, run_batch

    uploads = tmp_path / "uploads"
    make_game(uploads, "good", duration_s=6.0)  # with its annotations, good.json: its record has `scores`
    (uploads / "empty.mp4").write_bytes(b"")
    manifest = uploads / "games.csv"
    manifest.write_text("path,annotations\ngood.mp4,good.json\nempty.mp4,\n", encoding="utf-8")
    config = PipelineConfig().with_overrides({"detection.backend": "gt", "pose.backend": "gt",
                                              "classifier.enabled": "false"})
    run_batch(collect_games([manifest]), tmp_path / "season", config, workers=1, progress=False, log=lambda line: None)
    index = json.loads((tmp_path / "season" / "index.json").read_text(encoding="utf-8"), parse_constant=_refuse)
    top, game_fields = _documented_tables(BATCH_DOC, "Reading index.json from a program")
    assert sorted(index) == sorted(top)
    assert index["format"] in top["format"][1]
    assert all(f"`{key}`" in top["summary"][1] for key in index["summary"])
    assert all(f"`{key}`" in top["request"][1] for key in index["request"])
    from highlights import __version__

    assert index["request"]["highlights_version"] == __version__
    assert sorted(g["status"] for g in index["games"]) == ["done", "failed"]
    for game in index["games"]:
        assert set(game) <= set(game_fields), set(game) - set(game_fields)
        for name, value in game.items():
            assert isinstance(value, JSON_TYPES[game_fields[name][0]]), (name, value)
    (done,) = (g for g in index["games"] if g["status"] == "done")
    _assert_named_counts(done["scores"], game_fields["scores"][1], nested={"shown_in_reel"})
    _assert_named_counts(done["scores"]["shown_in_reel"], game_fields["scores"][1])
    _assert_named_counts(index["summary"]["against_annotations"],
                         _parenthesis(top["summary"][1], "against_annotations"),
                         texts={"shown_in_reel_meaning"})
    assert index["summary"]["against_annotations"]["games"] == 1


def _parenthesis(text: str, field: str) -> str:
    """What a description says of one of its fields in the parenthesis after it."""
    after = text.split(f"`{field}` (", 1)[1]
    depth, end = 1, 0
    while depth:
        depth += {"(": 1, ")": -1}.get(after[end], 0)
        end += 1
    return after[:end - 1]


def _assert_named_counts(found: dict, described: str, nested: set[str] = frozenset(),
                         texts: set[str] = frozenset()) -> None:
    """Each key of ``found`` is named in ``described``, and holds a count or rate (a number), a
    95% interval (two numbers), a sentence (``texts``) or one of the ``nested`` objects."""
    assert isinstance(found, dict), found
    for key, value in found.items():
        assert f"`{key}`" in described, (key, described)
        if key in nested:
            assert isinstance(value, dict), (key, value)
        elif key in texts:
            assert isinstance(value, str), (key, value)
        elif key.endswith("_interval"):
            assert isinstance(value, list) and len(value) == 2, (key, value)
            assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value), (key, value)
        else:
            assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, value)
