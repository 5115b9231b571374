"""Editor timelines of the highlights: OpenTimelineIO (`.otio`), Final Cut Pro 7 XML and Final Cut
Pro X XML, all made by OpenTimelineIO from one timeline object.

The timeline has one video track: the highlights in time order, back to back, each a clip of the
source video (its in and out frames counted at the source's rate exactly as the EDL counts them),
named `001 basketball_layup`, with a marker at its key moment and the label, sport and score in
its metadata; and, when the source has sound, a sound track with the same cuts of it, so that the
cut opens in the editor with its sound. (The FCP X file gets its sound otherwise: its adapter
writes a sound track as clips connected inside gaps, so `fcpx_file` writes its clips as the
asset's picture and sound together, as Final Cut's own files do.)
The Final Cut formats are written by OpenTimelineIO's adapters (`otio-fcp-adapter`,
`otio-fcpx-xml-adapter`); DaVinci Resolve and Premiere import the FCP 7 XML too. A source with a
start timecode (a camera's timecode track) has its media, and so its clips' in and out points,
start at that timecode, as the EDL counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import opentimelineio as otio

from highlights.atomic import atomic_write_text
from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs.fcpx_file import finish_fcpx
from highlights.pipeline.outputs.naming import in_time_order, key_time
from highlights.pipeline.outputs.timecode import seconds_to_frame, timecode_start

# adapter name of each file kind
ADAPTERS = {"otio": "otio_json", "fcp_xml": "fcp_xml", "fcpx_xml": "fcpx_xml"}
# The NTSC rates as editors name them; a probed 30000/1001 is written as 29.97.
_EDITOR_RATES = (23.98, 29.97, 59.94)
# The rates the FCP X adapter has a frame duration for; at others it writes an unreadable file.
FCPX_RATES = (23.98, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0)


def timeline_rate(fps: float) -> float:
    """`fps` with the NTSC rates snapped to the names editors use (29.97002997 -> 29.97), and a
    whole rate measured a hair off (30.0000018: a trim's average over a duration its edit list
    rounds) to that rate; a phone's 29.89 stays what it is."""
    for rate in _EDITOR_RATES:
        if abs(fps - rate) < 0.01:
            return rate
    if abs(fps - round(fps)) < 1e-3:
        return float(round(fps))
    return float(fps)


def supports(kind: str, fps: float) -> bool:
    """Whether a `kind` file can be written at `fps`: OpenTimelineIO's own format takes any rate,
    the Final Cut formats only editors' rates (FCP 7 XML writes SMPTE timecodes: 24, 25, 30, 48,
    50, 60 and the NTSC rates; FCP X the ones in FCPX_RATES)."""
    rate = timeline_rate(fps)
    if kind == "fcpx_xml":
        return rate in FCPX_RATES
    if kind == "fcp_xml":
        return rate in _EDITOR_RATES or otio.opentime.RationalTime.is_valid_timecode_rate(rate)
    return True


def build_timeline(highlights: Iterable[Highlight], *, fps: float, source_path: str | Path,
                   duration_s: float, name: str | None = None, note: str | None = None,
                   source_timecode: str = "", sound: bool = False) -> otio.schema.Timeline:
    """The OpenTimelineIO timeline of `highlights` cut from `source_path` (a `duration_s` video at `fps`,
    starting at `source_timecode` when it has one; with a sound track when it has `sound`). `note`
    (how the frames are counted) goes in the timeline's metadata."""
    source_path = Path(source_path)
    fps = timeline_rate(fps)
    start, drop = timecode_start(source_timecode, fps)
    name = name or f"Highlights of {source_path.name}"
    total = max(1, seconds_to_frame(duration_s, fps))
    timeline = otio.schema.Timeline(name=name, global_start_time=otio.opentime.RationalTime(0, fps))
    if note:
        timeline.metadata["highlights"] = {"frame_rate": fps, "note": note}
    track = otio.schema.Track(name="highlights", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for number, h in enumerate(in_time_order(highlights), start=1):
        first = min(seconds_to_frame(h.start_s, fps), total - 1)
        end = min(max(first + 1, seconds_to_frame(h.end_s, fps)), total)
        # Named after the file: the FCP 7 adapter would otherwise name it by its URL, %20 and all.
        reference = otio.schema.ExternalReference(
            target_url=source_path.resolve().as_uri(),
            available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, fps),
                                                    otio.opentime.RationalTime(total, fps)))
        reference.name = source_path.name
        if drop:
            reference.metadata["fcp_xml"] = {"timecode": {"displayformat": "DF"}}
        clip = otio.schema.Clip(
            name=f"{number:03d} {h.label}", media_reference=reference,
            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start + first, fps),
                                                 otio.opentime.RationalTime(end - first, fps)),
            metadata={"highlights": {"label": h.label, "sport": h.sport, "score": float(h.score),
                                     "start_s": float(h.start_s), "end_s": float(h.end_s),
                                     "key_s": float(key_time(h))}})
        key = min(max(seconds_to_frame(key_time(h), fps), first), end - 1)
        clip.markers.append(otio.schema.Marker(
            name=h.label, marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start + key, fps),
                                                               otio.opentime.RationalTime(0, fps)),
            color=otio.schema.MarkerColor.RED))
        track.append(clip)
    if sound:
        timeline.tracks.append(_sound_track(track))
    return timeline


def _sound_track(pictures: otio.schema.Track) -> otio.schema.Track:
    """The sound of the same cuts as `pictures`: each clip's sound, without its marker (the FCP 7
    adapter writes two clips alike as one, and the picture carries the marker), read from the
    file's first sound track."""
    track = otio.schema.Track(name="sound", kind=otio.schema.TrackKind.Audio)
    for clip in pictures:
        reference = clip.media_reference
        sound_reference = otio.schema.ExternalReference(target_url=reference.target_url,
                                                        available_range=reference.available_range)
        sound_reference.name = reference.name
        sound_reference.metadata.update(reference.metadata)
        track.append(otio.schema.Clip(
            name=clip.name, media_reference=sound_reference, source_range=clip.source_range,
            metadata={"fcp_xml": {"sourcetrack": {"mediatype": "audio", "trackindex": "1"}}}))
    return track


def write_timeline(timeline: otio.schema.Timeline, out_path: str | Path, kind: str,
                   frame_size: tuple[int, int] | None = None) -> Path:
    """Write `timeline` as `kind` (`otio`, `fcp_xml` or `fcpx_xml`), atomically. `frame_size` is the
    source's picture as it is shown (width, height; a phone's portrait video stands), which the
    FCP X file's format gives (`fcpx_file.finish_fcpx`)."""
    if kind not in ADAPTERS:
        raise ValueError(f"unknown timeline kind {kind!r}; expected one of {tuple(ADAPTERS)}")
    rate = timeline.global_start_time.rate if timeline.global_start_time is not None else 0.0
    if not supports(kind, rate):
        raise ValueError(f"{kind} timelines support only editors' frame rates (24, 25, 29.97, 30, ...), "
                         f"not {rate:g}")
    if kind == "fcpx_xml":
        sound = any(track.kind == otio.schema.TrackKind.Audio for track in timeline.tracks)
        text = otio.adapters.write_to_string(_pictures_only(timeline), ADAPTERS[kind])
        return atomic_write_text(out_path, finish_fcpx(text, rate=rate, ntsc=rate in _EDITOR_RATES,
                                                       frame_size=frame_size, sound=sound))
    if kind == "fcp_xml":
        timeline = _markers_from_media_start(timeline)
    return atomic_write_text(out_path, otio.adapters.write_to_string(timeline, ADAPTERS[kind]))


def _markers_from_media_start(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """`timeline` with each clip's markers counted from its media's first frame, as FCP 7 XML counts
    a clip marker (and a clip's in and out), where OpenTimelineIO counts them on the source's
    timecode; its FCP 7 adapter writes them as they are, past the end of media with a start timecode."""
    if all(clip.media_reference.available_range is None
           or clip.media_reference.available_range.start_time.value == 0 for clip in timeline.find_clips()):
        return timeline
    shifted = timeline.clone()
    for clip in shifted.find_clips():
        media_start = clip.media_reference.available_range.start_time
        for marker in clip.markers:
            marker.marked_range = otio.opentime.TimeRange(marker.marked_range.start_time - media_start,
                                                          marker.marked_range.duration)
    return shifted


def _pictures_only(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    if all(track.kind == otio.schema.TrackKind.Video for track in timeline.tracks):
        return timeline
    pictures = timeline.clone()
    for track in [t for t in pictures.tracks if t.kind != otio.schema.TrackKind.Video]:
        pictures.tracks.remove(track)
    return pictures
