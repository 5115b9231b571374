"""`highlights detect`: run the pipeline over one game and write its results."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from highlights.atomic import atomic_write_json, remove_stale_staging
from highlights.events.spotting import RESULTS_SPOTTING_JSON, write_results_spotting
from highlights.pipeline.config import PipelineConfig
from highlights.pipeline.json_values import json_default
from highlights.pipeline.kept_clips import KeptClips, kept_clips_for
from highlights.pipeline.output_folder import check_replaceable, mark_complete, moved, run_folder
from highlights.pipeline.output_lock import being_written, one_run_writing
from highlights.pipeline.reel_length import reel_of_run
from highlights.pipeline.run import PipelineResult, run_pipeline
from highlights.pipeline.spotting import window_spots
from highlights.progress_callback import ProgressSetting

if TYPE_CHECKING:
    from highlights.pipeline.kept_frames import KeptFrames

HIGHLIGHTS_JSON = "highlights.json"


def rejected_windows(result: PipelineResult) -> list[dict]:
    """Every classifier window the run turned down, once each, in time order, with its class
    probabilities: the pool a reviewer searches for missed events (`highlights review`)."""
    seen: dict[tuple, dict] = {}
    for c in result.trace.classifications:
        if not c.get("accepted"):
            start, end = c["window"]
            seen.setdefault((start, end), {"start_s": start, "end_s": end, "key_s": c.get("key_s"),
                                           "label": c["label"], "score": c["score"],
                                           "probs": c.get("probs", {})})
    return [seen[k] for k in sorted(seen)]


def write_highlights_json(result: PipelineResult, out_dir: str | Path) -> Path:
    data = {**result.to_dict(), "candidates": rejected_windows(result)}
    return atomic_write_json(Path(out_dir) / HIGHLIGHTS_JSON, data, indent=2, default=json_default)


def write_spotting_results(result: PipelineResult, out_dir: str | Path, *, half: int = 1) -> Path:
    """SoccerNet's `results_spotting.json`: every scored classifier window, under the display
    threshold too (average-mAP sweeps the confidence), on `half`'s video."""
    return write_results_spotting(window_spots(result.trace.classifications, half=half),
                                  Path(out_dir) / RESULTS_SPOTTING_JSON,
                                  game=Path(str(result.video.get("path", ""))).name)


def detect_highlights(video_path: str | Path, config: PipelineConfig, out_dir: str | Path, *,
                      annotation=None, progress: ProgressSetting = True, half: int = 1,
                      up_link: tuple[str, str] | None = None,
                      on_video_s: Callable[[float], None] | None = None,
                      out_name: str = "out_dir", go_on: bool = True,
                      say: Callable[[str], None] | None = None,
                      on_read_back: Callable[[float], None] | None = None,
                      on_kept: Callable[[float | None, int], None] | None = None,
                      ) -> tuple[PipelineResult, dict[str, Path]]:
    """Run the pipeline; write DIR/highlights.json and results_spotting.json (on `half`'s video),
    then the CSV, EDL, editor timelines, chapters, timeline, reel, clips and review page
    (`up_link`: (text, href) of a page above it, such as a batch's index). `on_video_s` is called
    now and then with the seconds of video analysed so far (a batch shows games in flight);
    `on_read_back`, before that, with the seconds an earlier, stopped run kept (from the first
    picture, as `on_video_s`'s), read back at a fraction of the analysis's cost (a batch's ETA
    leaves their speed out). `on_kept` is called with what a stop would leave for going on (the
    video time up to which the people found are kept, from the first picture too, or None; the
    page's clips kept) each time that grows (a batch says it for a game its worker ran when the
    batch is stopped).
    `progress`: the terminal's bars (True), nothing (False), or a callable `progress(stage, done,
    total)` told of the analysis ("analysis", seconds of video) and then of cutting the reel and
    clips ("cutting", frames); raising from it stops the run (`highlights.progress_callback`).

    Returns the `PipelineResult` and the paths written, by output name: `json` (highlights.json),
    `results_spotting`, `csv`, `edl`, `otio`, `fcp_xml`, `fcpx_xml`, `chapters`, `timeline`,
    `clips`, `html`, and `reel` and `thumbs` when a highlight gives them footage.

    DIR is written whole (`output_folder`): a run that fails or is killed leaves the previous
    run's DIR as it was. A DIR holding files no run wrote, or that another run is writing
    (`output_lock`), is refused before the run starts; `out_name` is what the messages call DIR
    (the `detect` command's `--out`). Staging folders and lock files that killed runs left beside
    DIR, for DIR or any other folder there, are removed at the start.
    """
    from highlights.pipeline.outputs import OUTPUT_NAMES  # matplotlib, encoders: only here

    final_dir = Path(out_dir)
    known = {HIGHLIGHTS_JSON, RESULTS_SPOTTING_JSON, *OUTPUT_NAMES.values()}
    with one_run_writing(final_dir, out_name=out_name):
        check_replaceable(final_dir, known, out_name=out_name)
        # Killed runs' staging folders beside DIR (its own, and its neighbours' that no run holds
        # the lock of: a run in another container has no pid here) go now, before this run's
        # analysis, not after it: their space is the reels this run may need.
        remove_stale_staging(final_dir, neighbour_in_use=lambda name: being_written(final_dir.parent / name))
        kept, clips, kept_until_s = _kept_by_a_stopped_run(video_path, config, go_on=go_on, say=say,
                                                           on_read_back=on_read_back, on_kept=on_kept)
        try:
            result = run_pipeline(video_path, config, annotation=annotation, progress=progress,
                                  on_video_s=on_video_s, kept_frames=kept, say=say)
            written = _write_outputs(result, Path(video_path), final_dir, known, annotation=annotation,
                                     progress=progress, half=half, up_link=up_link, out_name=out_name,
                                     kept=clips)
        except KeyboardInterrupt as stop:
            stop.kept_until_s = kept_until_s()
            stop.kept_clips = clips.kept_clips if clips is not None else 0
            raise
        for done in (kept, clips):
            if done is not None:
                done.discard()
        return result, written


def _kept_by_a_stopped_run(video_path: str | Path, config: PipelineConfig, *, go_on: bool,
                           say: Callable[[str], None] | None,
                           on_read_back: Callable[[float], None] | None,
                           on_kept: Callable[[float | None, int], None] | None
                           ) -> tuple[KeptFrames | None, KeptClips | None, Callable[[], float | None]]:
    """What an earlier, stopped run of this video kept for going on: its people found
    (`kept_frames_for`) and its page's clips (`kept_clips_for`), both None without `go_on`, and
    the time up to which its people are kept now (None: none is). `on_read_back` is told of the
    part read back, and `on_kept` of what is kept, now and each time it grows."""
    from highlights.pipeline.kept_frames import kept_frames_for

    kept = kept_frames_for(video_path, config) if go_on else None
    clips = kept_clips_for(video_path, say=say) if go_on else None

    # The kept part's times are counted from the first picture, as `on_video_s` counts and the line
    # going on from them says: a file whose clock starts an hour in would otherwise never reach the
    # part read back (its game showing no ETA), and a stop would say "the people found in the
    # first 1:00:09" of a 15 s video.
    @functools.cache
    def first_picture_s() -> float:  # probed only where a kept time is told
        from highlights.video import probe

        return float(probe(video_path).start_s)

    def kept_until_s() -> float | None:
        until_s = kept.kept_until_s if kept is not None else None
        return None if until_s is None else max(0.0, until_s - first_picture_s())

    if kept is not None and kept.read_back and kept.went_on_from_s and on_read_back is not None:
        on_read_back(max(0.0, kept.went_on_from_s - first_picture_s()))
    if on_kept is not None:
        def told() -> None:
            on_kept(kept_until_s(), clips.kept_clips if clips is not None else 0)

        for keeper in (kept, clips):
            if keeper is not None:
                keeper.on_keep = told
        told()
    return kept, clips, kept_until_s


def _write_outputs(result: PipelineResult, video_path: Path, final_dir: Path, known: set[str], *, annotation,
                   progress: ProgressSetting, half: int, up_link: tuple[str, str] | None,
                   out_name: str, kept: KeptClips | None = None) -> dict[str, Path]:
    """Every output of ``result`` written into a staging folder that becomes ``final_dir`` whole;
    the page's clips and thumbnails an earlier, stopped write of the same cut finished (``kept``)
    are reused."""
    from highlights.pipeline.damage import damage_line
    from highlights.pipeline.outputs import write_all

    reel = reel_of_run(result.highlights, result.config.merge, result.video)
    result.stats["reel"] = reel.to_dict()
    in_reel = None if reel.every_highlight else reel.holds
    with run_folder(final_dir, known, out_name=out_name) as out_dir:
        highlights_json = write_highlights_json(result, out_dir)
        written = {"json": highlights_json,
                   "results_spotting": write_spotting_results(result, out_dir, half=half)}
        written.update(write_all(result.highlights, video_path, out_dir, config_dict=result.config.to_dict(),
                                 annotation=annotation, progress=progress, highlights_json=highlights_json,
                                 results_spotting=written["results_spotting"], up_link=up_link,
                                 reel_height=result.config.merge.reel_height,
                                 reel_fps=result.config.merge.reel_fps, in_reel=in_reel,
                                 reel_budget=reel.budget_words(), kept=kept,
                                 damage=damage_line(result.damage)))
        mark_complete(out_dir, written, video=str(video_path.resolve()))
    return moved(written, out_dir, final_dir)
