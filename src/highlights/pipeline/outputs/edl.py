"""`highlights.edl`: a CMX3600 edit decision list, so an editor opens the cut in their NLE.

Written by hand: CMX3600 is a few fixed-width text lines per event, and the library that writes
it (OpenTimelineIO) is a heavy dependency for that. The layout follows what PySceneDetect and
DaVinci Resolve/Premiere exchange:

    TITLE: game
    FCM: NON-DROP FRAME

    001  AX       AA/V  C        00:00:01:15 00:00:03:00 00:00:00:00 00:00:01:15
    * FROM CLIP NAME: game.mp4
    * COMMENT: baseball_swing | baseball | score 0.870

Each event takes the source's picture and sound (`AA/V`: picture and two sound channels; `B`:
picture and one; `V`: a silent source's picture). Source in/out are the highlight's frames in the
source video; record in/out place the events back to back on the edited timeline. Out points
are exclusive, as CMX3600 defines them.
Frame numbers are counted at the video's real rate and written on the integer timecode base
(29.97 -> 30, non-drop; see `timecode.timecode_base`). A video whose camera wrote a start timecode
(a timecode track: `01:00:00;00`) is numbered from it, drop-frame when it is: editors find a
source frame by its timecode, so an EDL counted from zero names frames the clip does not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from highlights.atomic import atomic_write_text
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.naming import in_time_order
from highlights.pipeline.outputs.timecode import frame_to_smpte, seconds_to_frame, timecode_base, timecode_start


# CMX3600 writes a timecode's frames in two digits: a video above 99 fps (a phone's 120 or 240 fps
# slow motion) has no EDL that an editor could read.
MAX_TIMECODE_BASE = 99


def supports(fps: float) -> bool:
    """Whether an EDL can be written at `fps` (its timecode frames fit in two digits)."""
    return timecode_base(fps) <= MAX_TIMECODE_BASE


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def channels_of(sound_channels: int) -> str:
    """The CMX3600 channel field of a source with `sound_channels` channels of sound."""
    return "V" if sound_channels <= 0 else "B" if sound_channels == 1 else "AA/V"


def _reel_name(name: str) -> str:
    # CMX3600 reel names are at most 8 characters, letters and digits.
    cleaned = re.sub(r"[^A-Za-z0-9_]", "", name).upper()[:8]
    return cleaned or "AX"


@dataclass(frozen=True, kw_only=True)
class EdlOptions:
    """What an EDL is cut from and how it is named: the source file `source_name` at `fps`
    (`supports`), its start timecode `source_timecode` if it has one, and how many channels of
    sound it has (`sound_channels`, 0: none); the list's `title` (default: the source's stem) and
    `reel_name`; `note` (how the frames are counted), a comment of the first event: CMX3600
    readers take comments only inside events."""

    fps: float
    source_name: str
    title: str | None = None
    reel_name: str = "AX"
    note: str | None = None
    source_timecode: str = ""
    sound_channels: int = 0


def format_edl(highlights: Iterable[Highlight], options: EdlOptions) -> str:
    """The EDL text for `highlights` cut as `options` say."""
    fps, source_name, note = options.fps, options.source_name, options.note
    if not supports(fps):
        raise ValueError(f"a CMX3600 EDL counts at most {MAX_TIMECODE_BASE} frames a second, not {fps:g}")
    base = timecode_base(fps)
    reel = _reel_name(options.reel_name)
    title = _one_line(options.title if options.title is not None else Path(source_name).stem) or "HIGHLIGHTS"
    start, drop = timecode_start(options.source_timecode, fps)
    lines = [f"TITLE: {title}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    record = 0
    channels = channels_of(options.sound_channels)
    for number, h in enumerate(in_time_order(highlights), start=1):
        src_in = seconds_to_frame(h.start_s, fps)
        src_out = max(src_in + 1, seconds_to_frame(h.end_s, fps))
        length = src_out - src_in
        lines.append(
            f"{number:03d}  {reel:<8} {channels:<6}C        "
            f"{frame_to_smpte(start + src_in, base, drop)} {frame_to_smpte(start + src_out, base, drop)} "
            f"{frame_to_smpte(record, base, drop)} {frame_to_smpte(record + length, base, drop)}"
        )
        lines.append(f"* FROM CLIP NAME: {_one_line(Path(source_name).name)}")
        lines.append(f"* COMMENT: {_one_line(h.label)} | {_one_line(h.sport)} | score {h.score:.3f}")
        if note and number == 1:
            lines.append(f"* {_one_line(note)}")
        lines.append("")
        record += length
    return "\n".join(lines).rstrip("\n") + "\n"


def write_edl(highlights: Iterable[Highlight], out_path: str | Path, options: EdlOptions) -> Path:
    """Writes the CMX3600 EDL (title and header only when there are no highlights)."""
    return atomic_write_text(out_path, format_edl(highlights, options))
