"""Text outputs of the highlight pipeline: timecodes, CSV, CMX3600 EDL, timeline SVG/PNG, HTML
rendering. These need no video; the reel/clip/page tests are in test_pipeline_outputs_media.py."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib.image
import numpy as np
import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import EdlOptions, format_edl, plot_timeline, render_html, write_csv, write_edl
from highlights.pipeline.outputs.html_page import evidence_items, why_line
from highlights.pipeline.outputs.segments import ground_truth_segments
from highlights.pipeline.outputs.timecode import (
    clock_timecode,
    frame_to_smpte,
    seconds_to_frame,
    timecode_base,
)
from highlights.pipeline.outputs.timeline_svg import tick_step, timeline_svg
from tests.html_page import HtmlPage

NTSC = 30000 / 1001

# A legend's swatch: its colour under its sport's hatch, then the name it stands for.
SWATCH = r'<svg class="swatch"[^>]*><rect width="12" height="12" fill="(#[0-9A-Fa-f]{6})"/><rect [^>]*/></svg>(\w+)<'


def _highlights() -> list[Highlight]:
    # Deliberately out of order: every writer must sort by time.
    return [
        Highlight(7.25, 8.5, "soccer_shooting", "soccer", 0.75, 8.0, {"candidate": "motion"}),
        Highlight(1.5, 3.0, "baseball_swing", "baseball", 0.9, 2.0, {"kinematics": {"wrist_speed": 3.14159}}),
        Highlight(4.0, 5.0, "<script>alert(1)</script>", "basketball", 0.6, None, {}),
    ]


def _edl_events(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line[:3].isdigit()]


# --- timecodes -------------------------------------------------------------------------------


def test_clock_timecode_rounds_to_milliseconds_and_carries():
    assert clock_timecode(0) == "00:00:00.000"
    assert clock_timecode(1.5) == "00:00:01.500"
    assert clock_timecode(3661.25) == "01:01:01.250"
    assert clock_timecode(59.9996) == "00:01:00.000"


def test_smpte_at_integer_and_ntsc_rates():
    assert frame_to_smpte(seconds_to_frame(1.5, 30.0), 30) == "00:00:01:15"
    assert frame_to_smpte(seconds_to_frame(1.5, 25.0), 25) == "00:00:01:13"  # 37.5 rounds up
    assert [timecode_base(r) for r in (NTSC, 23.976, 59.94, 25.0, 30.0)] == [30, 24, 60, 25, 30]
    # At 29.97 frames are counted at the real rate and labelled on base 30, non-drop:
    # 100 s is frame 2997, and one real hour reads 0.1% short of an hour.
    assert frame_to_smpte(seconds_to_frame(100.0, NTSC), 30) == "00:01:39:27"
    assert frame_to_smpte(seconds_to_frame(3600.0, NTSC), 30) == "00:59:56:12"
    with pytest.raises(ValueError):
        timecode_base(0.0)


# --- CSV -------------------------------------------------------------------------------------


def test_csv_rows_in_time_order_with_values(tmp_path: Path):
    path = write_csv(_highlights(), tmp_path / "h.csv")
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "index", "start_s", "end_s", "duration_s", "start_tc", "end_tc", "label", "sport", "score", "key_s",
        "rank", "in_reel",
    ]
    assert {r["rank"] for r in rows} == {""} and {r["in_reel"] for r in rows} == {""}  # not ranked, no reel
    assert [r["index"] for r in rows] == ["1", "2", "3"]
    assert [r["label"] for r in rows] == ["baseball_swing", "<script>alert(1)</script>", "soccer_shooting"]
    first, second, third = rows
    assert (float(first["start_s"]), float(first["end_s"]), float(first["duration_s"])) == (1.5, 3.0, 1.5)
    assert (first["start_tc"], first["end_tc"]) == ("00:00:01.500", "00:00:03.000")
    assert (first["sport"], float(first["score"]), float(first["key_s"])) == ("baseball", 0.9, 2.0)
    assert second["key_s"] == ""  # no key moment
    assert (third["start_tc"], float(third["duration_s"])) == ("00:00:07.250", 1.25)


def test_csv_of_no_highlights_is_header_only(tmp_path: Path):
    path = write_csv([], tmp_path / "h.csv")
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("index,start_s")


def test_a_clubs_labels_in_its_own_script_name_its_clips_and_open_right_in_a_spreadsheet(tmp_path: Path):
    """Accented and CJK labels: a clip file is named with the label as written (composed form),
    not `p_nalty` or `highlight`; the CSV carries a UTF-8 byte-order mark, without which Excel reads
    it in the legacy code page (`pÃ©nalty`), and reads back exactly; an ASCII CSV stays as it was;
    the EDL and editor timelines keep the labels (read back through OpenTimelineIO)."""
    import opentimelineio as otio

    from highlights.pipeline.outputs import build_timeline, write_timeline
    from highlights.pipeline.outputs.naming import clip_filename

    labelled = [Highlight(1.0, 2.0, "pénalty", "football", 0.8, None), Highlight(3.0, 4.0, "三分", "篮球", 0.7, None)]
    assert [clip_filename(i, h) for i, h in enumerate(labelled, 1)] == ["hl_001_pénalty.mp4", "hl_002_三分.mp4"]
    assert clip_filename(1, Highlight(1.0, 2.0, "pe\u0301nalty", "football", 0.8, None)) == "hl_001_pénalty.mp4"
    raw = write_csv(labelled, tmp_path / "h.csv").read_bytes()
    assert raw.startswith("\ufeffindex,".encode("utf-8"))
    with (tmp_path / "h.csv").open(newline="", encoding="utf-8-sig") as handle:
        assert [(r["label"], r["sport"]) for r in csv.DictReader(handle)] == [("pénalty", "football"), ("三分", "篮球")]
    assert write_csv(_highlights(), tmp_path / "ascii.csv").read_bytes().startswith(b"index,")
    edl_path = write_edl(labelled, tmp_path / "h.edl", EdlOptions(fps=25.0, source_name="match é.mp4"))
    edl = edl_path.read_text(encoding="utf-8")
    assert "* COMMENT: pénalty | football" in edl and "* COMMENT: 三分 | 篮球" in edl
    timeline = build_timeline(labelled, fps=25.0, source_path=tmp_path / "match é.mp4", duration_s=10.0)
    for kind in ("otio", "fcp_xml", "fcpx_xml"):
        back = otio.adapters.read_from_file(str(write_timeline(timeline, tmp_path / f"h.{kind}", kind)),
                                            adapter_name={"otio": None, "fcp_xml": "fcp_xml",
                                                          "fcpx_xml": "fcpx_xml"}[kind])
        assert [c.name for c in back.find_clips()] == ["001 pénalty", "002 三分"], kind


def test_bad_highlight_interval_is_refused_with_its_label(tmp_path: Path):
    with pytest.raises(ValueError, match="backwards"):
        write_csv([Highlight(3.0, 2.0, "backwards", "soccer", 0.5)], tmp_path / "h.csv")
    assert not (tmp_path / "h.csv").exists()


# --- EDL -------------------------------------------------------------------------------------


def test_edl_header_and_exact_timecodes_at_30fps(tmp_path: Path):
    path = write_edl(_highlights(), tmp_path / "h.edl", EdlOptions(fps=30.0, source_name="games/match 1.mp4"))
    text = path.read_text()
    lines = text.splitlines()
    assert lines[0] == "TITLE: match 1"
    assert lines[1] == "FCM: NON-DROP FRAME"
    assert _edl_events(text) == [
        ["001", "AX", "V", "C", "00:00:01:15", "00:00:03:00", "00:00:00:00", "00:00:01:15"],
        ["002", "AX", "V", "C", "00:00:04:00", "00:00:05:00", "00:00:01:15", "00:00:02:15"],
        # 7.25 s is frame 217.5 -> 218; 8.5 s is frame 255; 37 frames on the record side.
        ["003", "AX", "V", "C", "00:00:07:08", "00:00:08:15", "00:00:02:15", "00:00:03:22"],
    ]
    assert text.count("* FROM CLIP NAME: match 1.mp4") == 3
    assert "* COMMENT: soccer_shooting | soccer | score 0.750" in text
    # Fixed CMX3600 columns: event number, two spaces, 8-character reel name.
    assert lines[3].startswith("001  AX       V     C        00:00:01:15")


def test_edl_at_2997_uses_base_30_non_drop():
    highlights = [
        Highlight(1.5, 2.0, "a", "soccer", 0.5),
        Highlight(100.0, 101.0, "b", "soccer", 0.5),
    ]
    text = format_edl(highlights, EdlOptions(fps=NTSC, source_name="phone.mov", reel_name="cam-a 01"))
    assert "FCM: NON-DROP FRAME" in text
    events = _edl_events(text)
    # 1.5 s -> frame 45 (44.96) -> 00:00:01:15; 2.0 s -> frame 60 (59.94).
    assert events[0][1:] == ["CAMA01", "V", "C", "00:00:01:15", "00:00:02:00", "00:00:00:00", "00:00:00:15"]
    # 100 s -> frame 2997 -> 00:01:39:27; 101 s -> frame 3027; record continues at frame 15.
    assert events[1][4:] == ["00:01:39:27", "00:01:40:27", "00:00:00:15", "00:00:01:15"]
    assert all(int(tc.split(":")[3]) < 30 for event in events for tc in event[4:])


def test_edl_of_no_highlights_has_header_and_no_events(tmp_path: Path):
    text = write_edl([], tmp_path / "e.edl", EdlOptions(fps=25.0, source_name="x.mp4")).read_text()
    assert text.startswith("TITLE: x\nFCM: NON-DROP FRAME\n")
    assert _edl_events(text) == []


def test_edl_text_fields_stay_on_one_line():
    text = format_edl(
        [Highlight(0.0, 1.0, "two\nlines", "soccer", 0.5)], EdlOptions(fps=25.0, source_name="a.mp4", title="t\r\nx")
    )
    assert text.splitlines()[0] == "TITLE: t x"
    assert "* COMMENT: two lines | soccer | score 0.500" in text.splitlines()


# --- timelines -------------------------------------------------------------------------------


def test_tick_step_is_round_and_bounded():
    assert tick_step(10.0) == 1.0
    assert tick_step(90 * 60) == 600.0
    assert 5400 / tick_step(5400) <= 12


def test_svg_timeline_links_bars_to_cards_and_draws_truth_lane():
    ordered = sorted(_highlights(), key=lambda h: h.start_s)
    truth = [SimpleNamespace(start_s=2.0, end_s=2.5, label="x", sport="baseball", key_s=2.2)]
    svg = timeline_svg(ordered, 10.0, truth=ground_truth_segments(truth))
    assert svg.count('<a href="#hl-') == 3 and 'href="#hl-002"' in svg
    assert svg.count('class="truth"') == 1
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    # Bar geometry: the first highlight starts 15% along the 870-pixel plot after a 110 margin.
    assert 'x="240.50"' in svg


def test_timeline_png_with_and_without_ground_truth(tmp_path: Path):
    annotation = SimpleNamespace(
        events=[
            SimpleNamespace(sport="baseball", label="baseball_swing", start_s=1.4, end_s=2.9, key_s=2.0),
            {"sport": "soccer", "label": "soccer_shooting", "start_s": 7.0, "end_s": 8.0, "key_s": 7.5},
        ]
    )
    one_lane = plot_timeline(_highlights(), tmp_path / "a.png", duration_s=10.0)
    two_lanes = plot_timeline(_highlights(), tmp_path / "b.png", duration_s=10.0, annotation=annotation)
    empty = plot_timeline([], tmp_path / "c.png", duration_s=10.0)
    for path in (one_lane, two_lanes, empty):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image_one, image_two = matplotlib.image.imread(one_lane), matplotlib.image.imread(two_lanes)
    assert image_two.shape[0] > image_one.shape[0]  # the ground-truth lane adds height
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temp files


def _overlapping() -> list[Highlight]:
    """The pipeline keeps highlights whose windows overlap below merge's IoU: 0-4.5 s and 4-8.5 s,
    and a third that overlaps neither."""
    return [Highlight(0.0, 4.5, "baseball_swing", "baseball", 1.0), Highlight(4.0, 8.5, "basketball_layup",
                                                                                 "basketball", 1.0),
            Highlight(10.0, 14.5, "soccer_shooting", "soccer", 1.0)]


def test_timeline_png_draws_another_script_with_an_installed_font_else_says_so_in_one_line(tmp_path, monkeypatch,
                                                                                            caplog):
    """A sport named in a script matplotlib's own font lacks is drawn with an installed font that
    has it; with none, one log line names the sport, where matplotlib warned once a glyph with its
    source line. (STIX, which matplotlib ships, stands in for a CJK font here: the lookup finds it
    by its characters.)"""
    import warnings

    from matplotlib import font_manager

    import highlights.figure_png as figure_png

    monkeypatch.setattr(figure_png, "FALLBACK_FONTS", ())
    monkeypatch.setattr(figure_png, "installed_fonts", lambda: tuple(
        (f, font_manager.findfont(font_manager.FontProperties(family=[f]))) for f in ("DejaVu Sans", "STIXGeneral")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level("WARNING", logger=figure_png.__name__):
            plot_timeline([Highlight(1.0, 2.0, "x", "ℊolf", 0.8, None)], tmp_path / "stix.png", duration_s=10.0)
            assert caplog.records == []
            plot_timeline([Highlight(1.0, 2.0, "三分", "篮球", 0.8, None)], tmp_path / "cjk.png", duration_s=10.0)
    assert [r.getMessage() for r in caplog.records] == [
        "cjk.png: no installed font draws 篮球, shown there as boxes (the text files beside it have them as "
        "written); a font of their script (Noto Sans CJK for Chinese, Japanese, Korean; Noto Sans Devanagari, ...) "
        "draws them"]
    assert matplotlib.image.imread(tmp_path / "cjk.png").shape[2] in (3, 4)


def test_timelines_draw_overlapping_highlights_whole():
    """Drawn in one row, the second bar hid the last half second of the first: the picture showed a
    4.5 s highlight as 4 s. Every bar spans its highlight's times, and no two bars cover each other."""
    from highlights.pipeline.outputs.timeline import timeline_figure

    highlights = _overlapping()
    ax = timeline_figure(highlights, duration_s=20.0).axes[0]
    boxes = [c.get_paths()[0].get_extents() for c in ax.collections]
    assert [(round(b.x0, 6), round(b.x1, 6)) for b in boxes] == [(h.start_s, h.end_s) for h in highlights]
    first, second = boxes[0], boxes[1]
    assert first.y1 <= second.y0 + 1e-9 or second.y1 <= first.y0 + 1e-9  # one above the other
    svg = timeline_svg(highlights, 20.0)
    rects = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"[^>]*class="bar"', svg)
    spans = [(float(x), float(x) + float(w), float(y), float(y) + float(hgt)) for x, y, w, hgt in rects]
    for (x0, x1, _, _), h in zip(spans, highlights):
        assert (x0, x1) == (pytest.approx(110 + 870 * h.start_s / 20), pytest.approx(110 + 870 * h.end_s / 20))
    (_, _, a0, a1), (_, _, b0, b1), (_, _, c0, c1) = spans
    assert a1 <= b0 or b1 <= a0
    assert (c0, c1) == (a0, a1)  # a highlight that overlaps none keeps the first row


# --- HTML (no video) -------------------------------------------------------------------------


def test_evidence_is_flattened_and_shortened():
    evidence = {
        "pose": {"conf": 0.912345, "ok": True},
        "probs": list(range(10)),
        "src": "motion",
        "speed": np.float32(2.71828),
        "hits": np.int64(3),
        "traj": np.array([0.5, 0.25]),
    }
    assert dict(evidence_items(evidence)) == {
        "pose.conf": "0.912",
        "pose.ok": "True",
        "probs": "[0, 1, 2, 3, 4, 5, …]",
        "src": "motion",
        "speed": "2.718",
        "hits": "3",
        "traj": "[0.5, 0.25]",
    }


def test_evidence_times_keep_their_tenths_however_late_in_the_game():
    # A key moment at 292.6 s read 293, and a window 40 minutes in [2.43e+03, 2.43e+03] (three
    # significant digits), where the table beside them gives the key as 292.600.
    evidence = {"kinematics": {"key_s": 292.6, "value": 4.813},
                "classifier": {"window": [2431.6, 2433.6], "probs": {"none": 0.0417, "basketball_layup": 0.9583}},
                "score": {"raw": 0.632591}}
    assert dict(evidence_items(evidence)) == {
        "kinematics.key_s": "292.6",
        "kinematics.value": "4.813",
        "classifier.window": "[2431.6, 2433.6]",
        "classifier.probs.none": "0.0417",
        "classifier.probs.basketball_layup": "0.958",
        "score.raw": "0.633",
    }


def test_html_without_media_escapes_text_and_shows_config(tmp_path: Path):
    page = render_html(
        _highlights(),
        tmp_path,
        source_name="<b>game</b>.mp4",
        duration_s=10.0,
        config_dict={"merge": {"pad_s": 0.5, "note": "</pre><script>x</script>"}},
    )
    parser = HtmlPage()
    parser.feed(page)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags and "b" not in tags
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text and "</pre><script>x</script>" in text
    assert "details" in tags and '"pad_s": 0.5' in text
    ids = {attrs.get("id") for _, attrs in parser.tags}
    assert {"hl-001", "hl-002", "hl-003"} <= ids
    assert "kinematics.wrist_speed=3.14" in text


def test_each_highlight_says_why_in_one_line_and_keeps_the_rest_one_click_away(tmp_path: Path):
    evidence = {"kinematics": {"trigger": "ankle_speed", "value": 4.78123, "threshold": 3.0, "track": "2"},
                "classifier": {"probs": {"baseball_swing": 0.01, "soccer_shooting": 0.88, "none": 0.04,
                                         "basketball_layup": 0.07}},
                "rank": {"rank": 2, "of": 8}, "candidates": {"source": "motion"}}
    assert why_line(evidence) == ("rank 2 of 8 · trigger ankle_speed 4.78 body heights/s (threshold 3) · "
                                  "action 0.96 (most likely soccer_shooting 0.88)")
    # a jump's trigger is the hips' rise, in body heights; a trigger of unknown kind keeps its bare value
    rise = {"kinematics": {"trigger": "hip_rise", "value": 0.1876, "threshold": 0.12}}
    assert why_line(rise) == "trigger hip_rise 0.188 body heights (threshold 0.12)"
    other = {"kinematics": {"trigger": "bat_speed", "value": 5.0, "threshold": 4.0}}
    assert why_line(other) == "trigger bat_speed 5 (threshold 4)"
    assert why_line({"classifier": {"probs": {"a": 0.3, "b": 0.7}}}) == "b 0.70"  # no `none` class
    assert why_line({"candidates": {"source": "motion"}}) == ""
    h = Highlight(1.0, 3.0, "soccer_shooting", "soccer", 0.5, 2.0, evidence)
    parser = HtmlPage()
    parser.feed(render_html([h, *_highlights()], tmp_path, duration_s=10.0))
    text = " ".join("".join(parser.text).split())
    # On the card and in the table; every evidence item still on the page, under a summary.
    assert text.count("rank 2 of 8 · trigger ankle_speed 4.78 body heights/s") == 2
    assert "all evidence (11)" in text and "candidates.source=motion" in text and "kinematics.track=2" in text
    assert [tag for tag, _ in parser.tags].count("summary") == 1 + 3  # the config's, and one per row with evidence


def test_html_summary_counts_footage_two_highlights_share_once(tmp_path: Path):
    # 0-4 s and 2-6 s: the reel plays 6 s, not 8, and never more than the game.
    overlapping = [Highlight(0.0, 4.0, "soccer_shooting", "soccer", 0.8, 2.0, {}),
                   Highlight(2.0, 6.0, "soccer_shooting", "soccer", 0.7, 4.0, {})]
    page = render_html(overlapping, tmp_path, source_name="game.mp4", duration_s=6.0)
    parser = HtmlPage()
    parser.feed(page)
    text = "".join(parser.text)
    assert "2 highlights, 6.0 s of footage" in text and "(100.0% kept)" in text


def test_the_pages_summary_speaks_of_a_reel_only_where_one_is_written(tmp_path: Path):
    """A page written by a library caller without a reel said "4.0 s of reel", naming a file that
    is not there, and a page whose reel could not be written said the same."""
    from highlights.pipeline.outputs.reel import ReelResult

    two = _highlights()[:2]

    def summary(media):
        page = render_html(two, tmp_path, source_name="game.mp4", duration_s=10.0, media=media)
        return re.search(r'<p class="summary">([^<]*)</p>', page).group(1)

    for media in (None, ReelResult(fps=25.0)):
        text = summary(media)
        assert "2 highlights, " in text and " s of footage" in text and "reel" not in text
    written = summary(ReelResult(fps=25.0, reel_path=tmp_path / "game_reel.mp4"))
    assert " s of reel" in written and "footage" not in written


def test_the_page_says_what_set_the_length_of_a_reel_of_the_best_ranked(tmp_path: Path):
    from highlights.pipeline.config import MergeConfig
    from highlights.pipeline.highlight import ranked
    from highlights.pipeline.outputs.reel import ReelResult
    from highlights.pipeline.reel_length import reel_choice

    game = ranked([Highlight(a, a + 30.0, "soccer_shooting", "soccer", s, a + 15.0, {})
                   for a, s in ((10.0, 0.9), (100.0, 0.8), (200.0, 0.7))])

    def summary(video_s: float) -> str:
        choice = reel_choice(game, MergeConfig(), video_s)
        held = [choice.holds(h) for h in game]  # `ranked` keeps time order
        media = ReelResult(fps=25.0, in_reel=held, reel_seconds=30.0 * sum(held))
        parser = HtmlPage()
        parser.feed(render_html(game, tmp_path, duration_s=video_s, media=media,
                                reel_budget=choice.budget_words()))
        return " ".join("".join(parser.text).split())

    # 270 s of game: a tenth is 27 s, and the minute floor is what holds two 30 s highlights.
    assert ("the reel holds the 2 best-ranked, 60.0 s (those that fit in 60 s: a minute at least, since a tenth of "
            "the game is 27 s)") in summary(270.0)
    # 700 s: a tenth, 70 s, sets it (the floor is no longer the reason).
    assert "the reel holds the 2 best-ranked, 60.0 s (those that fit in 70 s: a tenth of the game)" in summary(700.0)


def test_two_sports_of_a_clubs_own_classes_never_share_a_colour(tmp_path: Path):
    """`tennis` and `volleyball` pick the same colour by name; shown together they get two, the
    same ones in the timeline, the legend, the cards and the table."""
    import re

    from highlights.pipeline.outputs.sport_colors import sport_palette

    assert sport_palette(["tennis"])["tennis"] == sport_palette(["volleyball"])["volleyball"]  # why it matters
    together = sport_palette(["volleyball", "tennis", "baseball"])
    assert len(set(together.values())) == 3 and together == sport_palette(["tennis", "baseball", "volleyball"])
    highlights = [Highlight(1.0, 2.0, "tennis_serve", "tennis", 0.9, 1.5, {}),
                  Highlight(4.0, 5.0, "volleyball_spike", "volleyball", 0.8, 4.5, {})]
    page = render_html(highlights, tmp_path)
    chips = set(re.findall(r'class="sport" style="background:(#[0-9A-Fa-f]{6});[^"]*">(\w+)<', page))
    swatches = set(re.findall(SWATCH, page))
    bars = re.findall(r'fill="(#[0-9A-Fa-f]{6})" fill-opacity', page)
    assert chips == swatches == {(together["tennis"], "tennis"), (together["volleyball"], "volleyball")}
    assert bars == [together["tennis"], together["volleyball"]]


def test_classes_that_name_no_sport_are_coloured_by_their_own_names(tmp_path: Path):
    """A club's `spike` and `serve` have sport `unknown`; coloured by sport they would all take one
    colour, so each takes its class's, in the timeline, the legend and the chips (which still
    say the sport)."""
    import re

    from highlights.pipeline.outputs.sport_colors import sport_palette
    from highlights.vocabulary import sport_of

    assert sport_of("spike") == sport_of("serve") == "unknown"
    own = sport_palette(["spike", "serve"])
    assert own["spike"] != own["serve"]
    highlights = [Highlight(1.0, 2.0, "spike", "unknown", 0.9, 1.5, {}),
                  Highlight(4.0, 5.0, "serve", "unknown", 0.8, 4.5, {}),
                  Highlight(7.0, 8.0, "spike", "unknown", 0.7, 7.5, {})]
    page = render_html(highlights, tmp_path)
    swatches = set(re.findall(SWATCH, page))
    chips = re.findall(r'class="sport" style="background:(#[0-9A-Fa-f]{6});[^"]*">(\w+)<', page)
    bars = re.findall(r'fill="(#[0-9A-Fa-f]{6})" fill-opacity', page)
    assert swatches == {(own["spike"], "spike"), (own["serve"], "serve")}
    assert bars == [own["spike"], own["serve"], own["spike"]]
    assert set(chips) == {(own["spike"], "unknown"), (own["serve"], "unknown")}
    png = plot_timeline(highlights, tmp_path / "t.png", duration_s=10.0)
    assert png.exists()


def test_a_clubs_two_classes_of_one_sport_are_coloured_and_named_apart(tmp_path: Path):
    """A basketball club's `basketball_jumpshot` and `basketball_layup` share a sport: coloured by
    it, both were drawn alike and the legends named only `basketball`. Each takes its class's
    colour, in the timeline, its legend, the chips and the ground truth of the same class; a sport
    shown with one class keeps the sport's, and a highlight no class named stays with its sport."""
    from highlights.pipeline.outputs.sport_colors import sport_palette
    from highlights.pipeline.outputs.timeline import SHADE_LEGEND, timeline_figure

    highlights = [Highlight(1.0, 2.0, "basketball_jumpshot", "basketball", 0.9, 1.5, {}),
                  Highlight(4.0, 5.0, "basketball_layup", "basketball", 0.8, 4.5, {}),
                  Highlight(7.0, 8.0, "soccer_shooting", "soccer", 0.7, 7.5, {}),
                  Highlight(8.5, 9.0, "highlight", "soccer", 0.6, 8.7, {})]
    annotation = SimpleNamespace(events=[SimpleNamespace(sport="basketball", label="basketball_layup", start_s=4.0,
                                                         end_s=5.0, key_s=4.5)])
    shown = sport_palette(["basketball_jumpshot", "basketball_layup", "soccer"])
    assert shown["basketball_jumpshot"] != shown["basketball_layup"]
    page = render_html(highlights, tmp_path, duration_s=10.0, annotation=annotation)
    swatches = re.findall(SWATCH, page)
    bars = re.findall(r'fill="(#[0-9A-Fa-f]{6})" fill-opacity', page)
    truth = re.findall(r'fill="(#[0-9A-Fa-f]{6})" class="truth"', page)
    chips = set(re.findall(r'class="sport" style="background:(#[0-9A-Fa-f]{6});[^"]*">(\w+)<', page))
    assert swatches == [(shown["basketball_jumpshot"], "basketball_jumpshot"),
                        (shown["basketball_layup"], "basketball_layup"), (shown["soccer"], "soccer")]
    assert bars == [shown["basketball_jumpshot"], shown["basketball_layup"], shown["soccer"], shown["soccer"]]
    assert truth == [shown["basketball_layup"]]
    assert chips == {(shown["basketball_jumpshot"], "basketball"), (shown["basketball_layup"], "basketball"),
                     (shown["soccer"], "soccer")}
    figure = timeline_figure(highlights, duration_s=10.0, annotation=annotation)
    legend = [t.get_text() for legend in figure.legends for t in legend.get_texts()]
    assert sorted(legend) == sorted(["basketball_jumpshot", "basketball_layup", "soccer", SHADE_LEGEND])
    # the default classes, one to a sport, are still named by their sports
    default = timeline_figure(highlights[1:], duration_s=10.0)
    assert sorted(t.get_text() for legend in default.legends for t in legend.get_texts()) == sorted(
        ["basketball", "soccer", SHADE_LEGEND])


def test_html_table_gives_each_highlights_rank_beside_its_time_order_number(tmp_path: Path):
    # Numbered by time, ranked by score: the table says both, so #1 is not read as the best.
    from highlights.pipeline.highlight import ranked

    page = render_html(ranked(_highlights()), tmp_path, duration_s=10.0)
    table = page[page.index('<section id="table">'):]
    rows = [re.findall(r'<td class="num">(?:<a [^>]*>)?([^<]*)', row)[:3] for row in table.split("<tr>")[2:]]
    # time order 1.5 s (score 0.9), 4.0 s (0.6), 7.25 s (0.75): ranks 1, 3, 2
    assert [(r[0], r[1], r[2]) for r in rows] == [("1", "1", "1.500"), ("2", "3", "4.000"), ("3", "2", "7.250")]
    assert "<th># (time order)</th><th>rank</th>" in table
    assert "Highlights, in time order" in page


def test_the_pages_summary_counts_one_highlight_and_one_event_in_the_singular(tmp_path: Path):
    one = [Highlight(1.0, 3.0, "soccer_shooting", "soccer", 0.8, 2.0, {})]
    annotation = SimpleNamespace(events=[SimpleNamespace(sport="soccer", label="soccer_shooting", start_s=1.0,
                                                         end_s=3.0, key_s=2.0)])
    parser = HtmlPage()
    parser.feed(render_html(one, tmp_path, source_name="game.mp4", duration_s=10.0, annotation=annotation))
    text = "".join(parser.text)
    assert "1 highlight, 2.0 s of footage" in text and "; 1 annotated event" in text and "event(s)" not in text


def test_writing_a_timeline_leaves_pyplot_unimported(tmp_path: Path):
    """The timelines draw on a Figure of their own: importing pyplot picks a backend, the global
    state a library called from a service should not touch."""
    import subprocess
    import sys

    code = ("import sys; from highlights.pipeline.outputs.timeline import plot_timeline; "
            f"plot_timeline([], {str(tmp_path / 't.png')!r}, duration_s=5.0); "
            "print('matplotlib.pyplot' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False" and (tmp_path / "t.png").exists()


def test_a_page_without_highlights_names_no_reel_and_offers_no_bar_to_click(tmp_path: Path):
    """With only an annotated event's bar, it said "0.0 s of reel" (none is written) and "click a
    bar to jump to its highlight"."""
    annotation = SimpleNamespace(events=[SimpleNamespace(sport="basketball", label="basketball_layup", start_s=19.6,
                                                         end_s=21.3, key_s=20.5)])
    parser = HtmlPage()
    parser.feed(render_html([], tmp_path, source_name="game.mp4", duration_s=24.0, annotation=annotation))
    text = "".join(parser.text)
    # The game's length as its timeline reads it, where "from a 00:00:24.000 game" read as a timecode.
    assert "0 highlights, from a 0:24 game; 1 annotated event" in text
    assert "s of reel" not in text and "% kept" not in text and "click a bar" not in text


def test_the_pages_legend_says_what_a_bars_shade_means_where_bars_are_shaded_by_score(tmp_path: Path):
    """The page's bars are paler the lower their score, as the picture's are, and its legend did not say so."""
    highlights = [Highlight(1.0, 3.0, "soccer_shooting", "soccer", 0.0),
                  Highlight(5.0, 7.0, "soccer_shooting", "soccer", 1.0)]
    page = render_html(highlights, tmp_path, duration_s=10.0)
    opacities = [float(x) for x in re.findall(r'fill-opacity="([0-9.]+)" class="bar"', page)]
    assert opacities[0] < opacities[1]
    parser = HtmlPage()
    parser.feed(page)
    assert "a paler bar, a lower score" in "".join(parser.text)
    assert "paler bar" not in render_html([], tmp_path, duration_s=10.0)


def test_the_pages_timeline_and_legend_hatch_each_sport_as_timeline_png_does(tmp_path: Path):
    """The page told its sports apart by colour alone, where timeline.png hatches each: in a grey
    print, or to a colour-blind reader, baseball's bars read as soccer's."""
    from matplotlib.collections import PolyCollection

    from highlights.pipeline.outputs.hatch_tiles import hatch_id
    from highlights.pipeline.outputs.timeline import timeline_figure

    highlights = [Highlight(1.0, 3.0, "baseball_swing", "baseball", 0.9),
                  Highlight(5.0, 7.0, "soccer_shooting", "soccer", 0.8),
                  Highlight(9.0, 11.0, "basketball_layup", "basketball", 0.7)]
    annotation = SimpleNamespace(events=[SimpleNamespace(sport="soccer", label="soccer_shooting", start_s=5.2,
                                                         end_s=6.8, key_s=6.0)])
    page = render_html(highlights, tmp_path, duration_s=12.0, annotation=annotation)
    # the hatch timeline.png gives each sport's bars
    fig = timeline_figure(highlights, duration_s=12.0, annotation=annotation)
    hatches = {c.get_gid().removeprefix("sport "): c.get_hatch() for c in fig.axes[0].collections
               if isinstance(c, PolyCollection)}
    assert set(hatches) == {"baseball", "soccer", "basketball"} and len(set(hatches.values())) == 3
    # a pattern for each on the page, over each bar and the ground truth's bar of its sport
    assert set(re.findall(r'<pattern id="([\w-]+)"', page)) == {hatch_id(h) for h in hatches.values()}
    laid = re.findall(r'fill="url\(#([\w-]+)\)" class="hatch"', page)
    assert laid == [hatch_id(hatches[s]) for s in ("baseball", "soccer", "basketball", "soccer")]
    swatches = re.findall(r'<svg class="swatch".*?fill="url\(#([\w-]+)\)"/></svg>(\w+)<', page)
    assert sorted(swatches) == sorted((hatch_id(h), s) for s, h in hatches.items())
