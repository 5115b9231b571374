"""Finishing touches to the Final Cut Pro X file that OpenTimelineIO's adapter writes, where its
output is not what Final Cut's own files say: each time on a frame of the exact NTSC rates, the
format by the picture's shown size, and the spine's clips as asset clips (picture and sound)."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import PurePosixPath
from urllib.parse import unquote_to_bytes, urlparse


def finish_fcpx(fcpx: str, *, rate: float, ntsc: bool, frame_size: tuple[int, int] | None, sound: bool) -> str:
    """The adapter's FCP X text at `rate` (`ntsc`: one of the NTSC rates, named 29.97 etc.), the
    source's picture shown at `frame_size`, with `sound` or without."""
    if ntsc:
        fcpx = on_ntsc_frames(fcpx, rate)
    return asset_clips(sized_format(fcpx, frame_size), sound=sound)


_FCPX_FORMAT = re.compile(r"<format ([^>]*?)\s*/>")
_FCPX_FORMAT_NAME = re.compile(r'\s*\bname="[^"]*"')


def sized_format(fcpx: str, frame_size: tuple[int, int] | None) -> str:
    """The FCP X file's format named by its size, not by the adapter's name for it. The adapter
    names it after the stored size that ffprobe reports (when ffprobe is installed), in a form
    Final Cut has no format of (`FFVideoFormat1280x720xp30.0`), and names a portrait phone video's
    720x1280 or 1080x1920 landscape 720p or 1080p, so the project came out landscape; Final Cut's
    own files give a format it has no name for by its width and height."""
    def sized(match: re.Match) -> str:
        attributes = _FCPX_FORMAT_NAME.sub("", match.group(1))
        if frame_size is not None:
            attributes += f' width="{int(frame_size[0])}" height="{int(frame_size[1])}"'
        return f"<format {attributes}/>"

    return _FCPX_FORMAT.sub(sized, fcpx)


_FCPX_TIME = re.compile(r'\b(offset|duration|start)="(\d+)(?:/(\d+))?s"')


def on_ntsc_frames(fcpx: str, rate: float) -> str:
    """The FCP X file's times on its frames' exact NTSC times. The adapter counts frames at the
    rate's name (n / 29.97 s), while the file's frameDuration is 1001/30000 s: its times fall a
    millionth off the frames, a tenth of a frame an hour in (a camera's 01:00:00;00 start), where
    Final Cut wants every time on a frame."""
    named, exact = Fraction(str(rate)), Fraction(round(rate) * 1000, 1001)

    def on_frame(match: re.Match) -> str:
        frames = round(Fraction(int(match.group(2)), int(match.group(3) or 1)) * named)
        time = frames / exact
        return f'{match.group(1)}="{time.numerator}/{time.denominator}s"' if frames else f'{match.group(1)}="0s"'

    return _FCPX_TIME.sub(on_frame, fcpx)


def asset_clips(fcpx: str, *, sound: bool) -> str:
    """The spine's clips as `asset-clip`s of the source, as Final Cut writes a clip of one file:
    the adapter writes each as a `clip` holding the file's `video` at offset 0, which places the
    picture at time 0 of the clip while the clip's start is on the file's timecode (a camera's
    01:00:00:00), and carries no sound. An asset clip shows the asset's picture, and sound when
    the asset `hasAudio`, from its start on the file's own timeline. The browser's asset clips
    start at the file's start too, and the asset is named after its file, not after the first clip."""
    header, _, body = fcpx.partition("<fcpxml")
    root = ET.fromstring("<fcpxml" + body)
    assets = {asset.get("id"): asset for asset in root.iter("asset")}
    for asset in assets.values():
        asset.set("hasAudio", "1" if sound else "0")
        if asset.get("src"):
            # The file URL escapes the bytes the file system names it with (Latin-1's `é` is %E9):
            # read back in that encoding, not UTF-8, which made each such letter a replacement mark.
            escaped = PurePosixPath(urlparse(asset.get("src")).path).name
            asset.set("name", unquote_to_bytes(escaped).decode(sys.getfilesystemencoding(), "replace"))
    for spine in root.iter("spine"):
        for index, clip in enumerate(list(spine)):
            pictures = clip.findall("video")
            if clip.tag != "clip" or len(pictures) != 1 or len(clip) != len(pictures) + len(clip.findall("marker")):
                continue
            asset = assets.get(pictures[0].get("ref"))
            if asset is None:
                continue
            replacement = ET.Element("asset-clip", {
                "name": clip.get("name", ""), "ref": asset.get("id"), "offset": clip.get("offset", "0s"),
                "duration": clip.get("duration", "0s"), "start": clip.get("start", asset.get("start", "0s")),
                "format": asset.get("format", "")})
            replacement.text = clip.text  # the markers' indentation
            replacement.extend(clip.findall("marker"))
            replacement.tail = clip.tail
            spine.remove(clip)
            spine.insert(index, replacement)
    for browser_clip in root.findall("asset-clip"):
        asset = assets.get(browser_clip.get("ref"))
        if asset is not None and asset.get("start") and browser_clip.get("start") is None:
            browser_clip.set("start", asset.get("start"))
    return header + ET.tostring(root, encoding="unicode") + "\n"
