"""Training on tiny colour-coded clips: learning, checkpoints, resume, cache, evaluation, CLI."""

from __future__ import annotations

import hashlib

import json
import random
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import highlights.train.cache as cache_module
import highlights.train.loop as loop_module
from highlights.cli.app import app
from highlights.model import CheckpointError, load_checkpoint, load_training_state, r2plus1d_18
from highlights.report import REPORT_FILENAME, load_report
from highlights.report.markdown import accuracy_against_fp32
from highlights.model.cpu_features import this_cpu
from highlights.train import TrainConfig, fit
from highlights.train.config import resolve_precision
from highlights.train.data import CachedClipDataset, balanced_class_weights
from highlights.train.errors import RunFolderError
from highlights.datasets import DatasetError

from tests.train_fixtures import make_colour_dataset, tiny_config


@pytest.fixture(scope="module")
def colour_data(tmp_path_factory):
    return make_colour_dataset(tmp_path_factory.mktemp("colour"), per_class=8)


@pytest.fixture(scope="module")
def trained(colour_data, tmp_path_factory):
    """One short run shared by the tests that only read its outputs."""
    out = tmp_path_factory.mktemp("run")
    config = tiny_config(colour_data, out, epochs=8, lr=1e-2, batch_size=4, cache_dir=str(out.parent / "cache-shared"))
    return config, fit(config, show_progress=False)


def test_loss_falls_and_validation_separates_the_colours(trained):
    _, result = trained
    losses = [h["train_loss"] for h in result.history]
    assert len(losses) == 8
    assert losses[-1] < 0.3 * losses[0]
    assert result.best_val_macro_f1 == 1.0
    for h in result.history:
        assert 0.0 <= h["data_wait_share"] <= 1.0 and h["clips"] == 8


def test_checkpoint_carries_the_meta_and_loads_weights_only(trained, colour_data):
    config, result = trained
    raw = torch.load(result.best_checkpoint, map_location="cpu", weights_only=True)
    assert isinstance(raw, dict)
    model, meta = load_checkpoint(result.best_checkpoint)
    assert meta["classes"] == colour_data.classes
    assert meta["clip_spec"]["num_frames"] == 4 and meta["clip_spec"]["crop_size"] == 32
    assert meta["model"]["width"] == 0.125 and meta["model"]["layers"] == [1, 1, 1, 1]
    # The saved config is the one that ran: precision "auto" resolved for this CPU.
    assert meta["train_config"] == config.replace(precision=resolve_precision("auto")).to_dict()
    assert meta["train_config"]["precision"] == ("bf16" if this_cpu().amx_bf16 else "fp32")
    assert meta["dataset"]["version"] == "v1"
    assert meta["epoch"] == result.best_epoch
    # The loaded weights are the trained ones, not a fresh model's.
    _, last_meta = load_checkpoint(result.last_checkpoint)
    assert last_meta["epoch"] == 8
    fresh = r2plus1d_18(2, width=0.125, layers=(1, 1, 1, 1))
    assert not torch.equal(model.fc.weight, fresh.fc.weight)
    history = json.loads((result.out_dir / "train_history.json").read_text())
    assert [h["epoch"] for h in history["history"]] == list(range(1, 9))


def test_resume_after_an_interruption_gives_the_straight_run_exactly(colour_data, tmp_path, monkeypatch):
    shared_cache = str(tmp_path / "cache")
    straight = fit(tiny_config(colour_data, tmp_path / "straight", augment=True, hflip=True, cache_dir=shared_cache),
                   show_progress=False)

    config = tiny_config(colour_data, tmp_path / "interrupted", augment=True, hflip=True, cache_dir=shared_cache)
    real_epoch = loop_module.train_one_epoch
    calls = []

    def crash_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the run dies mid-way through epoch 2
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(loop_module, "train_one_epoch", crash_in_second_epoch)
    said = []
    with pytest.raises(KeyboardInterrupt):
        fit(config, show_progress=False, log=said.append)
    monkeypatch.setattr(loop_module, "train_one_epoch", real_epoch)
    # Ctrl-C says what is kept and how to go on, in the caller's terms: here Python's.
    assert said[-1] == (f"interrupted: {config.out_dir}/last.pt holds epoch 1 of {config.epochs}; "
                        "call fit with resume=True to go on")
    _, meta_after_crash = load_checkpoint(config.out_dir + "/last.pt")
    assert meta_after_crash["epoch"] == 1

    resumed = fit(config, resume=True, show_progress=False)
    a, _ = load_checkpoint(straight.last_checkpoint)
    b, _ = load_checkpoint(resumed.last_checkpoint)
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key
    assert [h["train_loss"] for h in straight.history] == [h["train_loss"] for h in resumed.history]
    state_a = load_training_state(straight.last_checkpoint)
    state_b = load_training_state(resumed.last_checkpoint)
    assert state_a.epoch == state_b.epoch == 1
    assert state_a.scheduler_state["last_epoch"] == state_b.scheduler_state["last_epoch"]
    assert torch.equal(state_a.rng_state["torch"], state_b.rng_state["torch"])
    for group_a, group_b in zip(state_a.optimizer_state["state"].values(), state_b.optimizer_state["state"].values()):
        assert torch.equal(group_a["exp_avg_sq"], group_b["exp_avg_sq"])


def test_two_runs_of_one_seed_write_the_same_last_checkpoint_state(colour_data, tmp_path):
    """Python's generator is saved in last.pt with the others, so it is seeded with them: two
    processes start it differently, and two runs of one seed must not differ in it alone."""
    states = []
    for name, process_start in (("a", 1), ("b", 2)):
        random.seed(process_start)  # what two separate processes would start from
        result = fit(tiny_config(colour_data, tmp_path / name, epochs=1, cache_dir=str(tmp_path / "cache")),
                     show_progress=False)
        states.append(load_training_state(result.last_checkpoint).rng_state)
    assert states[0]["python"] == states[1]["python"]
    assert torch.equal(states[0]["torch"], states[1]["torch"])


def test_training_gives_the_callers_random_generators_back_as_they_were(colour_data, tmp_path):
    """A notebook that trains, then draws its own random numbers, draws what it would have without
    training: the run seeds the global generators from its config, and puts the caller's back."""
    def draws():
        return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]

    torch.manual_seed(123), np.random.seed(123), random.seed(123)
    expected = draws()
    torch.manual_seed(123), np.random.seed(123), random.seed(123)
    fit(tiny_config(colour_data, tmp_path / "run", epochs=1, cache_dir=str(tmp_path / "cache")), show_progress=False)
    assert draws() == expected


def _stopped_in_second_epoch(config, monkeypatch) -> None:
    real_epoch = loop_module.train_one_epoch
    calls = []

    def die_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(loop_module, "train_one_epoch", die_in_second_epoch)
        with pytest.raises(KeyboardInterrupt):
            fit(config, show_progress=False)


def test_each_epoch_records_its_threads_and_a_resume_on_other_threads_says_so(colour_data, tmp_path, monkeypatch):
    """torch's CPU kernels add in another order on another thread count, so a run resumed on
    other threads does not end with the weights of a run straight through: it says so."""
    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        _stopped_in_second_epoch(config, monkeypatch)
        torch.set_num_threads(2)
        said = []
        resumed = fit(config, resume=True, show_progress=False, log=said.append)
    finally:
        torch.set_num_threads(threads)
    assert [h["threads"] for h in resumed.history] == [1, 2]
    assert ("note: its epochs so far trained on 1 torch threads, this process has 2: the weights will differ "
            "slightly from a run straight through (OMP_NUM_THREADS=1 gives it the same threads)") in said


def test_ctrl_c_says_how_to_go_on_in_the_terms_of_the_caller(colour_data, tmp_path, monkeypatch):
    """The command line names `--resume` and the command; a Python caller, `resume=True` and `fit`."""
    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    with monkeypatch.context() as patch:
        patch.setattr(loop_module, "train_one_epoch", stop)
        said: list[str] = []
        with pytest.raises(KeyboardInterrupt):
            fit(config, show_progress=False, log=said.append)
        assert said[-1] == "interrupted before the first epoch ended: call fit again"
        first = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v1", "--out",
                                         str(tmp_path / "cli"), "--quick", "--no-progress"])
        assert first.exit_code == 130
        assert "interrupted before the first epoch ended: run the same command again" in first.output
        # The one line: the command's own line for a stop it was not told about is not added to it.
        assert [line for line in first.output.splitlines() if "interrupted" in line] == [
            "interrupted before the first epoch ended: run the same command again"], first.output
    _stopped_in_second_epoch(config, monkeypatch)  # last.pt holds epoch 1 of 2
    with monkeypatch.context() as patch:
        patch.setattr(loop_module, "train_one_epoch", stop)
        resumed = CliRunner().invoke(app, ["train", "--out", config.out_dir, "--resume", "--no-progress"])
    assert resumed.exit_code != 0
    assert (f"interrupted: {config.out_dir}/last.pt holds epoch 1 of 2; run the same command with --resume to go on"
            in " ".join(resumed.output.split()))


def test_a_run_killed_while_saving_resumes_and_leaves_nothing_half_written(colour_data, tmp_path, monkeypatch):
    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    _stopped_in_second_epoch(config, monkeypatch)
    out = Path(config.out_dir)
    # What `kill -9` part way through writing last.pt leaves: its temp file, half of it.
    half = out / ".last.pt.k9x2q7ab.tmp"
    half.write_bytes((out / "last.pt").read_bytes()[:4096])
    said = []
    resumed = fit(config, resume=True, show_progress=False, log=said.append)
    assert "removed 1 file a killed run left half-written: .last.pt.k9x2q7ab.tmp" in said
    assert not list(out.glob(".*.tmp")) and len(resumed.history) == 2


class _Killed(BaseException):
    """The process ending at this point, as kill -9 ends it: no handler runs on its behalf."""


def test_a_run_killed_between_an_improved_epochs_two_checkpoints_resumes_to_a_best_pt_of_its_history(
        colour_data, tmp_path, monkeypatch):
    """An epoch that improved puts last.pt and best.pt in place one rename each. Killed between the
    two, then resumed where the epoch validates otherwise (another number of threads adds in
    another order): best.pt must still be the epoch that the run's history names its best."""
    import os

    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    out = Path(config.out_dir)
    scores = iter([0.5, 0.6])  # each epoch improves on the one before
    monkeypatch.setattr(loop_module, "_validate", lambda *args, **kwargs: next(scores))
    real_replace, renamed = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if Path(dst).name in ("best.pt", "last.pt"):
            if len(renamed) == 3:  # the second epoch's second checkpoint
                raise _Killed
            renamed.append(Path(dst).name)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(_Killed):
        fit(config, show_progress=False)
    monkeypatch.setattr(os, "replace", real_replace)
    monkeypatch.setattr(loop_module, "_validate", lambda *args, **kwargs: 0.4)  # a redone epoch scores lower
    said = []
    resumed = fit(config, resume=True, show_progress=False, log=said.append)
    best, last = (torch.load(out / name, weights_only=True) for name in ("best.pt", "last.pt"))
    assert best["meta"]["epoch"] == resumed.best_epoch
    if resumed.best_epoch == last["meta"]["epoch"]:
        assert all(torch.equal(best["state_dict"][k], v) for k, v in last["state_dict"].items())
    assert said[-1].startswith("this run had already finished")
    assert any(line.startswith("best.pt written from last.pt: the run stopped before epoch 2, its best so far")
               for line in said)
    assert not list(out.glob(".*.tmp"))


def test_a_run_killed_while_filling_its_cache_leaves_no_half_written_clip(colour_data, tmp_path):
    config = tiny_config(colour_data, tmp_path / "run", epochs=1)  # the cache in the run folder
    shared = tiny_config(colour_data, tmp_path / "run2", epochs=1, cache_dir=str(tmp_path / "shared"))
    for c in (config, shared):
        half = Path(c.resolved_cache_dir()) / "ab" / ".ab12.npy.k9x2q7ab.tmp"
        half.parent.mkdir(parents=True)
        half.write_bytes(b"\x93NUMPY" + b"\0" * 100)
    said = []
    fit(config, show_progress=False, log=said.append)
    assert "removed 1 file a killed run left half-written: .ab12.npy.k9x2q7ab.tmp" in said
    assert not list(Path(config.resolved_cache_dir()).rglob("*.tmp"))
    # A cache outside the run folder may be another run's, writing now: left alone.
    fit(shared, show_progress=False)
    assert len(list(Path(shared.resolved_cache_dir()).rglob("*.tmp"))) == 1


def test_resume_after_a_kill_before_the_first_epoch_was_saved_says_to_start_again(colour_data, tmp_path):
    config = tiny_config(colour_data, tmp_path / "run", epochs=1, cache_dir=str(tmp_path / "cache"))
    fit(config, show_progress=False)
    out = Path(config.out_dir)
    # Killed while writing the first last.pt: best.pt and the temp file are there, last.pt is not.
    (out / ".last.pt.k9x2q7ab.tmp").write_bytes((out / "last.pt").read_bytes()[:4096])
    (out / "last.pt").unlink()
    result = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v1",
                                      "--out", str(out), "--resume"])
    assert result.exit_code == 1
    assert "stopped before it had saved a whole epoch" in result.output
    assert "run the same command without --resume to start it again" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(RunFolderError, match="call fit without resume=True to start it again"):
        fit(config, resume=True, show_progress=False)
    again = fit(config, show_progress=False)
    assert len(again.history) == 1 and not list(out.glob(".*.tmp"))


def test_resume_after_a_stop_before_the_first_epoch_ended_says_to_start_again(colour_data, tmp_path, monkeypatch):
    """Ctrl-C in the first epoch, then `--resume` as after any interruption: the run saved no
    epoch to go on from, so the line says to start it again, not that no run was started."""
    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        patch.setattr(loop_module, "train_one_epoch", stop)
        first = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v1", "--out",
                                         str(out), "--quick", "--no-progress"])
    assert first.exit_code == 130 and (out / "cache").is_dir()  # the decoded clips are kept
    resumed = CliRunner().invoke(app, ["train", "--out", str(out), "--resume", "--no-progress"])
    assert resumed.exit_code == 1 and "Traceback" not in resumed.output
    assert (f"{out / 'last.pt'}: nothing to resume: no run in {out} saved an epoch; run the same command without "
            f"--resume to start it") in " ".join(resumed.output.split())


def test_a_second_training_in_the_same_folder_is_refused_naming_the_first(colour_data, tmp_path):
    import fcntl
    import os

    config = tiny_config(colour_data, tmp_path / "run", epochs=1, cache_dir=str(tmp_path / "cache"))
    out = Path(config.out_dir)
    out.mkdir()
    fd = os.open(out / ".train.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"4242\n")
        with pytest.raises(RunFolderError, match=r"another training is running in .*run \(pid 4242\)"):
            fit(config, show_progress=False)
    finally:
        os.close(fd)
    assert len(fit(config, show_progress=False).history) == 1


def test_a_train_that_fails_before_its_first_epoch_leaves_nothing_and_the_next_one_runs(colour_data, tmp_path):
    out = tmp_path / "runs" / "x"
    wrong = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v7",
                                     "--out", str(out), "--quick", "--no-progress"])
    assert wrong.exit_code == 1 and "v7: no such dataset version" in wrong.output
    assert not (tmp_path / "runs").exists()  # nor the folder above it, which it made too
    # Into a folder that was there: it stays, without the run's lock file.
    out.mkdir(parents=True)
    config = tiny_config(colour_data, out, epochs=1, pretrained=str(tmp_path / "runs"))
    with pytest.raises(CheckpointError, match="not a file"):
        fit(config, show_progress=False)
    assert out.is_dir() and list(out.iterdir()) == []
    result = fit(config.replace(pretrained=None), show_progress=False)
    assert len(result.history) == 1 and not (out / ".train.lock").exists()
    assert (out / "last.pt").is_file()


def test_resume_needs_only_the_run_folder(colour_data, tmp_path, monkeypatch):
    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    _stopped_in_second_epoch(config, monkeypatch)
    result = CliRunner().invoke(app, ["train", "--out", config.out_dir, "--resume", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"data: {colour_data.root} v1" in result.output and "resuming after epoch 1 of 2" in result.output
    # every val macro-F1 printed is on few clips: the line before them says how many
    train, val = colour_data.split("train"), colour_data.split("val")
    assert (f"clips: {len(train)} train ({len(train)} real, 0 augmented variants), {len(val)} val (each epoch's "
            f"val macro-F1 is on these {len(val)})") in result.output
    assert load_training_state(Path(config.out_dir) / "last.pt").epoch == 1  # 0-based: both epochs done


def test_a_stopped_run_moved_to_another_folder_resumes_there(colour_data, tmp_path, monkeypatch):
    # A club reorganises its disk: the stopped run's last.pt still names the folder it started in.
    config = tiny_config(colour_data, tmp_path / "started", epochs=2)
    _stopped_in_second_epoch(config, monkeypatch)
    moved = tmp_path / "moved"
    Path(config.out_dir).rename(moved)
    result = CliRunner().invoke(app, ["train", "--out", str(moved), "--resume", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"-> {moved / 'best.pt'}" in result.output
    assert load_training_state(moved / "last.pt").epoch == 1  # both epochs done, in the folder given
    assert not (tmp_path / "started").exists()  # nothing written where the run used to be
    # The default cache (OUT/cache) moved with the run and was read, not decoded again elsewhere.
    assert "cache: 0 clips decoded" in result.output

    # From Python too: the config read from the moved folder resumes it there.
    from highlights.train import load_saved_config
    saved = load_saved_config(moved)
    assert saved.out_dir == str(moved)
    assert fit(saved, resume=True, show_progress=False).last_checkpoint == moved / "last.pt"


def test_a_run_started_with_a_relative_root_resumes_from_another_folder_and_after_its_dataset_moved(
        tmp_path, monkeypatch):
    # A coach starts training in the project folder, is stopped, and resumes from a new terminal
    # in the home folder; later the datasets are moved to another disk.
    project = tmp_path / "project"
    data = make_colour_dataset(project, per_class=4)
    monkeypatch.chdir(project)
    config = tiny_config(data, project / "run", epochs=2).replace(root="data")
    _stopped_in_second_epoch(config, monkeypatch)
    monkeypatch.chdir(tmp_path)
    resumed = CliRunner().invoke(app, ["train", "--out", str(project / "run"), "--resume", "--no-progress"])
    assert resumed.exit_code == 0, resumed.output
    assert f"data: {project / 'data'} v1" in resumed.output and "resuming after epoch 1 of 2" in resumed.output

    # The dataset moved: --root names where it is now, and the run goes on with the same clips.
    for run in ("run2", "run3"):
        _stopped_in_second_epoch(tiny_config(data, project / run, epochs=2), monkeypatch)
    (project / "data").rename(tmp_path / "disk2")
    moved = CliRunner().invoke(app, ["train", "--out", str(project / "run2"), "--resume", "--no-progress",
                                     "--root", str(tmp_path / "disk2")])
    assert moved.exit_code == 0, moved.output
    assert "resuming after epoch 1 of 2" in moved.output

    # Another v1 with other clips is not the run's dataset, whatever its name.
    other = make_colour_dataset(tmp_path / "other", per_class=5)
    refused = CliRunner().invoke(app, ["train", "--out", str(project / "run3"), "--resume", "--no-progress",
                                       "--root", str(other.root)])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    message = " ".join(refused.output.split())
    assert (f"error: {other.root}/v1: not the train clips the run in {project / 'run3'} started with ("
            in message) and f"it started with {project / 'data'}); resume with that --root" in message


def test_resume_refuses_other_data_or_settings_rather_than_dropping_them(colour_data, tmp_path, monkeypatch):
    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    _stopped_in_second_epoch(config, monkeypatch)
    base = ["train", "--out", config.out_dir, "--resume", "--no-progress"]
    refused = CliRunner().invoke(app, [*base, "--root", str(colour_data.root), "--version", "v2", "--epochs", "5"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert " ".join(refused.output.split()) == (
        f"error: {config.out_dir}: --resume goes on with the run's own settings; given otherwise: --version v2 "
        "(the run's: v1); --epochs 5 (the run's: 2) (leave them out, or train a new run with another --out)")
    # the same data named another way, settings equal to the run's, and execution settings: go on
    same = CliRunner().invoke(app, [*base, "--root", f"{colour_data.root}/", "--version", "1", "--epochs", "2",
                                    "--precision", "auto", "--workers", "0"])
    assert same.exit_code == 0, same.output
    assert "resuming after epoch 1 of 2" in same.output
    # --quick would make another model than the run's: refused, not dropped
    quick = CliRunner().invoke(app, [*base, "--quick"])
    assert quick.exit_code == 1 and "Traceback" not in quick.output
    assert (f"given otherwise: --quick (the run's model: {config.describe_model()}) (leave them out"
            in " ".join(quick.output.split()))
    checkpoint = Path(config.out_dir) / "best.pt"
    wrong = CliRunner().invoke(app, ["train", "--out", str(checkpoint), "--resume"])
    assert wrong.exit_code == 1 and f"error: {checkpoint}: a file; --out is the run's folder ({config.out_dir})" \
        in " ".join(wrong.output.split())


def test_a_version_of_one_class_is_refused_before_training(tmp_path):
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    src = write_colour_clips(tmp_path / "src", per_class=4)
    for clip in (src / "baseball_swing").iterdir():
        clip.unlink()
    (src / "baseball_swing").rmdir()
    version = create_version(src, tmp_path / "data", ratios=(0.5, 0.25, 0.25))
    with pytest.raises(DatasetError, match=r"one class \(none\); a classifier needs two or more"):
        fit(tiny_config(version, tmp_path / "run"), show_progress=False)
    assert not (tmp_path / "run" / "last.pt").exists()


def _grown_into_a_held_out_split(tmp_path: Path, *, classes: list[str], new_label: str):
    """v1 of ``classes`` without ``new_label``'s clips, then v2 adding them as more clips of a
    source video v1 put in its test split: they all land in test, none in train."""
    import json

    from highlights.datasets import create_version, grow_version
    from tests.dataset_fixtures import write_clip
    from tests.train_fixtures import write_colour_clips

    src = write_colour_clips(tmp_path / "src", per_class=4)
    if new_label in ("baseball_swing", "none"):
        for clip in (src / new_label).iterdir():
            clip.unlink()
        (src / new_label).rmdir()
    v1 = create_version(src, tmp_path / "data", classes=classes, ratios=(0.5, 0.25, 0.25))
    test_group = next(c.group for c in v1.real_clips if c.split == "test")
    more = tmp_path / "more" / new_label
    for i in range(3):
        write_clip(more / f"late-{i}.mp4", 500 + i)
        (more / f"late-{i}.json").write_text(json.dumps({"group": test_group}))
    return grow_version(more.parent, tmp_path / "data", "v1")


@pytest.mark.parametrize("classes, new_label, what", [
    (["baseball_swing", "none"], "baseball_swing", "one class (none)"),
    (["baseball_swing", "layup", "none"], "layup", "no clip of layup"),
])
def test_a_train_split_that_lacks_a_class_is_refused_with_its_counts(tmp_path, classes, new_label, what):
    version = _grown_into_a_held_out_split(tmp_path, classes=classes, new_label=new_label)
    train = version.counts()
    assert [c for c in classes if train[c]["train"] == 0] == [new_label]  # the case this test is about
    with pytest.raises(DatasetError) as err:
        fit(tiny_config(version, tmp_path / "run"), show_progress=False)
    counts = ", ".join(f"{c} {train[c]['train']}" for c in classes)
    assert str(err.value) == (
        f"{version.root}/v2: the train split holds {what} (train: {counts}; {new_label}: val 0, test 3): a "
        "classifier cannot learn a class it never sees; grow the version with clips of it from other source "
        "videos (new ones go where a class is short)")
    assert not (tmp_path / "run" / "last.pt").exists()


def test_a_version_with_no_val_clip_trains_and_says_what_that_means(tmp_path):
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    version = create_version(write_colour_clips(tmp_path / "src", per_class=3), tmp_path / "data",
                             ratios=(0.6, 0.0, 0.4))
    said: list[str] = []
    result = fit(tiny_config(version, tmp_path / "run", epochs=1), show_progress=False, log=said.append)
    assert "note: the val split of v1 is empty: no validation score, so best.pt is the last epoch and the run " \
           "does not stop early" in said
    assert result.best_val_macro_f1 is None and result.best_checkpoint.exists()


def test_a_version_of_classes_without_none_trains_and_says_what_detect_will_do_with_them(tmp_path):
    from highlights.datasets import create_version
    from tests.train_fixtures import write_colour_clips

    src = write_colour_clips(tmp_path / "src", per_class=3)
    (src / "baseball_swing").rename(src / "volleyball_spike")
    (src / "none").rename(src / "background")
    version = create_version(src, tmp_path / "data", ratios=(0.6, 0.0, 0.4))
    said: list[str] = []
    fit(tiny_config(version, tmp_path / "run", epochs=1), show_progress=False, log=said.append)
    assert ("note: no class is `none`, so `detect` with this model reports a window of any of background, "
            "volleyball_spike as a highlight, background play too") in " ".join(said)


def _damage(version) -> list:
    """Of the train clips: cut one short, replace one by another clip, delete one; the clips hit."""
    hit = [c for c in version.real_clips if c.split == "train"][:3]
    for clip in hit[:2]:
        clip.path.chmod(0o644)
    hit[0].path.write_bytes(hit[0].path.read_bytes()[:300])
    hit[1].path.write_bytes(next(c for c in version.real_clips if c not in hit).path.read_bytes())
    hit[2].path.unlink()
    return hit


def test_clips_damaged_after_the_version_was_written_are_all_named_before_training(tmp_path):
    from tests.train_fixtures import make_colour_dataset

    version = make_colour_dataset(tmp_path, per_class=6)
    config = tiny_config(version, tmp_path / "run", epochs=1, cache_dir=str(tmp_path / "cache"))
    fit(config, show_progress=False)  # every clip decoded into the cache
    hit = _damage(version)
    read = version.split("train") + version.split("val", augmented=False)
    with pytest.raises(DatasetError) as err:
        # a new run on the same cache: it would have trained on the frames cached before
        fit(config.replace(out_dir=str(tmp_path / "run2")), show_progress=False)
    lines = [line.strip() for line in str(err.value).splitlines()]
    assert lines[0] == (f"{version.path}: 3 of {len(read)} clips are missing or changed; a version's clips never "
                        "change: restore each from the source named:")
    assert lines[1:] == [f"{version.describe(clip.clip_id)}: {cause}" for clip, cause in zip(hit, (
        lines[1].split(": ", 1)[1], lines[2].split(": ", 1)[1], "file not found"))]
    assert lines[1].endswith(")") and ": damaged since v1 was written (truncated" in lines[1]
    assert ": changed since v1 was written (sha256 " in lines[2] and lines[2].endswith(
        "still decodes: replaced or edited")
    assert not (tmp_path / "run2" / "last.pt").exists()


def test_evaluate_names_every_damaged_test_clip_before_scoring(trained, tmp_path):
    from highlights.train.evaluation import evaluate_checkpoint
    from tests.train_fixtures import make_colour_dataset

    version = make_colour_dataset(tmp_path, per_class=8)
    test = version.split("test", augmented=False)
    for clip in test[:2]:
        clip.path.chmod(0o644)
        clip.path.write_bytes(b"not a video any more")
    with pytest.raises(DatasetError) as err:
        evaluate_checkpoint(trained[1].best_checkpoint, root=version.root, version="v1", out_dir=tmp_path / "r",
                            num_workers=0, n_bootstrap=10, show_progress=False)
    lines = str(err.value).splitlines()
    assert lines[0].startswith(f"{version.path}: 2 of {len(test)} clips are missing or changed")
    assert all(": damaged since v1 was written (" in line for line in lines[1:])
    assert [line.strip().split(" (clip ")[0] for line in lines[1:]] == [str(c.path) for c in test[:2]]


@pytest.mark.parametrize("version, split, says", [
    ("v7", "test", r"v7: no such dataset version \(versions in"),
    ("v1", "validation", "unknown split 'validation'"),
])
def test_evaluate_says_a_wrong_version_or_split_before_loading_the_model(colour_data, tmp_path, monkeypatch,
                                                                         version, split, says):
    import highlights.train.evaluation as evaluation

    loaded = []
    monkeypatch.setattr(evaluation.ClipClassifier, "from_checkpoint",
                        classmethod(lambda cls, *a, **k: loaded.append(a)))  # may measure paths for minutes
    with pytest.raises(DatasetError, match=says):
        evaluation.evaluate_checkpoint(tmp_path / "best.pt", root=colour_data.root, version=version, split=split,
                                       out_dir=tmp_path / "r", show_progress=False)
    assert loaded == []


def test_the_cache_names_every_clip_that_does_not_decode(tmp_path):
    from highlights.clips.spec import ClipSpec
    from highlights.datasets import ClipRecord
    from highlights.train.cache import DecodedClipCache
    from tests.dataset_fixtures import write_clip

    records = []
    for i, content in enumerate((None, b"garbage", None, b"\x00" * 64)):
        path = tmp_path / f"c{i}.mp4"
        if content is None:
            write_clip(path, i)
        else:
            path.write_bytes(content)
        records.append(ClipRecord(f"c{i}", path, "x", "train", f"g{i}", f"{i:064x}", None, "", ""))
    with pytest.raises(DatasetError) as err:
        DecodedClipCache(tmp_path / "cache", ClipSpec(num_frames=4)).ensure(records, workers=2)
    lines = str(err.value).splitlines()
    assert lines[0] == "2 of 4 clips do not decode:"
    assert [line.strip().split(": ")[0] for line in lines[1:]] == [str(records[1].path), str(records[3].path)]


def test_a_damaged_cache_file_is_decoded_again(tmp_path):
    # An empty one reached the DataLoader as an EOFError, which the command line said as
    # "Aborted." naming no file; a cut-off one failed there too.
    from highlights.clips.spec import ClipSpec
    from highlights.datasets import ClipRecord
    from highlights.train.cache import DecodedClipCache
    from tests.dataset_fixtures import write_clip

    records = [ClipRecord(f"c{i}", write_clip(tmp_path / f"c{i}.mp4", i), "x", "train", f"g{i}",
                          f"{i:064x}", None, "", "") for i in range(5)]
    cache = DecodedClipCache(tmp_path / "cache", ClipSpec(num_frames=4))
    files = cache.ensure(records)
    whole = [np.load(f) for f in files]
    files[0].write_bytes(b"")
    files[1].write_bytes(files[1].read_bytes()[:200])
    files[2].write_bytes(b"not an array")
    with open(files[3], "wb") as f:
        np.save(f, whole[3][:2])  # another shape: two frames of four
    again = DecodedClipCache(tmp_path / "cache", ClipSpec(num_frames=4))
    assert again.ensure(records) == files and again.decoded == 4
    for f, frames in zip(files, whole):
        assert np.array_equal(np.load(f), frames)


def test_an_out_that_is_a_file_is_one_line(colour_data, tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    result = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v1",
                                      "--out", str(taken), "--quick", "--epochs", "1", "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {taken}: is a file, not a folder" in result.output and taken.read_text() == "mine"


def test_the_report_of_an_interrupted_runs_checkpoint_says_it_is_unfinished(colour_data, tmp_path, monkeypatch):
    from highlights.train.evaluation import evaluate_checkpoint

    config = tiny_config(colour_data, tmp_path / "run", epochs=3, cache_dir=str(tmp_path / "cache"))
    _stopped_in_second_epoch(config, monkeypatch)
    best = Path(config.out_dir) / "best.pt"
    said = []
    report, paths = evaluate_checkpoint(best, root=colour_data.root, version="v1", out_dir=tmp_path / "report",
                                        num_workers=0, n_bootstrap=10, show_progress=False, log=said.append)
    note = ("best.pt comes from a training run that stopped after epoch 1 of 3 (interrupted; "
            "`highlights train --resume` goes on): these are not the finished model's scores")
    assert report["meta"]["unfinished_run"] == {"epochs_done": 1, "epochs_planned": 3, "note": note}
    assert f"note: {note}" in said
    assert paths["markdown"].read_text().startswith(f"# Test report\n\n**Note:** {note}.\n")
    # Finished, the same run's checkpoint carries no note.
    fit(config, resume=True, show_progress=False)
    report, _ = evaluate_checkpoint(best, root=colour_data.root, version="v1", out_dir=tmp_path / "report2",
                                    num_workers=0, n_bootstrap=10, show_progress=False)
    assert "unfinished_run" not in report["meta"]


def test_each_epoch_line_says_how_long_the_rest_of_the_run_takes(colour_data, tmp_path):
    """An epoch bar's ETA is that epoch's; a run of 30 epochs says after each what is left of it."""
    said: list[str] = []
    fit(tiny_config(colour_data, tmp_path / "run", epochs=3), show_progress=False, log=said.append)
    epoch_lines = [line for line in said if re.match(r"epoch \d+:", line)]
    assert len(epoch_lines) == 3
    assert re.search(r"; about \d+:\d\d:\d\d left for the 2 epochs to go$", epoch_lines[0])
    assert re.search(r"; about \d+:\d\d:\d\d left for the 1 epoch to go$", epoch_lines[1])
    assert "left" not in epoch_lines[2]  # the last one: nothing to go


def test_the_time_left_is_the_mean_epoch_times_the_epochs_to_go():
    from highlights.train.loop import time_left_text

    assert time_left_text([10.0, 20.0], 4, early_stop=True) == (
        "; about 0:01:00 left for the 4 epochs to go (early stopping may end it sooner)")
    assert time_left_text([3700.0], 2, early_stop=False) == "; about 2:03:20 left for the 2 epochs to go"
    assert time_left_text([5.0], 0, early_stop=False) == ""


def test_validation_tells_its_bar_each_scored_batch():
    from highlights.train.loop import predict
    from tests.model_fixtures import tiny_clips, tiny_model

    clips = tiny_clips(5)
    batches = [(clips[i:i + 2], torch.zeros(len(clips[i:i + 2]), dtype=torch.long)) for i in range(0, 5, 2)]
    told: list[int] = []
    proba = predict(tiny_model(), batches, on_batch=told.append)
    assert told == [2, 2, 1] and proba.shape == (5, 4)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)


def test_the_progress_bar_shows_no_loss_before_the_first_step():
    from types import SimpleNamespace

    column = loop_module._StepStats()
    assert column.render(SimpleNamespace(fields={"loss": float("nan"), "wait": 0.0})).plain == "loss - wait 0%"
    assert column.render(SimpleNamespace(fields={"loss": 1.3974, "wait": 37.2})).plain == "loss 1.397 wait 37%"


def test_resume_refuses_changed_settings_and_a_fresh_run_refuses_a_used_folder(colour_data, tmp_path, monkeypatch):
    config = tiny_config(colour_data, tmp_path / "run", epochs=1, cache_dir=str(tmp_path / "cache"))
    fit(config, show_progress=False)
    with pytest.raises(RunFolderError, match="holds a training run already; pass resume=True to continue it"):
        fit(config, show_progress=False)
    used = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v1", "--out",
                                    config.out_dir, "--no-progress"])
    assert used.exit_code == 1 and "holds a training run already; pass --resume to continue it" in used.output
    # The refusal is all it says: not the model, data and precision of a run it does not start.
    assert len(used.output.strip().splitlines()) == 1, used.output
    with pytest.raises(RunFolderError, match="lr"):
        fit(config.replace(lr=0.5), resume=True, show_progress=False)
    # A finished run resumes to itself without training again, and says so before reading a clip.
    def no_reading(*args, **kwargs):
        raise AssertionError("a finished run's clips were read")

    monkeypatch.setattr(loop_module, "load_version", no_reading)
    monkeypatch.setattr(loop_module, "check_stored_clips", no_reading)
    said = []
    again = fit(config.replace(num_workers=1), resume=True, show_progress=False, log=said.append)
    assert len(again.history) == 1 and again.best_epoch == 1 and again.best_val_macro_f1 is not None
    assert said[-1] == "this run had already finished: 1 of 1 epoch; nothing to resume"
    with pytest.raises(RunFolderError, match="lr"):  # settings that differ are still refused, first
        fit(config.replace(lr=0.5), resume=True, show_progress=False)
    result = CliRunner().invoke(app, ["train", "--out", config.out_dir, "--resume", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "this run had already finished: 1 of 1 epoch; nothing to resume" in result.output
    assert f"best: epoch 1, val macro-F1 {again.best_val_macro_f1:.3f}" in result.output


def test_each_clip_is_decoded_once_across_epochs_and_runs(colour_data, tmp_path, monkeypatch):
    calls = []
    real_read_clip = cache_module.read_clip

    def counting_read_clip(*args, **kwargs):
        calls.append(args[0])
        return real_read_clip(*args, **kwargs)

    monkeypatch.setattr(cache_module, "read_clip", counting_read_clip)
    cache_dir = str(tmp_path / "cache")
    n_clips = len(colour_data.split("train")) + len(colour_data.split("val", augmented=False))
    fit(tiny_config(colour_data, tmp_path / "a", epochs=3, cache_dir=cache_dir), show_progress=False)
    assert len(calls) == n_clips == len(set(calls))
    fit(tiny_config(colour_data, tmp_path / "b", epochs=2, cache_dir=cache_dir), show_progress=False)
    assert len(calls) == n_clips  # the second run decoded nothing
    # A reader that decodes pictures differently never trains on the old pictures.
    monkeypatch.setattr(cache_module, "PICTURES_VERSION", cache_module.PICTURES_VERSION + 1)
    fit(tiny_config(colour_data, tmp_path / "c", epochs=1, cache_dir=cache_dir), show_progress=False)
    assert len(calls) == 2 * n_clips


def test_samples_are_a_function_of_seed_epoch_and_index(colour_data, tmp_path):
    from highlights.augment import PhoneAugment
    from highlights.train.cache import DecodedClipCache

    config = tiny_config(colour_data, tmp_path / "run")
    records = colour_data.split("train")
    files = DecodedClipCache(tmp_path / "cache", config.clip_spec()).ensure(records)
    cached = np.load(files[0])
    assert cached.dtype == np.uint8 and cached.shape == (4, 36, 36, 3)

    def make(seed):
        return CachedClipDataset(files, [0] * len(files), config.clip_spec(), train=True, seed=seed,
                                 augment=PhoneAugment(), hflip=True, clips_per_video=2)

    ds = make(0)
    assert len(ds) == 2 * len(files)
    x0, _ = ds[3]
    assert x0.shape == (3, 4, 32, 32)
    assert torch.equal(x0, make(0)[3][0])
    ds.set_epoch(1)
    assert not torch.equal(x0, ds[3][0])
    assert not torch.equal(x0, make(1)[3][0])


def test_class_weights_are_inverse_frequency():
    weights = balanced_class_weights([0, 0, 0, 1], 3)
    assert weights.tolist() == pytest.approx([4 / 9, 4 / 3, 0.0])


def test_sampler_balance_and_pretrained_backbone(colour_data, tmp_path):
    donor = r2plus1d_18(7, width=0.125, layers=(1, 1, 1, 1))
    weights = tmp_path / "donor.pth"
    torch.save(donor.state_dict(), weights)
    config = tiny_config(colour_data, tmp_path / "run", epochs=1, balance="sampler", pretrained=str(weights))
    result = fit(config, show_progress=False)
    model, meta = load_checkpoint(result.last_checkpoint)
    assert model.fc.out_features == 2
    # the checkpoint records which weights it started from, by content as well as by path
    assert meta["pretrained"]["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    assert meta["pretrained"]["path"] == str(weights.resolve()) and "new 2-class head" in meta["pretrained"]["head"]
    assert not torch.equal(model.stem[0].weight, donor.stem[0].weight)  # trained on from the donor's
    # The backbone started from the donor's weights: after one epoch it is still far nearer to
    # them than the run's own random initialisation is.
    torch.manual_seed(config.seed)
    own_init = r2plus1d_18(2, width=0.125, layers=(1, 1, 1, 1))
    moved = (model.stem[0].weight - donor.stem[0].weight).abs().max()
    assert moved < 0.1 * (own_init.stem[0].weight - donor.stem[0].weight).abs().max()
    bad = tiny_config(colour_data, tmp_path / "bad", epochs=1, width=0.25, pretrained=str(weights),
                      cache_dir=str(tmp_path / "bad-cache"))
    with pytest.raises(CheckpointError, match="donor.pth"):
        fit(bad, show_progress=False)
    assert not list((tmp_path / "bad-cache").rglob("*.npy"))  # refused before any clip was decoded


def test_kinetics_weights_on_a_reduced_model_say_that_quick_is_the_cause(colour_data, tmp_path):
    # The full R(2+1)D-18's tensors as torchvision's Kinetics-400 file holds them (400-class head);
    # only their shapes matter, so each is one stored value, expanded.
    kinetics = {k: torch.zeros((), dtype=v.dtype).expand(v.shape) for k, v in r2plus1d_18(400).state_dict().items()}
    weights = tmp_path / "r2plus1d_18-91a641e6.pth"
    torch.save(kinetics, weights)
    reduced = tiny_config(colour_data, tmp_path / "run", epochs=1, pretrained=str(weights),
                          cache_dir=str(tmp_path / "cache"))
    with pytest.raises(CheckpointError) as refused:
        fit(reduced, show_progress=False)
    message = str(refused.value)
    assert message.startswith(f"{weights}: weights of the full R(2+1)D-18")
    assert "leave out --quick to fine-tune them" in message and "leave out --pretrained" in message
    assert "shapes differ" not in message
    assert not list((tmp_path / "cache").rglob("*.npy"))  # refused before any clip was decoded


def test_config_round_trips_and_the_default_is_the_seed_model():
    config = TrainConfig(root="r", version="v2", out_dir="o")
    assert config.is_full_model and config.clip_spec().num_frames == 16 and config.clip_spec().crop_size == 112
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert not TrainConfig.quick("r", "v2", "o").is_full_model
    with pytest.raises(ValueError, match="balance"):
        TrainConfig(root="r", version="v2", out_dir="o", balance="oversample")


def test_evaluate_writes_the_report_files(trained, colour_data, tmp_path):
    from highlights.train.evaluation import evaluate_checkpoint

    _, result = trained
    report, paths = evaluate_checkpoint(result.best_checkpoint, root=colour_data.root, version="v1",
                                        out_dir=tmp_path / "report", num_workers=0, n_bootstrap=100,
                                        show_progress=False)
    assert paths["json"].name == REPORT_FILENAME
    assert paths["markdown"].exists() and paths["confusion_png"].read_bytes()[:4] == b"\x89PNG"
    saved = load_report(paths["json"])
    assert saved["num_clips"] == len(colour_data.split("test", augmented=False))
    assert saved["labels"] == colour_data.classes
    assert saved["meta"]["dataset"]["version"] == "v1"
    assert saved["meta"]["inference_backend"]
    assert saved["meta"]["checkpoint"]["epoch"] == result.best_epoch


def test_evaluate_stops_its_classifiers_worker_threads_before_it_returns(trained, colour_data, tmp_path,
                                                                        monkeypatch):
    from highlights.train.evaluation import evaluate_checkpoint
    from tests.model_fixtures import inference_threads, keep_every_runner_started

    runners, before = keep_every_runner_started(monkeypatch), inference_threads()
    _, result = trained
    evaluate_checkpoint(result.best_checkpoint, root=colour_data.root, version="v1", out_dir=tmp_path / "report",
                        num_workers=0, n_bootstrap=10, backend="eager", show_progress=False)
    assert runners and inference_threads() <= before


def _source_files_of(colour_data, split: str) -> list[str]:
    """The names of the files, in the folder the version was made from, of the clips of ``split``
    (found by content, as a clip id is its file's SHA-256 prefix)."""
    ids = {r.clip_id for r in colour_data.split(split, augmented=False)}
    names = sorted(p.name for p in (colour_data.root.parent / "src").rglob("*.mp4")
                   if hashlib.sha256(p.read_bytes()).hexdigest()[:16] in ids)
    assert len(names) == len(ids) > 0
    return names


def test_evaluate_on_the_folder_the_version_was_made_from_names_the_clips_it_trained_on(trained, colour_data,
                                                                                      tmp_path):
    """The folder a team made its version from holds the train split's clips: scored with --clips,
    those figures are no test, and the report says so at its top, naming them."""
    from highlights.train.evaluation import evaluate_checkpoint

    _, result = trained
    source = colour_data.root.parent / "src"
    trained_files = _source_files_of(colour_data, "train")
    said: list[str] = []
    report, paths = evaluate_checkpoint(result.best_checkpoint, root=None, version=None,
                                        clips_root=source, out_dir=tmp_path / "folder",
                                        num_workers=0, n_bootstrap=50, show_progress=False, log=said.append)
    seen = report["meta"]["clips_seen_in_training"]
    assert sorted(Path(name).name for name in seen) == trained_files
    assert report["num_clips"] > len(seen)  # the val and test clips are not named as trained on
    were = "was" if len(seen) == 1 else "were"
    assert any(f"{len(seen)} of the {report['num_clips']} clips {were} among this model's training clips" in line
               for line in said)
    not_a_test = len(seen) + len(report["meta"]["clips_seen_in_validation"])  # the val split's too
    assert f"**{not_a_test} of the {report['num_clips']} clips are not a test:**" in paths["markdown"].read_text()
    # The version's own test split holds none of them.
    report, paths = evaluate_checkpoint(result.best_checkpoint, root=colour_data.root, version="v1",
                                        out_dir=tmp_path / "test", num_workers=0, n_bootstrap=50, show_progress=False)
    assert report["meta"]["clips_seen_in_training"] == []
    assert "not a test" not in paths["markdown"].read_text()


def test_evaluate_on_the_folder_the_version_was_made_from_names_the_clips_its_best_epoch_was_chosen_on(
        trained, colour_data, tmp_path):
    """The same folder holds the val split's clips, on which the checkpoint's best epoch was chosen:
    those figures are no test either, and the report and the command say so."""
    from highlights.train.evaluation import evaluate_checkpoint

    _, result = trained
    source = colour_data.root.parent / "src"
    val_files = _source_files_of(colour_data, "val")
    said: list[str] = []
    report, paths = evaluate_checkpoint(result.best_checkpoint, root=None, version=None, clips_root=source,
                                        out_dir=tmp_path / "folder", num_workers=0, n_bootstrap=50,
                                        show_progress=False, log=said.append)
    validated = report["meta"]["clips_seen_in_validation"]
    assert sorted(Path(name).name for name in validated) == val_files
    assert not set(validated) & set(report["meta"]["clips_seen_in_training"])
    were = "was" if len(validated) == 1 else "were"
    assert any(f"{len(validated)} of the {report['num_clips']} clips {were} among the clips this model's best "
               "epoch was chosen on" in line for line in said)
    seen = len(validated) + len(report["meta"]["clips_seen_in_training"])
    text = paths["markdown"].read_text()
    assert f"**{seen} of the {report['num_clips']} clips are not a test:**" in text
    assert "its best epoch was chosen on the same files (" in text


def test_a_checkpoint_that_does_not_record_its_val_clips_names_those_of_its_version_on_disk(trained, colour_data):
    from highlights.train.evaluation import seen_by_checkpoint
    from highlights.train.loop import VAL_CLIP_IDS

    _, result = trained
    _, meta = load_checkpoint(result.best_checkpoint)
    older = {k: v for k, v in meta.items() if k != VAL_CLIP_IDS}
    records = colour_data.split("val", augmented=False) + colour_data.split("test", augmented=False)
    seen = seen_by_checkpoint(records, older)
    assert seen.trained == [] and seen.validated == [r.clip_id for r in colour_data.split("val", augmented=False)]
    moved = {**older, "dataset": {**older["dataset"], "root": str(colour_data.root) + "-gone"}}
    gone = seen_by_checkpoint(records, moved)
    assert (gone.trained, gone.validated) == ([], [])


def test_evaluate_int8_measures_both_paths_on_the_same_clips_and_stores_an_accepted_model(
        trained, colour_data, tmp_path):
    import shutil

    from highlights.model import ClipClassifier
    from highlights.model.int8_store import sidecar_paths
    from highlights.train.evaluation import evaluate_checkpoint

    _, result = trained
    ckpt = Path(shutil.copy(result.best_checkpoint, tmp_path / "best.pt"))
    report, paths = evaluate_checkpoint(ckpt, root=colour_data.root, version="v1", out_dir=tmp_path / "report",
                                        num_workers=0, n_bootstrap=50, int8=True, show_progress=False)
    int8 = load_report(paths["json"])["meta"]["int8"]
    assert int8["num_clips"] == report["num_clips"] == len(colour_data.split("test", augmented=False))
    assert int8["fp32_accuracy"] == pytest.approx(report["accuracy"])  # the report's own scores
    assert int8["calibration"] == {"split": "train", "clips": len(colour_data.split("train", augmented=False))}
    assert int8["accepted"] == (int8["accuracy_change_points"] >= -0.5)
    assert "int8 (`onnxruntime_int8`) on the same" in paths["markdown"].read_text()
    model_path, verdict_path = sidecar_paths(ckpt)
    assert paths["int8_verdict"] == verdict_path
    assert model_path.exists() == int8["accepted"]
    # An accepted model is offered to the measured path choice (here told int8 is the fastest).
    loaded = ClipClassifier.from_checkpoint(ckpt, path_cache=False, fp32_paths=("eager",),
                                            path_timer=lambda layout, run: 0.1 if "int8" in layout.backend else 1.0)
    assert loaded.backend == ("onnxruntime_int8" if int8["accepted"] else "eager")


def test_cli_train_then_evaluate(colour_data, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli-run"
    args = ["train", "--root", str(colour_data.root), "--version", "v1", "--out", str(out),
            "--epochs", "1", "--batch-size", "4", "--width", "0.125", "--frames", "4", "--crop", "32",
            "--workers", "0", "--no-augment", "--no-progress"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "reduced R(2+1)D" in result.output and "best: epoch 1" in result.output
    result = runner.invoke(app, ["evaluate", str(out / "best.pt"), "--root", str(colour_data.root),
                                 "--version", "v1", "--out", str(tmp_path / "eval"), "--workers", "0",
                                 "--bootstrap", "50", "--int8", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "| Class | Precision | Recall | F1 | Support |" in result.output
    assert "int8: accuracy" in result.output and "best.pt.int8.json" in result.output
    report = json.loads((tmp_path / "eval" / REPORT_FILENAME).read_text())
    # the terminal and the Markdown give the two accuracies alike: three places and their clips
    int8 = report["meta"]["int8"]
    said = accuracy_against_fp32(int8, "int8")
    n = report["num_clips"]
    assert said == (f"accuracy {int8['int8_accuracy']:.3f} ({round(int8['int8_accuracy'] * n)}/{n}) "
                    f"vs fp32 {int8['fp32_accuracy']:.3f} ({round(int8['fp32_accuracy'] * n)}/{n})")
    assert f"int8: {said} on the same {n} clips (" in " ".join(result.output.split()), result.output
    assert f"clips: {said} (" in (tmp_path / "eval" / "video_scorer_testreport.md").read_text()
    assert (tmp_path / "eval" / REPORT_FILENAME).exists()
    result = runner.invoke(app, ["train", "--root", str(colour_data.root), "--version", "v9", "--out",
                                 str(tmp_path / "x"), "--quick", "--no-progress"])
    assert result.exit_code == 1 and "v9" in result.output


def test_a_run_killed_after_its_last_checkpoint_but_before_its_history_completes_it_on_resume(
        colour_data, tmp_path, monkeypatch):
    """A kill between the final epoch's last.pt and its train_history.json (and curves): the
    checkpoint says the run is finished, so `--resume` trains nothing, but it writes the history
    and curves of every epoch, as the run would have."""
    config = tiny_config(colour_data, tmp_path / "run", epochs=2, cache_dir=str(tmp_path / "cache"))
    real_write = loop_module._write_history

    def killed_at_the_last_epoch(out_dir, config, meta_base, result):
        if len(result.history) == config.epochs:
            raise KeyboardInterrupt  # the process dies here: last.pt holds epoch 2, the history epoch 1
        real_write(out_dir, config, meta_base, result)

    with monkeypatch.context() as patch:
        patch.setattr(loop_module, "_write_history", killed_at_the_last_epoch)
        with pytest.raises(KeyboardInterrupt):
            fit(config, show_progress=False)
    out = Path(config.out_dir)
    assert len(json.loads((out / "train_history.json").read_text())["history"]) == 1
    curves_before = (out / "train_curves.png").read_bytes()

    said = []
    resumed = fit(config, resume=True, show_progress=False, log=said.append)
    assert said[-1] == "this run had already finished: 2 of 2 epochs; nothing to resume"
    history = json.loads((out / "train_history.json").read_text())
    assert [h["epoch"] for h in history["history"]] == [1, 2] == [h["epoch"] for h in resumed.history]
    assert history["best_epoch"] == resumed.best_epoch
    assert (out / "train_curves.png").read_bytes() != curves_before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the fork server's signal mask from /proc")
def test_the_data_loaders_fork_server_ignores_ctrl_c_from_its_start(tmp_path):
    # Ctrl-C reaches the whole process group. The fork server ignores it once its loop runs, but
    # it was open to it while importing torch and OpenCV, and printed its own traceback then.
    import multiprocessing.forkserver as forkserver
    import os
    import signal

    from highlights.train.data import worker_context

    server = forkserver._forkserver
    server._stop()  # a fresh server, as a command's first loader starts it
    context = worker_context()
    forkserver.ensure_running()  # as the loader's first worker would start it
    pid = server._forkserver_pid
    ignored = next(int(line.split()[1], 16) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("SigIgn:"))
    assert ignored & (1 << (signal.SIGINT - 1)), "SIGINT not ignored by the fork server as it starts"
    os.kill(pid, signal.SIGINT)  # while it is still importing
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # this process still hears it
    with context.Pool(1) as pool:  # the server lived through it and still forks workers
        assert pool.apply(os.getpid) != os.getpid()
    assert server._forkserver_pid == pid


class _LoaderStartingWorkers:
    """Stands for a DataLoader whose workers are being started when a signal arrives."""

    num_workers = 2

    def __init__(self, signum):
        self.signum, self.started = signum, False

    def __iter__(self):
        import os

        os.kill(os.getpid(), self.signum)
        self.started = True  # reached only if the signal waited for the workers to start
        return iter([1, 2])


def test_a_signal_while_loader_workers_start_waits_until_they_all_have():
    # Interrupted between asking the fork server for a worker and reading its pid back, the
    # worker was forked but never joined, and printed a traceback as the command exited.
    import signal

    from highlights.cli.termination import Terminated, terminate_as_interrupt
    from highlights.train.data import batches

    loader = _LoaderStartingWorkers(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        batches(loader)
    assert loader.started and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with terminate_as_interrupt():  # SIGTERM as the CLI handles it: held the same way
        loader = _LoaderStartingWorkers(signal.SIGTERM)
        with pytest.raises(Terminated):
            batches(loader)
        assert loader.started
    # with no workers to start there is nothing to hold
    assert list(batches([3, 4])) == [3, 4]
    # a caller's own handler that only notes the signal gets it once, and the batches go on
    noted = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: noted.append(signum))
    try:
        assert list(batches(_LoaderStartingWorkers(signal.SIGTERM))) == [1, 2] and noted == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_disk_filled_by_the_decoded_clips_says_where_they_go_and_how_to_move_them(colour_data, tmp_path,
                                                                                        monkeypatch):
    import errno

    from highlights.atomic import atomic_path

    def out_of_space(path, array):
        with atomic_path(path):  # the write fails inside it, as np.save does on a full disk
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module, "_atomic_save_npy", out_of_space)
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--root", str(colour_data.root), "--version", "v1",
                                      "--out", str(out), "--quick", "--epochs", "1", "--no-progress"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.splitlines()
    error = next(line for line in lines if line.startswith("error: "))
    assert error.startswith("error: no space left on ") and f"while writing {out / 'cache'}" in error
    assert lines[lines.index(error) + 1] == (f"the run's decoded clips fill {out / 'cache'}; give --cache-dir a "
                                             "folder on a disk with room (those decoded so far can be removed, "
                                             "or moved there)")
    assert not list((out / "cache").rglob("*.tmp")) and not list((out / "cache").rglob(".*"))


def test_resume_takes_quick_again_only_for_a_quick_run():
    """`run the same command with --resume`: a run started with --quick goes on with it given; a
    run of another model refuses it, where it was dropped without a word."""
    from highlights.errors import ConfigError

    quick = TrainConfig.from_options("data", "v1", "run", quick=True, epochs=8)
    assert quick.resumed_with(quick=True) == quick
    assert quick.resumed_with(quick=True, num_frames=8) == quick
    full = TrainConfig.from_options("data", "v1", "run")
    with pytest.raises(ConfigError, match=r"otherwise: --quick \(the run's model: R\(2\+1\)D-18"):
        full.resumed_with(quick=True)
    assert full.resumed_with() == full


@pytest.fixture(scope="module")
def stopped_after_one_of_two(colour_data, tmp_path_factory):
    """A run folder as a run of two epochs leaves it when stopped after the first."""
    out = tmp_path_factory.mktemp("stopped") / "run"
    fit(tiny_config(colour_data, out, epochs=1, cache_dir=str(out / "cache")), show_progress=False)
    state = torch.load(out / "last.pt", map_location="cpu", weights_only=False)
    state["meta"]["train_config"]["epochs"] = 2
    torch.save(state, out / "last.pt")
    return out


def _other_width(state):
    state["meta"]["train_config"]["width"] = 0.25


def _other_classes(state):
    state["meta"]["classes"] = ["basketball_layup", "none"]


def _settings_a_list(state):
    state["meta"]["train_config"] = []


def _unknown_setting(state):
    state["meta"]["train_config"]["layers_per_stage"] = 7


@pytest.mark.parametrize("edit, cause", [
    (_other_width, "its weights are not those of the model its settings describe (size mismatch for"),
    (_other_classes, "the run was trained on the classes ['basketball_layup', 'none'], its dataset version has"),
    (_settings_a_list, "holds no training settings (its train_config is list, not an object)"),
    (_unknown_setting, "its training settings are not ones this version of highlights reads (unknown training "
                       "settings: layers_per_stage)"),
], ids=["other-width", "other-classes", "settings-a-list", "unknown-setting"])
def test_resume_refuses_a_last_pt_not_of_its_own_run_and_changes_nothing(stopped_after_one_of_two, tmp_path, edit,
                                                                          cause):
    """A last.pt edited by hand or of another run: one line naming it, where loading its weights or
    its settings raised a traceback, or its outputs were trained on as other classes."""
    run = tmp_path / "run"
    shutil.copytree(stopped_after_one_of_two, run)
    state = torch.load(run / "last.pt", map_location="cpu", weights_only=False)
    edit(state)
    torch.save(state, run / "last.pt")
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    result = CliRunner().invoke(app, ["train", "--out", str(run), "--resume", "--no-progress"])
    assert result.exit_code == 1 and not isinstance(result.exception, (RuntimeError, AttributeError, TypeError))
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {run / 'last.pt'}: ") and cause in errors[0], \
        result.output
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
