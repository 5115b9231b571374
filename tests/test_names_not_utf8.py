"""A video whose file name is not UTF-8 (a Latin-1 system's, an old Windows zip's) is refused in
one line, and in a batch fails alone: no output can hold its name as Python decodes it."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from highlights.video import VideoError, probe
from tests.pipeline_fixtures import make_game


def _latin1_named_copy(video, folder):
    folder.mkdir(parents=True, exist_ok=True)
    name = os.fsdecode(b"partido_espa\xf1a.mp4")  # "espa\xf1a" is Latin-1 for "españa"
    try:
        shutil.copy(video, folder / name)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    return folder / name


def _refuse_constants(text):
    raise ValueError(f"not JSON: {text}")


def test_probe_refuses_a_name_that_is_not_utf8_and_names_it_printably(tmp_path):
    video = make_game(tmp_path / "made", duration_s=3.0)
    copy = _latin1_named_copy(video, tmp_path / "uploads")
    with pytest.raises(VideoError) as caught:
        probe(copy)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "uploads" / "partido_espa\\xf1a.mp4") + ": its name is not valid UTF-8")
    message.encode("utf-8")  # the line itself can be logged anywhere
    assert "\n" not in message


def test_a_batch_records_that_game_as_failed_and_runs_the_others(tmp_path, restore_threads):
    from typer.testing import CliRunner

    from highlights.cli.app import app

    uploads = tmp_path / "uploads"
    make_game(uploads, "good", duration_s=6.0)
    _latin1_named_copy(make_game(tmp_path / "made", "other", duration_s=3.0), uploads)
    out = tmp_path / "season"
    res = CliRunner().invoke(app, ["detect", str(uploads), "--out", str(out), "--set", "detection.backend=gt",
                                   "--set", "pose.backend=gt", "--set", "classifier.enabled=false",
                                   "--workers", "1", "--no-progress"])
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    index = json.loads((out / "index.json").read_text(encoding="utf-8"), parse_constant=_refuse_constants)
    games = {g["game_id"]: g for g in index["games"]}
    assert games["good"]["status"] == "done"
    assert games["partido_espa_a"]["status"] == "failed"
    assert games["partido_espa_a"]["error"].startswith(
        str(uploads / "partido_espa\\xf1a.mp4") + ": its name is not valid UTF-8")
    assert (out / "index.csv").read_text(encoding="utf-8-sig") and (out / "index.html").read_text(encoding="utf-8")


def test_dataset_create_names_such_a_clip_once_and_records_it_as_text(tmp_path):
    # Its line named it twice, the first time with its bytes as lone surrogates ("\udcf1"), and
    # --skip-bad recorded those in dataset_meta.json, which no UTF-8 reader takes.
    from typer.testing import CliRunner

    from highlights.cli.app import app
    from tests.dataset_fixtures import layout_of, make_class_tree, write_clip

    src = make_class_tree(tmp_path / "src", layout_of({"a": 2, "b": 2}))
    _latin1_named_copy(write_clip(tmp_path / "made" / "clip.mp4", 99), src / "b")
    shown = str(src / "b" / "partido_espa\\xf1a.mp4")
    res = CliRunner().invoke(app, ["dataset", "create", str(src), "--root", str(tmp_path / "ds"),
                                   "--no-progress"])
    assert res.exit_code == 1
    assert res.output.startswith(f"error: {shown}: its name is not valid UTF-8")
    assert res.output.count("partido") == 1
    res = CliRunner().invoke(app, ["dataset", "create", str(src), "--root", str(tmp_path / "ds"),
                                   "--skip-bad", "--no-progress"])
    assert res.exit_code == 0, res.output
    meta = (tmp_path / "ds" / "v1" / "dataset_meta.json").read_bytes().decode("utf-8")
    skipped = json.loads(meta)["skipped"]
    assert [s["path"] for s in skipped] == [shown]
    assert skipped[0]["reason"].startswith(f"{shown}: its name")
    for entry in skipped:
        json.dumps(entry, ensure_ascii=False).encode("utf-8")  # text a UTF-8 file can hold
