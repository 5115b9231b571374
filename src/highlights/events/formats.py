"""Reading and writing game annotations: ours, SoccerNet `Labels-v2.json`, ActivityNet.

- **highlights** (the generator's `NAME.json`): `{"video", "fps", "width", "height",
  "duration_s", "sport", "events": [{"id", "sport", "label", "start_s", "end_s", "key_s"}],
  "shots": [{"start_s", "end_s"}]}`.
- **SoccerNet** `Labels-v2.json`: `{"UrlLocal", "annotations": [{"gameTime": "1 - 05:12",
  "label", "position": "312000", "team", "visibility"}]}`. SoccerNet events are spots: `position`
  (milliseconds, a string) is our `key_s`. When we write one we add `start_s`, `end_s`, `id` and
  `sport` to each annotation and our video fields at the top level, so our own files round-trip
  losslessly; a foreign file without them gets the window `key_s + SPOT_WINDOW_S` (clamped at
  0), the sport of its label when the label is one of the project's classes or names one
  (`volleyball_spike`: volleyball; else "soccer") and
  ids in file order. The half (`"2 - 12:34"` is the second half) is kept
  in `Event.half`: SoccerNet films a match as one video per half (`1_224p.mkv`, `2_224p.mkv`) and
  `position` counts from that half's start, so the two halves are two timelines (see
  `select_half`). We write `"half": null` for events of a one-video game so that it reads back
  as one. Times are in milliseconds, so write times that are whole milliseconds to round-trip.
- **ActivityNet**: `{"database": {video_id: {"duration", "annotations": [{"segment": [s, e],
  "label"}]}}}`. Segments have no key moment: we add `key_s` (and `id`, `sport`) when writing;
  a foreign segment's key moment is its midpoint. A file may hold several videos: see
  `load_annotations`. An event's half, when it has one, is kept as `"half"`.

Files written by hand may give times as a clock (`"1:05.5"`, `events.times`) wherever ours give
seconds, and SoccerNet's `gameTime` without `position`; our own events need only `label`,
`start_s` and `end_s` (see `Event.from_dict`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from highlights.atomic import atomic_write_json
from highlights.file_set import check_written_with
from highlights.errors import HighlightsError
from highlights.events.model import Event, GameAnnotation, Shot
from highlights.events.times import seconds_of
from highlights.vocabulary import SPORT_OF_LABEL, sport_of

FORMATS = ("highlights", "soccernet", "activitynet")
# The window put around a SoccerNet spot that has no start/end: 2 s before to 2 s after.
SPOT_WINDOW_S = (-2.0, 2.0)


class AnnotationError(HighlightsError, ValueError):
    """An annotation file that cannot be read; the message is `<path>: <cause>`, one line."""

    def __init__(self, path: str | Path, cause: str):
        self.path, self.cause = str(path), " ".join(str(cause).split())
        super().__init__(f"{self.path}: {self.cause}")

    def __reduce__(self):  # made again from its path and cause where a worker process sends it back
        return type(self), (self.path, self.cause)


def detect_format(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("database"), dict):
        return "activitynet"
    anns = data.get("annotations")
    if isinstance(anns, list) and ("UrlLocal" in data or any(
            isinstance(a, dict) and ("gameTime" in a or "position" in a) for a in anns)):
        return "soccernet"
    if isinstance(data.get("events"), list):
        return "highlights"
    return None


def read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise AnnotationError(path, "no such file") from None
    except IsADirectoryError:
        raise AnnotationError(path, "is a folder, not an annotation file") from None
    except json.JSONDecodeError as err:
        raise AnnotationError(path, f"not valid JSON ({err})") from None
    except UnicodeDecodeError as err:
        raise AnnotationError(path, f"not UTF-8 text (byte 0x{err.object[err.start]:02x} "
                                    f"at offset {err.start})") from None
    except (ValueError, RecursionError) as err:  # a number past Python's digits, nesting too deep
        raise AnnotationError(path, f"not valid JSON ({' '.join(str(err).split())})") from None
    except OSError as err:
        raise AnnotationError(path, err.strerror or str(err)) from None


def load_annotations(path: str | Path) -> list[GameAnnotation]:
    """Every game annotated in `path` (ActivityNet files may hold several videos)."""
    path = Path(path)
    data = read_json(path)
    fmt = detect_format(data)
    if fmt == "highlights":
        # the generator's names its game's video and truth: not theirs, it would score another game
        check_written_with(path, data, again="make the game again (the same "
                                             "`highlights synth game` command)")
    try:
        if fmt == "highlights":
            return [GameAnnotation.from_dict(data)]
        if fmt == "soccernet":
            return [_from_soccernet(data, path)]
        if fmt == "activitynet":
            return [_from_activitynet(vid, entry) for vid, entry in data["database"].items()]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        raise AnnotationError(path, f"malformed {fmt} annotation ({type(err).__name__}: {err})") from None
    raise AnnotationError(path, "not a recognised annotation format (expected the highlights "
                                "game JSON, a SoccerNet Labels-v2.json or an ActivityNet-style JSON)")


def load_annotation(path: str | Path, video: str | None = None) -> GameAnnotation:
    """The annotation in `path`, whatever its format; `video` picks one from a multi-video file."""
    anns = load_annotations(path)
    if video is not None:
        stem = Path(video).stem
        for ann in anns:
            if ann.video == video or Path(ann.video).stem == stem:
                return ann
        raise AnnotationError(path, f"no annotation for video {video!r}")
    if len(anns) != 1:
        raise AnnotationError(path, f"holds {len(anns)} videos; say which one (video=...)")
    return anns[0]


def annotation_data(ann: GameAnnotation, fmt: str = "highlights") -> dict:
    """`ann` as the JSON object `save_annotation` writes in `fmt`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown annotation format {fmt!r}; expected one of {FORMATS}")
    return {"highlights": ann.to_dict, "soccernet": lambda: _to_soccernet(ann),
            "activitynet": lambda: _to_activitynet(ann)}[fmt]()


def save_annotation(ann: GameAnnotation, path: str | Path, fmt: str = "highlights") -> Path:
    """Write `ann` as `fmt` (highlights, soccernet or activitynet), atomically."""
    return atomic_write_json(path, annotation_data(ann, fmt), indent=2)


# ---------------------------------------------------------------------------- halves

# SoccerNet names a half's video after the half: 1_224p.mkv, 2_720p.mkv, 1_HQ.mkv.
_HALF_VIDEO = re.compile(r"^([12])_[^/\\]*$")


def half_of_video(video: str | Path) -> int | None:
    """The half a video file holds by SoccerNet's naming (`1_224p.mkv` -> 1), else None."""
    m = _HALF_VIDEO.match(Path(video).name)
    return int(m.group(1)) if m else None


def select_half(ann: GameAnnotation, *, half: int | None = None, video: str | Path | None = None,
                source: str | Path = "annotation") -> tuple[GameAnnotation, int | None]:
    """The part of `ann` that one video shows, and its half.

    The half is `half` if given, else the one `video`'s name says (SoccerNet's `1_224p.mkv`),
    else the annotation's only half; an annotation with events in both halves and no way to tell
    which one the video holds is refused (scoring a first-half video against both halves would
    count every second-half event as missed). `source` names the annotation in that error.
    """
    if half is not None and half not in (1, 2):
        raise AnnotationError(source, f"half must be 1 or 2, got {half!r}")
    halves = ann.halves
    if half is None and video is not None:
        half = half_of_video(video)
    if half is None:
        if len(halves) > 1:
            raise AnnotationError(source, "holds events of both halves of a match; say which half the "
                                          "video is (--half 1 or --half 2)")
        return ann, (halves[0] if halves else None)
    return ann.of_half(half), half


def refuse_events_after(ann: GameAnnotation, duration_s: float | None, video: str | Path,
                        source: str | Path = "annotation") -> None:
    """Refuse, in one line, an annotation whose key moments fall after the end of the `duration_s`
    video `video`: another video's (a mixed-up file), or times in the wrong unit, against which a
    recall means nothing. Checked on key moments with a second's grace, since an event may end a
    little after a trimmed video does."""
    if not duration_s or duration_s <= 0:
        return
    after = [e.key_s for e in ann.events if e.key_s > duration_s + 1.0]
    if after:
        raise AnnotationError(source, f"{len(after)} of {len(ann.events)} key moments are after the end "
                                      f"of {Path(video).name} ({duration_s:.1f} s; the last at {max(after):.1f} s): "
                                      "is it this video's annotation?")


# ---------------------------------------------------------------------------- SoccerNet

def game_time(seconds: float, half: int = 1) -> str:
    """SoccerNet's clock string: "<half> - mm:ss" (minutes may pass 45 in one video)."""
    total = int(seconds)
    return f"{half} - {total // 60:02d}:{total % 60:02d}"


def _to_soccernet(ann: GameAnnotation) -> dict:
    anns = []
    for e in ann.events:
        anns.append({"gameTime": game_time(e.key_s, e.half or 1), "label": e.label,
                     "position": str(int(round(e.key_s * 1000))), "team": "not applicable",
                     "visibility": "visible", "half": e.half, "id": e.id, "sport": e.sport,
                     "start_s": e.start_s, "end_s": e.end_s})
    return {"UrlLocal": ann.video, "UrlYoutube": "", "annotations": anns,
            "video": ann.video, "fps": ann.fps, "width": ann.width, "height": ann.height,
            "duration_s": ann.duration_s, "sport": ann.sport,
            "shots": [s.to_dict() for s in ann.shots]}


def _position_s(a: dict) -> float:
    if "position" in a:
        try:
            return float(str(a["position"]).strip()) / 1000.0
        except ValueError:
            raise ValueError(f"position {a['position']!r} is not a time in milliseconds (e.g. \"312000\")") from None
    # No position: fall back to the game clock (half - mm:ss), counting from the half's start.
    half_and_clock = str(a["gameTime"]).split("-", 1)
    if len(half_and_clock) != 2:
        raise ValueError(f"gameTime {a['gameTime']!r} is not \"HALF - MM:SS\" (e.g. \"1 - 05:12\")")
    return seconds_of(half_and_clock[1], "gameTime")


def _half_of_game_time(a: dict) -> int:
    half = str(a["gameTime"]).split("-", 1)[0].strip()
    if half not in ("1", "2"):
        raise ValueError(f"gameTime {a['gameTime']!r} does not start with half 1 or 2 (\"HALF - MM:SS\")")
    return int(half)


def _from_soccernet(data: dict, path: Path) -> GameAnnotation:
    events = []
    for i, a in enumerate(data["annotations"]):
        key = _position_s(a)
        start = seconds_of(a["start_s"], "start_s") if "start_s" in a else max(0.0, key + SPOT_WINDOW_S[0])
        end = seconds_of(a["end_s"], "end_s") if "end_s" in a else key + SPOT_WINDOW_S[1]
        # Our own files say "half" (null for a one-video game); SoccerNet's say it in gameTime.
        half = a["half"] if "half" in a else _half_of_game_time(a)
        label = str(a["label"])
        # SoccerNet's own labels ("Goal", "Shots on target") are soccer's; a class named
        # sport_action (`volleyball_spike`) is its sport's.
        sport = a.get("sport") or SPORT_OF_LABEL.get(label) or (sport_of(label) if "_" in label else "soccer")
        events.append(Event(id=str(a.get("id", i)), sport=str(sport), label=label, start_s=start, end_s=end, key_s=key,
                            half=None if half is None else int(half)))
    video = data.get("video") or data.get("UrlLocal") or path.parent.name
    return GameAnnotation(
        video=str(video), fps=_opt(data.get("fps"), float), duration_s=_opt(data.get("duration_s"), float),
        width=_opt(data.get("width"), int), height=_opt(data.get("height"), int),
        sport=str(data.get("sport", "soccer")), events=events,
        shots=[Shot(float(s["start_s"]), float(s["end_s"])) for s in data.get("shots", [])])


# ---------------------------------------------------------------------------- ActivityNet

def _video_id(video: str) -> str:
    return Path(video).stem or video


def _to_activitynet(ann: GameAnnotation) -> dict:
    entry = {
        "duration": ann.duration_s, "subset": "testing", "url": "",
        "annotations": [{"segment": [e.start_s, e.end_s], "label": e.label, "key_s": e.key_s,
                         "id": e.id, "sport": e.sport, **({} if e.half is None else {"half": e.half})}
                        for e in ann.events],
        "video": ann.video, "fps": ann.fps, "width": ann.width, "height": ann.height,
        "sport": ann.sport, "shots": [s.to_dict() for s in ann.shots],
    }
    return {"version": "highlights", "database": {_video_id(ann.video): entry}}


def _from_activitynet(video_id: str, entry: dict) -> GameAnnotation:
    events = []
    for i, a in enumerate(entry.get("annotations", [])):
        s, e = (seconds_of(v, "segment") for v in a["segment"])
        label = str(a["label"])
        sport = a.get("sport") or entry.get("sport") or sport_of(label)
        events.append(Event(id=str(a.get("id", i)), sport=str(sport), label=label, start_s=s, end_s=e,
                            key_s=seconds_of(a["key_s"], "key_s") if "key_s" in a else (s + e) / 2,
                            half=None if a.get("half") is None else int(a["half"])))
    return GameAnnotation(
        video=str(entry.get("video", video_id)), fps=_opt(entry.get("fps"), float),
        duration_s=_opt(entry.get("duration"), float), width=_opt(entry.get("width"), int),
        height=_opt(entry.get("height"), int), sport=str(entry.get("sport", "")), events=events,
        shots=[Shot(seconds_of(x["start_s"], "start_s"), seconds_of(x["end_s"], "end_s"))
               for x in entry.get("shots", [])])


def _opt(value, kind):
    return None if value is None else kind(value)
