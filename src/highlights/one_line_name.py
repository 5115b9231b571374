"""A file's name as an error's one line can hold it.

A name may hold a line break, a tab or an escape character (a file saved by a script, a name
pasted with its newline): printed as it is, the one `error:` line naming it became two lines, the
second one looking like the cause, and a terminal would act on an escape sequence in it.
"""

from __future__ import annotations

import os
import unicodedata


def one_line_name(path: str | os.PathLike) -> str:
    """``path`` with each control character written as a Python string writes it (`\\n`, `\\t`,
    `\\x1b`); any other name is unchanged."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in str(path))
