"""Whether an annotation file names the video it is scored against.

Phones name their files by the clock (`VID_20240512_181503.mp4`) and coaches rename them, so an
annotation naming another file is no proof that it is another game's: the run goes on, and says
so in one line naming both, since scored against another game's events the figures mean nothing.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from highlights.events.formats import detect_format, read_json


def video_named_in(path: str | Path) -> str | None:
    """The video the annotation file at `path` names: the game JSON's `video`, SoccerNet's
    `UrlLocal` (else `video`), an ActivityNet file's one video id; None where it names none (the
    loader's stand-in, the file's folder, is not the file's word)."""
    data = read_json(Path(path))
    fmt = detect_format(data)
    if fmt in ("highlights", "soccernet"):
        name = data.get("UrlLocal") if fmt == "soccernet" else None
        name = name or data.get("video")
    elif fmt == "activitynet" and len(data["database"]) == 1:
        name = next(iter(data["database"]))
    else:
        name = None
    return name.strip() if isinstance(name, str) and name.strip() else None


def _matches(named: str, video: Path) -> bool:
    """The names agree: the named file's name or stem is the video's (a path or extension aside),
    or names a folder the video is in (SoccerNet's `UrlLocal` names the game's folder, whose
    videos are `1_224p.mkv` and `2_224p.mkv`)."""
    last = PurePath(named.replace("\\", "/").rstrip("/")).name
    stem = PurePath(last).stem
    folders = {p.name for p in video.resolve().parents}
    return bool({last, stem} & ({video.name, video.stem} | folders))


def other_video_line(annotation_path: str | Path, video: str | Path) -> str | None:
    """One line where the annotation names a video other than `video`, else None."""
    named = video_named_in(annotation_path)
    if named is None or _matches(named, Path(video)):
        return None
    return (f"{Path(annotation_path).name} names the video {named!r}, not {Path(video).name!r}: scored against it "
            f"all the same, right for a renamed file, meaningless for another game's events")
