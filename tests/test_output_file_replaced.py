"""An --out naming one file (`pipeline calibrate`, `augment preview`) replaces a file there only
where the command wrote it, as a report folder's files are replaced by the next report; any other
file (an annotation named by a slip of the hand, a picture of one's own) is refused in one line
naming it, before the run, and left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from highlights.cli.app import app
from tests.calibration_fixtures import THREE, THREE_RIGHT
from tests.dataset_fixtures import write_clip

REPO = Path(__file__).resolve().parents[1]


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


def test_augment_preview_replaces_a_preview_an_earlier_version_drew(tmp_path):
    """A grid drawn before the PNG kept its note of what made it (matplotlib's PNG at the preview's
    resolution, as wide as its columns) is replaced, where it was refused as not a preview; a
    picture of one's own matplotlib drew, without that note, is still refused."""
    from matplotlib.figure import Figure

    from highlights.augment.preview import DPI, preview_figure
    from highlights.figure_png import png_made_by, write_figure_png

    clip = write_clip(tmp_path / "clip.mp4", 3, frames=10, width=96, height=64)
    out = tmp_path / "grid.png"
    # As the command wrote it before `Description` was kept.
    write_figure_png(out, lambda: preview_figure(clip, variants=2, frames=1), dpi=DPI)
    assert png_made_by(out) is None
    result = _run("augment", "preview", clip, "--out", out, "--variants", "1", "--frames", "1")
    assert result.exit_code == 0, result.output
    assert png_made_by(out)["variants"] == 1

    own = tmp_path / "own.png"
    write_figure_png(own, lambda: Figure(figsize=(4, 3)), dpi=100)
    data = own.read_bytes()
    refused = _run("augment", "preview", clip, "--out", own, "--variants", "1", "--frames", "1")
    assert refused.exit_code == 1
    assert _last_line(refused).startswith(f"{own}: is not a preview `augment preview` wrote")
    assert own.read_bytes() == data


def _a_game_whose_fit_is_counted(tmp_path: Path, monkeypatch):
    """A synthetic game and its annotation, whose calibration is fitted on fixed scores (the
    pipeline is not run), each fit counted in the list returned."""
    import highlights.pipeline.calibrate as calibrate
    from highlights.pipeline.calibrate import fit_and_measure
    from tests.pipeline_fixtures import make_game

    video = make_game(tmp_path / "game", duration_s=2.0, events=())
    annotation = video.with_suffix(".json")
    runs = []
    monkeypatch.setattr(calibrate, "calibrate_on_game", lambda *a, **kw: runs.append(a) or
                        fit_and_measure(THREE, THREE_RIGHT, fitted_on={"video": video.name}))
    return video, annotation, runs


def test_calibrate_replaces_its_own_calibration_and_refuses_an_annotation_before_the_run(
        tmp_path: Path, monkeypatch) -> None:
    video, annotation, runs = _a_game_whose_fit_is_counted(tmp_path, monkeypatch)
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


def test_calibrate_refuses_a_picture_of_ones_own_where_it_would_draw_its_own(
        tmp_path: Path, monkeypatch) -> None:
    video, annotation, runs = _a_game_whose_fit_is_counted(tmp_path, monkeypatch)
    out, picture = tmp_path / "cal.json", tmp_path / "cal_reliability.png"
    args = ("pipeline", "calibrate", "--video", video, "--annotations", annotation, "--out", out,
            "--no-progress")
    assert _run(*args).exit_code == 0
    drawn = picture.read_bytes()
    assert _run(*args).exit_code == 0, "its own picture is replaced"
    assert len(runs) == 2

    # A picture of one's own by that name: refused before the run, the picture and the
    # calibration beside it left as they were.
    from PIL import Image

    Image.new("RGB", (8, 8), "green").save(picture)
    own = picture.read_bytes()
    assert own != drawn
    calibration = out.read_bytes()
    refused = _run(*args)
    assert refused.exit_code == 1
    assert _last_line(refused) == (f"{picture}: is not a reliability diagram `pipeline calibrate` "
                                   "drew, the only file --out replaces; give --out a new file, or "
                                   "remove this one")
    assert picture.read_bytes() == own and out.read_bytes() == calibration
    assert len(runs) == 2

    # One an earlier version drew (matplotlib's, no note of what made it) beside the calibration
    # it was drawn for: replaced, as the command's own.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure = pyplot.figure(figsize=(1, 1))
    figure.savefig(picture, format="png")
    pyplot.close(figure)
    assert b"Matplotlib" in picture.read_bytes() and b"pipeline calibrate" not in picture.read_bytes()
    assert _run(*args).exit_code == 0
    assert len(runs) == 3 and picture.read_bytes() != own
    from highlights.pipeline.score_reliability_png import is_calibration_picture

    assert is_calibration_picture(picture)


# A process that may map this much memory, asked whether a (sparse) video this large is a
# calibration: reading it whole, as a JSON file is read, fails there with MemoryError.
_MAPPABLE, _VIDEO_SIZE = 2 << 30, 8 << 30
_ASK_IN_A_SMALL_PROCESS = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from highlights.pipeline.ranking import Calibration
print(Calibration.written_by_highlights(Path(sys.argv[1])))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS bounds a process's memory on Linux")
def test_a_video_named_as_the_calibration_is_not_read_whole(tmp_path):
    """`pipeline calibrate --out GAME.mp4` by a slip: the video is told apart from a calibration
    by its first bytes, not read into memory whole (a long game's gigabytes) to be refused."""
    video = tmp_path / "game.mp4"
    with video.open("wb") as file:
        file.write(b"\x00\x00\x00\x20ftypisom")
        file.truncate(_VIDEO_SIZE)  # sparse: no disk space taken
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    asked = subprocess.run([sys.executable, "-c", _ASK_IN_A_SMALL_PROCESS.format(limit=_MAPPABLE),
                            str(video)], capture_output=True, text=True, env=env, timeout=120)
    assert (asked.returncode, asked.stdout.strip()) == (0, "False"), asked.stderr[-2000:]


def test_a_calibration_saved_again_by_a_windows_editor_is_read_and_replaced(tmp_path):
    """A calibration opened in Notepad and saved (a byte-order mark, CRLF line ends) is still a
    calibration: `merge.score_calibration` reads it, and `pipeline calibrate --out` replaces it
    rather than refusing it as a file it did not write."""
    from highlights.pipeline.ranking import DEFAULT_CALIBRATION, Calibration

    text = DEFAULT_CALIBRATION.read_text(encoding="utf-8")
    edited = tmp_path / "calibration.json"
    edited.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert Calibration.load(edited) == Calibration.load(DEFAULT_CALIBRATION, name="fitted")
    assert Calibration.written_by_highlights(edited)
    assert not Calibration.written_by_highlights(tmp_path / "nothing.json")
