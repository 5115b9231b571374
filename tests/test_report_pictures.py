"""The test report's pictures at the edges a user meets: one class, twelve, class names of 30 and
more characters or in another script."""

from __future__ import annotations

import warnings

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest

import highlights.figure_png as figure_png
from highlights.report import report_from_confusion
from highlights.report.plot import confusion_figure, plot_confusion
from tests.picture_checks import texts_cover_each_other, texts_outside

LONG_NAMES = ["basketball_layup_from_the_left_side_of_court", "soccer_shooting_outside_the_penalty_area", "none"]


def _diagonal(labels: list[str]) -> dict:
    n = len(labels)
    return report_from_confusion(labels, [[10 if i == j else 1 for j in range(n)] for i in range(n)], n_bootstrap=20)


@pytest.mark.parametrize("labels", [LONG_NAMES, [f"class_{i:02d}" for i in range(11)] + ["none"], ["none"]])
def test_every_word_of_the_confusion_matrix_lies_inside_the_picture_and_no_class_name_covers_another(labels):
    """Class names of 40 characters in one line pushed the title's figures past the right edge."""
    fig = confusion_figure(_diagonal(labels))
    try:
        assert texts_outside(fig) == []  # draws the figure
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
            assert texts_cover_each_other(ticks, renderer) == []
            # each class named whole, its lines joined
            assert [t.get_text().replace("\n", "") for t in ticks] == labels
    finally:
        plt.close(fig)


def test_the_axes_say_which_class_each_runs_along():
    """Named just "true" and "predicted", a row could be read as either."""
    fig = confusion_figure(_diagonal(["baseball_swing", "none"]))
    try:
        ax = fig.axes[0]
        assert (ax.get_ylabel(), ax.get_xlabel()) == ("true class (rows)", "predicted class (columns)")
    finally:
        plt.close(fig)


def test_the_colour_scale_counts_whole_clips_from_none():
    """One class of 5 clips had a scale from 4.5 to 5.5 in tenths of a clip, its cell the middle blue."""
    fig = confusion_figure(report_from_confusion(["none"], [[5]], n_bootstrap=20))
    try:
        fig.canvas.draw()
        bar = fig.axes[1]
        lo, hi = bar.get_ylim()
        ticks = [t for t in bar.get_yticks() if lo <= t <= hi]
        assert (lo, hi) == (0, 5) and ticks == [0, 1, 2, 3, 4, 5]
    finally:
        plt.close(fig)


def _fonts_only(monkeypatch, *families: str) -> None:
    """The font lookup pointed at matplotlib's own font and `families` only, as on a machine with
    no other font installed."""
    from matplotlib import font_manager

    monkeypatch.setattr(figure_png, "FALLBACK_FONTS", ())
    monkeypatch.setattr(figure_png, "installed_fonts",
                        lambda: tuple((f, font_manager.findfont(
                                          font_manager.FontProperties(family=[f])))
                                      for f in ("DejaVu Sans", *families)))


def test_a_class_named_in_another_script_is_drawn_with_an_installed_font_else_said_in_one_line(tmp_path, monkeypatch,
                                                                                              caplog):
    """As the timeline: matplotlib warned once a glyph with its source line, and drew the names in
    its own font only. (STIX, which matplotlib ships, stands in for a CJK font here: the lookup
    finds it by its characters, not by name.)"""
    _fonts_only(monkeypatch, "STIXGeneral")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level("WARNING", logger=figure_png.__name__):
            plot_confusion(_diagonal(["ℊolf_swing", "none"]), tmp_path / "stix.png")
            assert caplog.records == []
            plot_confusion(_diagonal(["篮球_layup", "none"]), tmp_path / "cjk.png")
    assert [r.getMessage() for r in caplog.records] == [
        "cjk.png: no installed font draws 篮球_layup, shown there as boxes (the text files beside it have "
        "them as written); a font of their script (Noto Sans CJK for Chinese, Japanese, Korean; Noto Sans "
        "Devanagari, ...) draws them"]


def test_names_in_scripts_matplotlib_does_not_shape_are_said_in_one_line_without_a_warning(tmp_path, monkeypatch,
                                                                                         caplog):
    """Devanagari: matplotlib warned once each label it drew ("does not support Devanagari
    natively"), dozens of lines for one picture. Arabic it draws left to right, unjoined, and says
    nothing."""
    _fonts_only(monkeypatch)
    labels = ["シュート", "投篮", "تسديدة", "शॉट मारना", "none"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level("WARNING", logger=figure_png.__name__):
            path = plot_confusion(_diagonal(labels), tmp_path / "scripts.png")
    assert [r.getMessage() for r in caplog.records] == [
        "scripts.png: no installed font draws シュート, 投篮, शॉट मारना, shown there as boxes (the text files beside it "
        "have them as written); a font of their script (Noto Sans CJK for Chinese, Japanese, Korean; "
        "Noto Sans Devanagari, ...) draws them; matplotlib draws Devanagari letter by letter, unjoined; "
        "matplotlib draws تسديدة left to right, unjoined"]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_japanese_class_is_drawn_by_an_installed_japanese_font_where_there_is_one(tmp_path, caplog):
    """The lookup over the fonts as installed: where one has the glyphs (Noto Sans CJK), the name is
    drawn without a word; where none has, the line names it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level("WARNING", logger=figure_png.__name__):
            plot_confusion(_diagonal(["シュート", "none"]), tmp_path / "ja.png")
    drawn = not figure_png.fonts_for(map(ord, "シュート"))[1]
    assert [r.getMessage().split(",")[0] for r in caplog.records] == (
        [] if drawn else ["ja.png: no installed font draws シュート"])


def test_fourteen_classes_of_long_names_make_a_picture_of_sensible_size_with_every_name_whole(tmp_path):
    """Cells of 0.9 in and names slanted beneath made a picture over 2000 px wide for fourteen
    classes of 45 characters; the names beneath now stand upright, each in its column."""
    labels = [f"class {i:02d} basketball layups from the left side" for i in range(13)] + ["none"]
    assert {len(label) for label in labels[:-1]} == {45}
    path = plot_confusion(_diagonal(labels), tmp_path / "many.png")
    height, width = matplotlib.image.imread(path).shape[:2]
    assert 800 <= width <= 1500 and 800 <= height <= 1500, (width, height)
    fig = confusion_figure(_diagonal(labels))
    try:
        assert texts_outside(fig) == []
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        for ticks in (ax.get_xticklabels(), ax.get_yticklabels()):
            assert texts_cover_each_other(ticks, renderer) == []
            assert [t.get_text().replace("\n", " ") for t in ticks] == labels
        # each count narrower than its cell
        cell_px = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
        counts = [t for t in ax.texts if t.get_text().isdigit()]
        assert len(counts) == 14 * 14 and max(t.get_window_extent(renderer).width for t in counts) < cell_px
    finally:
        plt.close(fig)


def test_names_that_would_cover_each_other_slanted_stand_upright_beneath_the_matrix():
    """Twenty classes of 45-character names (two lines each) in cells of the least size: slanted,
    each name beneath covered its neighbours; upright, each stands in its own column."""
    labels = [f"class {i:02d} basketball layups from the left side" for i in range(19)] + ["none"]
    fig = confusion_figure(_diagonal(labels))
    try:
        ax = fig.axes[0]
        assert texts_cover_each_other(ax.get_xticklabels(), fig.canvas.get_renderer()) == []
        assert texts_outside(fig) == []
    finally:
        plt.close(fig)


def test_a_class_without_test_clips_is_named_in_the_confusion_matrixs_title():
    """Its row of zeros counts an F1 of 0 into the macro-F1 the title gives, as the report says."""
    report = report_from_confusion(["a", LONG_NAMES[0], "none"], [[10, 2, 1], [0, 0, 0], [1, 1, 20]], n_bootstrap=20)
    fig = confusion_figure(report)
    try:
        title = fig.axes[0].get_title()
        assert title.split("\n")[2].startswith(f"macro-F1 {report['macro_f1']:.3f} ")
        assert "".join(title.split("\n")[3:]).replace(" ", "") == f"notestclipof{LONG_NAMES[0]}:macro-F1countsitsF1as0"
        assert texts_outside(fig) == []
    finally:
        plt.close(fig)


def test_a_report_of_one_clip_says_one_clip_in_both_pictures_titles():
    from highlights.report import build_report
    from highlights.report.plot import reliability_figure

    report = build_report(["none"], ["none"], ["none", "baseball_swing"], proba=np.array([[0.9, 0.1]]), n_bootstrap=10)
    for figure in (confusion_figure, reliability_figure):
        fig = figure(report)
        try:
            assert "n=1 clip" in fig.axes[0].get_title() and "n=1 clips" not in fig.axes[0].get_title()
        finally:
            plt.close(fig)


def test_the_reliability_diagrams_legend_covers_no_bin():
    """At the upper left it covered the count of the bin of 0.1 to 0.2, which a model of twelve
    classes fills with clips it gives 0.15."""
    from highlights.report import build_report
    from highlights.report.plot import reliability_figure

    labels = [f"class_{i:02d}" for i in range(11)] + ["none"]
    conf = np.r_[np.full(10, 0.15), np.linspace(0.5, 0.99, 30)]
    predicted = np.arange(40) % 12
    proba = np.repeat(((1 - conf) / 11)[:, None], 12, axis=1)
    proba[np.arange(40), predicted] = conf
    names = [labels[i] for i in predicted]
    report = build_report(names, names, labels, proba=proba, n_bootstrap=10)
    assert report["confidence"]["calibration"]["bins"][0]["bin"] == [0.1, 0.2]
    fig = reliability_figure(report)
    try:
        assert texts_outside(fig) == []  # draws the figure
        renderer = fig.canvas.get_renderer()
        legends = [*fig.legends, *filter(None, [ax.get_legend() for ax in fig.axes])]
        assert len(legends) == 1
        assert not legends[0].get_window_extent(renderer).overlaps(fig.axes[0].get_window_extent(renderer))
    finally:
        plt.close(fig)


def test_the_diagonal_does_not_strike_through_a_bins_count():
    """A bin of 0.9 to 1.0 right nine times in ten puts its count where the calibrated diagonal
    runs: the dashed line was drawn through "n=10"."""
    from highlights.report import build_report
    from highlights.report.plot import reliability_figure

    labels = ["none", "baseball_swing"]
    conf = np.full(10, 0.95)
    proba = np.c_[conf, 1 - conf]
    truth = ["none"] * 9 + ["baseball_swing"]
    report = build_report(truth, ["none"] * 10, labels, proba=proba, n_bootstrap=10)
    fig = reliability_figure(report)
    try:
        (diagonal,) = [line for line in fig.axes[0].lines if list(line.get_xdata()) == [0, 1]]
        diagonal.set_color("#ff0000")  # a colour nothing else in the picture has, to find its pixels
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[::-1, :, :3].astype(int)  # rows from the bottom
        (count,) = [t for t in fig.axes[0].texts if t.get_text() == "n=10"]
        box = count.get_window_extent(fig.canvas.get_renderer())
        inside = pixels[int(box.y0):int(box.y1) + 1, int(box.x0):int(box.x1) + 1]
        assert ((inside[..., 0] > 150) & (inside[..., 1] < 100) & (inside[..., 2] < 100)).sum() == 0
    finally:
        plt.close(fig)


def test_a_bin_of_clips_none_predicted_right_shows_on_the_axis():
    """Its bar has no height: it drew nothing but its count beside the axis."""
    from highlights.report import build_report
    from highlights.report.plot import reliability_figure

    report = build_report(["none"], ["baseball_swing"], ["none", "baseball_swing"], proba=np.array([[0.25, 0.75]]),
                          n_bootstrap=10)
    (row,) = report["confidence"]["calibration"]["bins"]
    assert row["correct_rate"] == 0 and row["bin"] == [0.7, 0.8]
    fig = reliability_figure(report)
    try:
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[::-1, :, :3].astype(int)  # rows from the bottom
        ax = fig.axes[0]
        x, y = ax.transData.transform((0.75, 0.0))
        r, g, b = pixels[int(round(y)) + 1, int(round(x))]
        assert b > r + 60, (r, g, b)  # the bars' blue just above the axis, where the white was
    finally:
        plt.close(fig)
