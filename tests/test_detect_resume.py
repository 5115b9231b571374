"""A stopped `detect` goes on where it stopped: the people MoveNet found are kept in chunks as the
run goes, a second run of the same video and settings reads them back instead of running the
network, says so in one line, and writes what an uninterrupted run writes; a changed video or
setting starts over, and a finished run leaves nothing behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import highlights.pipeline.kept_frames as kept_frames
from highlights.people.movenet import MoveNetMultiPose
from highlights.pipeline.detect import detect_highlights
from tests.pipeline_fixtures import late_clock_copy
from tests.movenet_marks import NEEDS_MOVENET
from tests.resume_fixtures import CONFIG, highlights_json, kept_in_2s_chunks, resume_game, stop_at

pytestmark = NEEDS_MOVENET


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return resume_game(tmp_path_factory.mktemp("resume-game"))


@pytest.fixture
def kept_root(tmp_path, monkeypatch):
    return kept_in_2s_chunks(tmp_path, monkeypatch)


@pytest.fixture
def passes(monkeypatch):
    """How many frames MoveNet's network ran on (its detections not read back)."""
    count = {"n": 0}
    detect = MoveNetMultiPose._detect

    def counted(self, *args, **kwargs):
        count["n"] += 1
        return detect(self, *args, **kwargs)

    monkeypatch.setattr(MoveNetMultiPose, "_detect", counted)
    return count


def test_a_stopped_run_goes_on_and_writes_what_an_uninterrupted_run_writes(video, kept_root, passes, tmp_path):
    detect_highlights(video, CONFIG, tmp_path / "whole", progress=False, go_on=False)
    whole = highlights_json(tmp_path / "whole")
    full_passes, passes["n"] = passes["n"], 0
    assert whole["highlights"] and full_passes > 50  # people were found: the comparison means something
    assert not kept_root.exists()  # go_on=False keeps nothing

    with pytest.raises(KeyboardInterrupt) as stop:
        detect_highlights(video, CONFIG, tmp_path / "out", progress=stop_at(0.6))
    kept_s = stop.value.kept_until_s
    assert kept_s == pytest.approx(9.0)  # every frame the stream had passed when it stopped at 9 s
    assert not (tmp_path / "out").exists()
    (folder,) = kept_root.iterdir()
    # Four whole chunks (each ends 0.1 s before its 2 s) and the frames after them, 8.0 to 9.0 s.
    assert len(list(folder.glob("chunk-*.npz"))) == 4 and (folder / kept_frames.TAIL).is_file()
    stopped_passes, passes["n"] = passes["n"], 0
    read_back = kept_frames.kept_frames_for(video, CONFIG).loaded  # the frames whose people are kept
    assert max(read_back) == 90  # those of the frame it stopped at (9.0 s) too

    said: list[str] = []
    detect_highlights(video, CONFIG, tmp_path / "out", progress=False, say=said.append)
    assert len(said) == 1 and said[0].startswith(f"going on from 0:{kept_s:02.0f} of 0:15: "), said
    assert highlights_json(tmp_path / "out") == whole
    # The network ran only on the frames after the kept ones (the frames after the last whole
    # chunk kept too): together, one whole run's passes.
    assert 0 < passes["n"] == full_passes - len(read_back) and stopped_passes >= len(read_back)
    assert not folder.exists()  # outputs written: nothing kept


def test_a_video_whose_clock_starts_late_counts_what_it_read_back_from_its_first_picture(video, kept_root, tmp_path):
    """A camera's file whose clock starts an hour in: going on, the part read back is told from the
    first picture, as the analysed seconds are, so a batch's game gets past it and shows an ETA."""
    from highlights.cli.detect_lines import interrupted_line

    late = late_clock_copy(video, tmp_path / "late.mkv")
    told: list[float | None] = []
    with pytest.raises(KeyboardInterrupt) as stop:
        detect_highlights(late, CONFIG, tmp_path / "out", progress=stop_at(0.6),
                          on_kept=lambda until_s, clips: told.append(until_s))
    # What is kept is told from the first picture too, as the line going on from it says: "the
    # people found in the first 1:00:09 of the video" of a 15 s video read as wrong.
    assert stop.value.kept_until_s == pytest.approx(9.0) and told[-1] == pytest.approx(9.0), told
    assert "the people found in the first 0:09 of the video are kept" in interrupted_line(stop.value, tmp_path / "out")
    read_back: list[float] = []
    analysed: list[float] = []
    said: list[str] = []
    detect_highlights(late, CONFIG, tmp_path / "out", progress=False, on_read_back=read_back.append,
                      on_video_s=analysed.append, say=said.append)
    assert len(read_back) == 1 and read_back[0] == pytest.approx(9.0), read_back  # it said 3609 s
    # The line saying so counts both numbers from the first picture too (it said 1:00:09 of 1:00:15).
    assert len(said) == 1 and said[0].startswith("going on from 0:09 of 0:15: "), said
    assert analysed[0] < read_back[0] <= analysed[-1] == pytest.approx(15.0, abs=0.1)


@pytest.fixture
def decoded(monkeypatch):
    """How many pictures the decoder made while `detect` analysed the video (not while it probed
    it or cut the outputs after)."""
    import highlights.pipeline.detect as detect_module
    import highlights.video.reader as reader

    count = {"n": 0, "analysing": False}
    decode, analyse = reader._decoded, detect_module.run_pipeline

    def counted(*args, **kwargs):
        for picture in decode(*args, **kwargs):
            count["n"] += count["analysing"]
            yield picture

    def analysing(*args, **kwargs):
        count["analysing"] = True
        try:
            return analyse(*args, **kwargs)
        finally:
            count["analysing"] = False

    monkeypatch.setattr(reader, "_decoded", counted)
    monkeypatch.setattr(detect_module, "run_pipeline", analysing)
    return count


def _same_outputs(folder: Path, reference: Path) -> None:
    """Every file the two runs wrote the same bytes, `highlights.json` but for its timings and the
    run's record but for when it finished."""
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(reference) for p in reference.rglob("*") if p.is_file())
    assert any(p.suffix == ".csv" for p in files) and any(p.suffix == ".mp4" for p in files)
    for name in files:
        if name == Path("highlights.json"):
            assert highlights_json(folder) == highlights_json(reference)
        elif name == Path(".highlights-run.json"):
            records = [json.loads((f / name).read_text()) for f in (folder, reference)]
            assert records[0] | {"finished": None} == records[1] | {"finished": None}
        else:
            assert (folder / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.mark.parametrize("candidates", ["motion", "dense"])
def test_a_run_going_on_decodes_only_from_the_last_kept_frame(video, kept_root, decoded, tmp_path, candidates):
    config = CONFIG.with_overrides({"candidates.backend": candidates})
    whole_result, _ = detect_highlights(video, config, tmp_path / "whole", progress=False, go_on=False)
    whole, decoded["n"] = decoded["n"], 0
    assert whole >= 450  # 15 s at 30 frames a second, every one decoded
    with pytest.raises(KeyboardInterrupt) as stop:
        detect_highlights(video, config, tmp_path / "out", progress=stop_at(0.7))
    kept_s = stop.value.kept_until_s
    assert 10.5 <= kept_s <= 11.0
    chunks_s = kept_s // 2.0 * 2.0 - 0.1  # the last frame of the last whole chunk
    decoded["n"] = 0
    result, _ = detect_highlights(video, config, tmp_path / "out", progress=False)
    # From the keyframe (one every 2 s) before the second before the whole chunks' last frame, to
    # the end: the kept frames' motion, people and windows are read back, not made again from pixels
    # (the frames after the whole chunks are decoded again, their people read back).
    assert 0 < decoded["n"] <= (15.0 - (chunks_s - 1.0 - 2.0)) * 30 + 5, (decoded["n"], kept_s)
    _same_outputs(tmp_path / "out", tmp_path / "whole")
    # Frame by frame, the motion gate and the people as the run from the start saw them, the
    # frames after the kept ones included (the gate goes on from the state it had there).
    for name in ("frame_time", "frame_motion", "frame_active", "frame_persons", "frame_pose_ok"):
        assert getattr(result.trace, name) == getattr(whole_result.trace, name), name
    assert result.trace.to_dict() == whole_result.trace.to_dict()


def test_a_portrait_phone_video_of_variable_frame_rate_goes_on_from_its_last_kept_frame(video, kept_root, decoded,
                                                                                       tmp_path):
    """What phones record: the picture stored landscape with a display rotation, and frames as the
    phone kept up (uneven intervals, and a stall longer than the seek's lead just before the last
    kept frame, so the seek lands in the stall and the first picture after it is that frame). The
    run going on finds that frame upright on the grid a reader from the start samples, and writes
    what an uninterrupted run writes."""
    import numpy as np

    from highlights.synth.clip import to_stored
    from highlights.video import iter_frames, probe
    from highlights.video.writer import write_video

    frames = [frame.rgb for frame in iter_frames(video)]
    times = np.arange(len(frames)) / 30.0 + np.random.default_rng(5).uniform(-0.008, 0.008, len(frames))
    times[0] = 0.0
    # Frame 234 (7.8 s) is analysis frame 78; the phone stalls 1.6 s after it, and the next picture
    # is analysis frame 79, the last of the fourth chunk.
    times[235:] += 1.6
    keep = times < 15.0
    phone = write_video(tmp_path / "phone.mp4", (to_stored(f, 90) for f, k in zip(frames, keep) if k), 30,
                        rotation=90, times_s=times[keep].tolist(), crf=12)
    assert probe(phone).rotation == 90

    detect_highlights(phone, CONFIG, tmp_path / "whole", progress=False, go_on=False)
    whole, decoded["n"] = decoded["n"], 0
    with pytest.raises(KeyboardInterrupt) as stop:
        detect_highlights(phone, CONFIG, tmp_path / "out", progress=stop_at(0.6))
    kept_s = stop.value.kept_until_s
    assert kept_s == pytest.approx(times[235])  # the first picture after the stall
    decoded["n"] = 0
    detect_highlights(phone, CONFIG, tmp_path / "out", progress=False)
    assert 0 < decoded["n"] < whole * 0.75, (decoded["n"], whole)  # read back, not decoded from the start
    _same_outputs(tmp_path / "out", tmp_path / "whole")


@pytest.mark.parametrize("damage", ["people", "pixels"])
def test_kept_frames_that_do_not_fit_are_decoded_again_from_the_start(video, kept_root, decoded, tmp_path,
                                                                     monkeypatch, caplog, damage):
    detect_highlights(video, CONFIG, tmp_path / "whole", progress=False, go_on=False)
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, CONFIG, tmp_path / "out", progress=stop_at(0.7))
    (folder,) = kept_root.iterdir()
    if damage == "people":
        # A kept frame whose people are missing, found out only once the frames before it were replayed.
        get = kept_frames.KeptFrames.get
        monkeypatch.setattr(kept_frames.KeptFrames, "get", lambda self, index, plan: None if index == 50
                            else get(self, index, plan))
    else:
        # The last kept frame decoded after the seek is another picture than the one kept.
        monkeypatch.setattr(kept_frames, "pixels_digest", lambda rgb: "another picture")
    decoded["n"] = 0
    told: list[str] = []
    with caplog.at_level("WARNING", logger="highlights.pipeline.run"):
        detect_highlights(video, CONFIG, tmp_path / "out", progress=False, say=told.append)
    assert decoded["n"] >= 450
    said = [r.getMessage() for r in caplog.records if r.name == "highlights.pipeline.run"]
    assert told[0].startswith("going on from ")
    if damage == "pixels":
        assert said == []  # nothing went wrong: that video is decoded from its start, as before
        # but the user is told why going on costs what decoding the kept part costs again
        assert len(told) == 2 and told[1].startswith(f"{video}: the frames analysed up to 0:"), told
        assert "decodes to another picture than the one kept" in told[1]
    else:
        assert len(told) == 1, told
        assert said == [f"{folder}: analysis frame 50 was to be read back, but its people were not kept; "
                        "the video is decoded again from its start"]
    _same_outputs(tmp_path / "out", tmp_path / "whole")


def test_the_command_says_why_kept_frames_that_no_longer_match_the_video_are_decoded_again(
        video, kept_root, cli, decoded, tmp_path, monkeypatch):
    """The last kept frame's digest on disk is not that of the picture the video gives there: the
    run says, in one line, what was kept, why it cannot be replayed and that decoding starts over."""
    import numpy as np

    from highlights.npz_file import write_npz

    out = tmp_path / "out"
    threads = ("--set", "detection.movenet_threads=1", "--no-progress")
    with monkeypatch.context() as m:
        _stopped_after_chunks(m, 3)
        assert cli("detect", video, "--out", out, *threads).exit_code == 130
    (folder,) = kept_root.iterdir()
    last = sorted(folder.glob("chunk-*.npz"))[-1]
    with np.load(last, allow_pickle=False) as z:
        arrays = {name: z[name] for name in z.files}
    arrays["end_digest"] = np.array("0" * 64)  # another picture than the video's frame at 5.9 s
    write_npz(last, **arrays)
    decoded["n"] = 0
    res = cli("detect", video, "--out", out, *threads)
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert (f"{video}: the frames analysed up to 0:06 were kept (in {folder}), but the one at 0:06, from which this "
            "run would decode on, cannot be found again: after a seek, that frame decodes to another picture than "
            "the one kept; so the video is decoded again from its start (the people found in those frames are "
            "still read back, not found again)") in said, res.output
    assert decoded["n"] >= 450  # every picture of the 15 s, as the line says


def test_a_changed_setting_or_video_starts_over(video, kept_root, passes, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, CONFIG, tmp_path / "out", progress=stop_at(0.5))
    assert len(list(kept_root.iterdir())) == 1
    said: list[str] = []
    other = CONFIG.with_overrides({"detection.movenet_min_score": 0.25})
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, other, tmp_path / "out", progress=stop_at(0.5), say=said.append)
    assert said == [] and len(list(kept_root.iterdir())) == 2

    # How MoveNet runs (threads, workers) does not change what it finds: that run goes on.
    threads = CONFIG.with_overrides({"detection.movenet_threads": 2, "detection.movenet_workers": 1})
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, threads, tmp_path / "out", progress=stop_at(0.2), say=said.append)
    assert len(said) == 1 and said[0].startswith("going on from "), said

    # The same file name with other content (a new upload over the old one) starts over.
    copy = tmp_path / "copy" / video.name
    copy.parent.mkdir()
    copy.write_bytes(video.read_bytes())
    os.utime(copy, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns))
    said.clear()
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(copy, CONFIG, tmp_path / "out", progress=stop_at(0.2), say=said.append)
    assert len(said) == 1  # the same bytes and time under another path: the same video
    os.utime(copy, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns + 10**9))
    said.clear()
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(copy, CONFIG, tmp_path / "out", progress=stop_at(0.2), say=said.append)
    assert said == []


def _changed(value):
    """Values other than `value` of its type, to try as a setting (None for a type not tried)."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, float):
        return [value * 1.5, value * 0.5] if value else [0.5, 0.01]
    return None


def test_the_stopped_runs_line_names_the_settings_that_start_over(video, kept_root):
    """Every setting tried against the line after a Ctrl-C: one of the sections it names changes the
    kept people's folder (the run starts over) unless it is one of speed or of whole tracks; a
    setting of any other section leaves the folder as it is (the run goes on)."""
    from dataclasses import fields, replace

    from highlights.cli.detect_lines import interrupted_line
    from highlights.errors import HighlightsError
    from highlights.pipeline.config import SECTIONS
    from highlights.pipeline.track_settings import TRACK_SETTINGS

    stop = KeyboardInterrupt()
    stop.kept_until_s = 6.0
    line = interrupted_line(stop, Path("out"))
    # "analysis, ... or pose"
    listed = line.split("(another video, or another ")[1].split(" setting, ")[0]
    named = [name for name in SECTIONS if name in listed.replace(" or ", ", ").split(", ")]
    assert named == ["analysis", "candidates", "detection", "pose"], line
    assert ("setting, other than one of speed or of whole tracks, finds the people again; "
            "other settings go on)") in line
    base = kept_frames.kept_frames_for(video, CONFIG).folder
    unnamed_ones = (set(kept_frames.EXECUTION_ONLY) | {n for names in TRACK_SETTINGS.values() for n in names})
    tried = {True: 0, False: 0}
    for section in SECTIONS:
        for f in fields(CONFIG.section(section)):
            for value in _changed(getattr(CONFIG.section(section), f.name)) or []:
                try:
                    other = CONFIG.with_overrides({f"{section}.{f.name}": value})
                except HighlightsError:
                    continue  # out of its range: try the next value
                kept = kept_frames.kept_frames_for(video, other)
                starts_over = kept is None or kept.folder != base
                expected = section in named and f.name not in unnamed_ones
                assert starts_over == expected, (section, f.name, value)
                tried[starts_over] += 1
                break
    assert tried[True] > 20 and tried[False] > 20, tried  # both kinds were tried, many of each


def test_a_damaged_chunk_is_computed_again(video, kept_root, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, CONFIG, tmp_path / "out", progress=stop_at(0.9))
    (folder,) = kept_root.iterdir()
    chunks = sorted(folder.glob("chunk-*.npz"))
    assert len(chunks) >= 4
    chunks[2].write_bytes(chunks[2].read_bytes()[:100])  # a disk that lost the file's end
    said: list[str] = []
    detect_highlights(video, CONFIG, tmp_path / "out", progress=False, say=said.append)
    assert len(said) == 1 and said[0].startswith("going on from 0:04 of 0:15"), said
    detect_highlights(video, CONFIG, tmp_path / "again", progress=False, go_on=False)
    assert highlights_json(tmp_path / "out") == highlights_json(tmp_path / "again")


def test_unfinished_runs_kept_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(kept_frames, "KEEP_RUNS", 3)
    root = tmp_path / "kept"
    for n in range(5):
        old = root / f"run{n}"
        old.mkdir(parents=True)
        os.utime(old, (1_000_000 + n, 1_000_000 + n) if n == 0 else None)
    kept_frames.KeptFrames({"video": "x"}, fps=10.0, root=root)
    # run0 is weeks old; of the rest, the two newest stay beside this run's
    assert len(list(root.iterdir())) == 2 and not (root / "run0").exists()


def _stopped_after_chunks(monkeypatch, chunks: int) -> None:
    """Ctrl-C as the stream passes the end of the `chunks`-th chunk, once it is written."""
    frame_done = kept_frames.KeptFrames.frame_done

    def stopping(self, index, time_s):
        frame_done(self, index, time_s)
        if index + 1 == chunks * self.chunk_frames:
            raise KeyboardInterrupt

    monkeypatch.setattr(kept_frames.KeptFrames, "frame_done", stopping)


def test_the_command_says_what_was_kept_and_that_it_goes_on(video, kept_root, cli, tmp_path, monkeypatch):
    out = tmp_path / "out"
    threads = ("--set", "detection.movenet_threads=1", "--no-progress")
    with monkeypatch.context() as m:
        _stopped_after_chunks(m, 3)
        res = cli("detect", video, "--out", out, *threads)
    said = " ".join(res.output.split())
    assert res.exit_code == 130, res.output
    assert (f"interrupted: nothing was written to {out} (it is replaced whole at the end of a run, or left as it "
            "was); the people found in the first 0:06 of the video are kept: run the same command again to go on "
            "from there (another video, or another analysis, candidates, detection or pose "
            "setting, other than one "
            "of speed or of whole tracks, finds the people again; other settings go on)") in said
    assert not out.exists()
    res = cli("detect", video, "--out", out, *threads)
    assert res.exit_code == 0, res.output
    going_on = [line for line in res.output.splitlines() if line.startswith("going on from")]
    assert len(going_on) == 1 and going_on[0].startswith("going on from 0:06 of 0:15: ")
    assert (out / "highlights.json").is_file() and list(kept_root.iterdir()) == []


class _InProcess:
    """The local engine's per-game function, run in this process (so the test's patches hold)."""

    def describe(self):
        return {"engine": "local", "workers": 1, "threads_per_worker": 1}

    def run(self, jobs, on_record):
        from highlights.batch.game import run_game

        for job in jobs:
            on_record(run_game(job))


def test_a_batch_game_stopped_part_way_goes_on(video, kept_root, passes, tmp_path, monkeypatch):
    import highlights.batch.runner as runner
    from highlights.batch import collect_games, run_batch

    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: _InProcess())
    games = collect_games([video])
    said: list[str] = []
    with monkeypatch.context() as m:
        _stopped_after_chunks(m, 4)
        with pytest.raises(KeyboardInterrupt):
            run_batch(games, tmp_path / "season", CONFIG, progress=False, log=said.append)
    assert said[-1].endswith("lists them); kept for going on: the people found in the first 0:08 of game's video; "
                             "run the command again (without --fresh) to go on from there"), said
    passes["n"] = 0
    said.clear()
    result = run_batch(games, tmp_path / "season", CONFIG, progress=False, log=said.append)
    (record,) = result.records
    assert record["status"] == "done" and record["went_on"].startswith("going on from 0:08 of 0:15: "), record
    assert f"{record['game_id']}: {record['went_on']}" in said
    # 15 s at 10 frames a second, 149 of them active; those of the first 8 s were kept
    assert 0 < passes["n"] <= 80
    detect_highlights(video, CONFIG, tmp_path / "whole", progress=False, go_on=False)
    assert highlights_json(tmp_path / "season" / record["game_id"]) == highlights_json(tmp_path / "whole")


def test_a_batch_game_stopped_while_writing_says_both_what_it_read_back_and_the_clips_it_reused(
        video, kept_root, tmp_path, monkeypatch):
    import highlights.batch.runner as runner
    from highlights.batch import collect_games, run_batch
    from highlights.pipeline import kept_clips

    monkeypatch.setattr(runner, "make_engine", lambda *a, **k: _InProcess())
    games = collect_games([video])
    keep = kept_clips.KeptClips.keep_clip

    def stopping(self, index, path):
        keep(self, index, path)
        raise KeyboardInterrupt  # Ctrl-C once the first clip is kept: the analysis was all kept before

    stopped: list[str] = []
    with monkeypatch.context() as m:
        m.setattr(kept_clips.KeptClips, "keep_clip", stopping)
        with pytest.raises(KeyboardInterrupt):
            run_batch(games, tmp_path / "season", CONFIG, progress=False, log=stopped.append)
    # As `detect` says it: the people of the whole analysis and the one clip cut are kept.
    assert stopped[-1].endswith("lists them); kept for going on: the people found in the first 0:15 of game's "
                                "video and 1 clip of its page; run the command again (without --fresh) to go on "
                                "from there"), stopped
    import highlights.batch.game as game_module

    read_back: list[float] = []

    class Recording(game_module.GameProgressFile):  # the batch's bar leaves that part's speed out of its ETA
        def read_back(self, until_s: float) -> None:
            read_back.append(until_s)
            super().read_back(until_s)

    monkeypatch.setattr(game_module, "GameProgressFile", Recording)
    said: list[str] = []
    result = run_batch(games, tmp_path / "season", CONFIG, progress=False, log=said.append)
    (record,) = result.records
    game = record["game_id"]
    assert len(read_back) == 1 and 13.0 <= read_back[0] <= 15.0, read_back  # the whole analysis was kept
    assert record["status"] == "done"
    lines = record["went_on"].splitlines()
    assert [line.split(":")[0] for line in lines] == ["going on from 0", "going on with the page's clips"], lines
    assert lines[0].startswith("going on from 0:15 of 0:15: ")  # the whole analysis, to its last frame
    assert lines[1].startswith("going on with the page's clips: 1 clip of ")
    assert [f"{game}: {line}" for line in lines] == [line for line in said if line.startswith(f"{game}: going on")]
    recorded = json.loads((tmp_path / "season" / game / "game.json").read_text())
    assert recorded["went_on"] == record["went_on"]
    assert not any((kept_root.parent / kept_clips.FOLDER).iterdir()) and not any(kept_root.iterdir())

# `highlights detect ARGS...` with 2 s chunks, held once its third chunk is on disk until stdin
# closes or it is killed; prints "kept".
HELD_AFTER_THREE_CHUNKS = (
    "import sys\n"
    "import highlights.pipeline.kept_frames as kept_frames\n"
    "from highlights.cli.app import main\n"
    "kept_frames.CHUNK_S = 2.0\n"
    "frame_done = kept_frames.KeptFrames.frame_done\n"
    "def held(self, index, time_s):\n"
    "    frame_done(self, index, time_s)\n"
    "    if index + 1 == 3 * self.chunk_frames:\n"
    "        print('kept', flush=True)\n"
    "        sys.stdin.read()\n"
    "kept_frames.KeptFrames.frame_done = held\n"
    "sys.argv = ['highlights', *sys.argv[1:]]\n"
    "main()\n")


def test_a_run_killed_outright_goes_on_from_the_chunks_it_wrote(video, kept_root, cli, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    args = ("detect", str(video), "--out", str(out), "--set", "detection.movenet_threads=1", "--no-progress")
    process = subprocess.Popen([sys.executable, "-c", HELD_AFTER_THREE_CHUNKS, *args], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    process.kill()  # kill -9: no handler runs
    _, stderr = process.communicate()
    assert line == "kept", stderr
    res = cli(*args)
    assert res.exit_code == 0, res.output
    assert [ln for ln in res.output.splitlines() if ln.startswith("going on from 0:06 of 0:15: ")]


def test_a_cache_folder_that_cannot_be_written_keeps_nothing_and_the_run_goes_through(video, tmp_path, monkeypatch,
                                                                                      caplog):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(blocked))
    monkeypatch.setattr(kept_frames, "CHUNK_S", 2.0)  # 8 chunks, each of which fails to be written
    with caplog.at_level("WARNING", logger="highlights.pipeline.kept_frames"):
        result, _ = detect_highlights(video, CONFIG, tmp_path / "out", progress=False)
    assert (tmp_path / "out" / "highlights.json").is_file() and result.stats["analysis_frames"] == 150
    # Said once, naming where and what to set, though every chunk after the first failed too.
    said = [r.getMessage() for r in caplog.records if r.name == "highlights.pipeline.kept_frames"]
    assert len(said) == 1, said
    assert said[0].startswith(f"{blocked / kept_frames.FOLDER}/") and said[0].endswith(
        "cannot be kept there (Not a directory), so a stopped run of this video starts over; set "
        "HIGHLIGHTS_CACHE_DIR to a folder that can be written"), said


def test_a_stopped_sport_auto_run_goes_on_to_what_an_uninterrupted_one_writes(video, kept_root, passes, tmp_path):
    """`--sport auto` reads the sport only once every window is classified: a run going on
    classifies every window again (only the people are kept), so it reads the sport from the whole
    game, not from the part after the stop. Its first part ran with another sport: what is kept
    does not depend on the sport, and nothing of that sport's labels reaches the outputs."""
    auto = CONFIG.with_overrides({"classifier.sport": "auto"})
    detect_highlights(video, auto, tmp_path / "whole", progress=False, go_on=False)
    whole = highlights_json(tmp_path / "whole")
    assert whole["highlights"] and whole["sport_read"]["windows"] > 0  # windows voted
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, CONFIG.with_overrides({"classifier.sport": "baseball"}), tmp_path / "out",
                          progress=stop_at(0.6))
    said: list[str] = []
    passes["n"] = 0
    detect_highlights(video, auto, tmp_path / "out", progress=False, say=said.append)
    assert len(said) == 1 and said[0].startswith("going on from "), said  # the people were read back
    # Not "with these settings": --sport changed, and the people are read back all the same.
    assert "earlier run of this video with the same analysis, candidates, detection and pose settings" in said[0]
    assert highlights_json(tmp_path / "out") == whole
