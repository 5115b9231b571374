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


def test_a_run_that_goes_on_gives_an_eta_from_the_speed_of_what_it_analyses_not_of_what_it_reads_back(monkeypatch):
    # A run going on reads its first part back from what a stopped run kept, several times faster
    # than it analyses the rest: an ETA from that speed was several times too short.
    import highlights.progress
    from highlights.pipeline.run import _Progress

    clock = {"now": 0.0}
    monkeypatch.setattr(highlights.progress._STDERR, "get_time", lambda: clock["now"])  # the bars' clock

    def eta(bar) -> str:
        (task,) = bar._progress.tasks
        return str(bar._progress.columns[-1].render(task))

    def at(bar, now, video_s):
        clock["now"] = now
        bar.update(video_s)

    with _Progress(enabled=True, total_s=900.0, label="game.mp4", read_back_until_s=600.0) as bar:
        for second in range(1, 51):  # read back at 12x: 600 s of video in 50 s
            at(bar, float(second), 12.0 * second)
        assert eta(bar) == "-:--:--"  # rich's own would say 25 s for the 300 s left
        for second in range(1, 61):  # then analysed at 3x
            at(bar, 50.0 + second, 600.0 + 3.0 * second)
        assert eta(bar) == "0:00:40"  # 120 s of video left at 3x: 40 s (rich's, over 30 s: 40 s too)

    for read_back in (None, 899.9):  # from the start, or every frame read back: rich's estimate
        with _Progress(enabled=True, total_s=900.0, label="game.mp4", read_back_until_s=read_back) as bar:
            for second in range(1, 31):
                at(bar, 100.0 + second, 3.0 * second)
            assert eta(bar) == "0:04:30"
