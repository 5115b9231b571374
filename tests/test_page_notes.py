"""Every option of `write_all` that only the review page uses reaches the page: `write_all` takes
each field of `PageNotes` with its default, and one page written with every field set shows each,
where a page written with none shows none. A field that the function does not take, does not pass
on, or that has no check here fails these tests."""

from __future__ import annotations

import inspect
from dataclasses import asdict, fields
from pathlib import Path

import pytest

from highlights.pipeline.highlight import Highlight
from highlights.pipeline.outputs import OUTPUT_NAMES, write_all
from highlights.pipeline.outputs.page_notes import PageNotes
from highlights.video import write_video
from tests.outputs_fixtures import FPS, source_frame


def _notes(out: Path) -> PageNotes:
    return PageNotes(config_dict={"merge": {"marker_setting": "config-on-the-page"}},
                     highlights_json=out / "result-of-the-run.json",
                     results_spotting=out / "spotting-of-the-run.json",
                     up_link=("every game of the batch", "../batch-index.html"),
                     reel_budget="the best highlights in 90 s, set by the test",
                     damage="12 s of the video could not be read, set by the test")


def _shown(page: str, out: Path) -> dict[str, bool]:
    """Whether the page shows each note of `_notes`."""
    notes = _notes(out)
    return {
        "config_dict": "config-on-the-page" in page,
        "highlights_json": 'href="result-of-the-run.json"' in page,
        "results_spotting": 'href="spotting-of-the-run.json"' in page,
        "up_link": notes.up_link[0] in page and f'href="{notes.up_link[1]}"' in page,
        "reel_budget": notes.reel_budget in page,
        "damage": notes.damage in page,
    }


def test_write_all_takes_every_page_note_with_its_default() -> None:
    parameters = inspect.signature(write_all).parameters
    for field in fields(PageNotes):
        assert parameters[field.name].kind is inspect.Parameter.KEYWORD_ONLY, field.name
        assert parameters[field.name].default == field.default, field.name


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return write_video(tmp_path_factory.mktemp("src") / "game.mp4",
                       (source_frame(i) for i in range(int(3 * FPS))), FPS)


def test_every_page_note_reaches_the_page(source: Path, tmp_path: Path) -> None:
    # The reel holds only the first: the page says what its length was set by.
    highlights = [Highlight(0.5, 1.0, "soccer_shooting", "soccer", 0.9, 0.75),
                  Highlight(2.0, 2.5, "soccer_shooting", "soccer", 0.5, 2.25)]
    pages = {}
    for name, notes in (("bare", PageNotes()), ("noted", _notes(tmp_path / "noted"))):
        paths = write_all(highlights, source, tmp_path / name, progress=False,
                          in_reel=lambda h: h.score > 0.8, **asdict(notes))
        pages[name] = paths["html"].read_text(encoding="utf-8")
        assert paths["html"].name == OUTPUT_NAMES["html"]
    shown = _shown(pages["noted"], tmp_path / "noted")
    assert set(shown) == {field.name for field in fields(PageNotes)}  # each field checked
    assert [name for name, ok in shown.items() if not ok] == []
    assert [name for name, ok in _shown(pages["bare"], tmp_path / "noted").items() if ok] == []
