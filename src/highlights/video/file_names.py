"""The file name endings taken for video where a folder is searched: a class folder of clips
(dataset create/grow, evaluate/train --clips) and a folder of games (a batch) take the same ones,
so a camcorder's .MTS clip is a clip in both; and the names no output can hold (not UTF-8)."""

from __future__ import annotations

import os
import sys

VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".webm", ".mts", ".m2ts", ".ts",
                                   ".mpg", ".mpeg", ".wmv", ".flv", ".3gp")

# Every output names its video in UTF-8 text (highlights.json, the EDL, the editors' files, the
# page, a batch's index). A name whose bytes are not UTF-8 (a Latin-1 system's, an old Windows
# zip's) reaches Python with those bytes as lone surrogates, which no UTF-8 file can hold: it is
# refused before any work, as a cause the user can remove by renaming the file.
NAME_NOT_UTF8 = ("its name is not valid UTF-8 text (written by a system using another encoding, "
                 "such as an old Windows zip): rename the file, since every output names its video in UTF-8")


def name_not_utf8_cause(path) -> str:
    """Why ``path``'s name cannot be written as UTF-8. Its bytes may be UTF-8 all the same, read by
    a Python whose file system encoding is not (a C or POSIX locale with UTF-8 mode turned off, as
    `PYTHONUTF8=0` does): renaming would not help then, and the cause is that setting."""
    encoding = sys.getfilesystemencoding()
    try:
        os.fsencode(str(path)).decode("utf-8")
    except UnicodeDecodeError:
        return NAME_NOT_UTF8
    return (f"its name is UTF-8 but this Python reads file names as {encoding} (a C or POSIX locale "
            "with UTF-8 mode off): set PYTHONUTF8=1, or a UTF-8 locale such as LC_ALL=C.UTF-8")


def name_is_utf8(path) -> bool:
    """Whether ``path`` (as Python decoded it from the file system) can be written as UTF-8."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(path) -> str:
    """``path`` as text any UTF-8 output can hold: each byte that was not UTF-8 written as ``\\xNN``."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")
