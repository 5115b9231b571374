"""What MoveNet found in each analysis frame, kept on disk as a run goes, so that a stopped
`detect` goes on where it stopped instead of starting the video over.

Finding people is most of a run's time (MoveNet's network, once per active analysis frame); the
other stages are cheap beside it but hold state across the whole stream (the motion gate, the
tracker, the classifier's queues and buffers). So a run that goes on streams the video from its
start through every stage as before, except that the network's output for a frame an earlier
run finished is read back instead of computed: the tracker, the zoom regions, the interpolation
and everything after them see exactly the detections they saw the first time, and the result is
the one an uninterrupted run gives.

Where nothing but the candidate source and MoveNet reads the pixels of a frame whose people are
kept (the motion gate or dense windows, MoveNet for people and pose, no classifier cutting clips
from the stream, no frames drawn between their neighbours), a chunk also holds what the candidate
source made of each of its frames (its time, motion, scene cut and whether it was active), the
source's state after its last frame and a digest of that frame's pixels. A run that goes on then
decodes nothing before the kept frames' end: it replays them from the chunks (the tracker and the
windows see what they saw the first time) and decodes from the last kept frame on, which must be the
same picture (its digest) at the same time, or it decodes the video from its start after all. Such a
chunk also holds the damaged packets the reader had skipped by then, the decode time it had read up
to and the damaged packets it had counted past that time (`DamageSoFar`): the run going on counts
only the damaged packets after that time, and not those, so that its
`damage` is the uninterrupted run's though it never reads the kept part's packets. Chunks an
earlier version wrote hold no such record: their frames are decoded again from the start, their
people still read back.

The detections are written in chunks of `CHUNK_S` seconds of video, each one `.npz` of arrays
(read with `allow_pickle=False`, so a kept file can never run code), written whole or not at all
(`highlights.atomic`). They live in the cache folder (`$HIGHLIGHTS_CACHE_DIR`, `detect-frames/`),
not beside `--out`: the output folder is swapped in whole at the end of a run and a stopped run
leaves it as it was, and a run into another `--out` (or a batch worker) goes on all the same. A
run's folder is named by everything the detections depend on: the video file (its size, its
modification time and a hash of its first and last MiB), the analysis and candidate settings,
the detection and pose sections, MoveNet's model file and runtime, the picture reader and the
pipeline's output number. A changed video, or a changed setting of those sections other than
their speed and track settings, names another folder, so its run starts over; any other setting
(kinematics, classifier, merge) goes on from the same folder. A run that writes its outputs
removes its folder; folders of runs that were never finished are removed after `KEEP_DAYS` days,
and at most `KEEP_RUNS` are kept.

The frames after the last whole chunk are kept too, as `tail.npz`, when the run is stopped
(`keep_tail`, as Ctrl-C or SIGTERM stops it) and when its stream ends (a stop while it writes its
outputs then loses no frame of the analysis): their people only, read back as their frames are
decoded again, since the source's state is kept only at a chunk's end. A `kill -9` loses them.

A folder that cannot be written (a read-only home, a full disk) costs a later run the frames
again; it never fails this one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from highlights.atomic import OutputPathError
from highlights.cache_dir import cache_dir
from highlights.file_identity import file_identity
from highlights.npz_file import DAMAGED_NPZ, write_npz

if TYPE_CHECKING:
    from highlights.video.decode_damage import DecodeDamage

CHUNK_S = 30.0  # seconds of video a chunk holds: a kill loses at most this much of the network's work
KEEP_RUNS = 8  # unfinished runs kept (the most recent); each is a few MB per hour of video
KEEP_DAYS = 14
FOLDER = "detect-frames"
TAIL = "tail.npz"  # the people of the frames after the last whole chunk, kept when a run stops
FORMAT = 2  # the layout of a chunk (arrays added since, as the reader's damage, are read where present)

log = logging.getLogger(__name__)


def kept_frames_root() -> Path:
    return cache_dir() / FOLDER


def movenet_identity(settings) -> dict[str, Any]:
    """MoveNet's model file (the packaged one's checked SHA-256, or the user's file) and the
    LiteRT runtime that runs it: another model or runtime may find other people."""
    from importlib import metadata

    from highlights.people.model_file import MOVENET_SHA256

    try:
        runtime = metadata.version("ai-edge-litert")
    except metadata.PackageNotFoundError:
        runtime = None
    path = getattr(settings, "movenet_model_path", None)
    return {"model": file_identity(path) if path else MOVENET_SHA256, "runtime": runtime}


# The sections whose settings change what a frame yields: they name the kept detections' folder
# (but for `EXECUTION_ONLY` and the track settings, `track_settings.frame_settings`). A stopped
# run says so after a Ctrl-C: another of their settings starts over, any other goes on.
FRAME_SECTIONS = ("analysis", "candidates", "detection", "pose")
# Settings that choose how MoveNet runs (threads, workers, frames queued on each, measuring the
# path again), not what it finds: every path gives the same people, so changing them goes on.
EXECUTION_ONLY = ("movenet_threads", "movenet_workers", "movenet_frames_per_worker", "movenet_remeasure",
                  "decode_threads", "decode_ahead")


def _settings(section) -> dict[str, Any]:
    from dataclasses import asdict

    from highlights.pipeline.track_settings import frame_settings

    return {k: v for k, v in asdict(frame_settings(section)).items() if k not in EXECUTION_ONLY}


def keeps_frames(config) -> bool:
    """Whether a run with `config` runs MoveNet (the detection or pose stage): what is kept."""
    return any(config.enabled(name) and config.section(name).backend == "movenet" for name in ("detection", "pose"))


def kept_frames_for(video_path: str | os.PathLike, config, **options) -> "KeptFrames | None":
    """The kept detections of `video_path` under `config` (None when the run runs no MoveNet, or
    the cache folder cannot be read)."""
    from highlights.pipeline.output_version import OUTPUT_VERSION
    from highlights.video import PICTURES_VERSION

    if not keeps_frames(config):
        return None
    try:
        key = {"video": file_identity(video_path), "pictures": PICTURES_VERSION, "output": OUTPUT_VERSION,
               "movenet": movenet_identity(config.detection),
               **{name: _settings(config.section(name)) for name in FRAME_SECTIONS}}
        return KeptFrames(key, fps=config.analysis.fps, **options)
    except OSError:
        return None  # a missing video is the run's to refuse, in its own words


class NotKept(Exception):
    """A frame replayed without its pixels had no kept detections: the run starts over decoding."""

    def __init__(self, index: int) -> None:
        super().__init__(f"analysis frame {index} was to be read back, but its people were not kept")
        self.index = index


def pixels_digest(rgb: np.ndarray) -> str:
    """What names an analysis frame's pixels: the SHA-256 of its shape and bytes."""
    digest = hashlib.sha256(repr(tuple(rgb.shape)).encode())
    digest.update(np.ascontiguousarray(rgb).tobytes())
    return digest.hexdigest()


def _done(found) -> Future:
    future: Future = Future()
    future.set_result(found)
    return future


def prune_unfinished(root: Path, current: Path | None, *, days: float, runs: int) -> None:
    """Removes the folders under `root` of runs never finished, but `current` (this run's): those
    older than `days` days, and all but the newest `runs - 1` (with `current`, `runs` in all).
    Kept detections and kept page clips are both bounded this way."""
    try:
        folders = [p for p in root.iterdir() if p.is_dir() and p != current]
        dated = sorted(((p.stat().st_mtime, p) for p in folders), reverse=True)
    except OSError:
        return
    cutoff = time.time() - days * 86400
    for n, (mtime, path) in enumerate(dated):
        if mtime < cutoff or n >= runs - 1:
            shutil.rmtree(path, ignore_errors=True)

class KeptStream:
    """What the candidate source made of each kept analysis frame, frame 0 on: `times` (seconds),
    and for each the `values` (one row, a column per name of `names`) it replays the frame from."""

    def __init__(self, times: np.ndarray, names: tuple[str, ...], values: np.ndarray) -> None:
        self.times, self.names, self.values = times, names, values

    def __len__(self) -> int:
        return len(self.times)

    def frames(self):
        """(time, {name: value}) of each frame in order, made as they are read."""
        for t, row in zip(self.times.tolist(), self.values.tolist()):
            yield t, dict(zip(self.names, row))


class KeptFrames:
    """One run's kept detections: `get` what an earlier run found in a frame, `put` what this one
    found, and `frame_done` after each analysis frame, which writes a chunk once the stream has
    passed its last frame."""

    def __init__(self, key: dict[str, Any], *, fps: float, root: Path | None = None,
                 chunk_s: float | None = None) -> None:
        self.root = Path(root) if root is not None else kept_frames_root()
        text = json.dumps({"format": FORMAT, **key}, sort_keys=True, default=repr)
        self.key = hashlib.sha256(text.encode()).hexdigest()
        self.folder = self.root / self.key[:24]
        self.chunk_frames = max(1, round((chunk_s if chunk_s is not None else CHUNK_S) * fps))
        self.loaded: dict[int, tuple[tuple, list]] = {}  # frame index -> (plan, detections)
        self.loaded_chunks = 0
        self.loaded_tail_frames = 0  # frames after the whole chunks whose people `tail.npz` held
        self.went_on_from_s: float | None = None  # the time of the last frame earlier runs finished
        self.pending: dict[int, tuple[tuple, list]] = {}
        # What the candidate source made of each frame of the kept chunks (time, its values), the
        # source's state after their last frame, and that frame's pixels' digest and size; None
        # when a chunk holds none (another source, or a classifier that reads the pixels).
        self.stream: KeptStream | None = None
        self.stream_end: dict[str, Any] | None = None
        self.stream_pending: dict[int, tuple[float, dict[str, float]]] = {}
        self._chunk_end: dict[str, Any] | None = None
        self.replayed_frames = 0  # frames the run replayed from the chunks without decoding them
        self.writable = True
        self.written_until_s: float | None = None
        self.on_keep: Callable[[], None] | None = None  # told after each chunk is kept
        self._last_done: tuple[int, float] | None = None  # the last analysis frame through every stage
        self._load()
        self._prune()

    # -- reading -------------------------------------------------------------------------------
    def _chunk_path(self, k: int) -> Path:
        return self.folder / f"chunk-{k:05d}.npz"

    def _load(self) -> None:
        """The chunks earlier runs finished, from the first on, up to the first missing or damaged one."""
        k = 0
        stream: list | None = []  # each chunk's (times, names, values)
        while True:
            path = self._chunk_path(k)
            if not path.is_file():
                break
            try:
                entries, end_time_s, replay, end = self._read(path, k)
            except DAMAGED_NPZ:
                break  # damaged: its frames are computed again (and the chunk written again)
            self.loaded.update(entries)
            self.went_on_from_s = end_time_s
            if stream is not None and replay is not None and (not stream or stream[0][1] == replay[1]):
                stream.append(replay)
                self.stream_end = end
            else:
                stream = None
            k += 1
        self.loaded_chunks = k
        self._load_tail()
        if k and stream is not None:
            self.stream = KeptStream(np.concatenate([times for times, _, _ in stream]), stream[0][1],
                                     np.concatenate([values for _, _, values in stream]))
        else:
            self.stream_end = None
        if k or self.loaded_tail_frames:
            try:
                os.utime(self.folder)  # in use: the last to be pruned
            except OSError:
                pass

    def _load_tail(self) -> None:
        """The people of the frames after the whole chunks a stopped run had passed (`tail.npz`),
        if it starts where they end; one of another run, or damaged, is left unread."""
        path = self.folder / TAIL
        first = self.loaded_chunks * self.chunk_frames
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["key"]) != self.key or int(z["first_index"]) != first \
                        or int(z["frames_in_chunk"]) != self.chunk_frames:
                    return
                frames = int(z["frames_kept"])
            entries, end_time_s, _, _ = self._read(path, self.loaded_chunks, with_stream=False)
        except DAMAGED_NPZ:
            return
        if frames <= 0 or any(not first <= index < first + frames for index in entries):
            return
        self.loaded.update(entries)
        self.loaded_tail_frames = frames
        self.went_on_from_s = end_time_s

    def _read(self, path: Path, k: int, *, with_stream: bool = True) -> tuple[dict[int, tuple[tuple, list]], float]:
        from highlights.people.movenet import PoseDetection
        from highlights.video.decode_damage import DamageSoFar

        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != self.key or int(z["first_index"]) != k * self.chunk_frames \
                    or int(z["frames_in_chunk"]) != self.chunk_frames:
                raise ValueError("another run's chunk")
            frames, counts, regions, whole = z["frames"], z["counts"], z["regions"], z["whole"]
            boxes, scores, keypoints = z["boxes"], z["scores"], z["keypoints"]
            end_time_s = float(z["end_time_s"])
            stream = end = None
            # A chunk without the damage record (an earlier version's) is not replayed: a run going
            # on decodes its frames again, and so counts their damage.
            if with_stream and "stream_times" in z.files and "damage_packets" in z.files:
                names = [str(n) for n in z["stream_names"]]
                values = z["stream_values"]
                times = z["stream_times"]
                if len(times) != self.chunk_frames or values.shape != (len(times), len(names)):
                    raise ValueError("a chunk's stream of another length")
                stream = (np.asarray(times, dtype=np.float64), tuple(names), np.asarray(values, dtype=np.float64))
                until = float(z["damage_read_until_s"])
                # Written since a garbled decode time no longer moves `until` (before, the greatest
                # decode time read: past every damaged packet counted).
                beyond = z["damage_counted_beyond_s"] if "damage_counted_beyond_s" in z.files else ()
                # Written since a run going on tells its way past the stopped reader's last packets
                # by their decode times; without them it never does (a damaged packet after the stop
                # whose decode time is garbled to before it is then left out).
                last = z["damage_read_last_s"] if "damage_read_last_s" in z.files else ()
                damage = DamageSoFar(int(z["damage_packets"]), str(z["damage_first_error"]) or None,
                                     None if np.isnan(until) else until, tuple(float(t) for t in beyond),
                                     tuple(float(t) for t in last))
                end = {"digest": str(z["end_digest"]), "size": tuple(int(v) for v in z["end_size"]),
                       "state": {str(n)[len("state_"):]: z[n] for n in z.files if str(n).startswith("state_")},
                       "damage": damage}
        entries = {}
        at = 0
        for index, n, region, w in zip(frames.tolist(), counts.tolist(), regions, whole.tolist()):
            found = [PoseDetection(box=tuple(float(v) for v in boxes[i]), keypoints=keypoints[i].copy(),
                                   score=float(scores[i])) for i in range(at, at + n)]
            at += n
            plan = (None if np.isnan(region).any() else tuple(float(v) for v in region), bool(w))
            entries[int(index)] = (plan, found)
        return entries, end_time_s, stream, end

    @staticmethod
    def _same_plan(a: tuple, b: tuple) -> bool:
        (ra, wa), (rb, wb) = a, b
        if (ra is None) != (rb is None) or bool(wa) != bool(wb):
            return False
        return ra is None or tuple(float(v) for v in ra) == tuple(float(v) for v in rb)

    def get(self, index: int, plan: tuple) -> list | None:
        """The detections an earlier run found in frame `index` under the same `plan` (None: none)."""
        hit = self.loaded.get(index)
        if hit is None or not self._same_plan(hit[0], plan):
            return None
        return hit[1]

    def future(self, index: int, plan: tuple) -> Future | None:
        found = self.get(index, plan)
        return None if found is None else _done(found)

    # -- writing -------------------------------------------------------------------------------
    def put(self, index: int, plan: tuple, found: list) -> None:
        # A frame of the kept tail is put again, read back: the chunk that holds it is written whole.
        if self.writable and (index not in self.loaded or index >= self.loaded_chunks * self.chunk_frames):
            self.pending[index] = (plan, found)

    def note_frame(self, index: int, time_s: float, values: dict[str, float] | None, rgb: np.ndarray | None,
                   state, damage: DecodeDamage | None = None) -> None:
        """What the candidate source made of analysis frame `index` (`values`, None: nothing it can
        replay), before `frame_done`; at a chunk's last frame also that frame's pixels, the
        source's state after it (`state()`, a dict of arrays) and the damage the run's reader had
        counted (`damage`), from which a later run goes on."""
        if index < self.loaded_chunks * self.chunk_frames or not self.writable:
            return
        last = (index + 1) % self.chunk_frames == 0
        so_far = damage.so_far() if last and damage is not None else None
        if values is None or (last and (rgb is None or so_far is None)):
            self.stream_pending.clear()
            self._chunk_end = None
            return
        self.stream_pending[index] = (float(time_s), values)
        if last:
            self._chunk_end = {"digest": pixels_digest(rgb), "size": (int(rgb.shape[1]), int(rgb.shape[0])),
                               "state": state(), "damage": so_far}

    def frame_done(self, index: int, time_s: float) -> None:
        """Analysis frame `index` has been through every frame stage: write its chunk if it was the last."""
        self._last_done = (index, float(time_s))
        if (index + 1) % self.chunk_frames:
            return
        k = index // self.chunk_frames
        first = k * self.chunk_frames
        entries = sorted((i, self.pending.pop(i)) for i in [i for i in self.pending if i <= index])
        stream = [self.stream_pending.pop(i, None) for i in range(first, index + 1)]
        self.stream_pending.clear()
        end, self._chunk_end = self._chunk_end, None
        if k < self.loaded_chunks or not self.writable:
            return
        arrays = self._arrays(entries, first, time_s)
        if end is not None and all(frame is not None for frame in stream):
            arrays.update(self._stream_arrays(stream, end))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_npz(self._chunk_path(k), **arrays)
            self.written_until_s = float(time_s)
            if self.on_keep is not None:
                self.on_keep()
        except (OSError, OutputPathError) as e:
            # Costs a later run these frames again, never this run; said once, as the pose and
            # inference-path caches say it: a stopped run would otherwise start over unexplained.
            self.writable = False
            self.pending.clear()
            log.warning("%s: the people found cannot be kept there (%s), so a stopped run of this video starts "
                        "over; set HIGHLIGHTS_CACHE_DIR to a folder that can be written", self.folder,
                        getattr(e, "strerror", None) or e)

    def keep_tail(self) -> None:
        """Keep the people of the frames after the last whole chunk, up to the last frame through
        every stage (the run stops, or its stream ended): a later run reads them back rather than
        running the network on them again. Nothing is written where no frame was added to what is
        on disk (a stop while the kept frames are still being read back)."""
        if not self.writable or self._last_done is None:
            return
        index, time_s = self._last_done
        first = (index + 1) // self.chunk_frames * self.chunk_frames
        kept_s = self.kept_until_s
        if index + 1 == first or first < self.loaded_chunks * self.chunk_frames \
                or (kept_s is not None and time_s <= kept_s):
            return
        entries = sorted((i, self.pending[i]) for i in self.pending if first <= i <= index)
        arrays = self._arrays(entries, first, time_s)
        arrays["frames_kept"] = np.array(index + 1 - first)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_npz(self.folder / TAIL, **arrays)
        except (OSError, OutputPathError):
            return  # a stop is no time to say more: the next run finds these frames again
        self.written_until_s = time_s
        if self.on_keep is not None:
            self.on_keep()

    def _arrays(self, entries, first: int, end_time_s: float) -> dict[str, np.ndarray]:
        found = [d for _, (_, ds) in entries for d in ds]
        regions = np.full((len(entries), 4), np.nan)
        for row, (_, (plan, _)) in enumerate(entries):
            if plan[0] is not None:
                regions[row] = [float(v) for v in plan[0]]
        return {
            "key": np.array(self.key), "first_index": np.array(first), "frames_in_chunk": np.array(self.chunk_frames),
            "end_time_s": np.array(float(end_time_s)),
            "frames": np.array([i for i, _ in entries], dtype=np.int64),
            "counts": np.array([len(ds) for _, (_, ds) in entries], dtype=np.int64),
            "regions": regions, "whole": np.array([bool(plan[1]) for _, (plan, _) in entries], dtype=bool),
            "boxes": np.array([d.box for d in found], dtype=np.float64).reshape(-1, 4),
            "scores": np.array([d.score for d in found], dtype=np.float64),
            "keypoints": np.array([d.keypoints for d in found], dtype=np.float32).reshape(-1, 17, 3),
        }

    @staticmethod
    def _stream_arrays(stream: list[tuple[float, dict[str, float]]], end: dict[str, Any]) -> dict[str, np.ndarray]:
        names = sorted(stream[0][1])
        if any(sorted(values) != names for _, values in stream):
            return {}
        return {
            "stream_times": np.array([t for t, _ in stream], dtype=np.float64),
            "stream_names": np.array(names, dtype=str).reshape(-1),
            "stream_values": np.array([[float(values[n]) for n in names] for _, values in stream],
                                      dtype=np.float64).reshape(len(stream), len(names)),
            "end_digest": np.array(end["digest"]), "end_size": np.array(end["size"], dtype=np.int64),
            "damage_packets": np.array(end["damage"].packets, dtype=np.int64),
            "damage_first_error": np.array(end["damage"].first_error or ""),
            "damage_read_until_s": np.array(np.nan if end["damage"].read_until_s is None
                                            else end["damage"].read_until_s, dtype=np.float64),
            "damage_counted_beyond_s": np.array(end["damage"].counted_beyond_s, dtype=np.float64).reshape(-1),
            "damage_read_last_s": np.array(end["damage"].read_last_s, dtype=np.float64).reshape(-1),
            **{f"state_{name}": np.asarray(value) for name, value in end["state"].items()},
        }

    def forget_pending(self) -> None:
        """The run starts its stream over: what it had found but not yet written is found again."""
        self.pending.clear()
        self.stream_pending.clear()
        self._chunk_end = None
        self.replayed_frames = 0
        self._last_done = None

    @property
    def read_back(self) -> bool:
        """Whether an earlier run kept any frame's people for this one to read back."""
        return bool(self.loaded_chunks or self.loaded_tail_frames)

    @property
    def kept_until_s(self) -> float | None:
        """Video time up to which the people found are on disk (None: none yet)."""
        return self.went_on_from_s if self.written_until_s is None else self.written_until_s

    def discard(self) -> None:
        """The run wrote its outputs: its kept frames are no longer needed."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _prune(self) -> None:
        prune_unfinished(self.root, self.folder, days=KEEP_DAYS, runs=KEEP_RUNS)

    def going_on_line(self, duration_s: float, start_s: float) -> str | None:
        """What the run says when it goes on from an earlier one (None when it starts over).
        `duration_s` is where the video ends on its clock, `start_s` where its first picture lies:
        both numbers are counted from that picture, as the progress lines count, not from the
        clock (which starts an hour in on a camera's file kept by a stream copy)."""
        if not self.read_back or self.went_on_from_s is None:
            return None
        from highlights.pipeline.outputs.timecode import short_clock

        went_on_s = max(0.0, self.went_on_from_s - start_s)
        length_s = max(0.0, duration_s - start_s)
        return (f"going on from {short_clock(went_on_s)} of {short_clock(length_s)}: the people in "
                f"the frames before were found by an earlier run of this video with the same analysis, "
                f"candidates, detection and pose settings (kept in {self.folder}) and are read back, not found again")
