"""Text drawn on colour reads at WCAG AA contrast (4.5:1): the confusion matrix's counts on their
cells' blues, and the contrast arithmetic the pages' and pictures' colours are checked with."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.colors import to_rgb
import pytest

from highlights.contrast import AA_TEXT, BLACK, WHITE, contrast_ratio, relative_luminance, text_colour_on
from highlights.report import report_from_confusion
from highlights.report.plot import confusion_figure


def test_contrast_ratios_match_wcags_worked_values():
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21.0)
    assert contrast_ratio("#777777", WHITE) == pytest.approx(4.48, abs=0.01)  # the well-known just-fails grey
    assert contrast_ratio("#fff", (1.0, 1.0, 1.0, 0.5)) == pytest.approx(1.0)
    assert relative_luminance("#0072B2") == pytest.approx(0.1524, abs=1e-3)
    # Each channel its own weight, read from its own two digits; a dark channel is linear (c / 12.92).
    assert [relative_luminance(c) for c in ("#ff0000", "#00ff00", "#0000ff")] == pytest.approx([0.2126, 0.7152, 0.0722])
    assert relative_luminance("#0a0a0a") == pytest.approx(10 / 255 / 12.92)
    assert relative_luminance("#0f0") == pytest.approx(0.7152)
    with pytest.raises(ValueError):
        contrast_ratio("#12345", WHITE)


@pytest.mark.parametrize("background", ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
                                        "#F0E442", "#999999", "#808080", "#000000", "#ffffff"])
def test_the_text_colour_chosen_reads_on_every_colour(background):
    assert contrast_ratio(text_colour_on(background), background) >= AA_TEXT


def test_every_count_of_the_confusion_matrix_reads_on_its_cell():
    """Counts from 0 to the largest, so every shade of the colour map has text on it: a count just
    over half the largest was white on a mid blue, at about 2.5:1."""
    labels = ["a", "b", "c", "d", "none"]
    matrix = [[20, 11, 12, 10, 9], [1, 13, 2, 3, 14], [15, 4, 16, 5, 17], [6, 18, 7, 19, 8], [0, 1, 2, 3, 4]]
    fig = confusion_figure(report_from_confusion(labels, matrix, n_bootstrap=50))
    try:
        ax = fig.axes[0]
        image = ax.images[0]
        low = []
        for text in ax.texts:
            i, j = (round(v) for v in (text.get_position()[1], text.get_position()[0]))
            cell = image.cmap(image.norm(matrix[i][j]))
            ratio = contrast_ratio(to_rgb(text.get_color()), cell)
            if ratio < AA_TEXT:
                low.append((text.get_text(), round(ratio, 2)))
        assert len(ax.texts) == 25
        assert low == []
    finally:
        plt.close(fig)
