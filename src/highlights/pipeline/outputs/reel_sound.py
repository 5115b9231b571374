"""The source's sound under the reel: the same spans of the game, in the same order.

The reel's pictures are written frame by frame as the source is decoded; its sound is added after,
in a second, cheap pass over the source's audio stream only (no pictures decoded): the samples of
each span the reel shows, back to back, encoded as AAC and muxed beside the reel's video packets
(copied, not re-encoded). A source without sound leaves the reel as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from fractions import Fraction
from itertools import chain
from pathlib import Path

import av
import numpy as np

from highlights.atomic import atomic_path
from highlights.video import main_video_stream, open_input, timeline_origin_s

log = logging.getLogger(__name__)


# Silence for sound missing inside a span is handed on in pieces of at most this many seconds.
_SILENCE_PIECE_S = 1.0


def _sound_of_spans(source: Path, spans: Sequence[tuple[float, float]]) -> Iterator:
    """The source's sound of `spans` (source seconds in time order, timed like the video frames: on
    the player's timeline), back to back: first `(rate, layout)`, then float32 `(channels, n)`
    pieces as the audio stream decodes; nothing when the source has no sound. Only the piece at
    hand is held, so memory does not grow with the reel's length (a whole game's uncapped reel
    holds tens of minutes of sound: gigabytes as one array)."""
    with open_input(str(source)) as container:
        video = main_video_stream(container)  # the stream whose frame times the spans are in
        if not container.streams.audio or video is None:
            return
        audio = container.streams.audio[0]
        origin = timeline_origin_s(container, video)
        rate, layout, channels = audio.rate, audio.layout.name, len(audio.layout.channels)
        resampler = None
        want: list[tuple[int, int]] = []
        k, done = 0, 0  # the span being filled, and how many of its samples were handed on
        position = None  # sample index of the next decoded sample

        def silence(n: int) -> Iterator[np.ndarray]:
            piece = max(1, round(_SILENCE_PIECE_S * rate))
            for start in range(0, n, piece):
                yield np.zeros((channels, min(piece, n - start)), np.float32)

        for frame in container.decode(audio):
            if resampler is None:
                if not (rate and channels):
                    # A stream whose sound starts late (a transport stream cut at the start)
                    # is described only once its first frame is decoded.
                    rate, layout, channels = frame.sample_rate, frame.layout.name, len(frame.layout.channels)
                # Packed samples (one plane): PyAV crashes the interpreter on planar audio of more
                # than 8 planes' worth of pointers (7.1 sound, 8 planes, already), packed has one.
                resampler = av.AudioResampler(format="flt", layout=layout, rate=rate)
                want = [(round((a + origin) * rate), round((b + origin) * rate)) for a, b in spans]
                yield rate, layout
            if frame.pts is not None and frame.time_base is not None:
                start = round(float(frame.pts * frame.time_base) * rate)
                position = start if position is None or abs(start - position) > 1 else position
            elif position is None:
                position = 0
            for out in resampler.resample(frame):
                data = out.to_ndarray().astype(np.float32, copy=False).reshape(-1, channels).T
                n = data.shape[1]
                while k < len(want):
                    lo, hi = want[k]
                    a, b = max(lo + done, position), min(hi, position + n)
                    if a < b:
                        # Sound missing inside a span (a gap in the recording) is silence, so the
                        # spans after it stay under their pictures.
                        yield from silence(a - (lo + done))
                        yield data[:, a - position:b - position]
                        done = b - lo
                    if hi > position + n:
                        break  # this span goes on in the next samples
                    yield from silence(hi - lo - done)
                    k, done = k + 1, 0
                position += n
            if k >= len(want):
                break
        if resampler is None:
            return  # no sound decodes
        for lo, hi in want[k:]:  # spans past the sound's end: silence
            yield from silence(hi - lo - done)
            done = 0


def add_source_sound(reel: Path, source: Path, spans: Sequence[tuple[float, float]]) -> bool:
    """Rewrites `reel` (atomically: `atomic_path`) with the source's sound of `spans`; False when it has none.

    Sound that cannot be decoded or encoded leaves the reel as it was, silent, with a warning:
    the pictures are what a reel is for."""
    if not any(b > a for a, b in spans):
        return False
    sound_pieces = _sound_of_spans(source, spans)
    try:
        found = next(sound_pieces, None)
    except (av.error.FFmpegError, ValueError) as err:
        log.warning("%s: its sound could not be read (%s); the reel has none", source, err)
        return False
    if found is None:
        return False
    rate, layout = found
    try:
        with atomic_path(reel) as tmp, av.open(str(reel)) as pictures, \
                av.open(str(tmp), "w", format="mp4") as out:
            video_in = pictures.streams.video[0]
            video_out = out.add_stream_from_template(video_in)
            sound = out.add_stream("aac", rate=rate, layout=layout)
            for packet in pictures.demux(video_in):
                if packet.dts is None:
                    continue
                packet.stream = video_out
                out.mux(packet)
            size = sound.codec_context.frame_size or 1024
            written, held = 0, np.zeros((len(av.AudioLayout(layout).channels), 0), np.float32)
            for piece in chain(sound_pieces, [None]):  # None: the end, where the last short frame goes
                if piece is not None:
                    held = np.concatenate([held, piece], axis=1)
                while held.shape[1] >= size or (piece is None and held.shape[1]):
                    chunk = np.ascontiguousarray(held[:, :size].T).reshape(1, -1)
                    frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout=layout)
                    frame.sample_rate, frame.pts, frame.time_base = rate, written, Fraction(1, rate)
                    written += min(size, held.shape[1])
                    held = held[:, size:]
                    for packet in sound.encode(frame):
                        out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    except (av.error.FFmpegError, ValueError) as err:
        log.warning("%s: its sound could not be read or encoded (%s); the reel has none", source, err)
        return False
    return True
