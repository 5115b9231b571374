"""The chunks `detect` keeps of what MoveNet found, on small hand-made detections (no video, no
network): which frames a chunk holds, what is read back and under which plan, which chunks an
earlier run's folder yields, what names a video, and how many folders are kept."""

from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np
import pytest

import highlights.pipeline.kept_frames as kept_frames
from highlights.people.movenet import PoseDetection
from highlights.file_identity import file_identity
from highlights.pipeline.kept_frames import KeptFrames, pixels_digest
from highlights.video.decode_damage import DamageSoFar, DecodeDamage

KEY = {"video": "v"}
REGION = (1.0, 2.0, 30.0, 40.0)


def _person(n: int) -> PoseDetection:
    keypoints = np.arange(51, dtype=np.float32).reshape(17, 3) + n
    return PoseDetection(box=(n, n + 1.5, n + 10.0, n + 20.0), keypoints=keypoints, score=0.5 + n / 100)


def _plan(i: int) -> tuple:
    """Frame i's plan: every third frame the whole picture, the others a zoom region."""
    return (None, True) if i % 3 == 0 else (REGION, False)


def _found(i: int) -> list:
    return [_person(10 * i + j) for j in range(i % 3)]  # 0, 1 or 2 people


def _run(root, frames: int, *, start: int = 0) -> KeptFrames:
    """A run (3 frames a chunk) through frames [start, frames), frame i at time i seconds."""
    kept = KeptFrames(KEY, fps=2.0, root=root, chunk_s=1.5)
    for i in range(start, frames):
        found = kept.get(i, _plan(i))  # what was kept is put back, as MoveNet's stage does
        kept.put(i, _plan(i), _found(i) if found is None else found)
        kept.frame_done(i, float(i))
    return kept


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x.box == y.box and x.score == y.score and np.array_equal(x.keypoints, y.keypoints) for x, y in zip(a, b))


def test_a_chunk_is_written_once_the_stream_passes_its_last_frame(tmp_path):
    kept = _run(tmp_path, 8)  # frames 0-7: chunks 0 (0-2) and 1 (3-5) whole, 6-7 still pending
    assert kept.chunk_frames == 3
    assert sorted(p.name for p in kept.folder.iterdir()) == ["chunk-00000.npz", "chunk-00001.npz"]
    assert sorted(kept.pending) == [6, 7] and kept.kept_until_s == 5.0
    with np.load(kept.folder / "chunk-00001.npz") as z:
        assert z["frames"].tolist() == [3, 4, 5] and z["counts"].tolist() == [0, 1, 2]
        assert int(z["first_index"]) == 3 and int(z["frames_in_chunk"]) == 3 and float(z["end_time_s"]) == 5.0
        assert z["whole"].tolist() == [True, False, False]
        assert np.isnan(z["regions"][0]).all() and z["regions"][1].tolist() == list(REGION)
        assert z["boxes"].shape == (3, 4) and z["keypoints"].shape == (3, 17, 3)


def test_a_later_run_reads_back_each_finished_frame_under_its_own_plan(tmp_path):
    _run(tmp_path, 8)
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert again.loaded_chunks == 2 and sorted(again.loaded) == list(range(6))
    assert again.went_on_from_s == 5.0 and again.kept_until_s == 5.0
    for i in range(6):
        assert _same(again.get(i, _plan(i)), _found(i)), i
        assert _same(again.future(i, _plan(i)).result(), _found(i))
    assert again.get(6, _plan(6)) is None and again.future(6, _plan(6)) is None  # never finished
    # Another plan for the frame (another region, the whole picture or not) is not the same frame's people.
    assert again.get(1, ((1.0, 2.0, 30.0, 41.0), False)) is None
    assert again.get(1, (REGION, True)) is None
    assert again.get(1, (None, False)) is None
    assert again.get(0, (REGION, True)) is None
    assert _same(again.get(1, ((1, 2, 30, 40), False)), _found(1))  # the same numbers, as ints
    assert again.going_on_line(15.0, 0.0).startswith("going on from 0:05 of 0:15: ")


def test_a_run_going_on_writes_only_the_chunks_after_the_kept_ones(tmp_path):
    _run(tmp_path, 6)
    first = (tmp_path / KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5).folder.name / "chunk-00000.npz")
    before = first.read_bytes()
    later = _run(tmp_path, 9)  # frames 0-5 read back, 6-8 found
    assert first.read_bytes() == before and later.pending == {}
    assert later.loaded_chunks == 2 and later.kept_until_s == 8.0
    third = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert third.loaded_chunks == 3 and _same(third.get(7, _plan(7)), _found(7))
    assert third.went_on_from_s == 8.0


def test_a_stop_keeps_the_frames_after_the_last_whole_chunk_and_a_later_run_writes_them_whole(tmp_path):
    stopped = _run(tmp_path, 8)  # chunks 0-1 whole; frames 6-7 after them
    stopped.keep_tail()  # as Ctrl-C does
    assert stopped.kept_until_s == 7.0
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert again.loaded_chunks == 2 and again.loaded_tail_frames == 2 and sorted(again.loaded) == list(range(8))
    assert again.went_on_from_s == 7.0 and again.going_on_line(15.0, 0.0).startswith("going on from 0:07 of 0:15: ")
    for i in (6, 7):
        assert _same(again.get(i, _plan(i)), _found(i)), i
    # Stopped again before the frames it read back are passed: what is on disk stays as it was.
    for i in range(7):
        again.put(i, _plan(i), again.get(i, _plan(i)))
        again.frame_done(i, float(i))
    tail = again.folder / kept_frames.TAIL
    before = tail.read_bytes()
    again.keep_tail()
    assert tail.read_bytes() == before and again.kept_until_s == 7.0
    # Gone on past them, chunk 2 is written whole: frames 6-7 read back and frame 8 found.
    later = _run(tmp_path, 9)
    assert later.kept_until_s == 8.0
    third = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert third.loaded_chunks == 3 and third.loaded_tail_frames == 0  # the old tail starts at frame 6: not read
    for i in (6, 7, 8):
        assert _same(third.get(i, _plan(i)), _found(i)), i


def test_a_tail_of_another_run_or_a_damaged_one_is_not_read(tmp_path):
    stopped = _run(tmp_path, 5)  # chunk 0 whole; frames 3-4 after it
    stopped.keep_tail()
    tail = stopped.folder / kept_frames.TAIL
    other = KeptFrames({"video": "w"}, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert other.loaded_tail_frames == 0 and other.read_back is False
    tail.write_bytes(tail.read_bytes()[:50])
    damaged = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert damaged.loaded_chunks == 1 and damaged.loaded_tail_frames == 0 and sorted(damaged.loaded) == [0, 1, 2]
    assert damaged.went_on_from_s == 2.0


def _picture(i: int) -> np.ndarray:
    return np.full((4, 6, 3), i, np.uint8)


def _run_with_stream(root, frames: int, *, without: int | None = None, damaged: tuple[int, ...] = ()) -> KeptFrames:
    """`_run`, the candidate source telling what it made of each frame but frame `without`; the
    reader meets one packet a frame, read a frame ahead of the analysis, those of `damaged` failing."""
    kept = KeptFrames(KEY, fps=2.0, root=root, chunk_s=1.5)
    damage = DecodeDamage()
    for i in range(frames):
        damage.packet(float(i + 1), f"packet {i + 1} is damaged" if i + 1 in damaged else None)
        if kept.get(i, _plan(i)) is None:
            kept.put(i, _plan(i), _found(i))
        values = None if i == without else {"motion": i / 10, "active": float(i % 2)}
        kept.note_frame(i, float(i), values, _picture(i), lambda i=i: {"grey": np.full((2, 3), i, np.uint8)}, damage)
        kept.frame_done(i, float(i))
    return kept


def test_a_chunk_keeps_what_the_candidate_source_made_of_each_frame_and_where_it_stopped(tmp_path):
    _run_with_stream(tmp_path, 8, damaged=(2, 6, 7))  # chunks 0-2 and 3-5 written
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert len(again.stream) == 6 and again.stream.names == ("active", "motion")
    assert list(again.stream.frames()) == [(float(i), {"active": float(i % 2), "motion": i / 10}) for i in range(6)]
    end = again.stream_end  # after frame 5, the last kept: its pixels, their size and the source's state
    assert end["digest"] == pixels_digest(_picture(5)) != pixels_digest(_picture(4))
    assert end["size"] == (6, 4) and end["state"]["grey"].tolist() == [[5] * 3] * 2
    # The damage the reader had counted when frame 5 was analysed: it had read packet 6 too, damaged.
    # Where it had read to is the middle of its latest three decode times (5 s), so packet 6 is kept
    # at its own time, counted.
    # Its last three decode times are kept too, in the order read.
    assert end["damage"] == DamageSoFar(packets=2, first_error="packet 2 is damaged", read_until_s=5.0,
                                        counted_beyond_s=(6.0,), read_last_s=(4.0, 5.0, 6.0))


def test_chunks_without_the_readers_damage_are_not_replayed(tmp_path):
    # An earlier version's chunks, or a reader that met a damaged packet with no time: a run going
    # on decodes those frames again (and counts their damage), their people read back.
    _run_with_stream(tmp_path, 8)
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert again.stream is not None and again.stream_end["damage"] == DamageSoFar(0, None, 5.0, (), (4.0, 5.0, 6.0))
    path = again.folder / "chunk-00001.npz"
    with np.load(path) as z:
        arrays = {name: z[name] for name in z.files if not name.startswith("damage_")}
    np.savez(path, **arrays)
    older = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert older.loaded_chunks == 2 and older.stream is None and older.stream_end is None
    assert _same(older.get(4, _plan(4)), _found(4))

    kept = KeptFrames(KEY, fps=2.0, root=tmp_path / "untimed", chunk_s=1.5)
    damage = DecodeDamage()
    for i in range(3):
        damage.packet(None if i == 1 else float(i), "damaged" if i == 1 else None)
        kept.put(i, _plan(i), _found(i))
        kept.note_frame(i, float(i), {"motion": 0.0}, _picture(i), lambda: {}, damage)
        kept.frame_done(i, float(i))
    untimed = KeptFrames(KEY, fps=2.0, root=tmp_path / "untimed", chunk_s=1.5)
    assert untimed.loaded_chunks == 1 and untimed.stream is None


def test_kept_frames_are_replayed_only_when_every_chunk_says_what_the_source_made_of_them(tmp_path):
    _run_with_stream(tmp_path / "a", 9, without=4)
    again = KeptFrames(KEY, fps=2.0, root=tmp_path / "a", chunk_s=1.5)
    assert again.loaded_chunks == 3 and again.stream is None and again.stream_end is None
    assert _same(again.get(4, _plan(4)), _found(4))  # the people are read back all the same
    _run(tmp_path / "b", 6)  # no source told it anything
    assert KeptFrames(KEY, fps=2.0, root=tmp_path / "b", chunk_s=1.5).stream is None


def test_frames_already_kept_are_not_put_again(tmp_path):
    _run(tmp_path, 3)
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    again.put(1, _plan(1), _found(2))
    again.put(3, _plan(3), _found(3))
    assert sorted(again.pending) == [3]


def test_kept_chunks_are_read_from_the_first_up_to_the_first_missing_or_foreign(tmp_path):
    kept = _run(tmp_path, 9)
    (kept.folder / "chunk-00001.npz").unlink()
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert again.loaded_chunks == 1 and sorted(again.loaded) == [0, 1, 2] and again.went_on_from_s == 2.0
    (kept.folder / "chunk-00000.npz").unlink()
    none = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert none.loaded_chunks == 0 and none.loaded == {} and none.going_on_line(15.0, 0.0) is None
    assert none.kept_until_s is None


@pytest.mark.parametrize("other", ["key", "chunk size", "place"])
def test_a_chunk_of_another_run_or_chunk_size_or_place_is_not_read(tmp_path, other):
    kept = _run(tmp_path, 6)
    if other == "key":
        stranger = KeptFrames({"video": "w"}, fps=2.0, root=tmp_path / "b", chunk_s=1.5)
        for i in range(3):
            stranger.put(i, _plan(i), _found(i))
            stranger.frame_done(i, float(i))
        os.replace(stranger.folder / "chunk-00000.npz", kept.folder / "chunk-00000.npz")
    elif other == "chunk size":
        # The same key read with 2 frames a chunk: its first chunk's frames are not chunk 0's.
        again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.0)
        assert again.chunk_frames == 2 and again.folder == kept.folder and again.loaded == {}
        return
    else:
        os.replace(kept.folder / "chunk-00001.npz", kept.folder / "chunk-00000.npz")
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert again.loaded_chunks == 0 and again.loaded == {}


def test_a_chunk_holds_at_least_one_frame(tmp_path):
    assert KeptFrames(KEY, fps=10.0, root=tmp_path, chunk_s=0.01).chunk_frames == 1
    assert KeptFrames(KEY, fps=10.0, root=tmp_path, chunk_s=2.0).chunk_frames == 20
    assert KeptFrames(KEY, fps=10.0, root=tmp_path).chunk_frames == round(kept_frames.CHUNK_S * 10)
    assert KeptFrames(KEY, fps=10.0, root=tmp_path).chunk_frames == 300  # 30 s: what a stop loses at most


def test_a_folder_that_cannot_be_written_stops_keeping_and_never_fails(tmp_path):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    kept = KeptFrames(KEY, fps=2.0, root=blocked, chunk_s=1.5)
    for i in range(3):
        kept.put(i, _plan(i), _found(i))
    kept.frame_done(2, 2.0)
    assert kept.writable is False and kept.pending == {} and kept.kept_until_s is None
    kept.put(3, _plan(3), _found(3))
    assert kept.pending == {}


def test_a_folder_that_cannot_be_written_is_said_once_with_the_systems_reason(tmp_path, caplog):
    blocked = tmp_path / "a file"
    blocked.write_text("")
    kept = KeptFrames(KEY, fps=2.0, root=blocked, chunk_s=1.5)
    with caplog.at_level("WARNING", logger="highlights.pipeline.kept_frames"):
        for i in range(6):
            kept.put(i, _plan(i), _found(i))
            kept.frame_done(i, float(i))
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith(f"{kept.folder}: the people found cannot be kept there (Not a directory), ")
    assert "HIGHLIGHTS_CACHE_DIR" in line


def test_old_folders_go_after_the_days_kept_and_this_runs_own_stays(tmp_path):
    own = _run(tmp_path, 3).folder
    day = 86400
    now = time.time()
    ages = {"recent": 0, "days-13": 13.5 * day, "days-15": 14.5 * day}
    for name, age in ages.items():
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (now - age, now - age))
    os.utime(own, (now - 30 * day, now - 30 * day))  # reading its chunks marks it in use again
    KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["recent", "days-13", own.name])


def test_at_most_eight_runs_are_kept_with_this_one(tmp_path):
    now = time.time()
    for n in range(10):
        (tmp_path / f"run{n}").mkdir()
        os.utime(tmp_path / f"run{n}", (now - 100 + n, now - 100 + n))
    kept = _run(tmp_path, 3)  # its folder, written after the others were pruned, is the eighth
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"run{n}" for n in range(3, 10)] + [kept.folder.name])


def _folder(video, config, root) -> str | None:
    kept = kept_frames.kept_frames_for(video, config, root=root)
    return None if kept is None else kept.folder.name


SAME_PEOPLE = [  # how MoveNet and the decoder run, and what is read of the people after: the same run
    ("detection.movenet_threads", 2), ("detection.movenet_workers", 2), ("detection.movenet_frames_per_worker", 1),
    ("detection.movenet_remeasure", True), ("analysis.decode_threads", 1), ("analysis.decode_ahead", 0),
    ("pose.side_continuity", True), ("classifier.min_score", 0.9), ("merge.nms_iou", 0.3)]
OTHER_PEOPLE = [  # what decides which frames are searched and what is found there: another run
    ("analysis.fps", 5.0), ("analysis.short_side", 240), ("candidates.motion_threshold", 0.5),
    ("detection.movenet_min_score", 0.3), ("detection.movenet_tiles", 2), ("pose.min_keypoints", 5)]


def test_a_run_is_named_by_its_video_and_the_settings_that_change_the_people_found(tmp_path):
    from highlights.pipeline.config import PipelineConfig

    video = tmp_path / "v.mp4"
    video.write_bytes(b"a game" * 100)
    root = tmp_path / "kept"
    base = PipelineConfig()
    name = _folder(video, base, root)
    assert name is not None and len(name) == 24
    for key, value in SAME_PEOPLE:
        assert _folder(video, base.with_overrides({key: value}), root) == name, key
    others = {_folder(video, base.with_overrides({key: value}), root) for key, value in OTHER_PEOPLE}
    assert len(others) == len(OTHER_PEOPLE) and name not in others
    # The same bytes and time elsewhere are the same video; a new time is another.
    copy = tmp_path / "copy" / "v.mp4"
    copy.parent.mkdir()
    copy.write_bytes(video.read_bytes())
    os.utime(copy, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns))
    assert _folder(copy, base, root) == name
    os.utime(copy, ns=(video.stat().st_atime_ns, video.stat().st_mtime_ns + 1))
    assert _folder(copy, base, root) != name
    # No video: nothing kept, the run refuses it in its own words.
    assert _folder(tmp_path / "missing.mp4", base, root) is None


def test_a_run_is_named_by_the_reader_the_outputs_and_movenets_model_and_runtime(tmp_path, monkeypatch):
    import importlib.metadata

    import highlights.pipeline.output_version as output_version
    import highlights.video as video_module
    from highlights.pipeline.config import PipelineConfig

    video = tmp_path / "v.mp4"
    video.write_bytes(b"a game" * 100)
    root = tmp_path / "kept"
    base = PipelineConfig()
    names = {_folder(video, base, root)}
    monkeypatch.setattr(video_module, "PICTURES_VERSION", video_module.PICTURES_VERSION + 1)
    names.add(_folder(video, base, root))
    monkeypatch.setattr(output_version, "OUTPUT_VERSION", output_version.OUTPUT_VERSION + 1)
    names.add(_folder(video, base, root))
    model = tmp_path / "movenet.tflite"
    model.write_bytes(b"weights")
    names.add(_folder(video, base.with_overrides({"detection.movenet_model_path": str(model)}), root))
    model.write_bytes(b"other weights")
    names.add(_folder(video, base.with_overrides({"detection.movenet_model_path": str(model)}), root))
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0-other")
    names.add(_folder(video, base, root))
    assert len(names) == 6


def test_movenets_identity_is_the_packaged_models_hash_or_the_users_file_and_the_runtime(tmp_path, monkeypatch):
    import importlib.metadata
    from types import SimpleNamespace

    from highlights.people.model_file import MOVENET_SHA256

    monkeypatch.setattr(importlib.metadata, "version", lambda name: {"ai-edge-litert": "9.8.7"}[name])
    assert kept_frames.movenet_identity(SimpleNamespace(movenet_model_path=None)) == {
        "model": MOVENET_SHA256, "runtime": "9.8.7"}
    model = tmp_path / "m.tflite"
    model.write_bytes(b"weights")
    assert kept_frames.movenet_identity(SimpleNamespace(movenet_model_path=str(model))) == {
        "model": file_identity(model), "runtime": "9.8.7"}

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert kept_frames.movenet_identity(SimpleNamespace(movenet_model_path=None))["runtime"] is None


def test_frames_are_kept_when_movenet_finds_the_people_or_their_poses(tmp_path):
    from highlights.pipeline.config import PipelineConfig

    video = tmp_path / "v.mp4"
    video.write_bytes(b"a game")
    base = PipelineConfig()
    assert kept_frames.keeps_frames(base)
    assert kept_frames.keeps_frames(base.with_overrides({"detection.backend": "gt"}))  # the pose stage's MoveNet
    assert kept_frames.keeps_frames(base.with_overrides({"pose.backend": "gt"}))
    assert kept_frames.keeps_frames(base.with_overrides({"pose.enabled": False}))
    neither = base.with_overrides({"detection.backend": "gt", "pose.backend": "gt"})
    assert not kept_frames.keeps_frames(neither)
    assert kept_frames.kept_frames_for(video, neither, root=tmp_path) is None
    off = base.with_overrides({"detection.enabled": False, "pose.enabled": False})
    assert not kept_frames.keeps_frames(off)


def test_a_runs_folder_is_named_by_its_key_in_any_order_and_the_chunks_layout(tmp_path, monkeypatch):
    a = KeptFrames({"video": "v", "analysis": {"fps": 10.0}}, fps=2.0, root=tmp_path)
    b = KeptFrames({"analysis": {"fps": 10.0}, "video": "v"}, fps=2.0, root=tmp_path)
    assert a.folder == b.folder and a.folder.parent == tmp_path
    text = json.dumps({"format": kept_frames.FORMAT, "video": "v", "analysis": {"fps": 10.0}}, sort_keys=True)
    assert a.key == hashlib.sha256(text.encode()).hexdigest() and a.folder.name == a.key[:24]
    monkeypatch.setattr(kept_frames, "FORMAT", kept_frames.FORMAT + 1)
    assert KeptFrames({"video": "v", "analysis": {"fps": 10.0}}, fps=2.0, root=tmp_path).folder != a.folder


def test_the_kept_frames_live_in_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(tmp_path / "cache"))
    assert kept_frames.kept_frames_root() == tmp_path / "cache" / "detect-frames"
    assert KeptFrames(KEY, fps=2.0).folder.parent == tmp_path / "cache" / "detect-frames"


def test_a_finished_run_removes_its_folder_and_one_that_kept_nothing_has_none_to_remove(tmp_path):
    kept = _run(tmp_path, 3)
    assert kept.folder.is_dir()
    kept.discard()
    assert not kept.folder.exists()
    KeptFrames({"video": "w"}, fps=2.0, root=tmp_path, chunk_s=1.5).discard()  # nothing written: no error


def test_a_chunk_holding_pickled_objects_is_never_read(tmp_path):
    kept = _run(tmp_path, 3)
    path = kept.folder / "chunk-00000.npz"
    with np.load(path) as z:
        arrays = {name: z[name] for name in z.files}
    arrays["frames"] = np.array(arrays["frames"].tolist(), dtype=object)  # read back only by unpickling
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    again = KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert again.loaded_chunks == 0 and again.loaded == {}


def test_a_folder_goes_just_after_the_days_kept(tmp_path):
    now = time.time()
    for name, age in (("young", 14 * 86400 - 10), ("old", 14 * 86400 + 10)):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (now - age, now - age))
    KeptFrames(KEY, fps=2.0, root=tmp_path, chunk_s=1.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["young"]


def test_only_folders_count_as_runs_kept(tmp_path):
    now = time.time()
    for n in range(7):
        (tmp_path / f"run{n}").mkdir()
        os.utime(tmp_path / f"run{n}", (now - 100 + n, now - 100 + n))
    (tmp_path / "notes.txt").write_text("")  # the newest entry, and no run
    kept = _run(tmp_path, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"run{n}" for n in range(7)] + ["notes.txt", kept.folder.name])
