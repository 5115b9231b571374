"""The test report's pictures at the edges a user meets: class names in another script."""

from __future__ import annotations

import warnings

import highlights.figure_png as figure_png
from highlights.report import report_from_confusion
from highlights.report.plot import plot_confusion


def _diagonal(labels: list[str]) -> dict:
    n = len(labels)
    return report_from_confusion(labels, [[10 if i == j else 1 for j in range(n)] for i in range(n)], n_bootstrap=20)


def test_a_class_named_in_another_script_is_drawn_with_an_installed_font_else_said_in_one_line(tmp_path, monkeypatch,
                                                                                              caplog):
    """As the timeline: matplotlib warned once a glyph with its source line, and drew the names in
    its own font only. (STIX, which matplotlib ships, stands in for a CJK font here.)"""
    monkeypatch.setattr(figure_png, "FALLBACK_FONTS", ("STIXGeneral",))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_confusion(_diagonal(["ℊolf_swing", "none"]), tmp_path / "stix.png")
        with caplog.at_level("WARNING", logger=figure_png.__name__):
            plot_confusion(_diagonal(["篮球_layup", "none"]), tmp_path / "cjk.png")
    assert [r.getMessage() for r in caplog.records] == [
        "cjk.png: no installed font draws 篮 球, shown there as boxes (the page, CSV and editor files "
        "have them as written); a font of that script (Noto Sans CJK for Chinese, Japanese, Korean) draws them"]
