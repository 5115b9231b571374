"""A batch's amount of video in a unit its reader takes in: hours for a season, minutes and seconds
for a few phone clips, on the progress bar, the command's last line and the index page alike."""

from __future__ import annotations

import io
from types import SimpleNamespace

from highlights.batch.index import render_html, summarise
from highlights.batch.video_time import video_progress_text, video_time_text


def test_a_few_clips_read_in_minutes_and_seconds_and_a_season_in_hours():
    assert video_time_text(41.4) == "0:41 of video"
    # rounded to the second, still under the switch
    assert video_time_text(359.6) == "6:00 of video"
    assert video_time_text(360.0) == "0.10 video-hours"
    assert video_time_text(5508.0) == "1.53 video-hours"
    assert video_progress_text(21.0, 61.0) == "0:21/1:01 of video"
    assert video_progress_text(1800.0, 7200.0) == "0.50/2.00 video-hours"


def test_the_bar_shows_the_seconds_done_of_a_batch_of_short_clips(monkeypatch):
    from rich.console import Console

    from highlights import progress as progress_module
    from highlights.batch.progress import BatchProgress

    log = Console(file=io.StringIO(), width=200)  # a log file: not a terminal
    monkeypatch.setattr(progress_module, "_STDERR", log)
    monkeypatch.setattr(progress_module, "LOG_EVERY_S", 0.0)
    with BatchProgress([SimpleNamespace(duration_s=31.2), SimpleNamespace(duration_s=10.4)],
                       enabled=True) as bar:
        bar.finished({"game_id": "a", "status": "done", "duration_s": 31.2})
    said = log.file.getvalue()
    assert "0:31/0:42 of video" in said and "video-hours" not in said


def test_the_index_page_of_short_clips_says_their_length_not_zero_hours():
    records = [{"game_id": f"clip_{k}", "status": "done", "video": f"/clips/clip {k}.mp4",
                "duration_s": seconds, "highlights": 2, "files": {"html": "highlights.html"}}
               for k, seconds in enumerate((30.5, 10.7))]
    page = render_html(records, summarise(records, wall_s=60.0), {"engine": "local", "workers": 1})
    assert "<span>0:41 of video" in page and "0.00 video-hours" not in page
