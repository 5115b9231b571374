"""An option value a command cannot use (negative, zero, not a number, far too large) is refused
in one line naming the option, with exit status 1, before anything is read or written: not a
traceback from torch or numpy after the clips are decoded, nor a run that trains at a rate of 0."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from highlights.cli.app import app
from tests.model_fixtures import tiny_meta, tiny_model
from tests.train_fixtures import COLOURS, make_colour_dataset

TRAIN_QUICK = ["--quick", "--epochs", "1", "--workers", "0", "--no-progress"]


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    from highlights.model import save_checkpoint

    tmp = tmp_path_factory.mktemp("option-values")
    version = make_colour_dataset(tmp, per_class=4)
    model = tiny_model(len(COLOURS))
    checkpoint = save_checkpoint(tmp / "best.pt", model, tiny_meta(model, list(COLOURS)))
    return {"root": version.root, "src": tmp / "src", "checkpoint": checkpoint,
            "clip": next((tmp / "src" / "none").glob("*.mp4"))}


# (command line, what the one line must say). {root}, {src}, {checkpoint}, {clip}: `made`'s; {out}: a new folder.
CASES = [
    ("train --root {root} --version v1 --out {out} --lr 0", "lr must be a positive number, got 0.0"),
    ("train --root {root} --version v1 --out {out} --lr -1", "lr must be a positive number, got -1.0"),
    ("train --root {root} --version v1 --out {out} --lr inf", "'--lr': 'inf' is not a finite number"),
    ("train --root {root} --version v1 --out {out} --width 0", "width must be a positive number, got 0.0"),
    ("train --root {root} --version v1 --out {out} --workers -1", "num_workers must be 0 or more, got -1"),
    ("train --root {root} --version v1 --out {out} --workers 1000000000",
     "num_workers (--workers) must be at most 64, got 1000000000"),
    ("train --root {root} --version v1 --out {out} --patience -1", "patience must be 0 or more, got -1"),
    ("train --model pose --out {out} --synth-games -1", "--synth-games -1: 0 or more"),
    ("train --model pose --out {out} --rendered-games -1", "--rendered-games -1: 0 or more"),
    ("evaluate {checkpoint} --root {root} --version v1 --out {out} --batch-size 0",
     "'--batch-size': 0 is not in the range x>=1"),
    ("evaluate {checkpoint} --root {root} --version v1 --out {out} --workers -1",
     "'--workers': -1 is not in the range 0<=x<=64"),
    ("evaluate {checkpoint} --root {root} --version v1 --out {out} --workers 1000000000",
     "'--workers': 1000000000 is not in the range 0<=x<=64"),
    ("evaluate {checkpoint} --root {root} --version v1 --out {out} --bootstrap 0",
     "'--bootstrap': 0 is not in the range x>=1"),
    ("dataset create {src} --root {out} --seed -1", "'--seed': -1 is not in the range x>=0"),
    ("augment preview {clip} --out {out}/p.png --variants 17", "'--variants': 17 is not in the range 1<=x<=16"),
    ("synth game --out {out} --minutes 0.05 --events-per-minute nan",
     "'--events-per-minute': 'nan' is not a finite number"),
    ("synth clips --out {out} --per-class 1 --classes none --fps abc", "or 'mixed', got 'abc'"),
    ("synth clips --out {out} --per-class 1 --classes none --fps 30000/0", "or 'mixed', got '30000/0'"),
    ("synth clips --out {out} --per-class 1 --classes none --fps 1e400", "or 'mixed', got '1e400'"),
    ("synth clips --out {out} --per-class 1 --classes none --fps 1e-400", "or 'mixed', got '1e-400'"),
    ("synth clips --out {out} --per-class 1 --classes none --fps 1e300", "fps 1e300: at most 1000"),
    ("synth clips --out {out} --per-class 1 --classes none --workers 1000000000",
     "'--workers': 1000000000 is not in the range 1<=x<=64"),
    ("synth game --out {out} --minutes 0.05 --fps 1e300", "--fps 1e+300: at most 1000"),
    ("synth game --out {out} --minutes 0.05 --name ../beside", "--name '../beside': a file name stem, not a path"),
    ("detect {clip} --out {out} --threads-per-worker 0", "'--threads-per-worker': 0 is not in the range x>=1"),
    ("detect {clip} --out {out} --max-highlights 0", "--max-highlights 0: a cap must be above 0"),
    ("detect {clip} --out {out} --reel-seconds -2.5", "--reel-seconds -2.5: a cap must be above 0"),
    ("pipeline score --predictions {out}/p.json --annotations {out}/a.json --out {out} --tolerance 0",
     "--tolerance 0: a key moment's tolerance must be above 0 s"),
    ("pipeline evaluate --video {clip} --annotations {out}/a.json --out {out} --tolerance 2 --tolerance -1",
     "--tolerance -1: a key moment's tolerance must be above 0 s"),
    ("pipeline calibrate --video {clip} --annotations {out}/a.json --out {out}/c.json --tolerance -1",
     "--tolerance -1: a key moment's tolerance must be above 0 s"),
    ("bench-paths {checkpoint} --threads 0", "'--threads': 0 is not in the range x>=1"),
    ("review serve {out} --port 70000", "'--port': 70000 is not in the range 0<=x<=65535"),
    ("review label-studio-export {out} --out {out}/ls.json --candidates -5",
     "'--candidates': -5 is not in the range x>=0"),
]


@pytest.mark.parametrize("line,says", CASES, ids=[f"{c[0].split(' ')[0]} {c[0].split(' ')[-2]} {c[0].split(' ')[-1]}"
                                                 for c in CASES])
def test_an_option_value_it_cannot_use_is_one_line_and_leaves_nothing(made, tmp_path, line, says):
    out = tmp_path / "out"
    argv = line.format(out=out, **made).split()
    if argv[0] == "train" and "--model" not in argv:
        argv = argv[:1] + TRAIN_QUICK + argv[1:]  # the value under test comes last, and wins
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [text for text in result.stderr.splitlines() if text.startswith("error: ")]
    assert len(errors) == 1 and says in errors[0], result.stderr
    assert not out.exists()


def _float_options(command: click.Command):
    for param in command.params:
        if isinstance(param.type, click.types.FloatParamType):
            yield param
    for sub in getattr(command, "commands", {}).values():
        yield from _float_options(sub)


def test_every_float_option_refuses_nan_and_infinity():
    # A range check lets nan through (nan < 0.1 is false): `synth clips --seconds nan` never ended.
    options = list(_float_options(typer.main.get_command(app)))
    assert len(options) > 10
    for param in options:
        with pytest.raises(click.BadParameter, match="not a finite number"):
            param.type.convert("nan", param, None)
        for value in ("inf", "-inf"):
            with pytest.raises(click.BadParameter):  # outside a range, or not finite
                param.type.convert(value, param, None)


def test_a_float_range_still_shows_its_range_in_the_help():
    result = CliRunner().invoke(app, ["synth", "clips", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "x>=0.1" in result.output


def test_synth_clips_takes_a_frame_rate_as_cameras_state_it(tmp_path):
    from highlights.video import probe

    result = CliRunner().invoke(app, ["synth", "clips", "--out", str(tmp_path / "clips"), "--per-class", "1",
                                      "--classes", "none", "--size", "64x48", "--seconds", "0.5",
                                      "--fps", "24000/1001", "--no-progress"])
    assert result.exit_code == 0, result.output
    (clip,) = (tmp_path / "clips" / "none").glob("*.mp4")
    assert probe(clip).fps == pytest.approx(24000 / 1001)
