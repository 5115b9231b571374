"""`highlights detect` writes its output folder whole: a failed or killed run leaves the previous
run's folder exactly as it was, and a folder holding other files is refused, not replaced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import highlights.pipeline.outputs as outputs
from highlights.cli.app import app
from highlights.pipeline.output_folder import RUN_MARKER, outputs_of
from tests.pipeline_fixtures import DEFAULT_EVENTS, make_game

FAST = ["--set", "detection.backend=gt", "--set", "pose.backend=gt", "--set",
        "classifier.enabled=false", "--no-progress"]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_game(tmp_path_factory.mktemp("folder-game"), duration_s=10.0, events=DEFAULT_EVENTS[:1])


def _detect(video: Path, out: Path, *extra: str):
    return CliRunner().invoke(app, ["detect", str(video), "--out", str(out), *FAST, *extra])


def readme_output_names() -> set[str]:
    """The files and folders the README's table of what `detect` writes names (`clips/` as `clips`)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("`detect` writes, in `--out`:", 1)[1].split("\n\n")[1]
    return {span.rstrip("/") for row in table.splitlines()[2:] for span in re.findall(r"`([^`]+)`", row.split("|")[1])}


def detect_page_output_names() -> set[str]:
    """The files and folders docs/detect.md's list of what `detect` writes names, up to its next
    section (`clips/` as `clips`; the options and examples beside them left out)."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "detect.md").read_text()
    listing = page.split("`detect` writes these files into `--out`:", 1)[1].split("\n**", 1)[0]
    return {span.rstrip("/") for span in re.findall(r"`([^`]+)`", listing)
            if re.fullmatch(r"[\w.]+\.(?:json|csv|mp4|html|edl|otio|xml|fcpxml|txt|png)|\w+/", span)}


def test_the_detect_pages_list_names_every_file_detect_writes():
    assert detect_page_output_names() == {*outputs.OUTPUT_NAMES.values(), "highlights.json", "results_spotting.json"}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_run_that_fails_while_writing_leaves_the_previous_folder_whole(video: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    first = _detect(video, out)
    assert first.exit_code == 0, first.output
    assert outputs_of(out) is not None  # a finished run's marker
    marker = json.loads((out / RUN_MARKER).read_text())
    assert set(marker["files"]) == {k for k in _tree(out) if k != RUN_MARKER}
    assert {"highlights.json", "highlights.csv", "highlights.html"} <= set(marker["files"])
    # the README's table names every file the run wrote, and only files a run writes (this
    # 15 fps game gets no Final Cut files: they are written at editors' rates only)
    assert {name.split("/")[0] for name in marker["files"]} <= readme_output_names()
    assert readme_output_names() == {*outputs.OUTPUT_NAMES.values(), "highlights.json", "results_spotting.json"}
    before = _tree(out)
    # a leftover of some older, killed writer: removed by the next finished run
    (out / ".reel.abcd1234.tmp.mp4").write_bytes(b"half a video")

    real_write_csv = outputs.write_csv

    def csv_then_disk_full(highlights, path, **kwargs):
        real_write_csv(highlights, path, **kwargs)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_csv", csv_then_disk_full)
    failed = _detect(video, out)
    assert failed.exit_code == 1
    assert "no space left on" in failed.output and str(out) in failed.output
    assert _tree(out) == {**before, ".reel.abcd1234.tmp.mp4": b"half a video"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left

    monkeypatch.undo()
    again = _detect(video, out)
    assert again.exit_code == 0, again.output
    assert not (out / ".reel.abcd1234.tmp.mp4").exists() and outputs_of(out) is not None


def test_a_folder_with_other_files_is_refused_before_the_run(video: Path, tmp_path: Path):
    out = tmp_path / "footage"
    out.mkdir()
    (out / "my-notes.txt").write_text("do not delete")
    result = _detect(video, out)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {out}: holds my-notes.txt, which no highlights run wrote; a run replaces its --out "
                      "folder whole, so give it a new or empty folder"]
    assert _tree(out) == {"my-notes.txt": b"do not delete"}


def test_a_batchs_folder_is_refused_as_one_not_as_files_no_run_wrote(video: Path, tmp_path: Path):
    import shutil

    uploads, season = tmp_path / "uploads", tmp_path / "season"
    uploads.mkdir()
    shutil.copy(video, uploads / video.name)
    shutil.copy(video.with_suffix(".gt.jsonl"), uploads / video.with_suffix(".gt.jsonl").name)  # the gt backends' truth
    batch = CliRunner().invoke(app, ["detect", str(uploads), "--out", str(season), "--workers", "1", *FAST])
    assert batch.exit_code == 0, batch.output
    before = _tree(season)
    result = _detect(video, season)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert " ".join(result.output.split()) == (
        f"error: {season}: holds a batch's output (index.json and a folder per game), which a run of one video "
        "would replace whole: give it a new or empty --out, or add the video to the batch (`highlights detect` "
        f"of all its videos with --out {season})"), errors
    assert _tree(season) == before


def test_out_is_a_file(video: Path, tmp_path: Path):
    out = tmp_path / "out.mp4"
    out.write_bytes(b"not a folder")
    result = _detect(video, out)
    assert result.exit_code == 1 and f"error: {out}: is a file" in result.output
    assert out.read_bytes() == b"not a folder"


def test_a_run_that_found_no_highlights_can_be_run_again_into_its_folder(tmp_path: Path):
    # A run without highlights still writes its (empty) clips folder; the marker must let the
    # next run replace it, as it lets it replace every file the run wrote.
    quiet = make_game(tmp_path / "quiet", duration_s=6.0, events=[])
    out = tmp_path / "out"
    first = _detect(quiet, out)
    assert first.exit_code == 0, first.output
    assert json.loads((out / "highlights.json").read_text())["highlights"] == []
    assert (out / "clips").is_dir() and not any((out / "clips").iterdir())
    again = _detect(quiet, out)
    assert again.exit_code == 0, again.output
    assert "no highlights run wrote" not in again.output


@pytest.mark.parametrize("out", [".", "", "..", "/"])
def test_an_output_folder_that_is_or_holds_the_working_folder_is_refused_in_one_line(video, tmp_path, monkeypatch, out):
    # `--out .` in an empty folder: the run would replace the folder the shell stays in.
    here = tmp_path / "empty-folder"
    here.mkdir()
    monkeypatch.chdir(here)
    result = CliRunner().invoke(app, ["detect", str(video), "--out", out, *FAST])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    line = result.output.strip()
    assert line.startswith(f"error: --out {Path(out)}: the folder this command runs in"), line
    assert "\n" not in line and list(here.iterdir()) == []
