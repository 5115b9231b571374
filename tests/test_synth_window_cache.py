"""`train --model pose` keeps its synthetic windows in the cache folder: the same settings read
them back, any setting that shapes them (or an edit of the generator) draws them again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from highlights.pose_classifier import synth_data, synth_window_cache
from highlights.pose_classifier.synth_data import SynthWindowSpec
from highlights.pose_classifier.synth_window_cache import FOLDER, cached_synth_windows

SPEC = SynthWindowSpec(count=12, seed=4)
CLASSES = ("baseball_swing", "basketball_layup", "soccer_shooting", "none")


@pytest.fixture
def drawn(monkeypatch, tmp_path):
    """The specs drawn by the generator (not read from the cache), in order; the cache folder one
    of this test's."""
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(tmp_path / "cache"))
    specs: list[SynthWindowSpec] = []
    real = synth_data.synth_windows

    def counted(spec, **kwargs):
        specs.append(spec)
        return real(spec, **kwargs)

    monkeypatch.setattr(synth_data, "synth_windows", counted)
    return specs


def _same(a, b) -> bool:
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


def test_the_same_settings_read_the_windows_kept_by_the_first_run(drawn):
    first = cached_synth_windows(SPEC, classes=CLASSES)
    again = cached_synth_windows(SPEC, classes=CLASSES)
    assert drawn == [SPEC]
    assert _same(first, again) and _same(first, synth_data.synth_windows(SPEC, classes=CLASSES))
    assert again[0].dtype == np.float32 and again[1].dtype == np.int64 and len(again[2]) == 12


@pytest.mark.parametrize("changed", [
    {"seed": 5}, {"count": 13}, {"fps": 15.0}, {"window_frames": 16}, {"none_share": 0.5},
    {"difficulty": (0.2, 0.8)}])
def test_a_changed_setting_misses_the_cache(drawn, changed):
    cached_synth_windows(SPEC, classes=CLASSES)
    other = replace(SPEC, **changed)
    made = cached_synth_windows(other, classes=CLASSES)
    assert drawn == [SPEC, other]
    assert _same(made, synth_data.synth_windows(other, classes=CLASSES))


def test_other_classes_or_an_edited_generator_miss_the_cache(drawn, monkeypatch):
    cached_synth_windows(SPEC, classes=CLASSES)
    fewer = ("baseball_swing", "none")
    assert set(cached_synth_windows(SPEC, classes=fewer)[1]) <= {0, 1}
    monkeypatch.setattr(synth_window_cache, "generator_code_id", lambda: "edited")
    cached_synth_windows(SPEC, classes=CLASSES)
    assert drawn == [SPEC, SPEC, SPEC]


def test_a_damaged_entry_is_drawn_again_and_an_unreadable_generator_keeps_nothing(
        drawn, monkeypatch, tmp_path):
    first = cached_synth_windows(SPEC, classes=CLASSES)
    (entry,) = (tmp_path / "cache" / FOLDER).glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:100])
    assert _same(cached_synth_windows(SPEC, classes=CLASSES), first)
    assert len(drawn) == 2
    monkeypatch.setattr(synth_window_cache, "generator_code_id", lambda: None)
    cached_synth_windows(replace(SPEC, seed=9), classes=CLASSES)
    assert len(list((tmp_path / "cache" / FOLDER).glob("*.npz"))) == 1


def test_the_generator_code_id_names_its_source():
    code = synth_window_cache.generator_code_id()
    assert code is not None and len(code) == 64
    assert code == synth_window_cache.generator_code_id()


def test_the_code_id_covers_every_module_whose_names_shape_the_windows():
    """`synth_windows` draws a `none` window's sport from the vocabulary's sports, whatever the
    run's classes: a sport added there draws other windows for the same settings."""
    import highlights.synth.clip as synth_clip
    from highlights import vocabulary

    files = {p.resolve() for p in synth_window_cache.generator_source_files()}
    for module in (synth_clip, synth_data, vocabulary):
        assert Path(module.__file__).resolve() in files, module.__name__
