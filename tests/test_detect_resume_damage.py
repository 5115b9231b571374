"""A stopped `detect` of a damaged video goes on and records the damage an uninterrupted run
records: the part it replays from the kept chunks is never decoded again, so each chunk keeps the
damaged packets its reader had counted, and the run going on counts only those after them; an
intact video whose frames come unevenly (a phone that stalled) stays undamaged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import highlights.pipeline.kept_frames as kept_frames
import highlights.pipeline.run as run_module
from highlights.pipeline.detect import detect_highlights
from tests.pipeline_fixtures import zeroed_packets_copy
from tests.movenet_marks import NEEDS_MOVENET
from tests.resume_fixtures import CONFIG, highlights_json, kept_in_2s_chunks, resume_game, stop_at

pytestmark = NEEDS_MOVENET

VIDEO_FPS = 30  # the generator's: one packet a picture


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return resume_game(tmp_path_factory.mktemp("resume-damage"))


@pytest.fixture
def kept_root(tmp_path, monkeypatch):
    return kept_in_2s_chunks(tmp_path, monkeypatch)


@pytest.fixture
def replayed(monkeypatch):
    """The time of the last kept frame each run going on replayed up to (decoding on from it)."""
    seen: list[float] = []
    decoded_after = run_module.decoded_after

    def recorded(video_path, config, last_s, end, damage=None):
        decoded, why_not = decoded_after(video_path, config, last_s, end, damage)
        if decoded is not None:
            seen.append(last_s)
        return decoded, why_not

    monkeypatch.setattr(run_module, "decoded_after", recorded)
    return seen


def _whole_then_stopped_and_gone_on(video: Path, tmp_path: Path) -> tuple[dict, dict]:
    detect_highlights(video, CONFIG, tmp_path / "whole", progress=False, go_on=False)
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(video, CONFIG, tmp_path / "out", progress=stop_at(0.6))  # at 9 s
    detect_highlights(video, CONFIG, tmp_path / "out", progress=False)
    return highlights_json(tmp_path / "whole"), highlights_json(tmp_path / "out")


@pytest.mark.parametrize("stretches", [
    # Only in the part replayed: a second of analysis frames lost, so the last whole chunk ends
    # at 8.8 s.
    ((3.0, 4.0),),
    # In the part replayed and in the part decoded after it.
    ((3.0, 4.0), (11.0, 12.0)),
    # From just after the last kept chunk's frame (8.8 s) to past where the run was stopped (9 s):
    # the reader had read into it ahead of the analysis when the chunk was kept, and the seek a
    # second before that frame reads it again.
    ((3.0, 4.0), (9.0, 10.5)),
], ids=["replayed-part", "both-parts", "straddling-the-stop"])
def test_a_run_going_on_records_the_damage_an_uninterrupted_run_records(video, kept_root, replayed, tmp_path,
                                                                        stretches):
    damaged = zeroed_packets_copy(video, tmp_path / "damaged.mp4", *stretches)
    whole, gone_on = _whole_then_stopped_and_gone_on(damaged, tmp_path)
    assert replayed == [pytest.approx(8.8)]  # the kept part was replayed, not decoded again
    damage = whole["damage"]
    assert damage["packets_skipped"] == sum(round((b - a) * VIDEO_FPS) for a, b in stretches)
    assert len(damage["unanalysed_s"]) == len(stretches)
    assert damage["analysis_frames_analysed"] < damage["analysis_frames_expected"]
    assert gone_on["damage"] == damage
    assert gone_on == whole


def test_an_intact_video_of_uneven_frames_stays_undamaged_when_it_goes_on(video, kept_root, replayed, tmp_path):
    """A phone's frames as it kept up (uneven intervals, and a 1.6 s stall just before the last
    kept frame): a stretch of no frames that no damaged packet left is not damage."""
    from highlights.video import iter_frames
    from highlights.video.writer import write_video

    frames = [frame.rgb for frame in iter_frames(video)]
    times = np.arange(len(frames)) / 30.0 + np.random.default_rng(5).uniform(-0.008, 0.008, len(frames))
    times[0] = 0.0
    times[235:] += 1.6  # after 7.8 s, the next picture is analysis frame 79, the last of the fourth chunk
    keep = times < 15.0
    phone = write_video(tmp_path / "phone.mp4", (f for f, k in zip(frames, keep) if k), 30,
                        times_s=times[keep].tolist(), crf=12)
    whole, gone_on = _whole_then_stopped_and_gone_on(phone, tmp_path)
    assert replayed == [pytest.approx(times[235])]
    assert whole["damage"] is None and gone_on["damage"] is None
    assert gone_on == whole


def test_a_run_that_cannot_replay_the_kept_part_counts_the_damage_once(video, kept_root, replayed, tmp_path,
                                                                     monkeypatch):
    # The last kept frame (11 s) decodes after the seek to another picture than the one kept: the
    # video is decoded from its start, and the damage the seek had read on its way to that frame
    # (from the keyframe at 10 s) is not counted again.
    damaged = zeroed_packets_copy(video, tmp_path / "damaged.mp4", (3.0, 4.0), (10.3, 10.6))
    detect_highlights(damaged, CONFIG, tmp_path / "whole", progress=False, go_on=False)
    with pytest.raises(KeyboardInterrupt):
        detect_highlights(damaged, CONFIG, tmp_path / "out", progress=stop_at(0.7))
    monkeypatch.setattr(kept_frames, "pixels_digest", lambda rgb: "another picture")
    told: list[str] = []
    detect_highlights(damaged, CONFIG, tmp_path / "out", progress=False, say=told.append)
    assert replayed == [] and "decodes to another picture than the one kept" in told[-1]
    whole, gone_on = highlights_json(tmp_path / "whole"), highlights_json(tmp_path / "out")
    assert whole["damage"]["packets_skipped"] == 39
    assert gone_on["damage"] == whole["damage"] and gone_on == whole


class _GarbledDecodeTime:
    """A container whose video packet presented at `at_s` carries a garbled decode time, `to_s`
    (far past the end of the file by default), as a damaged transport stream's may: its demuxer
    hands it on as read."""

    def __init__(self, container, at_s: float, to_s: float | None = None) -> None:
        self._container, self._at_s, self._to_s = container, at_s, to_s

    def demux(self, *args, **kwargs):
        stream = self._container.streams.video[0]
        for packet in self._container.demux(*args, **kwargs):
            if packet.pts is not None and abs(float(packet.pts * stream.time_base) - self._at_s) < 0.5 / VIDEO_FPS:
                packet.dts = (packet.pts + int(5000 / stream.time_base) if self._to_s is None
                              else int(self._to_s / stream.time_base))
            yield packet

    def __getattr__(self, name):
        return getattr(self._container, name)


@pytest.mark.parametrize("at_s, to_s", [
    # a packet at 5 s, in the part the stopped run kept, whose decode time reads 5000 s (far past
    # the end): it must hide no damage after it
    (5.0, None),
    # a damaged packet at 11.5 s, after where the run was stopped (9 s), whose decode time reads 1 s
    (11.5, 1.0),
], ids=["kept-part-garbled-far-ahead", "after-the-stop-garbled-to-before-it"])
def test_a_garbled_decode_time_loses_no_damage_when_it_goes_on(video, kept_root, replayed, tmp_path, monkeypatch,
                                                               at_s, to_s):
    """A packet whose decode time is garbled: the run going on after the stop still counts the
    damaged stretch at 11-12 s, as the run from the start does."""
    import highlights.video.reader as reader

    opened = reader._open

    def garbled(*args, **kwargs):
        it = opened(*args, **kwargs)
        it.container = _GarbledDecodeTime(it.container, at_s=at_s, to_s=to_s)
        return it

    monkeypatch.setattr(reader, "_open", garbled)
    stretches = ((3.0, 4.0), (11.0, 12.0))
    damaged = zeroed_packets_copy(video, tmp_path / "damaged.mp4", *stretches)
    whole, gone_on = _whole_then_stopped_and_gone_on(damaged, tmp_path)
    assert replayed == [pytest.approx(8.8)]
    assert whole["damage"]["packets_skipped"] == sum(round((b - a) * VIDEO_FPS) for a, b in stretches)
    assert gone_on["damage"] == whole["damage"]
    assert gone_on == whole
