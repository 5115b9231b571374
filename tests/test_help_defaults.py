"""The defaults the help texts state in words are the ones the commands use.

`train`'s settings are options without a click default (left out, TrainConfig's or the pose
classifier's default stands), so their help says the default in words: "(default 30; 5 with
--quick; 60 with --model pose)", "loss (default) | sampler | none". Each is read and compared with
the config `train` builds when the option is left out (the training itself replaced by a stand-in
that keeps the config). A help text giving a number as the default beside the setting it sets ("(default 1080
...; sets merge.reel_height)") is compared with `PipelineConfig()`.

The tolerances of `pipeline evaluate` and `score` ("default 1, 2, 5") and `detect --workers`'
"half the cores, two threads each" are held to what those commands use. Not read: defaults that
are paths ("default OUT/cache") or other words ("default: the parent's").
"""

from __future__ import annotations

import re

import pytest

from highlights.pipeline.config import SECTIONS, PipelineConfig
from tests.readme_commands import root_command

# `train`'s option -> the TrainConfig / PoseTrainConfig field it sets.
TRAIN_FIELDS = {"--epochs": "epochs", "--batch-size": "batch_size", "--lr": "lr", "--width": "width",
                "--frames": "num_frames", "--crop": "crop_size", "--balance": "balance", "--augment": "augment",
                "--patience": "patience", "--seed": "seed", "--workers": "num_workers", "--precision": "precision",
                "--pose-family": "family", "--synth-windows": "synth_windows"}
POSE_OPTIONS = {"--pose-family", "--synth-windows"}  # the pose classifier's alone
_VALUE = r"([\w.+-]*\w)"


def _option_help(command_path: tuple[str, ...]) -> dict[str, str]:
    command = root_command()
    for name in command_path:
        command = command.commands[name]
    return {param.opts[0]: param.help or "" for param in command.params if getattr(param, "help", None)}


def stated_train_defaults(help_text: str) -> dict[str, str]:
    """{"full" | "quick" | "pose": the value as written} from one option's help text."""
    stated = {}
    if m := re.search(rf"\bdefault {_VALUE}", help_text):
        stated["full"] = m.group(1)
    elif m := re.search(rf"{_VALUE} \(default\b", help_text):  # "loss (default) | ..."
        stated["full"] = m.group(1)
    if m := re.search(rf"{_VALUE} with --quick\b", help_text):
        stated["quick"] = m.group(1)
    if m := re.search(rf"{_VALUE} with --model pose\b", help_text):
        stated["pose"] = m.group(1)
    return stated


def _as(value: str, like):
    if isinstance(like, bool):
        return {"on": True, "off": False}[value]
    return type(like)(value)


def test_the_help_defaults_are_read():
    assert stated_train_defaults("Epochs (default 30; 5 with --quick; 60 with --model pose)") == {
        "full": "30", "quick": "5", "pose": "60"}
    assert stated_train_defaults("Class imbalance: loss (default) | sampler | none") == {"full": "loss"}
    assert stated_train_defaults("On-the-fly phone augmentation (default on)") == {"full": "on"}
    assert stated_train_defaults("Peak learning rate of AdamW (default 5e-4; 3e-3 with --model pose)") == {
        "full": "5e-4", "pose": "3e-3"}
    assert stated_train_defaults("Local weights to fine-tune") == {}


@pytest.fixture(scope="module")
def built_configs(tmp_path_factory):
    """The configs `train` builds with every setting left out: R(2+1)D full and --quick, pose."""
    import highlights.pose_classifier.train as pose_train
    import highlights.train as clip_train
    from typer.testing import CliRunner

    from highlights.cli.app import app

    kept = {}

    class Kept(Exception):
        pass

    def keep(name):
        def stand_in(config, *args, **kwargs):
            kept[name] = config
            raise Kept
        return stand_in

    from tests.dataset_fixtures import version_folder_only

    out = version_folder_only(tmp_path_factory.mktemp("train-defaults"))
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        for name, argv in (("full", []), ("quick", ["--quick"])):
            patch.setattr(clip_train, "fit", keep(name))
            runner.invoke(app, ["train", "--root", str(out), "--version", "v1", "--out", str(out / name), *argv])
        patch.setattr(pose_train, "train_pose_classifier", keep("pose"))
        runner.invoke(app, ["train", "--model", "pose", "--out", str(out / "pose")])
    assert set(kept) == {"full", "quick", "pose"}, "train did not reach its training with the defaults"
    return kept


def test_train_help_states_the_defaults_train_uses(built_configs):
    helps = _option_help(("train",))
    problems, checked = [], 0
    for option, field in TRAIN_FIELDS.items():
        stated = stated_train_defaults(helps[option])
        assert stated, f"`train {option}`'s help states no default"
        for preset, value in stated.items():
            config = built_configs["pose" if option in POSE_OPTIONS else preset]
            actual = getattr(config, field)
            checked += 1
            if _as(value, actual) != actual:
                problems.append(f"`train {option}` help: {value!r} ({preset}), but train uses {actual!r}")
    assert checked >= 18
    assert not problems, "\n".join(problems)


def _walk(command, path):
    for param in command.params:
        if getattr(param, "help", None):
            yield f"{' '.join(path)} {param.opts[0]}", param.help
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


def test_a_help_text_giving_the_default_of_the_setting_it_sets_gives_the_configs():
    keys = rf"((?:{'|'.join(SECTIONS)})\.[a-z_]+)"
    stated = []
    for where, text in _walk(root_command(), ("highlights",)):
        value, setting = re.search(r"\bdefault (\d+(?:\.\d+)?)\b", text), re.search(rf"\bsets {keys}", text)
        if value and setting:
            stated.append((where, setting.group(1), value.group(1)))
    assert ("highlights detect --reel-height", "merge.reel_height") in {(where, key) for where, key, _ in stated}
    default = PipelineConfig()
    problems = [f"{where}: default {value}, but {key} is {default.get(key)!r}" for where, key, value in stated
                if default.with_overrides({key: value}) != default]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("command", [("pipeline", "evaluate"), ("pipeline", "score")])
def test_the_tolerances_help_gives_the_ones_scoring_uses(command):
    from highlights.pipeline.evaluation import DEFAULT_TOLERANCES

    stated = re.search(r"\bdefault ([\d.]+(?:, [\d.]+)*)", _option_help(command)["--tolerance"])
    assert stated and tuple(float(t) for t in stated.group(1).split(", ")) == DEFAULT_TOLERANCES


def test_the_workers_help_says_how_batch_plans_them():
    from highlights.batch.worker import plan_workers

    assert "half the cores, two threads each" in _option_help(("detect",))["--workers"]
    assert [plan_workers(None, cores) for cores in (2, 8, 16)] == [(1, 2), (4, 2), (8, 2)]


def test_the_threads_per_worker_help_says_how_batch_plans_them(monkeypatch):
    """Left out, the threads per game are cores / workers, locally and on Ray where --workers is
    given; on Ray without --workers each game's task asks for 2 CPUs."""
    import highlights.batch.worker as worker
    from highlights.batch.runner import make_engine

    monkeypatch.setattr(worker, "available_cores", lambda: 12)
    said = _option_help(("detect",))["--threads-per-worker"]
    assert "default: cores / workers" in said and "on Ray without --workers, 2" in said, said
    assert worker.plan_workers(3) == (3, 4)  # locally: 12 cores / 3 workers
    assert make_engine("ray", workers=None, threads=None, address=None).threads == 2
    assert make_engine("ray", workers=3, threads=None, address=None).threads == 4


def test_the_workers_help_says_a_ray_cluster_decides_the_games_at_once():
    """With --address no local Ray instance is sized by --workers: the cluster's CPUs decide how
    many games run at once."""
    from highlights.batch.runner import make_engine

    assert "on a Ray cluster (--address) its CPUs decide" in _option_help(("detect",))["--workers"]
    assert make_engine("ray", workers=3, threads=None, address="auto").local_cpus is None
    assert make_engine("ray", workers=3, threads=2, address=None).local_cpus == 6


def test_synth_clips_help_names_the_classes_it_makes_without_classes():
    from highlights.synth.clipset import ClipSetConfig
    from highlights.synth.clip import LABELS

    stated = re.search(r"\(default: every class it draws, ([\w, ]+)\)", _option_help(("synth", "clips"))["--classes"])
    assert stated and tuple(stated.group(1).split(", ")) == LABELS
    assert ClipSetConfig(per_class=1).classes == LABELS


def test_every_review_command_taking_video_says_where_it_is_found_without_it():
    helps = {name: _option_help(("review", name))["--video"]
             for name in ("serve", "export", "label-studio-export", "label-studio-import")}
    assert set(helps.values()) == {"Source video of each folder, in order (default: the path recorded in its "
                                   "highlights.json)"}, helps


def test_no_option_help_ends_in_a_full_stop():
    # Typer's own completion options are its wording; "v1, v2, ..." ends in an ellipsis.
    typers = {"highlights --install-completion", "highlights --show-completion"}
    ending = [where for where, text in _walk(root_command(), ("highlights",))
              if text.rstrip().endswith(".") and not text.rstrip().endswith("...") and where not in typers]
    assert not ending, ending


def test_video_given_a_number_of_times_other_than_the_folders_says_it_in_the_right_number(tmp_path):
    from highlights.review.errors import ReviewError
    from highlights.review.games import load_games

    with pytest.raises(ReviewError) as once:
        load_games([tmp_path / "a", tmp_path / "b"], videos=[tmp_path / "a.mp4"])
    assert str(once.value).startswith("--video given 1 time for 2 folders; give it once per folder")
    with pytest.raises(ReviewError) as twice:
        load_games([tmp_path / "a"], videos=[tmp_path / "a.mp4", tmp_path / "b.mp4"])
    assert str(twice.value).startswith("--video given 2 times for 1 folder;")


def test_only_detect_which_runs_batches_speaks_of_a_batch_in_its_sport_help():
    assert "in a batch, a manifest's sport column sets it per game" in _option_help(("detect",))["--sport"]
    assert "batch" not in _option_help(("pipeline", "evaluate"))["--sport"]
    assert "the JSON it prints lists them" in _option_help(("pipeline", "config"))["--set"]


@pytest.mark.parametrize("command", [("detect",), ("pipeline", "evaluate"), ("pipeline", "calibrate"),
                                     ("pipeline", "ablate")])
def test_the_checkpoint_help_names_the_classifier_used_without_one(command):
    classifier = PipelineConfig().section("classifier")
    assert "(default: the packaged pose classifier, unless --config or --set names another)" in \
        _option_help(command)["--checkpoint"]
    assert classifier.enabled and classifier.backend == "pose" and classifier.pose_model is None
