"""Text made into a name the file system's encoding can write.

Python writes file names in the file system's encoding: UTF-8 on macOS and Windows, the locale's
on Linux, so ASCII under a C locale with UTF-8 mode off and Latin-1 under a Latin-1 locale. A
name made from a class such as `tir_au_but_é` or `上篮` could not be created there, and the run
failed once it reached that file, after its work.
"""

from __future__ import annotations

import sys
import unicodedata


def writable_letter(char: str) -> str:
    """``char`` as a file name here can hold it: itself, else without its accent (`é` -> `e`), else `_`."""
    encoding = sys.getfilesystemencoding()
    for candidate in (char, "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))):
        try:
            candidate.encode(encoding)
        except UnicodeEncodeError:
            continue
        if candidate:
            return candidate
    return "_"


def writable_name(text: str) -> str:
    """``text`` with each letter the file system's encoding lacks made writable (`writable_letter`)."""
    return "".join(map(writable_letter, text))
