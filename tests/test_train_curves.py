"""train_curves.png: whole epochs on its axis and the validation split's size beside macro-F1."""

from __future__ import annotations

import numpy as np

from highlights.train import curves


def _figure(monkeypatch, tmp_path, history, **kw):
    kept = []

    class KeptFigure(curves.Figure):  # keeps the figure drawn to read it back
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            kept.append(self)

    monkeypatch.setattr(curves, "Figure", KeptFigure)
    curves.plot_training_curves(history, tmp_path / "c.png", **kw)
    monkeypatch.undo()
    return kept[0]


def test_a_one_epoch_run_shows_epoch_1_and_how_many_clips_scored_it(monkeypatch, tmp_path):
    fig = _figure(monkeypatch, tmp_path, [{"epoch": 1, "train_loss": 1.39, "val_macro_f1": 0.0}],
                  best_epoch=1, val_clips=3)
    loss, f1 = fig.axes
    assert f1.get_ylabel() == "validation macro-F1 (3 clips)"
    one = _figure(monkeypatch, tmp_path, [{"epoch": 1, "train_loss": 1.39, "val_macro_f1": 0.0}], val_clips=1)
    assert one.axes[1].get_ylabel() == "validation macro-F1 (1 clip)"
    for ax in (loss, f1):
        lo, hi = ax.get_xlim()
        shown = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert shown == [1.0]  # not 0.95, 0.96, ... for a run of one epoch


def test_without_a_count_the_label_is_plain(monkeypatch, tmp_path):
    history = [{"epoch": e, "train_loss": 1.0 / e, "val_macro_f1": 0.1 * e} for e in (1, 2, 3)]
    fig = _figure(monkeypatch, tmp_path, history)
    assert fig.axes[1].get_ylabel() == "validation macro-F1"
    lo, hi = fig.axes[0].get_xlim()
    assert all(float(t).is_integer() for t in fig.axes[0].get_xticks() if lo <= t <= hi)


def test_a_run_without_validation_clips_says_so_where_the_macro_f1_would_be(monkeypatch, tmp_path):
    """Each epoch of such a run is kept as the best: the panel was empty under a "best" line."""
    history = [{"epoch": e, "train_loss": 1.0 / e, "val_macro_f1": None} for e in (1, 2, 3)]
    f1 = _figure(monkeypatch, tmp_path, history, best_epoch=3, val_clips=0).axes[1]
    assert [t.get_text() for t in f1.texts] == [
        "no validation clips: no macro-F1 to draw,\nthe last epoch is the one kept"]
    assert f1.get_legend() is None and list(f1.lines) == []


def test_the_best_epochs_legend_covers_no_point_of_a_weak_models_curve(monkeypatch, tmp_path):
    """Its place at the lower right hid the last epochs of a model scoring about 0.05."""
    history = [{"epoch": e, "train_loss": 2.0 - 0.1 * e, "val_macro_f1": 0.04 + 0.002 * e} for e in range(1, 11)]
    fig = _figure(monkeypatch, tmp_path, history, best_epoch=10, val_clips=40)
    f1 = fig.axes[1]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    box = f1.get_legend().get_window_extent(canvas.get_renderer())
    points = f1.transData.transform([(h["epoch"], h["val_macro_f1"]) for h in history])
    assert [tuple(p) for p in points if box.contains(*p)] == []


def test_each_epochs_dot_stands_apart_from_the_next_or_none_is_drawn(monkeypatch, tmp_path):
    """200 epochs' dots across one axis drew a thick band that hid the curve."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for epochs in (10, 40, 200):
        history = [{"epoch": e, "train_loss": 2.0 / e, "val_macro_f1": min(0.9, 0.01 * e)}
                   for e in range(1, epochs + 1)]
        fig = _figure(monkeypatch, tmp_path, history, best_epoch=epochs)
        FigureCanvasAgg(fig).draw()
        for ax in fig.axes:
            (curve,) = [line for line in ax.lines if len(line.get_xdata()) == epochs]
            if curve.get_marker() in (None, "None", "", " "):
                assert epochs > 40
                continue
            points = ax.transData.transform(curve.get_xydata())
            apart = np.hypot(*np.diff(points, axis=0).T).min()
            assert apart >= curve.get_markersize() * fig.dpi / 72, (epochs, apart)


def test_a_dot_at_a_macro_f1_of_0_or_1_is_drawn_whole_inside_the_axes(monkeypatch, tmp_path):
    """A 1-epoch run scoring 0 (the tiny demo's) had its dot cut in half by the axis."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    history = [{"epoch": 1, "train_loss": 1.4, "val_macro_f1": 0.0},
               {"epoch": 2, "train_loss": 1.0, "val_macro_f1": 1.0}]
    fig = _figure(monkeypatch, tmp_path, history, best_epoch=2, val_clips=3)
    FigureCanvasAgg(fig).draw()
    f1 = fig.axes[1]
    (curve,) = [line for line in f1.lines if line.get_marker() == "o"]
    radius = curve.get_markersize() / 2 * fig.dpi / 72
    box = f1.get_window_extent()
    for _, y in f1.transData.transform(curve.get_xydata()):
        assert box.y0 <= y - radius and y + radius <= box.y1
