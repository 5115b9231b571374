"""The one progress bar: on stderr, and nothing at all when it is turned off."""

from __future__ import annotations

from highlights.progress import progress_bar


def test_a_disabled_bar_writes_nothing_even_off_a_terminal(capsys):
    # Under pytest the output is not a terminal, where rich ends a bar with an empty line.
    with progress_bar(enabled=False) as bar:
        task = bar.add_task("decoding", total=3)
        bar.advance(task)
    assert capsys.readouterr() == ("", "")


def test_an_enabled_bar_writes_to_stderr_only(capsys):
    with progress_bar() as bar:
        task = bar.add_task("decoding", total=2)
        bar.advance(task, 2)
    out, err = capsys.readouterr()
    assert out == "" and "decoding" in err
