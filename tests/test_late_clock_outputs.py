"""A game whose clock starts an hour in (a camera's clock kept by a stream copy): players, editors,
`ffmpeg -ss`, chapters and SoccerNet's positions count from the file's first picture, so every
time `detect` and `pipeline evaluate` write is the same as for the game as filmed, and the ground
truth of the gt backends (timed from the first picture) lines up with the pictures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from highlights.video import iter_frames, probe
from tests.pipeline_fixtures import DEFAULT_EVENTS, late_clock_copy, make_game

GT = ["--set", "detection.backend=gt", "--set", "pose.backend=gt"]
# the files whose every time is on the video's timeline; their text names the video too
TIMED_FILES = ("highlights.csv", "highlights.edl", "highlights.otio", "chapters.txt", "results_spotting.json")


@pytest.fixture(scope="module")
def games(tmp_path_factory):
    """The game as filmed (`game.mp4`) and its copy an hour later on its clock, in Matroska and
    MP4 (whose muxer keeps the hour as an empty edit before the pictures)."""
    folder = tmp_path_factory.mktemp("late-clock")
    video = make_game(folder / "filmed", duration_s=14.0, events=DEFAULT_EVENTS[:2])
    late = {}
    for ext in ("mkv", "mp4"):
        (folder / ext).mkdir()
        late[ext] = late_clock_copy(video, folder / ext / f"game.{ext}")
    return video, late


def _run(cli, path, out, *extra):
    res = cli("detect", path, "--out", out, *GT, *extra, "--no-progress")
    assert res.exit_code == 0, res.output
    return json.loads((out / "highlights.json").read_text())


def _times(data) -> list[tuple]:
    return [(h["start_s"], h["end_s"], h["key_s"], h["label"]) for h in data["highlights"]]


def _as_if_filmed(text: str, late, video) -> str:
    """`text` with the late copy's folder and name put back to the filmed game's."""
    return text.replace(str(late.parent), str(video.parent)).replace(late.name, video.name)


@pytest.mark.parametrize("ext", ["mkv", "mp4"])
def test_the_video_reads_from_its_first_picture(games, ext):
    video, late = games
    info = probe(late[ext])
    assert info.start_s == pytest.approx(0.0, abs=1e-3)      # it read 3600 s
    assert info.duration_s == pytest.approx(14.0, abs=0.05)  # it read 3614 s
    frames = list(iter_frames(late[ext], target_fps=10, start_s=5.0, end_s=6.0))
    filmed = list(iter_frames(video, target_fps=10, start_s=5.0, end_s=6.0))
    assert [f.time_s for f in frames] == pytest.approx([f.time_s for f in filmed])
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(frames, filmed))


def test_detect_with_the_ground_truth_writes_the_filmed_games_highlights_and_times(cli, games, tmp_path):
    """With the gt backends it found no highlight at all: the truth, timed from the first
    picture, was looked up at 3600 s and more. Every file with times now says what the filmed
    game's does, and the reel holds the same pictures."""
    video, late = games
    filmed = _run(cli, video, tmp_path / "filmed")
    late_run = _run(cli, late["mkv"], tmp_path / "late")
    assert len(filmed["highlights"]) == 2
    assert _times(late_run) == _times(filmed)
    assert late_run["video"]["start_s"] == 0.0 and late_run["video"]["duration_s"] == pytest.approx(14.0)
    for name in TIMED_FILES:
        said = _as_if_filmed((tmp_path / "late" / name).read_text(), late["mkv"], video)
        assert said == (tmp_path / "filmed" / name).read_text(), name
    reels = [[f.rgb for f in iter_frames(tmp_path / run / "reel.mp4")] for run in ("filmed", "late")]
    assert len(reels[0]) == len(reels[1]) > 0
    assert max(float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in zip(*reels)) < 1.0


def test_pipeline_evaluate_matches_the_annotation_on_the_first_pictures_timeline(cli, games, tmp_path):
    """The annotation (GAME.json) counts from the first picture: the hour-late copy is scored as
    the filmed game is, both events found at their key moments."""
    video, late = games
    scored = {}
    for name, path in (("filmed", video), ("late", late["mkv"])):
        res = cli("pipeline", "evaluate", "--video", path, "--annotations", video.with_suffix(".json"),
                  "--out", tmp_path / name, *GT, "--no-progress")
        assert res.exit_code == 0, res.output
        scored[name] = json.loads((tmp_path / name / "pipeline_eval.json").read_text())["by_tolerance"]
    assert scored["late"] == scored["filmed"]
    assert [(row["events"], row["matched"]) for row in scored["late"]] == [(2, 2)] * len(scored["late"])


def test_the_review_plays_a_late_clock_mp4_from_a_copy_timed_from_its_first_picture(games, tmp_path):
    """An MP4 that kept the hour holds it as an empty edit before its pictures, which a browser
    may play as an hour of nothing: the review page's seeks, to highlights.json's times, would
    land there. Its player gets a copy whose pictures lie where highlights.json counts them."""
    from highlights.review.playback import needed_copy, write_browser_copy

    video, late = games
    assert needed_copy(video, tmp_path) is None
    need = needed_copy(late["mp4"], tmp_path)
    assert need is not None and not need.asked
    assert need.because() == ("the source is timed on a camera's clock that starts 1:00:00 in, "
                              "where a browser may not count from its first picture")
    write_browser_copy(late["mp4"], need.copy, progress=False)
    copied, filmed = list(iter_frames(need.copy)), list(iter_frames(video))
    assert [f.time_s for f in copied] == pytest.approx([f.time_s for f in filmed], abs=1e-3)
    assert copied[0].time_s == pytest.approx(0.0, abs=1e-3)
