"""The `highlights` command's entry point (`[project.scripts]` and `python -m highlights`).

Loading the command takes a moment (typer, rich, numpy, torch): a Ctrl-C then would print
Python's traceback from whichever import it landed in, before the command's own handling of
Ctrl-C is in place. This module imports nothing heavy itself, so a Ctrl-C during that loading is
said in one line, as every other stop is. A Ctrl-C after the command's work, in Python's own
ending, leaves the command's status (`cli/ending.py`).
"""

from __future__ import annotations

import sys

from highlights.errors import EXIT_INTERRUPTED


def main() -> None:
    from highlights.cli.ending import hold_ctrl_c_while_ending, prepare_ending
    from highlights.cli.text_streams import print_any_name

    prepare_ending()
    from highlights.home_folder import give_matplotlib_a_folder

    print_any_name()
    give_matplotlib_a_folder()  # a service's process with no home: matplotlib could not be imported
    try:
        from highlights.cli.app import main as run_command
    except KeyboardInterrupt:
        sys.stderr.write("error: stopped (Ctrl-C) while highlights was starting; nothing was done\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    try:
        run_command()
    except SystemExit as ended:  # how every command line ends: its work is over
        hold_ctrl_c_while_ending(ended.code)
        raise
    except KeyboardInterrupt as stop:
        # A Ctrl-C in the instant between the command's end and the line above: it ended all
        # the same, with the status it was leaving with.
        if not isinstance(stop.__context__, SystemExit):
            raise
        hold_ctrl_c_while_ending(stop.__context__.code)
        raise SystemExit(stop.__context__.code) from None
