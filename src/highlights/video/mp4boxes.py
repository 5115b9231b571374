"""Walking the box (atom) structure of MP4/MOV files (ISO/IEC 14496-12).

PyAV gives no access to the boxes themselves; we need two things from them: whether the
index (``moov``) is present, to explain why a cut-off recording cannot be opened, and where
the video track header sits, to write a display matrix.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO


def iter_boxes(data: bytes | bytearray, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, payload_start, box_end) for the boxes in data[start:end]."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def iter_file_boxes(fh: BinaryIO, file_size: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, payload_start, declared_box_end) for a file's top-level boxes.

    Reads only the headers; a box whose declared end lies past the end of the file (a cut-off
    recording) is yielded and ends the walk.
    """
    pos = 0
    while pos + 8 <= file_size:
        fh.seek(pos)
        size, kind = struct.unpack(">I4s", fh.read(8))
        header = 8
        if size == 1:
            if pos + 16 > file_size:
                return
            size, header = struct.unpack(">Q", fh.read(8))[0], 16
        elif size == 0:
            size = file_size - pos
        if size < header:
            return
        yield kind, pos + header, pos + size
        pos += size


def is_iso_media(head: bytes) -> bool:
    """Do these first bytes start an MP4/MOV-family file?"""
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free")
