"""Standard output and error that print any name, whatever their encoding.

A class, file or folder name may hold characters the terminal's or pipe's encoding lacks: `中文`
under a Latin-1 or C locale with UTF-8 mode off, anything past ASCII under `PYTHONIOENCODING=ascii`,
and a name the file system could not decode (kept by Python as lone surrogates) in every
encoding. Printed strictly, such a name raised UnicodeEncodeError after the command had done its
work, so a finished command ended in a traceback and exit 1. Such characters are printed as
backslash escapes instead (`donn\\xe9es`): the line stays readable, and says which character it was.
"""

from __future__ import annotations

import io
import sys


def print_any_name() -> None:
    """Make `sys.stdout` and `sys.stderr` escape the characters their encoding cannot write."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
