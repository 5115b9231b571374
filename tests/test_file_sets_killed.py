"""Sets of files written together (a test report's JSON, Markdown and pictures; pipeline scores with
their timeline and Markdown; an int8 verdict and its model), killed between the renames that put
them in place over an earlier run's set: the reader says the folder is mixed and which file, where
it used to read an earlier record beside a later run's files as one set."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import re
from pathlib import Path

import numpy as np
import pytest

from highlights.events import Event, GameAnnotation, save_annotation
from highlights.events.spotting import Spot, write_results_spotting
from highlights.file_set import WRITTEN_WITH, MixedSetError, stale_partners
from highlights.report import build_report, load_report, write_report_files

LABELS = ["a", "b", "none"]
JSON, MD = "video_scorer_testreport.json", "video_scorer_testreport.md"


class Killed(BaseException):
    """The process ending at this point, as kill -9 ends it: no handler runs on its behalf."""


def _killed_after_renames(monkeypatch, folder: Path, renames: int) -> list[str]:
    """os.replace dies before the (renames + 1)-th rename into ``folder``; the names renamed."""
    real_replace = os.replace
    into: list[str] = []

    def replace(src, dst, *args, **kwargs):
        if Path(dst).parent == folder:
            if len(into) == renames:
                raise Killed
            into.append(Path(dst).name)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return into


def _report(predicted: list[str], *, probabilities: bool = False) -> dict:
    truth = ["a", "b", "none", "a"]
    proba = None
    if probabilities:
        proba = np.array([[0.8 if label == p else 0.1 for label in LABELS] for p in predicted])
    return build_report(truth, predicted, LABELS, n_bootstrap=20, proba=proba)


def test_a_report_killed_between_its_renames_reads_its_json_with_a_warning_naming_the_file(
        tmp_path, monkeypatch, caplog):
    write_report_files(_report(["a", "b", "none", "b"]), tmp_path)
    earlier = load_report(tmp_path)
    into = _killed_after_renames(monkeypatch, tmp_path, 1)
    with pytest.raises(Killed):
        write_report_files(_report(["a", "a", "a", "a"]), tmp_path)
    monkeypatch.undo()
    assert into == [MD]  # the later run's Markdown beside the earlier JSON
    assert json.loads((tmp_path / JSON).read_text())["accuracy"] == earlier["accuracy"]
    assert not caplog.records
    assert load_report(tmp_path) == earlier  # the JSON is whole: its figures are read
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "\n" not in warning
    assert warning.startswith(f"warning: {tmp_path / JSON}: {MD} beside it")
    assert "confusion.png" not in warning  # still the earlier run's: not named
    assert "the figures read are this JSON's" in warning
    assert "run the command that wrote the report again" in warning

    caplog.clear()
    write_report_files(_report(["a", "a", "a", "a"]), tmp_path)  # the command run again
    assert load_report(tmp_path)["accuracy"] == 0.5
    assert not caplog.records


def _report_command(*argv) -> subprocess.CompletedProcess:
    """`highlights report ARGV` as a user runs it: no logging set up, so a warning is Python's
    last resort on stderr."""
    return subprocess.run([sys.executable, "-m", "highlights", "report", *map(str, argv)],
                          capture_output=True, text=True, timeout=120)


def test_report_show_reads_a_report_whose_markdown_a_checkout_gave_crlf_line_ends(tmp_path):
    write_report_files(_report(["a", "b", "none", "b"]), tmp_path)
    markdown = tmp_path / MD
    markdown.write_bytes(markdown.read_bytes().replace(b"\n", b"\r\n"))  # git's autocrlf
    shown = _report_command("show", tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "| Class |" in shown.stdout
    assert shown.stderr == ""  # the same text: not another run's

    markdown.write_bytes(markdown.read_bytes() + b"A note of my own.\r\n")  # edited by hand
    compared = _report_command("compare", tmp_path, tmp_path)
    assert compared.returncode == 0, compared.stderr
    lines = compared.stderr.splitlines()  # a line for each report read: compare reads it twice
    assert len(lines) == 2, lines
    assert all(line.startswith(f"warning: {tmp_path / JSON}: {MD} beside it is not the file it "
                               "was written with") for line in lines), lines


def test_a_report_whose_files_were_all_renamed_but_its_json_names_them_all(tmp_path, monkeypatch):
    # An earlier report without the reliability diagram; the later one has it, and is killed
    # just before its JSON's rename: the diagram the earlier JSON has no place for is named too.
    write_report_files(_report(["a", "b", "none", "b"]), tmp_path)
    assert json.loads((tmp_path / "video_scorer_testreport.json").read_text())[WRITTEN_WITH][
        "video_scorer_testreport_reliability.png"] is None
    later = _report(["a", "b", "none", "a"], probabilities=True)
    assert later.get("confidence", {}).get("calibration")
    _killed_after_renames(monkeypatch, tmp_path, 3)
    with pytest.raises(Killed):
        write_report_files(later, tmp_path)
    monkeypatch.undo()
    record = json.loads((tmp_path / JSON).read_text())
    stale = {p.name for p in stale_partners(tmp_path / JSON, record)}
    assert stale == {"video_scorer_testreport.md", "video_scorer_testreport_confusion.png",
                     "video_scorer_testreport_reliability.png"}


def test_a_report_written_before_sets_were_recorded_reads_as_before(tmp_path):
    write_report_files(_report(["a", "b", "none", "b"]), tmp_path)
    json_path = tmp_path / "video_scorer_testreport.json"
    older = json.loads(json_path.read_text())
    del older[WRITTEN_WITH]
    json_path.write_text(json.dumps(older))
    (tmp_path / "video_scorer_testreport.md").write_text("another run's Markdown\n")
    assert load_report(tmp_path) == older
    # and a record moved away from its partners is not a mix
    (tmp_path / "alone").mkdir()
    write_report_files(_report(["a", "b", "none", "b"]), tmp_path / "with")
    os.replace(tmp_path / "with" / JSON, tmp_path / "alone" / "report.json")
    assert load_report(tmp_path / "alone" / "report.json")["accuracy"] == 0.75


def test_pipeline_scores_killed_between_their_renames_name_the_later_files(cli, tmp_path,
                                                                           monkeypatch):
    event = lambda i, t: Event(str(i), "soccer", "Goal", t - 2, t + 2, t)  # noqa: E731
    events = [event(0, 30.0), event(1, 90.0)]
    game = GameAnnotation("match", None, None, None, None, "soccer", events)
    annotation = save_annotation(game, tmp_path / "match.json")
    first, second = (write_results_spotting([Spot("Goal", at, 0.9, 1)], tmp_path / f"{name}.json",
                                            game="match")
                     for name, at in (("first", 30.2), ("second", 60.0)))
    out = tmp_path / "scores"
    score = ["pipeline", "score", "--annotations", annotation, "--out", out]
    assert cli(*score, "--predictions", first).exit_code == 0
    record_path = out / "pipeline_eval.json"
    assert stale_partners(record_path, json.loads(record_path.read_text())) == []
    into = _killed_after_renames(monkeypatch, out, 2)
    with pytest.raises(Killed):
        cli(*score, "--predictions", second)  # Killed is no Exception: it is not caught
    monkeypatch.undo()
    assert into == ["pipeline_eval_timeline.png", "pipeline_eval.md"]  # the JSON would come last
    stale = stale_partners(record_path, json.loads(record_path.read_text()))
    assert sorted(p.name for p in stale) == sorted(into)


def test_an_int8_model_killed_before_its_verdict_is_not_used_with_the_earlier_one(tmp_path,
                                                                                  monkeypatch):
    from highlights.model.cpu_features import this_cpu
    from highlights.model.int8_store import MODEL_SHA256, load_int8, save_int8, sidecar_paths

    checkpoint = tmp_path / "best.pt"
    checkpoint.write_bytes(b"a checkpoint")
    cpu = this_cpu()
    verdict = {"accepted": True, "accuracy_change_points": 0.0}
    save_int8(checkpoint, verdict, b"model one", cpu=cpu)
    assert load_int8(checkpoint, cpu=cpu)[0] == b"model one"
    model_path, verdict_path = sidecar_paths(checkpoint)
    into = _killed_after_renames(monkeypatch, tmp_path, 1)
    with pytest.raises(Killed):
        save_int8(checkpoint, verdict, b"model two", cpu=cpu)
    monkeypatch.undo()
    assert into == [model_path.name] and model_path.read_bytes() == b"model two"
    model, why = load_int8(checkpoint, cpu=cpu)
    assert model is None and why["usable"] is False
    assert why["reason"].startswith(f"{model_path}: not the model its verdict measured")

    # A verdict written before the model's sha256 was recorded is used as before.
    earlier = json.loads(verdict_path.read_text())
    del earlier[MODEL_SHA256]
    verdict_path.write_text(json.dumps(earlier))
    assert load_int8(checkpoint, cpu=cpu)[0] == b"model two"


def test_a_synthetic_clip_killed_before_its_truth_is_refused_where_its_truth_is_read(tmp_path,
                                                                                    monkeypatch):
    from highlights.datasets.errors import DatasetError
    from highlights.datasets.sources import scan_class_folders
    from highlights.pose_classifier.clips import synthetic_truth_poses
    from highlights.synth.clip import ClipRequest, write_clip

    clip = tmp_path / "none" / "clip.mp4"
    made = dict(label="none", sport="soccer", seconds=0.5, width=160, height=96, fps=10.0)
    write_clip(ClipRequest(seed=1, scene_seed=1, group="first", **made), clip)
    assert [c.group for c in scan_class_folders(tmp_path).clips] == ["first"]
    assert synthetic_truth_poses(clip) is not None
    into = _killed_after_renames(monkeypatch, clip.parent, 1)
    with pytest.raises(Killed):
        write_clip(ClipRequest(seed=2, scene_seed=2, group="second", **made), clip)
    monkeypatch.undo()
    assert into == ["clip.mp4"]  # the later clip beside the earlier one's truth (group "first")
    with pytest.raises(DatasetError, match=r"clip\.json: clip\.mp4 beside it is not the file it "
                                           r"was written with .*make the clips again"):
        scan_class_folders(tmp_path)
    with pytest.raises(MixedSetError):
        synthetic_truth_poses(clip)


def test_a_generated_clip_killed_before_its_truth_is_refused_where_the_sets_manifest_is_read(
        tmp_path, monkeypatch):
    """The generator's folder holds manifest.csv, which `dataset create` reads in place of the
    class folders: a clip killed before its truth over an earlier set of the same names leaves
    that earlier manifest, naming the earlier clip's group, beside the later video."""
    from highlights.datasets.errors import DatasetError
    from highlights.datasets.sources import find_sources
    from highlights.synth.clip import write_clip
    from highlights.synth.clipset import ClipSetConfig, generate_clip_set, plan_clip_set

    config = ClipSetConfig(per_class=1, classes=("none",), seconds=0.5, size="160x96", fps="10",
                           workers=1)
    generate_clip_set(tmp_path, config)
    (planned,) = plan_clip_set(config)
    assert [c.group for c in find_sources(tmp_path).clips] == [planned.request.group]
    clip = tmp_path / planned.relpath
    later = dataclasses.replace(planned.request, seed=planned.request.seed + 1, group="later")
    into = _killed_after_renames(monkeypatch, clip.parent, 1)
    with pytest.raises(Killed):
        write_clip(later, clip)
    monkeypatch.undo()
    assert into == [clip.name]  # the later video beside the earlier truth and manifest
    said = rf"{re.escape(str(clip.with_suffix('.json')))}: {re.escape(clip.name)} beside it is not"
    with pytest.raises(DatasetError, match=said + r" the file it was written with .*clips again"):
        find_sources(tmp_path)


def test_a_clip_set_killed_before_its_manifest_leaves_no_earlier_manifest_naming_its_clips(
        tmp_path, monkeypatch):
    """A clip set of other classes over an earlier one gives a clip of the same name another
    group; killed before its manifest, the earlier manifest must not name that clip's group."""
    from highlights.datasets.sources import find_sources
    from highlights.synth import clipset

    made = dict(per_class=2, seconds=0.2, size="64x36", fps="10", workers=1)
    clipset.generate_clip_set(tmp_path, clipset.ClipSetConfig(classes=("none",), **made))
    later = clipset.ClipSetConfig(classes=("basketball_layup", "none"), **made)
    groups = {p.relpath: p.request.group for p in clipset.plan_clip_set(later)}
    earlier = {c.path.relative_to(tmp_path).as_posix(): c.group for c in find_sources(tmp_path).clips}
    assert any(groups[name] != group for name, group in earlier.items())  # a group moved

    def killed(out_dir, rows):
        raise Killed

    monkeypatch.setattr(clipset, "write_manifest", killed)  # every clip written, then the kill
    with pytest.raises(Killed):
        clipset.generate_clip_set(tmp_path, later)
    monkeypatch.undo()
    assert not (tmp_path / "manifest.csv").exists()
    found = {c.path.relative_to(tmp_path).as_posix(): c.group for c in find_sources(tmp_path).clips}
    assert found == groups  # each clip's group from its own truth
    clipset.generate_clip_set(tmp_path, later)  # the command run again
    assert {c.path.relative_to(tmp_path).as_posix(): c.group
            for c in find_sources(tmp_path).clips} == groups


def test_a_synthetic_game_killed_before_its_annotation_is_refused_where_it_is_read(tmp_path,
                                                                                   monkeypatch):
    from highlights.events import load_annotation
    from highlights.synth.game import GameConfig, generate_game

    made = dict(minutes=0.1, sport="soccer", width=160, height=96, fps=10.0, name="game")
    paths = generate_game(tmp_path, GameConfig(seed=1, **made))
    earlier = load_annotation(paths["annotation"])
    into = _killed_after_renames(monkeypatch, tmp_path, 2)
    with pytest.raises(Killed):
        generate_game(tmp_path, GameConfig(seed=2, **made))
    monkeypatch.undo()
    assert into == ["game.mp4", "game.gt.jsonl"]  # the later game beside the earlier one's events
    said = r"game\.json: game\.mp4 and game\.gt\.jsonl beside it are not the files it was written"
    with pytest.raises(MixedSetError, match=said + r" with .*make the game again"):
        load_annotation(paths["annotation"])
    generate_game(tmp_path, GameConfig(seed=1, **made))  # the command run again
    assert load_annotation(paths["annotation"]) == earlier
    truth = paths["truth"]  # a checkout on Windows: the same truth with CRLF line ends
    truth.write_bytes(truth.read_bytes().replace(b"\n", b"\r\n"))
    assert load_annotation(paths["annotation"]) == earlier


def test_the_gt_backends_refuse_a_truth_written_with_another_video(tmp_path, monkeypatch, caplog):
    """A game killed after its video's rename leaves the earlier game's NAME.gt.jsonl beside the
    later video: the gt backends would find the earlier game's persons in it."""
    import shutil
    from types import SimpleNamespace

    from highlights.pipeline.context import default_gt_path
    from highlights.pipeline.ground_truth import release_reader, shared_reader
    from highlights.synth.game import GameConfig, generate_game

    def context(video: Path, gt: Path | None = None):
        return SimpleNamespace(shared={}, video_path=video, gt_path=gt or default_gt_path(video))

    made = dict(minutes=0.1, sport="soccer", width=160, height=96, fps=10.0, name="game")
    paths = generate_game(tmp_path / "one", GameConfig(seed=1, **made))
    whole = context(paths["video"])
    assert shared_reader(whole).persons_at(0.0)  # the earlier game, read whole
    release_reader(whole)
    elsewhere = tmp_path / "copied.mp4"  # its own video copied away from its truth: still its own
    shutil.copy(paths["video"], elsewhere)
    copied = context(elsewhere, paths["truth"])
    assert shared_reader(copied).persons_at(0.0)
    release_reader(copied)
    assert not caplog.records
    other = generate_game(tmp_path / "two", GameConfig(seed=3, **made))  # another game's video
    another = context(other["video"], paths["truth"])
    shared_reader(another)  # a video away from the truth may be the game remuxed: said, not refused
    release_reader(another)
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert re.match(rf"warning: {re.escape(str(paths['truth']))}: the truth of game\.mp4 .*not of "
                    rf"{re.escape(str(other['video']))}; its persons are read as this video's$", warning)

    into = _killed_after_renames(monkeypatch, paths["video"].parent, 1)
    with pytest.raises(Killed):
        generate_game(paths["video"].parent, GameConfig(seed=2, **made))
    monkeypatch.undo()
    assert into == ["game.mp4"]  # the later video beside the earlier truth and annotation
    with pytest.raises(MixedSetError, match=r"game\.json: game\.mp4 beside it is not the file it "
                                            r"was written with .*make the game again"):
        shared_reader(context(paths["video"]))
