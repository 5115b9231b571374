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
changes.
"""

from __future__ import annotations

import heapq
import json
import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from highlights.atomic import atomic_path
from highlights.progress import progress_bar
from highlights.video import iter_frames, main_video_stream, probe, timeline_origin_s, write_video
from highlights.video.colour import HDR_TRANSFERS

log = logging.getLogger(__name__)

COPY_NAME = "review-video.mp4"
_COPY_RECORD = "review-video.json"
_COPY_FORMAT = 1  # bump when the copy is made differently, so old copies are made again
COPY_SHORT_SIDE = 540  # the page shows the player about this size; encoding costs grow with it
_COPY_CRF = 23
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
    """What the page plays for one game, and the note it shows about it ('' when the source plays)."""

    path: Path
    media_type: str | None
    note: str = ""


def unplayable_because(path: str | Path) -> str | None:
    """Why browsers cannot play `path` ('HEVC (H.265) video', ...), or None when they can."""
    try:
        with av.open(str(path)) as container:
            formats = set(container.format.name.split(","))
            video = main_video_stream(container)
            if video is None or video.codec_context is None:
                return None  # reading it fails later, with the reader's own message
            codec = video.codec_context.name
            pixels = video.codec_context.pix_fmt or ""
            transfer = HDR_TRANSFERS.get(int(video.codec_context.color_trc or 0))
            sound = [s.codec_context.name for s in container.streams.audio if s.codec_context is not None]
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
    return None


def _record(source: Path) -> dict:
    st = source.stat()
    return {"source": str(source.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "format": _COPY_FORMAT, "short_side": COPY_SHORT_SIDE}


def playback_for(source: Path, folder: Path, *, always_copy: bool = False, progress: bool = True,
                 say=None) -> Playback:
    """The file the page plays for `source`, making its browser copy in `folder` when one is needed.

    `say(line)` is told, once, why a copy is made (or that an earlier one is reused).
    Raises `VideoError` when the source cannot be read."""
    source = Path(source)
    reason = unplayable_because(source)
    if reason is None and not always_copy:
        iso = source.suffix.lower() in (".mp4", ".m4v", ".mov")
        return Playback(source, "video/mp4" if iso else None)
    why = reason or "asked for (--copy-video)"
    copy, record = folder / COPY_NAME, folder / _COPY_RECORD
    wanted = _record(source)
    try:
        fresh = copy.is_file() and json.loads(record.read_text(encoding="utf-8")) == wanted
    except (OSError, ValueError):
        fresh = False
    if fresh:
        if say:
            say(f"{source.name}: {why}, which browsers do not play: the page plays its H.264 copy {copy}")
    else:
        if say:
            say(f"{source.name}: {why}, which browsers do not play: making an H.264 copy for the page "
                f"once ({copy})")
        record.unlink(missing_ok=True)
        write_browser_copy(source, copy, progress=progress)
        with atomic_path(record) as tmp:
            tmp.write_text(json.dumps(wanted), encoding="utf-8")
    return Playback(copy, "video/mp4", f"playing an H.264 copy: the source is {why}, which browsers do not play")


def write_browser_copy(source: Path, out: Path, *, progress: bool = True) -> Path:
    """H.264 8-bit MP4 of `source` at most `COPY_SHORT_SIDE` px on its short side, every frame at its
    own time on the player's timeline, with the source's sound (as AAC where browsers do not play its codec)."""
    info = probe(source)
    times: list[float] = []

    def frames():
        with progress_bar(enabled=progress) as bar:
            task = bar.add_task(f"browser copy of {source.name}", total=max(1, info.num_frames))
            for frame in iter_frames(source, max_short_side=COPY_SHORT_SIDE, interpolation="AREA"):
                # write_video reads frame k's time when it encodes frame k: appended just before
                times.append(frame.time_s)
                bar.advance(task)
                yield frame.rgb
            bar.update(task, total=len(times), completed=len(times))

    write_video(out, frames(), info.fps, crf=_COPY_CRF, times_s=times)
    try:
        _copy_sound(source, out)
    except (av.error.FFmpegError, ValueError, OSError) as err:
        log.warning("%s: its sound could not be copied into the page's copy (%s); the copy is silent",
                    source, err)
    return out


def _copy_sound(source: Path, copy: Path) -> bool:
    """Muxes the source's first sound stream beside the copy's pictures, moved onto the player's
    timeline (rewriting `copy` atomically): packets copied where browsers play its codec in an MP4
    (AAC, MP3), else decoded and encoded as AAC on the way, so that a copy made because of its
    sound (PCM, Opus, AC-3 in a .mov) has sound. False when there is none."""
    with av.open(str(source)) as src:
        video = main_video_stream(src)
        sounds = [s for s in src.streams.audio if s.codec_context is not None]
        if not sounds or video is None:
            return False
        sound = sounds[0]
        origin_s = timeline_origin_s(src, video)
        with atomic_path(copy) as tmp, av.open(str(copy)) as pictures, \
                av.open(str(tmp), "w", format="mp4") as out:
            video_in = pictures.streams.video[0]
            video_out = out.add_stream_from_template(video_in)
            if sound.codec_context.name in _ISO_SOUND:
                sound_out = out.add_stream_from_template(sound)
                shift = round(origin_s / sound.time_base) if sound.time_base else 0
                sound_packets = _timed(src.demux(sound), sound_out, shift)
            else:
                sound_out = out.add_stream("aac", rate=sound.rate, layout=sound.layout.name)
                sound_packets = _timed(_as_aac(src, sound, sound_out, origin_s), None, 0)
            # Interleaved by time, as players read an MP4 best.
            for _, _, packet in heapq.merge(_timed(pictures.demux(video_in), video_out, 0), sound_packets):
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
