"""An --out naming one file (`pipeline calibrate`, `augment preview`) replaces a file there only
where the command wrote it, as a report folder's files are replaced by the next report; any other
file (an annotation named by a slip of the hand, a picture of one's own) is refused in one line
naming it, before the run, and left as it was."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from highlights.cli.app import app
from tests.calibration_fixtures import THREE, THREE_RIGHT
from tests.dataset_fixtures import write_clip


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def _last_line(result) -> str:
    return " ".join(result.output.split("error: ")[-1].split())


def test_augment_preview_replaces_its_own_picture_and_refuses_any_other_file(tmp_path):
    clip = write_clip(tmp_path / "clip.mp4", 3, frames=10, width=96, height=64)
    out = tmp_path / "grid.png"
    for seed in (1, 2):
        result = _run("augment", "preview", clip, "--out", out, "--variants", "1", "--frames", "1",
                      "--seed", seed)
        assert result.exit_code == 0, result.output
    assert '"seed": 2' in out.read_bytes().decode("latin-1")  # the second run's picture

    photo = out.read_bytes()[:8] + b"not a preview"
    for name, data in (("photo.png", photo), ("clip copy.mp4", clip.read_bytes())):
        other = tmp_path / name
        other.write_bytes(data)
        refused = _run("augment", "preview", clip, "--out", other, "--variants", "1",
                       "--frames", "1")
        assert refused.exit_code == 1
        assert _last_line(refused) == (f"{other}: is not a preview `augment preview` wrote, the "
                                       "only file --out replaces; give --out a new file, or "
                                       "remove this one")
        assert other.read_bytes() == data


def test_calibrate_replaces_its_own_calibration_and_refuses_an_annotation_before_the_run(
        tmp_path: Path, monkeypatch) -> None:
    import highlights.pipeline.calibrate as calibrate
    from highlights.pipeline.calibrate import fit_and_measure
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=2.0, events=())
    annotation = video.with_suffix(".json")
    runs = []
    monkeypatch.setattr(calibrate, "calibrate_on_game", lambda *a, **kw: runs.append(a) or
                        fit_and_measure(THREE, THREE_RIGHT, fitted_on={"video": video.name}))
    out = tmp_path / "cal.json"
    for _ in range(2):
        result = _run("pipeline", "calibrate", "--video", video, "--annotations", annotation,
                      "--out", out, "--no-progress")
        assert result.exit_code == 0, result.output
    assert len(runs) == 2
    assert '"format": "highlights.score-calibration/' in out.read_text(encoding="utf-8")

    before = annotation.read_bytes()
    refused = _run("pipeline", "calibrate", "--video", video, "--annotations", annotation,
                   "--out", annotation, "--no-progress")
    assert refused.exit_code == 1
    assert _last_line(refused) == (f"{annotation}: is not a score calibration `pipeline calibrate` "
                                   "wrote, the only file --out replaces; give --out a new file, or "
                                   "remove this one")
    assert annotation.read_bytes() == before
    assert len(runs) == 2  # refused before the run
    assert not (tmp_path / "game" / f"{annotation.stem}_reliability.png").exists()
