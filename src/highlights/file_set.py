"""Files written as a set and read together (a test report's JSON with its Markdown and pictures;
a pipeline evaluation's scores with the highlights and timeline they score), told apart from a
folder that holds some files of one run and some of another.

`atomic.written_together` puts a set's files in place together at the end, one rename each, in
the order written. A process killed between two of those renames (kill -9, a power cut) over a
set an earlier run wrote leaves the files renamed before the kill beside the earlier run's others.
So the set's record (its JSON) is written last and names each partner's sha256 under
``written_with``: a partner beside it with other bytes is not the one it was written with (a later
run's, stopped before its record took its place, or a file changed since). A partner named with
``null`` is one the set has none of: writing the set removed an earlier run's file of that name
(a picture this run's report has no place for), and one found there later is not the record's.
A partner that is missing is not a mix: a record copied or moved alone reads as before, and so
does a record written before the field existed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from highlights.atomic import remove_file, written_file
from highlights.errors import HighlightsError
from highlights.file_hash import file_sha256

WRITTEN_WITH = "written_with"


class MixedSetError(HighlightsError):
    """A set's record beside partners it was not written with; ``str(e)`` names both and says
    what to do."""


def partners_record(written: Iterable[str | os.PathLike],
                    may_hold: Iterable[str | os.PathLike] = ()) -> dict[str, str | None]:
    """``written_with`` for a record in the folder of ``written``: each file's name and the sha256
    of what was written for it (in a `written_together` block, its temp file not yet in place).

    ``may_hold``: every file a set of this kind may have beside its record (this command's, or
    another command's writing the same record into the same folder). Those of them this set does
    not have are removed with its files (`remove_file`: in a `written_together` block, at its end)
    and named with None: an earlier run's picture is not left beside a record that has no place
    for it, and one put back later reads as not the record's."""
    record: dict[str, str | None] = {Path(p).name: file_sha256(written_file(p)) for p in written}
    for path in may_hold:
        if Path(path).name not in record:
            remove_file(path)
            record[Path(path).name] = None
    return record


def stale_partners(record_path: str | os.PathLike, record: object) -> list[Path]:
    """The partners beside ``record_path`` that its ``written_with`` does not name as they are."""
    recorded = record.get(WRITTEN_WITH) if isinstance(record, dict) else None
    if not isinstance(recorded, dict):
        return []  # written before sets were recorded, or not a set
    folder = Path(record_path).parent
    stale = []
    for name, sha256 in recorded.items():
        partner = folder / str(name)
        if not partner.is_file():
            continue
        try:
            if sha256 is None or not _same_contents(partner, sha256):
                stale.append(partner)
        except OSError:
            continue  # unreadable: its own reader says so
    return stale


# Text partners (a Markdown, a truth's JSON Lines) that a git checkout on Windows may give CRLF
# line ends: the same text, not another run's.
_TEXT_SUFFIXES = {".md", ".json", ".jsonl", ".csv", ".txt"}


def _same_contents(partner: Path, sha256: str) -> bool:
    if file_sha256(partner) == sha256:
        return True
    if partner.suffix.lower() not in _TEXT_SUFFIXES:
        return False
    text = partner.read_bytes()
    return b"\r\n" in text and hashlib.sha256(text.replace(b"\r\n", b"\n")).hexdigest() == sha256


def mixed_set_line(record_path: str | os.PathLike, record: object, *, again: str) -> str | None:
    """One line naming the partners beside ``record_path`` that it was not written with, and
    ``again``: how to write the set whole; None where every partner is its own."""
    stale = stale_partners(record_path, record)
    if not stale:
        return None
    names = " and ".join(p.name for p in stale)
    verb = "is not the file" if len(stale) == 1 else "are not the files"
    return (f"{record_path}: {names} beside it {verb} it was written with (a later run stopped "
            f"while putting its files in place, or changed since); {again}")


def check_written_with(record_path: str | os.PathLike, record: object, *, again: str) -> None:
    """A `MixedSetError` where a partner beside ``record_path`` is not one it was written with;
    ``again`` says how to write the set whole."""
    line = mixed_set_line(record_path, record, again=again)
    if line:
        raise MixedSetError(line)
