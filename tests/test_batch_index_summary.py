"""The batch index's summary and rows on records made by hand: a stopped rerun with a game run now
(its video damaged), one reused from an earlier run, one failed and one not run yet, so that no
count can stand in for another."""

from __future__ import annotations

import csv
import io

import pytest

from highlights.batch.index import render_csv, render_html, summarise

REQUEST = {"engine": "local", "workers": 2}


def _records() -> list[dict]:
    return [
        {"game_id": "alpha", "status": "done", "video": "/games/alpha.mp4", "duration_s": 3725.5, "highlights": 5,
         "warning": "3 damaged packets skipped", "files": {"html": "highlights.html"}},
        {"game_id": "bravo", "status": "done", "reused": True, "video": "/games/bravo.mp4", "duration_s": 1800.0,
         "highlights": 2, "files": {"html": "highlights.html"}},
        {"game_id": "charlie", "status": "failed", "video": "/games/charlie.mp4", "duration_s": 5400.0,
         "highlights": None, "error": "charlie.mp4: empty file (0 bytes)", "files": {}},
        # Waiting to run again; its earlier run's folder holds no page to link.
        {"game_id": "delta", "status": "pending", "video": "/games/delta.mp4", "duration_s": 600.0,
         "earlier": {"files": {}}},
    ]


def test_the_summary_counts_each_game_once_and_the_hours_this_run_processed():
    summary = summarise(_records(), wall_s=1862.75)
    assert {k: v for k, v in summary.items() if k != "against_annotations"} == {
        "games": 4, "done": 2, "reused": 1, "with_warning": 1, "failed": 1, "not_run": 1, "highlights": 7,
        "video_hours_total": round((3725.5 + 1800.0) / 3600, 6),   # every done game's video
        "video_hours_processed": round(3725.5 / 3600, 6),          # the ones this run decoded
        "wall_s": 1862.75, "video_hours_per_hour": 2.0}
    assert summary["against_annotations"] is None


def test_the_throughput_is_the_stored_hours_over_the_stored_wall_time():
    """A wall time of 35.996 s stored as 36.0 beside 5.001 video-hours per hour of 180 s of video:
    the stored figures give 5.000. The throughput is now of the wall time as stored."""
    records = [dict(_records()[0], duration_s=90.0),
               dict(_records()[0], game_id="echo", duration_s=90.0)]
    for wall_s in (35.996, 36.004, 1862.7549, 7.123456):
        summary = summarise(records, wall_s=wall_s)
        assert summary["wall_s"] == pytest.approx(wall_s, abs=0.005)
        hours = summary["video_hours_processed"]
        assert summary["video_hours_per_hour"] == round(hours / (summary["wall_s"] / 3600), 3)


def test_the_throughput_is_the_stored_hours_over_the_stored_wall_time_for_any_length_of_video():
    """37 s of video in 7.12 s: the hours were stored to 4 places (0.0103) and the throughput taken
    of the seconds (5.197), where the stored figures give 5.208. It is now the stored hours' ratio,
    and the hours are stored to 6 places, so the throughput stays that of the video's seconds."""
    for seconds, wall_s in ((37.0, 7.12), (12.345, 3.5), (3725.5, 1862.75), (14.0, 2.347)):
        summary = summarise([dict(_records()[0], duration_s=seconds)], wall_s=wall_s)
        hours = summary["video_hours_processed"]
        assert hours == round(seconds / 3600, 6)
        assert summary["video_hours_per_hour"] == round(hours / (summary["wall_s"] / 3600), 3)
        assert summary["video_hours_per_hour"] == pytest.approx(seconds / summary["wall_s"], rel=1e-3)


def test_a_run_that_processed_nothing_has_no_throughput():
    reused_only = [r for r in _records() if r.get("reused")]
    assert summarise(reused_only, wall_s=10.0)["video_hours_per_hour"] is None
    assert summarise(_records(), wall_s=0.0)["video_hours_per_hour"] is None


def test_the_page_says_each_games_state_and_the_summary_every_count():
    records = _records()
    page = render_html(records, summarise(records, wall_s=1862.75), REQUEST)
    assert '<td class="n">1:02:06</td>' in page       # 3725.5 s, to the second
    assert "<td>done, with a warning: the video is damaged: 3 damaged packets skipped</td>" in page
    assert "<td>done (earlier run)</td>" in page
    # A game waiting to run again whose earlier folder has no page links none and claims none.
    assert "<td>pending</td>" in page and "earlier run's" not in page
    for fact in ("4 games", "2 done (1 from earlier runs)", "1 of them with a warning", "1 failed",
                 "1 not run yet", "7 highlights", "1.53 video-hours", "2 video-hours per hour this run"):
        assert f"<span>{fact}" in page, fact


def test_the_csv_says_reused_and_from_another_batch_as_true_or_false():
    rows = list(csv.DictReader(io.StringIO(render_csv(_records()))))
    assert [(r["game_id"], r["reused"], r["other_batch"], r["page"]) for r in rows] == [
        ("alpha", "False", "False", "alpha/highlights.html"), ("bravo", "True", "False", "bravo/highlights.html"),
        ("charlie", "False", "False", ""), ("delta", "False", "False", "")]


@pytest.mark.parametrize("seconds, shown", [(59.5, "0:01:00"), (3599.4, "0:59:59"), (None, "-")])
def test_a_duration_is_shown_to_the_nearest_second(seconds, shown):
    record = dict(_records()[0], duration_s=seconds)
    page = render_html([record], summarise([record], wall_s=1.0), REQUEST)
    assert f'<td class="n">{shown}</td>' in page


def test_the_page_names_the_engines_workers_only_where_the_request_has_a_number():
    """A Ray batch's request names no workers (the cluster's CPUs decide): the page said "engine
    ray, None worker(s)"."""
    records = _records()
    summary = summarise(records, wall_s=10.0)
    ray = render_html(records, summary, {"engine": "ray", "address": None, "threads_per_worker": 2})
    assert "engine ray" in ray and "None" not in ray and "worker" not in ray.split("engine ray")[1][:20]
    assert "engine local, 1 worker" in render_html(records, summary, {"engine": "local", "workers": 1})
    assert "engine local, 2 workers" in render_html(records, summary, REQUEST)
