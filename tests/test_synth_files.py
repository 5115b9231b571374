"""Encoded clips decode with the right size and length, portrait reads back portrait, a seed
gives the same bytes, and a clip folder is laid out for the dataset ingest."""

from __future__ import annotations

import csv
import hashlib
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from highlights.synth import ClipSetConfig, generate_clip_set, plan_clip_set, render_clip, write_clip
from highlights.video import probe, read_clip
from tests.synth_fixtures import request

# Stored widths that are multiples of 128 (see highlights.synth.clipset.LANDSCAPE_SIZES).
LANDSCAPE = (256, 144)
PORTRAIT = (144, 256)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_clip_decodes_with_its_size_length_and_truth(tmp_path):
    req = request("soccer_shooting", 21, seconds=0.6, size=LANDSCAPE, fps=25.0, difficulty=0.5)
    truth = write_clip(req, tmp_path / "shot.mp4")
    info = probe(tmp_path / "shot.mp4")
    assert (info.width, info.height, info.rotation) == (256, 144, 0)
    assert info.num_frames == truth["num_frames"] == 15
    assert abs(info.fps - 25.0) < 1e-6
    frames, _ = read_clip(tmp_path / "shot.mp4", num_frames=4)
    assert frames.shape == (4, 144, 256, 3)
    on_disk = json.loads((tmp_path / "shot.json").read_text())
    for key in ("label", "sport", "group", "fps", "width", "height", "rotation", "num_frames",
                "action", "seed", "difficulty", "frames"):
        assert key in on_disk
    assert on_disk["label"] == "soccer_shooting" and on_disk["sport"] == "soccer"
    assert set(on_disk["action"]) == {"start_s", "end_s", "key_s"}
    assert 0 <= on_disk["action"]["start_s"] < on_disk["action"]["key_s"] < on_disk["action"]["end_s"] <= 0.6
    assert len(on_disk["frames"][0]["persons"][0]["keypoints"]) == 17


def test_a_clip_copied_out_of_its_set_keeps_its_licence_and_provenance(tmp_path):
    import shutil

    from highlights.datasets.sources import scan_class_folders

    req = request("none", 7, sport="soccer", seconds=0.3, size=LANDSCAPE, difficulty=0.25)
    write_clip(req, tmp_path / "set" / "a.mp4")
    # Copied, with its truth, into a class folder of the user's: no manifest goes with it.
    (tmp_path / "mine" / "none").mkdir(parents=True)
    for name in ("a.mp4", "a.json"):
        shutil.copy(tmp_path / "set" / name, tmp_path / "mine" / "none" / name)
    [clip] = scan_class_folders(tmp_path / "mine").clips
    assert clip.licence == "synthetic, CC0"
    assert clip.provenance == "highlights synth v0.1.0 seed=7 difficulty=0.25"


def test_none_clip_has_no_action(tmp_path):
    truth = write_clip(request("none", 22, sport="basketball", seconds=0.4, size=LANDSCAPE), tmp_path / "n.mp4")
    assert truth["action"] is None and truth["label"] == "none"


def test_portrait_clip_reads_back_portrait_and_upright(tmp_path):
    req = request("baseball_swing", 23, seconds=0.4, size=PORTRAIT, rotation=90)
    write_clip(req, tmp_path / "p.mp4")
    info = probe(tmp_path / "p.mp4")
    assert (info.width, info.height, info.rotation) == (144, 256, 90)
    decoded, _ = read_clip(tmp_path / "p.mp4", num_frames=info.num_frames)
    assert decoded.shape[1:] == (256, 144, 3)
    rendered, truth = render_clip(req)
    # The decoded frames match what was drawn upright (not turned or mirrored).
    err = np.abs(decoded.astype(float) - rendered.astype(float)).mean()
    wrong = np.abs(decoded.astype(float) - rendered[:, ::-1, ::-1].astype(float)).mean()
    assert err < 12 and err < 0.5 * wrong
    assert truth["width"] == 144 and truth["height"] == 256


def test_same_seed_gives_the_same_bytes(tmp_path):
    req = request("basketball_layup", 24, seconds=0.5, size=LANDSCAPE, difficulty=0.7)
    for name in ("a", "b"):  # one clip name in two folders: the truth names its clip's file
        write_clip(req, tmp_path / name / "clip.mp4")
    assert _sha(tmp_path / "a" / "clip.mp4") == _sha(tmp_path / "b" / "clip.mp4")
    assert _sha(tmp_path / "a" / "clip.json") == _sha(tmp_path / "b" / "clip.json")
    other = request("basketball_layup", 25, seconds=0.5, size=LANDSCAPE, difficulty=0.7)
    write_clip(other, tmp_path / "c.mp4")
    assert _sha(tmp_path / "c.mp4") != _sha(tmp_path / "a" / "clip.mp4")


def test_clip_set_plan_groups_clips_like_source_videos():
    plan = plan_clip_set(ClipSetConfig(per_class=8, size="mixed", fps="mixed", seed=3))
    assert len(plan) == 32
    by_group: dict[str, list] = {}
    for p in plan:
        by_group.setdefault(p.request.group, []).append(p.request)
    assert any(len(v) > 1 for v in by_group.values())          # clips share source videos
    assert len(by_group) > 4
    for reqs in by_group.values():
        first = reqs[0]
        for r in reqs:   # one video: one scene, size, frame rate, rotation and sport
            assert (r.scene_seed, r.width, r.height, r.fps, r.rotation, r.sport) == \
                   (first.scene_seed, first.width, first.height, first.fps, first.rotation, first.sport)
            assert r.label in ("none", {"baseball": "baseball_swing", "basketball": "basketball_layup",
                                        "soccer": "soccer_shooting"}[r.sport])
    assert any(r.height > r.width and r.rotation in (90, 270) for r in (p.request for p in plan))
    assert plan == plan_clip_set(ClipSetConfig(per_class=8, size="mixed", fps="mixed", seed=3))


def test_clip_set_folder_and_manifest(tmp_path):
    # OpenCV's thread pool busy in this process first: worker processes forked after that could
    # hang on their first OpenCV call; the generator's workers are fresh interpreters.
    import cv2

    cv2.setNumThreads(2)
    cv2.GaussianBlur(np.zeros((720, 1280, 3), np.uint8), (21, 21), 0)
    cfg = ClipSetConfig(per_class=1, seconds=0.3, size="256x144", seed=5, workers=2)
    seen = []
    manifest = generate_clip_set(tmp_path, cfg, on_progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (4, 4)
    rows = list(csv.DictReader(manifest.open()))
    assert [r["label"] for r in rows] == sorted(["baseball_swing", "basketball_layup", "none", "soccer_shooting"])
    for r in rows:
        assert set(r) == {"path", "label", "group", "licence", "provenance"}
        clip = tmp_path / r["path"]
        assert clip.parent.name == r["label"] and clip.exists() and clip.with_suffix(".json").exists()
        assert r["licence"] == "synthetic, CC0"
        assert r["provenance"] == "highlights synth v0.1.0 seed=5 difficulty=0.5"
        truth = json.loads(clip.with_suffix(".json").read_text())
        # The truth beside the clip states what its manifest row does, for a clip copied out.
        assert (truth["group"], truth["licence"], truth["provenance"]) == (
            r["group"], r["licence"], r["provenance"])
        assert probe(clip).num_frames == 9


def test_cli_makes_clips_and_a_game(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["synth", "clips", "--per-class", "1", "--classes", "none", "--seconds", "0.3",
                              "--size", "256x144", "--workers", "1", "--out", str(tmp_path / "clips")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "clips" / "manifest.csv").exists()
    res = runner.invoke(app, ["synth", "game", "--minutes", "0.1", "--size", "256x144", "--fps", "10",
                              "--sport", "soccer", "--out", str(tmp_path / "game"), "--name", "g"])
    assert res.exit_code == 0, res.output
    assert {p.name for p in (tmp_path / "game").iterdir()} >= {"g.mp4", "g.json", "g.gt.jsonl"}
    bad = runner.invoke(app, [
        "synth", "clips", "--per-class", "1", "--classes", "curling", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0


def test_cli_out_that_is_a_file_is_one_line_saying_so(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for args in (["synth", "clips", "--per-class", "1", "--classes", "none", "--seconds", "0.3"],
                 ["synth", "game", "--minutes", "0.05", "--size", "256x144", "--fps", "10"]):
        res = CliRunner().invoke(app, [*args, "--out", str(a_file)])
        assert res.exit_code == 1, res.output
        errors = [line for line in res.output.splitlines() if line.startswith("error:")]
        assert errors == [f"error: {a_file}: is a file; --out names the folder the outputs go into"], res.output


@pytest.mark.parametrize("args, says", [
    (["synth", "clips", "--per-class", "1", "--classes", "none,volleyball_spike"],
     "--classes volleyball_spike: the synthetic generator draws only baseball_swing, basketball_layup, "
     "soccer_shooting, none; clips of other actions, of these sports too, come from your own footage"),
    (["synth", "clips", "--per-class", "1", "--classes", "basketball_jumpshot,none"],
     "--classes basketball_jumpshot: the synthetic generator draws only baseball_swing, basketball_layup, "
     "soccer_shooting, none; clips of other actions, of these sports too, come from your own footage"),
    (["synth", "clips", "--per-class", "1", "--classes", "Basketball_Layup,none"],
     "--classes Basketball_Layup: one slip from basketball_layup, a class the synthetic generator draws; give it "
     "as basketball_layup"),
    (["synth", "game", "--minutes", "0.1", "--sport", "volleyball"],
     "--sport volleyball: the synthetic generator draws only mixed, baseball, basketball, soccer games"),
])
def test_a_sport_the_generator_cannot_draw_is_one_line_naming_the_option(args, says, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith(f"error: {says}") and result.output.count("\n") == 1, result.output
    assert not out.exists()


@pytest.mark.parametrize("settings, says", [
    ({"seconds": -1.0}, "seconds -1: a clip is at least 0.1 s"),
    ({"seconds": float("nan")}, "seconds nan: a clip is at least 0.1 s"),
    ({"difficulty": 1.5}, "difficulty 1.5: from 0 (easy) to 1 (hard)"),
    ({"workers": 0}, "workers 0: from 1 to 64"),
    ({"size": "8x300"}, "size 8x300: each side at least 16 pixels"),
])
def test_a_clip_set_setting_it_cannot_draw_is_refused_when_the_config_is_made(settings, says):
    """From Python no option range refuses it first: a negative length failed while the first
    clip rendered, with a bare ValueError, and a difficulty of 1.5 was planned as if valid."""
    from highlights import HighlightsError

    with pytest.raises(HighlightsError) as refused:
        ClipSetConfig(per_class=1, **settings)
    assert str(refused.value) == says
    made = ClipSetConfig(per_class=1, seconds=0.1, difficulty=0.0, workers=64, size="16x16")
    assert (made.seconds, made.difficulty, made.workers) == (0.1, 0.0, 64)


def test_a_set_over_an_earlier_one_leaves_none_of_its_clips_and_reads_as_a_dataset(tmp_path):
    """An earlier run's clips that the new set has not (more per class, other classes) go: the
    new manifest names every clip in the folder, and `dataset create` takes the folder; a clip of
    one's own there (its truth not the generator's) stays, and is named as before."""
    out = tmp_path / "clips"
    small = dict(seconds=0.3, size="64x48", workers=1)
    generate_clip_set(out, ClipSetConfig(per_class=2, classes=("none", "soccer_shooting"), **small))
    own = out / "none" / "my clip.mp4"
    own.write_bytes((out / "none" / "none-s0-0000.mp4").read_bytes())
    own.with_suffix(".json").write_text('{"label": "none"}', encoding="utf-8")

    manifest = generate_clip_set(out, ClipSetConfig(per_class=1, classes=("none",), **small))
    with open(manifest, newline="", encoding="utf-8") as fh:
        named = {row["path"] for row in csv.DictReader(fh)}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.mp4")}
    assert on_disk - named == {"none/my clip.mp4"}
    assert named <= on_disk and len(named) == 1
    assert sorted(p.name for p in out.rglob("*.json")) == ["my clip.json", "none-s0-0000.json"]

    own.unlink()
    own.with_suffix(".json").unlink()
    created = CliRunner().invoke(app, ["dataset", "create", str(out),
                                       "--root", str(tmp_path / "ds")])
    assert created.exit_code == 0, created.output
