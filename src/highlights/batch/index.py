"""The batch's index: `index.json` (everything), `index.csv` (one row a game) and `index.html`
(a page linking every game's own page, with counts, durations, speed and status, and for a game
with annotations its recall and shown recall)."""

from __future__ import annotations

import csv
import io
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from highlights.atomic import atomic_write_json, atomic_write_text
from highlights.batch.game_scores import done_scores, pooled_rates, pooled_scores, recall_of, shown_recall_of
from highlights.batch.video_time import video_time_text
from highlights.pipeline.evaluation import PRIMARY_TOLERANCE
from highlights.counted_noun import counted
from highlights.csv_cells import csv_cell, for_spreadsheets

INDEX_FORMAT = "highlights.batch-index/1"
INDEX_NAMES = {"json": "index.json", "csv": "index.csv", "html": "index.html"}
CSV_COLUMNS = ("game_id", "status", "reused", "other_batch", "video", "sport", "sport_read", "duration_s", "highlights",
               "by_label",
               "seconds", "speed_x_realtime", "error", "warning", "page", "worker", "finished_at",
               # the models that made its highlights, by content: a reused or earlier batch's game may
               # have been made by others than this run's, and a spreadsheet pools rows
               "model_sha256",
               # against the game's annotations (empty without): counts, for a spreadsheet to pool
               "events", "found", "recall", "shown", "shown_recall",
               # why those are no test, where a model of the run has seen the game (one line per model)
               "seen_footage")
# A done game's record, with annotations: the lines saying a model of the run was trained on its
# footage or chose its best epoch or threshold on it (`pipeline.seen_video`), as `detect` warns.
SEEN_FOOTAGE = "seen_footage"


# What the index keeps of a complete game folder whose game runs again (another config or model),
# under the record's `earlier`, until the new run replaces the folder.
EARLIER_FIELDS = ("highlights", "files", "finished_at", "model_sha256")


def game_page(record: dict[str, Any]) -> str | None:
    """The game's own page (or its highlights.json), relative to the index: this run's, or, while
    the game waits to run again (or its rerun failed), the earlier run's that is still in its folder."""
    if record.get("status") == "done":
        files = record.get("files") or {}
    else:
        files = (record.get("earlier") or {}).get("files") or {}
    name = files.get("html") or files.get("json")
    return None if name is None else f"{record['game_id']}/{name}"


HOURS_PLACES = 6


def summarise(records: list[dict[str, Any]], *, wall_s: float) -> dict[str, Any]:
    done = [r for r in records if r["status"] == "done"]
    ran = [r for r in done if not r.get("reused")]
    video_s = sum(float(r.get("duration_s") or 0.0) for r in ran)
    # The throughput is of the hours and the wall time as stored, so that the stored figures divide
    # to it; the hours to 6 places (a few ms), so that storing them costs the throughput nothing.
    wall_s = round(wall_s, 2)
    hours_processed = round(video_s / 3600, HOURS_PLACES)
    return {
        "games": len(records),
        "done": len(done),
        "reused": len(done) - len(ran),
        "with_warning": sum(bool(r.get("warning")) for r in done),
        "failed": sum(r["status"] == "failed" for r in records),
        "not_run": sum(r["status"] == "pending" for r in records),
        "highlights": sum(int(r.get("highlights") or 0) for r in done),
        "video_hours_total": round(sum(float(r.get("duration_s") or 0.0) for r in done) / 3600, HOURS_PLACES),
        "video_hours_processed": hours_processed,
        "wall_s": wall_s,
        # Throughput of this run: hours of video processed per hour of wall time.
        "video_hours_per_hour": round(hours_processed / (wall_s / 3600), 3) if wall_s > 0 and ran else None,
        "against_annotations": pooled_scores(records),
    }


def write_index(out_root: str | Path, records: list[dict[str, Any]], summary: dict[str, Any],
                request: dict[str, Any]) -> dict[str, Path]:
    out_root = Path(out_root)
    # Not a set with a record naming the others (`highlights.file_set`): the three are views of the
    # same records, each whole, written again at every index write (the run's first one before any
    # game). A kill between them leaves the CSV and page one write behind the JSON: an earlier
    # moment of the batch, each file true of it, which the next run in the folder writes over first.
    data = {"format": INDEX_FORMAT, "summary": summary, "request": request, "games": records}
    written = {"json": atomic_write_json(out_root / INDEX_NAMES["json"], data, indent=2, default=str)}
    written["csv"] = atomic_write_text(out_root / INDEX_NAMES["csv"], for_spreadsheets(render_csv(records)))
    written["html"] = atomic_write_text(out_root / INDEX_NAMES["html"], render_html(records, summary, request))
    return written


def _row(record: dict[str, Any]) -> list[str]:
    values = dict(record)
    values["by_label"] = ";".join(f"{k}:{v}" for k, v in sorted((record.get("by_label") or {}).items()))
    values["page"] = game_page(record)
    values["reused"] = bool(record.get("reused"))
    values["other_batch"] = bool(record.get("other_batch"))
    # A manifest's `auto`: the sport read, or why none was, beside the `auto` it gave.
    reading = record.get("sport_read")
    values["sport_read"] = (reading.get("sport") or f"none ({reading.get('outcome')})") \
        if isinstance(reading, dict) else None
    values[SEEN_FOOTAGE] = "\n".join(record.get(SEEN_FOOTAGE) or []) or None
    scores = done_scores(record)
    if scores:
        values.update(events=scores["events"], found=scores["found"], recall=recall_of(scores).text(),
                      shown=scores["shown_in_reel"]["shown"], shown_recall=shown_recall_of(scores).text())
    return [csv_cell(values.get(c)) for c in CSV_COLUMNS]  # video names come from users


def render_csv(records: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(_row(record))
    return buffer.getvalue()


def _clock(seconds: Any) -> str:
    if seconds is None:
        return "-"
    s = int(round(float(seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


# A phone: the summary wraps between facts, never inside one ("0.02" over "video-hours"), the page's
# margin is narrower, and on a touch screen each game's link is a finger's height (about 44 px).
# A game's name and its video's path (class "name") break where they must: in one line, 150
# characters took a laptop's whole width, the other columns off to the right. Yet the game's column
# is at least 12em wide (about 25 characters): a name that may break anywhere is the column a
# table squeezes first, and "game_00_u12_saturday" broke inside its last word beside a half-empty
# column at 1280 px. A video's path breaks after a "/" where it can (`_path_cell`).
_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}.scroll{overflow-x:auto}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .7em;text-align:left}
td.n{text-align:right}td.name{overflow-wrap:anywhere;min-width:7em}td.game{min-width:12em}
.count{white-space:nowrap}.failed{color:#b00}.pending{color:#888}
.summary span{margin-right:1.5em;display:inline-block}
@media (max-width:600px){body{margin:1em}}
@media (pointer:coarse){td a{display:inline-flex;align-items:center;min-height:44px}}"""


def _path_cell(path: str) -> str:
    """A path, escaped, that may break after each "/": broken anywhere, "/footage/game_00.mp4" read
    "/footage/ga" over "me_00.mp4"."""
    return "/<wbr>".join(escape(part) for part in path.split("/"))


def _scores_cells(record: dict[str, Any]) -> str:
    """The recall and shown recall cells of a game with annotations; dashes for one without."""
    scores = done_scores(record)
    if not scores:
        return '<td class="n">-</td><td class="n">-</td>'
    return "".join(f'<td class="n count">{escape(rate.reported())}</td>'
                   for rate in (recall_of(scores), shown_recall_of(scores)))


# Each rate with its 95% Wilson interval and counts, at the primary tolerance (game_scores).
SCORES_HEAD = (f'<th title="events found: a highlight\'s key moment within {PRIMARY_TOLERANCE:g} s of the event\'s, '
               'one highlight per event">recall [95%]</th><th title="events whose key moment lies inside a highlight '
               'no longer than merge.max_length_s, matched to it or not">shown recall [95%]</th>')


def render_html(records: list[dict[str, Any]], summary: dict[str, Any], request: dict[str, Any]) -> str:
    # Two columns only where a game has annotations: a season without any keeps its table.
    scored = any(map(done_scores, records))
    rows = []
    for r in records:
        page = game_page(r)
        name = escape(r["game_id"])
        link = f'<a href="{escape(quote(page))}">{name}</a>' if page else name
        status = r["status"] + (" (earlier run)" if r.get("reused") else "")
        if r["status"] == "done" and r.get("warning"):
            status += f", with a warning: the video is damaged: {r['warning']}"
        if r.get("other_batch"):
            status += "; not among this run's games"
        if r.get("earlier") and page:
            status += "; its page is an earlier run's, with another config or model"
        if r["status"] == "done" and r.get(SEEN_FOOTAGE):
            status += "; with a warning: " + " ".join(r[SEEN_FOOTAGE])
        # A label and its count never part at a line break: "baseball_swing" over "1" reads as two things.
        labels = ", ".join(f'<span class="count">{escape(k)} {v}</span>'
                           for k, v in sorted((r.get("by_label") or {}).items()))
        reading = r.get("sport_read")
        if isinstance(reading, dict):  # a manifest's `auto`: the sport read, as the CSV gives it
            read = reading.get("sport") or f"none ({reading.get('outcome')})"
            labels = f'<span class="count">sport read: {escape(str(read))}</span>' + (f"; {labels}" if labels else "")
        speed = r.get("speed_x_realtime")
        rows.append(
            f'<tr class="{escape(r["status"])}"><td class="name game">{link}</td><td>{escape(status)}</td>'
            f'<td class="n">{_clock(r.get("duration_s"))}</td>'
            f'<td class="n">{"-" if r.get("highlights") is None else r["highlights"]}</td>'
            f"<td>{labels}</td>"
            f'<td class="n">{"-" if speed is None else f"{speed:g}x"}</td>'
            + (_scores_cells(r) if scored else "") +
            f'<td>{escape(r.get("error") or "")}</td><td class="name">{_path_cell(str(r.get("video", "")))}</td></tr>')
    per_hour = summary.get("video_hours_per_hour")
    facts = [counted(summary['games'], 'game'), f"{summary['done']} done ({summary['reused']} from earlier runs)",
             f"{summary['failed']} failed"]
    if summary.get("with_warning"):
        facts.insert(2, f"{summary['with_warning']} of them with a warning (a damaged video, not all analysed)")
    if summary.get("not_run"):
        facts.append(f"{summary['not_run']} not run yet")  # a stopped batch: every game is counted somewhere
    facts += [counted(summary['highlights'], 'highlight'),
              video_time_text(summary['video_hours_total'] * 3600),
              f"engine {escape(str(request.get('engine')))}"
              # a Ray batch names no number of workers: the cluster's CPUs decide it
              + (f", {counted(request['workers'], 'worker')}" if request.get("workers") is not None else "")]
    if per_hour is not None:
        facts.append(f"{per_hour:g} video-hours per hour this run")
    pooled = summary.get("against_annotations")
    if pooled:
        # three facts, each short enough to stay on one line of a phone
        recall, shown = pooled_rates(pooled)
        facts += [f"{counted(pooled['games'], 'game')} of this run with annotations",
                  f"recall {escape(recall.reported())}",
                  f"shown recall {escape(shown.reported())}"]
        if pooled.get("other_batch_games_not_pooled"):
            facts.append(f"{counted(pooled['other_batch_games_not_pooled'], 'annotated game')} of earlier runs "
                         "not pooled")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Highlights: {counted(summary['games'], 'game')}</title>
<style>{_STYLE}</style></head><body><main>
<h1>Highlights of {counted(summary['games'], 'game')}</h1>
<p class="summary">{''.join(f'<span>{f}</span>' for f in facts)}</p>
<div class="scroll"><table><thead><tr><th>game</th><th>status</th><th>duration</th><th>highlights</th><th>by label</th>
<th title="the video's duration over the time its whole run took, outputs written">speed, whole run</th>
{SCORES_HEAD if scored else ""}<th>error</th><th>video</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div></main></body></html>
"""
