"""The source's sound under the reel: the same spans of the game, in the same order.

The reel's pictures are written frame by frame as the source is decoded; its sound is added after,
in a second, cheap pass over the source's audio stream only (no pictures decoded): the samples of
each span the reel shows, back to back, encoded as AAC and muxed beside the reel's video packets
(copied, not re-encoded). A source without sound leaves the reel as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from highlights.atomic import atomic_path
from highlights.video import main_video_stream, timeline_origin_s

log = logging.getLogger(__name__)


def _samples_in_spans(source: Path, spans: Sequence[tuple[float, float]]):
    """(samples as float32 (channels, n), rate, layout) of `spans` (source seconds, timed like the
    video frames: on the player's timeline), or None when the source has no sound."""
    with av.open(str(source)) as container:
        video = main_video_stream(container)  # the stream whose frame times the spans are in
        if not container.streams.audio or video is None:
            return None
        audio = container.streams.audio[0]
        origin = timeline_origin_s(container, video)
        rate, layout, channels = audio.rate, audio.layout.name, len(audio.layout.channels)
        resampler = None
        pieces: list[list[np.ndarray]] = [[] for _ in spans]
        position = None  # sample index of the next decoded sample
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
                last_needed = max(b for _, b in want) if want else 0
            if frame.pts is not None and frame.time_base is not None:
                start = round(float(frame.pts * frame.time_base) * rate)
                position = start if position is None or abs(start - position) > 1 else position
            elif position is None:
                position = 0
            for out in resampler.resample(frame):
                data = out.to_ndarray().astype(np.float32, copy=False).reshape(-1, channels).T
                n = data.shape[1]
                for k, (lo, hi) in enumerate(want):
                    a, b = max(lo, position), min(hi, position + n)
                    if a < b:
                        pieces[k].append(data[:, a - position:b - position])
                position += n
            if position is not None and position >= last_needed:
                break
        if resampler is None:
            return None  # no sound decodes
        out_spans = []
        for (lo, hi), piece in zip(want, pieces):
            got = np.concatenate(piece, axis=1) if piece else np.zeros((channels, 0), np.float32)
            # Sound missing inside a span (a gap in the recording) is silence, so the spans after
            # it stay under their pictures.
            if got.shape[1] < hi - lo:
                got = np.concatenate([got, np.zeros((got.shape[0], hi - lo - got.shape[1]), np.float32)], axis=1)
            out_spans.append(got)
        return np.concatenate(out_spans, axis=1), rate, layout


def add_source_sound(reel: Path, source: Path, spans: Sequence[tuple[float, float]]) -> bool:
    """Rewrites `reel` (atomically: `atomic_path`) with the source's sound of `spans`; False when it has none.

    Sound that cannot be decoded or encoded leaves the reel as it was, silent, with a warning:
    the pictures are what a reel is for."""
    try:
        found = _samples_in_spans(source, spans)
    except (av.error.FFmpegError, ValueError) as err:
        log.warning("%s: its sound could not be read (%s); the reel has none", source, err)
        return False
    if found is None or found[0].shape[1] == 0:
        return False
    samples, rate, layout = found
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
            for start in range(0, samples.shape[1], size):
                chunk = np.ascontiguousarray(samples[:, start:start + size].T).reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout=layout)
                frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    except (av.error.FFmpegError, ValueError) as err:
        log.warning("%s: its sound could not be encoded (%s); the reel has none", source, err)
        return False
    return True
