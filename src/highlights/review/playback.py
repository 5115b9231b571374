"""What the review page's player plays: the source video when every browser can, else a copy that can.

Browsers play H.264 (8-bit 4:2:0) in MP4/MOV and VP8/VP9/AV1 in WebM. A phone's HEVC (an
iPhone's default, many Androids'), 10-bit or HDR video, an MKV or a transport stream shows a
black player or an error in most of them (Firefox and Chrome without hardware HEVC decode play no
HEVC at all). A message alone would leave the reviewer with nothing to review, so such a source
gets an H.264 copy made once, the way video sites make their playback copies: the pictures the
pipeline analysed (upright, in the colours the stream states, HDR tone-mapped to SDR), on the same
timeline (each frame at its own time, so every highlight time and seek lands on the same picture),
at most 540 px on the short side, with the source's sound (copied where browsers play its codec, else encoded as AAC).
It is kept beside the detect output (`review-video.mp4`) and made again only when the source
changes. `highlights review` makes the copies in the background (`BrowserCopies`), so the review
opens at once and the page switches to a copy when it is whole; the game the page opens has its
copy made first.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import math
import os
import shutil
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from highlights.atomic import atomic_path, temp_file_beside
from highlights.datasets.lock import exclusive_lock
from highlights.errors import HighlightsError
from highlights.file_identity import file_identity
from highlights.pipeline.outputs.timecode import short_clock
from highlights.progress import progress_bar
from highlights.video import (codec_name, iter_frames, main_video_stream, open_input, probe, timeline_origin_s,
                              write_video)
from highlights.video.colour import HDR_TRANSFERS

log = logging.getLogger(__name__)

COPY_NAME = "review-video.mp4"
_COPY_RECORD = "review-video.json"
# Bump when the copy is made differently, so old copies are made again. Ending the sound at the
# last picture kept 1: it changes only copies of sources whose sound runs on past their pictures
# (an MKV's can), by the sound after the video's end, and a new number would make every copy
# again, at about the game's length each.
_COPY_FORMAT = 1
COPY_SHORT_SIDE = 540  # the page shows the player about this size; encoding costs grow with it
_COPY_CRF = 23
# The copy is encoded in parts of this many seconds, so that one cut short goes on from its last
# whole part (an hour's game loses at most a minute's work).
PART_S = 60.0
# How often a review waiting for another review's copy of the same game (`NeededCopy.make`) looks
# whether that one is done.
COPY_WAIT_POLL_S = 0.5
_ISO = {"mov", "mp4"}
_WEBM = {"webm"}
_ISO_VIDEO = {"h264"}
_WEBM_VIDEO = {"vp8", "vp9", "av1"}
# Pixel formats every browser decodes: 8-bit 4:2:0.
_PLAYABLE_PIXELS = {"yuv420p", "yuvj420p"}
_ISO_SOUND = {"aac", "mp3"}
_WEBM_SOUND = {"opus", "vorbis"}
_CODEC_NAMES = {"hevc": "HEVC (H.265)", "h264": "H.264", "mpeg4": "MPEG-4 Part 2", "prores": "ProRes",
                "vp9": "VP9", "av1": "AV1", "mjpeg": "Motion JPEG"}


@dataclass(frozen=True)
class Playback:
    """What the page plays for one game now, and the note it shows about it ('' when the source plays).

    `state`: `source` (the source plays as it is), `copy` (its browser copy plays), `waiting` or
    `making` (a copy is needed and not made yet: the source is served meanwhile; `done` is the
    share of its pictures made, 0 while another review makes it), `failed` (no copy could be
    made: the source is served)."""

    path: Path
    media_type: str | None
    note: str = ""
    state: str = "source"
    done: float = 0.0


class CopyStopped(Exception):
    """A browser copy stopped before it was whole (the review is closing); nothing of it is left."""


class CopyPaused(Exception):
    """A browser copy set aside between two of its parts (another game's copy is wanted first); its
    whole parts are kept, and the next `make` goes on from them."""


class _CopyBusy(HighlightsError):
    """Another review (another process) is making this copy: its parts are its own meanwhile."""


class _NoLock(HighlightsError):
    """The copy's folder offers no lock (some network filesystems): the copy is made unlocked."""


# Why a source browsers decode is copied all the same: its times are a camera's clock.
_LATE_CLOCK = "a camera's clock that starts "


def _media_type(path: Path) -> str | None:
    return "video/mp4" if path.suffix.lower() in (".mp4", ".m4v", ".mov") else None


def unplayable_because(path: str | Path) -> str | None:
    """Why browsers cannot play `path` ('HEVC (H.265) video', ...), or None when they can."""
    try:
        with av.open(str(path)) as container:
            formats = set(container.format.name.split(","))
            video = main_video_stream(container)
            if video is None or video.codec_context is None:
                return None  # reading it fails later, with the reader's own message
            codec = codec_name(video.codec_context)
            pixels = video.codec_context.pix_fmt or ""
            transfer = HDR_TRANSFERS.get(int(video.codec_context.color_trc or 0))
            sound = [s.codec_context.name for s in container.streams.audio if s.codec_context is not None]
            clock_s = _clock_start_s(container, video)
    except (av.error.FFmpegError, OSError, ValueError):
        return None
    iso, webm = bool(formats & _ISO), bool(formats & _WEBM) and Path(path).suffix.lower() == ".webm"
    if not (iso or webm):
        return f"a {Path(path).suffix.lstrip('.').upper() or sorted(formats)[0]} file"
    depth = next((f"{bits}-bit " for bits in (10, 12, 16) if str(bits) in pixels), "")
    if codec not in (_ISO_VIDEO if iso else _WEBM_VIDEO):
        return f"{_CODEC_NAMES.get(codec, codec)} {depth}video"
    if transfer:
        return f"HDR ({transfer}) video"
    if pixels not in _PLAYABLE_PIXELS:
        return f"{_CODEC_NAMES.get(codec, codec)} {depth}video ({pixels})"
    odd = [c for c in sound if c not in (_ISO_SOUND if iso else _WEBM_SOUND)]
    if odd:
        return f"{odd[0]} sound"
    if clock_s is not None:
        return f"{_LATE_CLOCK}{short_clock(clock_s)} in"
    return None


def _clock_start_s(container, video) -> float | None:
    """Where the file starts on its clock, when later than half a frame: an MP4 that kept a
    camera's clock starting an hour in holds an hour's empty edit, which a browser may play as
    an hour before the first picture, where highlights.json's times count from that picture."""
    origin_s = timeline_origin_s(container, video)
    frame_s = 1.0 / float(video.average_rate) if video.average_rate else 0.0
    return origin_s if origin_s > frame_s / 2 else None


def _record(source: Path) -> dict:
    return {"source": str(source.resolve()), **file_identity(source), "format": _COPY_FORMAT,
            "short_side": COPY_SHORT_SIDE}


def _made_from(recorded: object, wanted: dict) -> bool:
    """Does a copy's (or its parts') record name the source as it is now (`wanted`)? A record
    written before the source's ends were hashed holds its size and time alone and is taken on
    those, as it was then: each copy made already would otherwise be made again, at about the
    game's length each."""
    if recorded == wanted:
        return True
    return (isinstance(recorded, dict) and "sha256_ends" not in recorded
            and recorded == {k: v for k, v in wanted.items() if k != "sha256_ends"})


@dataclass(frozen=True)
class NeededCopy:
    """A source that needs a browser copy, and why (`unplayable_because`, or asked for)."""

    source: Path
    folder: Path
    why: str
    part_s: float = PART_S  # the copy is made this many seconds at a time (`write_browser_copy`)
    asked: bool = False  # made because --copy-video asked, of a source browsers may well play

    def because(self, subject: str = "the source is ") -> str:
        """Why the copy is made, as the page and the log say it: a source asked to be copied is
        not said to be one browsers do not play (an H.264 source asked for is played fine)."""
        if self.asked:
            return "a copy was asked for (--copy-video)"
        if self.why.startswith(_LATE_CLOCK):
            return (f"{subject}timed on {self.why}, where a browser may not count from its first "
                    "picture")
        return f"{subject}{self.why}, which browsers do not play"

    @property
    def copy(self) -> Path:
        return self.folder / COPY_NAME

    def fresh(self) -> bool:
        """Is the copy in `folder` whole and made from the source as it is now?"""
        try:
            recorded = json.loads((self.folder / _COPY_RECORD).read_text(encoding="utf-8"))
            return self.copy.is_file() and _made_from(recorded, _record(self.source))
        except (OSError, ValueError):
            return False

    def make(self, *, progress: bool = True, stop: threading.Event | None = None, on_progress=None,
             label: str = "", pause=None, on_wait=None) -> Playback:
        """Makes the copy (raises `CopyStopped` when `stop` is set first: the old record is gone,
        so a copy cut short is never taken for a whole one; the next `make` goes on from its last whole
        part). `pause`: see `write_browser_copy`.

        Two reviews of one detect folder (two servers, one --db each) make its copy one at a time:
        the parts are one folder, which one would delete, or read half written, under the other.
        The one that comes second waits for the first (stopped or set aside as while making it)
        and plays the copy that one made; `on_wait()` is called once when it starts to wait."""
        with ExitStack() as held:
            self._hold_parts(held, stop, pause, on_wait)
            if self.fresh():  # made meanwhile by the other review
                return self.playback()
            (self.folder / _COPY_RECORD).unlink(missing_ok=True)
            wanted = _record(self.source)
            write_browser_copy(self.source, self.copy, progress=progress, stop=stop,
                               on_progress=on_progress, label=label, part_s=self.part_s,
                               pause=pause)
            with atomic_path(self.folder / _COPY_RECORD) as tmp:
                tmp.write_text(json.dumps(wanted), encoding="utf-8")
        return self.playback()

    def _hold_parts(self, held: ExitStack, stop: threading.Event | None, pause, on_wait) -> None:
        """Takes, into `held`, the lock of the copy's parts (`flock`, which the kernel drops when
        its holder dies, however it dies), waiting while another process holds it (`on_wait()`
        called as it starts to)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = self.folder / f".{COPY_NAME}.parts.lock"
        while True:
            try:
                held.enter_context(exclusive_lock(lock, wait=False, remove=True, busy=_CopyBusy,
                                                  failed=_NoLock))
                return
            except _NoLock:
                return
            except _CopyBusy:
                if on_wait is not None:
                    on_wait()
                    on_wait = None
                if stop is not None and stop.is_set():
                    raise CopyStopped(self.source) from None
                if pause is not None and pause():
                    raise CopyPaused(self.source) from None
                time.sleep(COPY_WAIT_POLL_S)

    def playback(self) -> Playback:
        return Playback(self.copy, "video/mp4", f"playing an H.264 copy: {self.because()}", state="copy")

    def made_by_another_review(self) -> Playback:
        """The source, served while another review (another process) makes this copy: how far it
        is, only that one knows."""
        return Playback(self.source, _media_type(self.source),
                        f"{self.because()}: another review of this folder is making its H.264 "
                        "copy; the player switches to it when it is done. Decisions can be made "
                        "meanwhile.", state="making")

    def pending(self, state: str, done: float = 0.0, ahead: int = 0) -> Playback:
        """The source, served while the copy is `waiting` (behind `ahead` other games' copies; `done` of it
        made before it was set aside) or `making`."""
        if state == "making":
            how_far = f"{done:.0%} made"
        else:
            verb = "finished" if done > 0 else "made"
            how_far = (f"it is {verb} next" if not ahead else f"it is {verb} after 1 other game's copy" if ahead == 1
                       else f"it is {verb} after {ahead} other games' copies")
            if done > 0:
                how_far = f"{done:.0%} made, set aside for the game opened since: {how_far}"
        return Playback(self.source, _media_type(self.source),
                        f"{self.because()}: an H.264 copy is being made "
                        f"({how_far}); the player switches to it when it is done. Decisions can be made "
                        "meanwhile.", state=state, done=done)


def needed_copy(source: Path, folder: Path, *, always_copy: bool = False, part_s: float = PART_S) -> NeededCopy | None:
    """The browser copy `source` needs (made in `folder`), or None when browsers play it."""
    source = Path(source)
    reason = unplayable_because(source)
    if reason is None and not always_copy:
        return None
    return NeededCopy(source, Path(folder), reason or "asked for (--copy-video)", part_s, asked=reason is None)


class BrowserCopies:
    """What each game's player plays while a review runs, its browser copy made in the background.

    A copy is made at about real time (an hour's HEVC game takes about an hour on two cores), so the
    review opens at once: until a game's copy is whole the page is given the source (a browser that
    can play it does; the page says how far the copy is) and every decision can be made meanwhile.
    Copies are made one at a time, in the order the games are listed (the page's order), each
    with a progress bar on the command line, except that the game the page last opened (`want`)
    goes first: the copy being made is set aside once its current part is whole and goes on from
    there later. A copy cut short (`stop`, Ctrl-C) leaves nothing half written to be served: it is
    written to a temp file and renamed when whole, and its record last; the next review goes on
    from its last whole part (`write_browser_copy`). A copy made before from the same source is reused.
    """

    def __init__(self, games, *, always_copy: bool = False, progress: bool = True, say=None,
                 part_s: float = PART_S) -> None:
        """`games`: (game id, source video, detect folder) in the page's order; `part_s`: see
        `write_browser_copy`."""
        self._say = say or (lambda line: None)
        self._progress = progress
        self._now: dict[str, Playback] = {}
        self._todo: list[tuple[str, NeededCopy]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # The queue, guarded by `_lock`: copies not made yet (page order), the one being made, the
        # one the page opened last.
        self._lock = threading.Lock()
        self._left: dict[str, NeededCopy] = {}
        self._making: str | None = None
        self._wanted: str | None = None
        self._done: dict[str, float] = {}  # the share made of each copy set aside
        for game_id, source, folder in games:
            need = needed_copy(source, folder, always_copy=always_copy, part_s=part_s)
            if need is None:
                self._now[game_id] = Playback(Path(source), _media_type(Path(source)))
            elif need.fresh():
                self._now[game_id] = need.playback()
                self._say(f"{need.source.name}: {need.because(subject='')}: the page plays its "
                          f"H.264 copy {need.copy}")
            else:
                self._todo.append((game_id, need))
                self._left[game_id] = need
        self._say_waiting()

    @property
    def to_make(self) -> list[NeededCopy]:
        return [need for _, need in self._todo]

    def current(self, game_id: str) -> Playback | None:
        return self._now.get(game_id)

    def __contains__(self, game_id: str) -> bool:
        return game_id in self._now

    def want(self, game_id: str) -> None:
        """The page has opened `game_id`: its copy, when not made yet, is made next (the one being
        made is set aside at the end of its current part)."""
        with self._lock:
            if game_id not in self._left or game_id == self._wanted:
                return
            self._wanted = game_id
            self._say_waiting()

    def start(self) -> None:
        """Starts making the copies that are needed, in the background (nothing when none is)."""
        if self._todo and self._thread is None:
            self._thread = threading.Thread(target=self._make_all, name="browser-copies", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 60.0) -> None:
        """Stops the copy being made (its temp file removed) and waits for that."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Waits until every copy is made (or has failed); True when none is left to make."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _queue(self) -> list[str]:
        """The copies left to make, in the order they are made: the one the page wants, then the page's order."""
        order = list(self._left)
        if self._wanted in self._left:
            order.remove(self._wanted)
            order.insert(0, self._wanted)
        return order

    def _say_waiting(self) -> None:
        """Each waiting game's note: how many copies are made before its own (`_lock` held)."""
        waiting = [g for g in self._queue() if g != self._making]
        for place, game_id in enumerate(waiting):
            first = place == 0 and game_id == self._wanted  # next, once the current part is whole
            ahead = 0 if first else place + (self._making is not None)
            self._now[game_id] = self._left[game_id].pending("waiting", self._done.get(game_id, 0.0), ahead)

    def _set_aside(self, game_id: str) -> bool:
        """Is another game's copy wanted before `game_id`'s goes on?"""
        with self._lock:
            return self._wanted in self._left and self._wanted != game_id

    def _make_all(self) -> None:
        total, made, begun = len(self._todo), 0, set()
        while not self._stop.is_set():
            with self._lock:
                if not self._left:
                    return
                game_id = self._queue()[0]
                need = self._left[game_id]
                self._making = game_id
                self._now[game_id] = need.pending("making")
            if game_id in begun:
                self._say(f"{need.source.name}: going on with its H.264 copy ({need.copy})")
            else:
                self._say(f"{need.source.name}: {need.because(subject='')}: making an H.264 copy for "
                          f"the page in the background ({need.copy}); the page plays the source until it is done")
            begun.add(game_id)

            def progressed(done_frames: int, total_frames: int, game_id=game_id, need=need) -> None:
                self._now[game_id] = need.pending("making", min(1.0, done_frames / max(1, total_frames)))

            def waited(game_id=game_id, need=need) -> None:
                self._now[game_id] = need.made_by_another_review()

            try:
                playback = need.make(progress=self._progress, stop=self._stop, on_progress=progressed,
                                     label=f" ({made + 1} of {total})" if total > 1 else "",
                                     pause=lambda game_id=game_id: self._set_aside(game_id),
                                     on_wait=waited)
            except CopyStopped:
                return
            except CopyPaused:
                with self._lock:
                    self._making = None
                    self._done[game_id] = self._now[game_id].done
                    wanted = self._left[self._wanted].source.name if self._wanted in self._left else "another game"
                    self._say_waiting()
                self._say(f"{need.source.name}: its H.264 copy is set aside (its whole parts kept) to make "
                          f"{wanted}'s first, which the page has opened")
                continue
            except Exception as err:  # noqa: BLE001 - the review goes on without this copy; say why
                cause = " ".join(str(err).split()) or type(err).__name__
                playback = Playback(need.source, _media_type(need.source),
                                    f"its H.264 copy could not be made ({cause}): the player shows "
                                    "the source, which browsers may not play", state="failed")
                self._say(f"{need.source.name}: its H.264 copy could not be made ({cause}); the page plays the "
                          "source")
                log.debug("browser copy of %s failed", need.source, exc_info=True)
            else:
                self._say(f"{need.source.name}: its H.264 copy is made; the page plays it from now on ({need.copy})")
            made += 1
            with self._lock:
                self._now[game_id] = playback
                del self._left[game_id]
                self._making = None
                self._say_waiting()


def write_browser_copy(source: Path, out: Path, *, progress: bool = True, stop: threading.Event | None = None,
                       on_progress=None, label: str = "", part_s: float = PART_S, pause=None) -> Path:
    """H.264 8-bit MP4 of `source` at most `COPY_SHORT_SIDE` px on its short side, every frame at its
    own time on the player's timeline, with the source's sound (as AAC where browsers do not play its codec).

    The pictures are encoded `part_s` seconds at a time, each part kept whole in a hidden folder
    beside `out` until the copy is done, so that a copy cut short (`stop`, Ctrl-C, a crash) goes
    on from its last whole part next time rather than from the start; parts of another source
    (or of the same file changed since) are thrown away. `on_progress(frames done, frames in all)`
    is called as it goes; when `stop` is set it raises `CopyStopped` and leaves `out` as it was.
    `pause()` is asked before each part is begun: when it is true, `CopyPaused` is raised, the parts
    made so far kept."""
    info = probe(source)
    parts = _Parts(out, source, part_s)
    count = max(1, math.ceil(info.duration_s / part_s))
    done = sum(parts.frames_in(k) for k in range(count) if parts.whole(k))
    total = max(1, info.num_frames)
    with progress_bar(enabled=progress) as bar:
        task = bar.add_task(f"browser copy of {source.name}{label}", total=total, completed=done)
        for k in range(count):
            if parts.whole(k):
                continue
            if pause is not None and pause():
                raise CopyPaused(source)
            times: list[float] = []

            def frames(k=k, times=times):
                nonlocal done
                last = k == count - 1
                for frame in iter_frames(source, max_short_side=COPY_SHORT_SIDE, interpolation="AREA",
                                         start_s=k * part_s if k else None, end_s=None if last else (k + 1) * part_s):
                    if stop is not None and stop.is_set():
                        raise CopyStopped(source)
                    # write_video reads frame k's time when it encodes frame k: appended just before
                    times.append(frame.time_s)
                    done += 1
                    bar.update(task, completed=done, total=max(total, done))
                    if on_progress is not None:
                        on_progress(done, max(total, done))
                    yield frame.rgb

            parts.write(k, frames(), info.fps, times)
        bar.update(task, completed=done, total=done)
    # Written beside `out` and renamed onto it only with its sound, so that `out` is never a
    # silent or partial copy, even for a moment.
    with atomic_path(out) as whole:
        # Named as a temp file of `atomic_path` is, so that what a kill -9 leaves of it is swept.
        pictures = temp_file_beside(out.with_name(f"{out.name}.pictures"))
        try:
            parts.join(count, pictures, stop)
            _with_sound(source, pictures, whole, stop, info.duration_s)
        finally:
            pictures.unlink(missing_ok=True)
    parts.remove()
    return out


class _Parts:
    """The parts of one browser copy being made: `.review-video.mp4.parts/00003.mp4` (the pictures
    from 3 x `part_s` s on), each written whole or not at all, and the record of the source they were
    made from."""

    def __init__(self, out: Path, source: Path, part_s: float) -> None:
        self.folder = out.with_name(f".{out.name}.parts")
        wanted = {**_record(source), "part_s": part_s}
        record = self.folder / "source.json"
        try:
            same = _made_from(json.loads(record.read_text(encoding="utf-8")), wanted)
        except (OSError, ValueError):
            same = False
        if not same:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_path(record) as tmp:
                tmp.write_text(json.dumps(wanted), encoding="utf-8")

    def _path(self, k: int) -> Path:
        return self.folder / f"{k:05d}.mp4"

    def _empty(self, k: int) -> Path:
        return self.folder / f"{k:05d}.none"  # a stretch with no picture (a gap in a recording)

    def whole(self, k: int) -> bool:
        return self._path(k).is_file() or self._empty(k).is_file()

    def frames_in(self, k: int) -> int:
        if not self._path(k).is_file():
            return 0
        with av.open(str(self._path(k))) as part:
            return int(part.streams.video[0].frames or 0)

    def write(self, k: int, frames, fps: float, times: list[float]) -> None:
        try:
            write_video(self._path(k), frames, fps, crf=_COPY_CRF, times_s=times)
        except ValueError:
            if times:
                raise
            self._empty(k).touch()

    def join(self, count: int, pictures: Path, stop: threading.Event | None) -> None:
        """The parts' packets, in order, as one MP4 (each part starts on a keyframe, and every part
        is encoded with the same settings, so their H.264 headers are the same)."""
        with av.open(str(pictures), "w", format="mp4") as out:
            video_out, headers = None, None
            for k in range(count):
                if not self._path(k).is_file():
                    continue
                with av.open(str(self._path(k))) as part:
                    video_in = part.streams.video[0]
                    if video_out is None:
                        video_out = out.add_stream_from_template(video_in)
                        headers = video_in.codec_context.extradata
                    elif video_in.codec_context.extradata != headers:
                        raise ValueError(f"{self._path(k)}: encoded with other H.264 headers than the parts before it")
                    for packet in part.demux(video_in):
                        if stop is not None and stop.is_set():
                            raise CopyStopped(pictures)
                        if packet.dts is None:
                            continue
                        packet.stream = video_out
                        out.mux(packet)
            if video_out is None:
                raise ValueError("no frames to write")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _with_sound(source: Path, pictures: Path, out: Path, stop: threading.Event | None, end_s: float) -> None:
    """`pictures` with the source's sound up to `end_s` as `out` (pictures alone when the sound cannot be copied)."""
    try:
        if _copy_sound(source, pictures, out, stop, end_s):
            return
    except (av.error.FFmpegError, ValueError, OSError) as err:
        log.warning("%s: its sound could not be copied into the page's copy (%s); the copy is silent",
                    source, err)
    os.replace(pictures, out)


def _copy_sound(source: Path, copy: Path, into: Path, stop: threading.Event | None = None,
                end_s: float | None = None) -> bool:
    """Writes the copy's pictures with the source's first sound stream, moved onto the player's
    timeline, as `into` (an MP4): packets copied where browsers play its codec in an MP4
    (AAC, MP3), else decoded and encoded as AAC on the way, so that a copy made because of its
    sound (PCM, Opus, AC-3 in a .mov) has sound. The sound stops with the packet that holds
    `end_s` (the pictures' end, where `probe` ends the video): a Matroska file's sound can run on
    past its pictures, and the copy would otherwise play it over a still last picture.
    False (nothing written) when there is none. Raises `CopyStopped` when `stop` is set."""
    with open_input(str(source)) as src:
        video = main_video_stream(src)
        sounds = [s for s in src.streams.audio if s.codec_context is not None]
        if not sounds or video is None:
            return False
        sound = sounds[0]
        origin_s = timeline_origin_s(src, video)
        with av.open(str(copy)) as pictures, av.open(str(into), "w", format="mp4") as out:
            video_in = pictures.streams.video[0]
            video_out = out.add_stream_from_template(video_in)
            if sound.codec_context.name in _ISO_SOUND:
                sound_out = out.add_stream_from_template(sound)
                shift = round(origin_s / sound.time_base) if sound.time_base else 0
                sound_packets = _timed(src.demux(sound), sound_out, shift)
            else:
                sound_out = out.add_stream("aac", rate=sound.rate, layout=sound.layout.name)
                sound_packets = _timed(_as_aac(src, sound, sound_out, origin_s), None, 0)
            if end_s is not None:
                sound_packets = itertools.takewhile(lambda timed: timed[0] < end_s, sound_packets)
            # Interleaved by time, as players read an MP4 best.
            for _, _, packet in heapq.merge(_timed(pictures.demux(video_in), video_out, 0), sound_packets):
                if stop is not None and stop.is_set():
                    raise CopyStopped(source)
                out.mux(packet)
    return True


def _timed(packets, stream_out, offset):
    """(time s, tie-break, packet) of each timed packet, moved `offset` earlier (in its time base)
    and onto `stream_out` (None: already the output stream's)."""
    for packet in packets:
        if packet.dts is None:
            continue
        packet.pts = None if packet.pts is None else packet.pts - offset
        packet.dts -= offset
        if stream_out is not None:
            packet.stream = stream_out
        yield float(packet.dts * packet.time_base), id(packet), packet


def _as_aac(src, sound, sound_out, origin_s: float):
    """`sound`'s samples encoded by `sound_out` (AAC), streamed, timed on the player's timeline.
    Resampled to packed floats first, as the reel's sound is (PyAV fails on planar 7.1)."""
    rate = sound.rate
    resampler = av.AudioResampler(format="flt", layout=sound.layout.name, rate=rate)
    start = None
    for frame in src.decode(sound):
        if start is None:
            start = round((float(frame.pts * frame.time_base) - origin_s) * rate) if frame.pts is not None else 0
        for out in resampler.resample(frame):
            out.pts, out.time_base = start, Fraction(1, rate)
            start += out.samples
            yield from sound_out.encode(out)
    yield from sound_out.encode()
