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


def test_off_a_terminal_the_bar_prints_its_line_now_and_then(capsys, monkeypatch):
    # A long run written to a log (nohup, a service, a container) would otherwise show nothing
    # until it ends: rich draws a bar off a terminal only when it stops.
    import highlights.progress

    monkeypatch.setattr(highlights.progress, "LOG_EVERY_S", 0.0)
    with progress_bar() as bar:
        task = bar.add_task("decoding", total=4)
        bar.advance(task)
        bar.update(task, completed=2)
        logged = capsys.readouterr().err
    assert logged.count("decoding") == 2 and "1/4" in logged and "2/4" in logged and "ETA" in logged
