"""The highlight pipeline's outputs beside `highlights.json`: CSV, CMX3600 EDL, OpenTimelineIO and
Final Cut Pro (7 and X) XML timelines, YouTube-style chapters, timeline PNG, the highlight reel MP4
with per-highlight clips, and a self-contained HTML review page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.kept_clips import KeptClips
from highlights.pipeline.outputs.chapters import format_chapters, write_chapters
from highlights.pipeline.outputs.csv_writer import write_csv
from highlights.pipeline.outputs.edl import EdlOptions, format_edl, write_edl
from highlights.pipeline.outputs.edl import supports as edl_supports
from highlights.pipeline.outputs.editor_timeline import build_timeline, supports, write_timeline
from highlights.pipeline.outputs.html_page import THUMBNAILS_DIR, render_html, write_html
from highlights.pipeline.outputs.naming import CLIP_GLOB, in_time_order
from highlights.pipeline.outputs.page_notes import PageNotes
from highlights.pipeline.outputs.reel import ReelResult, write_reel
from highlights.pipeline.outputs.timeline import plot_timeline
from highlights.progress_callback import ProgressSetting
from highlights.video import probe

__all__ = [
    "EdlOptions",
    "OUTPUT_NAMES",
    "ReelResult",
    "build_timeline",
    "final_cut_left_out",
    "format_chapters",
    "format_edl",
    "plot_timeline",
    "render_html",
    "write_all",
    "write_chapters",
    "write_csv",
    "write_edl",
    "write_html",
    "write_reel",
    "write_timeline",
]

log = logging.getLogger(__name__)


# File names inside the output folder (keys are those of write_all's result).
OUTPUT_NAMES = {
    "csv": "highlights.csv",
    "edl": "highlights.edl",
    "otio": "highlights.otio",
    "fcp_xml": "highlights.fcp.xml",
    "fcpx_xml": "highlights.fcpxml",
    "chapters": "chapters.txt",
    "timeline": "timeline.png",
    "reel": "reel.mp4",
    "clips": "clips",
    "thumbs": THUMBNAILS_DIR,
    "html": "highlights.html",
}


def editor_rate(info) -> tuple[float, str | None]:
    """The rate the editor files count frames at, and the line they carry saying so (None for
    constant-rate video). A variable-rate recording (a phone's 30 fps that slows to 15 in low
    light) is counted at the rate its frames are laid on (`VideoInfo.steady_fps`), not at its
    average: every frame's time is a whole number of frames at that rate, so each in point names
    the frame shown at the highlight's time, and the reel is made at the same rate. Editors
    conform such a clip to a constant rate; one that does so at this rate, by the frames' times,
    puts each highlight where it happened."""
    if not info.frame_rate:
        return info.fps, None
    return info.steady_fps, (f"frames counted at {info.steady_fps:g} fps, the rate that fits this "
                             f"variable-frame-rate video's frame times ({info.fps:.4g} fps on "
                             f"average): conform it to {info.steady_fps:g} fps by its frames' "
                             "times")


def final_cut_left_out(paths: Mapping[str, Path], fps: float) -> str | None:
    """One line for the user when `write_all` wrote no Final Cut file for the video's frame rate
    (phones often record at rates such as 29 or 29.89 fps, which Final Cut has no timecode for)."""
    missing = [OUTPUT_NAMES[kind] for kind in ("fcp_xml", "fcpx_xml") if kind not in paths]
    if not missing or "otio" not in paths:
        return None
    if "edl" not in paths:  # slow motion: 120, 240 fps
        return (f"no {OUTPUT_NAMES['edl']}, {' or '.join(missing)}: the video's {fps:g} fps is "
                "above what an EDL's timecodes count (99 frames a second) and not a Final Cut Pro "
                "frame rate; the OpenTimelineIO file keeps its timing")
    return (f"no {' or '.join(missing)}: the video's {fps:g} fps is not a Final Cut Pro frame rate "
            "(24, 25, 29.97, 30, 50, 60, ...); the EDL and OpenTimelineIO files keep its timing")


def _remove_stale(out_dir: Path, *, reel_made: bool, reel_written: Path | None,
                  clips_made: bool, clips_written: set[Path]) -> None:
    # A re-run into the same folder must not leave an older run's reel or clips beside the new
    # page; only files with this module's own names are touched.
    reel = out_dir / OUTPUT_NAMES["reel"]
    if reel_made and reel_written is None and reel.exists():
        reel.unlink()
    clips_dir = out_dir / OUTPUT_NAMES["clips"]
    if clips_made and clips_dir.is_dir():
        for old in clips_dir.glob(CLIP_GLOB):
            if old not in clips_written:
                old.unlink()


def _write_editor_files(ordered: list[Highlight], video_path: Path, out_dir: Path,
                        info) -> dict[str, Path]:
    """The EDL and the OpenTimelineIO and Final Cut timelines, each where the video's frame rate
    allows it (the others said in the log)."""
    paths: dict[str, Path] = {}
    rate, note = editor_rate(info)
    if edl_supports(rate):
        paths["edl"] = write_edl(ordered, out_dir / OUTPUT_NAMES["edl"],
                                 EdlOptions(fps=rate, source_name=video_path.name, note=note,
                                            source_timecode=info.timecode,
                                            sound_channels=info.sound_channels))
    else:
        log.info("no %s: the video's %g fps does not fit an EDL's timecodes", OUTPUT_NAMES["edl"],
                 rate)
    editor = build_timeline(ordered, fps=rate, source_path=video_path, duration_s=info.duration_s,
                            note=note, source_timecode=info.timecode, sound=info.sound_channels > 0)
    for kind in ("otio", "fcp_xml", "fcpx_xml"):
        if supports(kind, rate):  # Final Cut knows only editors' rates (24, 25, 29.97, ...)
            paths[kind] = write_timeline(editor, out_dir / OUTPUT_NAMES[kind], kind,
                                         frame_size=(info.width, info.height))
        else:
            log.info("no %s: the video's %g fps is not a Final Cut Pro rate", OUTPUT_NAMES[kind],
                     rate)
    return paths


def _write_media(ordered: list[Highlight], video_path: Path, out_dir: Path, *, reel: bool,
                 html: bool, reel_height: int, reel_fps: float, progress: ProgressSetting,
                 in_reel: Callable[[Highlight], bool] | None, kept: KeptClips | None) -> ReelResult:
    """The reel (with `reel`), the clips and thumbnails (with `html`) in one pass over the video,
    and no reel or clip of an earlier run left beside them."""
    media = write_reel(
        ordered,
        video_path,
        out_dir / OUTPUT_NAMES["reel"] if reel else None,
        clips_dir=out_dir / OUTPUT_NAMES["clips"] if html else None,
        thumbnails=html,
        reel_short_side=reel_height,
        reel_max_fps=reel_fps,
        progress=progress,
        in_reel=in_reel,
        kept=kept,
    )
    _remove_stale(
        out_dir,
        reel_made=reel,
        reel_written=media.reel_path,
        clips_made=html,
        clips_written={p for p in media.clip_paths if p is not None},
    )
    return media


def _page_links(paths: Mapping[str, Path], highlights_json: str | Path | None,
                results_spotting: str | Path | None) -> dict[str, Path]:
    """The page's links to the other outputs, by name: the pipeline's own result file first, then
    SoccerNet's, then the files written here."""
    links = {"CSV": paths["csv"], "EDL (CMX3600)": paths.get("edl"),
             "OpenTimelineIO": paths["otio"],
             "Final Cut Pro 7 XML": paths.get("fcp_xml"),
             "Final Cut Pro X XML": paths.get("fcpx_xml"),
             "chapters": paths["chapters"], "timeline (PNG)": paths["timeline"]}
    links = {k: v for k, v in links.items() if v is not None}
    if results_spotting is not None:
        links = {"SoccerNet results": Path(results_spotting), **links}
    if highlights_json is not None:
        links = {Path(highlights_json).name: Path(highlights_json), **links}
    return links


def write_all(
    highlights: Iterable[Highlight],
    video_path: str | Path,
    out_dir: str | Path,
    *,
    config_dict: Mapping[str, Any] | None = None,
    annotation: Any = None,
    reel: bool = True,
    html: bool = True,
    progress: ProgressSetting = True,
    highlights_json: str | Path | None = None,
    results_spotting: str | Path | None = None,
    up_link: tuple[str, str] | None = None,
    reel_height: int = 0,
    reel_fps: float = 0.0,
    in_reel: Callable[[Highlight], bool] | None = None,
    reel_budget: str | None = None,
    kept: KeptClips | None = None,
    damage: str | None = None,
) -> dict[str, Path]:
    """Writes every output of one processed game into `out_dir` and returns their paths.

    Always: `csv`, `edl` (up to 99 fps), `otio`, `fcp_xml` and `fcpx_xml` (at editors' frame rates),
    `chapters`, `timeline` (PNG). With `reel`: `reel` (MP4; absent when no frame lies inside a
    highlight, e.g. when there are none). With `html`: `clips` (folder of per-highlight MP4s),
    `thumbs` (folder of their JPEG thumbnails, when there is one) and `html` (the review page).
    Reel, clips and thumbnails come from one pass over `video_path`. `annotation` (a
    `GameAnnotation` or anything with `.events`) adds a ground-truth lane to both timelines;
    `config_dict` is shown on the page; `highlights_json`, the pipeline's own result file, and
    `results_spotting` (SoccerNet's) are linked from it; `damage`, the line on what a damaged video
    kept the run from analysing, is shown on it. `reel_height` is the reel's short side (0: the
    source's size; see `MergeConfig.reel_height`), `reel_fps` its rate at most (0: the source's).
    `in_reel` (None: every highlight) says which
    highlights the reel holds (`reel_length.reel_choice`); every other output has them all.
    `reel_budget` (`ReelChoice.budget_words`) tells the page what the reel's length was set by.
    `kept` (`pipeline.kept_clips`): clips and thumbnails an earlier, stopped write finished are
    reused, and this write's are kept as it goes (`write_reel`).
    Raises `VideoError` if the source cannot be read.
    """
    video_path = Path(video_path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = in_time_order(highlights)
    info = probe(video_path)

    paths = _write_listings(ordered, video_path, out_dir, info, annotation=annotation, reel=reel,
                            in_reel=in_reel)
    media: ReelResult | None = None
    if reel or html:
        media = _write_media(ordered, video_path, out_dir, reel=reel, html=html,
                             reel_height=reel_height,
                             reel_fps=reel_fps, progress=progress, in_reel=in_reel, kept=kept)
        paths.update(_media_paths(media, out_dir, html=html))
    if html:
        notes = PageNotes(config_dict=config_dict, highlights_json=highlights_json,
                          results_spotting=results_spotting, up_link=up_link,
                          reel_budget=reel_budget, damage=damage)
        paths.update(_write_page(ordered, video_path, out_dir, info, media, paths, notes,
                                 annotation=annotation))
    return paths


def _write_listings(ordered: list[Highlight], video_path: Path, out_dir: Path, info, *,
                    annotation: Any,
                    reel: bool, in_reel: Callable[[Highlight], bool] | None) -> dict[str, Path]:
    """The outputs that list the highlights without cutting the video: the CSV, the editor files,
    the chapters and the timeline PNG."""
    paths: dict[str, Path] = {}
    paths["csv"] = write_csv(ordered, out_dir / OUTPUT_NAMES["csv"], reel=reel, in_reel=in_reel)
    paths.update(_write_editor_files(ordered, video_path, out_dir, info))
    paths["chapters"] = write_chapters(ordered, out_dir / OUTPUT_NAMES["chapters"], info.duration_s)
    paths["timeline"] = plot_timeline(
        ordered,
        out_dir / OUTPUT_NAMES["timeline"],
        duration_s=info.duration_s,
        annotation=annotation,
        title=f"Highlights of {video_path.name}",
    )
    return paths


def _media_paths(media: ReelResult, out_dir: Path, *, html: bool) -> dict[str, Path]:
    """The reel where one was written, and with `html` the clips' folder (made where no clip was
    written into it)."""
    paths: dict[str, Path] = {}
    if media.reel_path is not None:
        paths["reel"] = media.reel_path
    if html:
        paths["clips"] = out_dir / OUTPUT_NAMES["clips"]
        paths["clips"].mkdir(exist_ok=True)
    return paths


def _write_page(ordered: list[Highlight], video_path: Path, out_dir: Path, info,
                media: ReelResult | None, paths: Mapping[str, Path], notes: PageNotes, *,
                annotation: Any) -> dict[str, Path]:
    """The review page, linking the outputs in `paths`, and the thumbnails' folder where the media
    pass wrote one."""
    page = {"html": write_html(
        ordered,
        out_dir / OUTPUT_NAMES["html"],
        source_name=video_path.name,
        duration_s=info.duration_s,
        start_s=float(info.start_s or 0.0),
        media=media,
        config_dict=notes.config_dict,
        annotation=annotation,
        links=_page_links(paths, notes.highlights_json, notes.results_spotting),
        up_link=notes.up_link,
        reel_budget=notes.reel_budget,
        damage=notes.damage,
    )}
    if (out_dir / OUTPUT_NAMES["thumbs"]).is_dir():
        page["thumbs"] = out_dir / OUTPUT_NAMES["thumbs"]
    return page
