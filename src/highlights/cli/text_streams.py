"""Standard output and error that print any name, whatever their encoding.

A class, file or folder name may hold characters the terminal's or pipe's encoding lacks: `中文`
under a Latin-1 or C locale with UTF-8 mode off, anything past ASCII under `PYTHONIOENCODING=ascii`,
and a name the file system could not decode (kept by Python as lone surrogates) in every
encoding. Printed strictly, such a name raised UnicodeEncodeError after the command had done its
work, so a finished command ended in a traceback and exit 1. Such characters are printed as
backslash escapes instead (`donn\\xe9es`): the line stays readable, and says which character it was.

Under a C or POSIX locale Python writes standard output with `surrogateescape`, which writes a
name's undecodable bytes back as they were read but fails on any other character past ASCII
(`é` typed in a folder name): there the bytes are kept and only the other characters escaped.
"""

from __future__ import annotations

import codecs
import io
import sys

_BYTES_ELSE_ESCAPES = "highlights-surrogateescape-else-backslashreplace"


def _bytes_else_escapes(error: UnicodeError) -> tuple[str | bytes, int]:
    """codecs' error handler for a C locale's output: a lone surrogate is the byte it was read
    from (`surrogateescape`), any other character its backslash escape (`backslashreplace`).
    Python has no such handler; each character goes to the one of its two that fits it."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    char = error.object[error.start]
    one = UnicodeEncodeError(error.encoding, error.object, error.start, error.start + 1, error.reason)
    if "\udc80" <= char <= "\udcff":
        return codecs.lookup_error("surrogateescape")(one)
    return codecs.backslashreplace_errors(one)


def print_any_name() -> None:
    """Make `sys.stdout` and `sys.stderr` escape the characters their encoding cannot write."""
    codecs.register_error(_BYTES_ELSE_ESCAPES, _bytes_else_escapes)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
        elif isinstance(stream, io.TextIOWrapper) and stream.errors == "surrogateescape":
            stream.reconfigure(errors=_BYTES_ELSE_ESCAPES)
