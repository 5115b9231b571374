"""A file's identity: its size and modification time, and a hash of its ends, read from one open file."""

from __future__ import annotations

import hashlib
import os

import highlights.file_identity as identity_module
from highlights.file_identity import file_identity


def test_a_video_is_named_by_its_size_time_and_both_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(identity_module, "HASHED_BYTES", 4)
    video = tmp_path / "v.mp4"
    data = bytes(range(10))
    video.write_bytes(data)
    ident = file_identity(video)
    assert ident["size"] == 10 and ident["mtime_ns"] == video.stat().st_mtime_ns
    assert ident["sha256_ends"] == hashlib.sha256(data[:4] + data[6:]).hexdigest()
    short = tmp_path / "short.mp4"
    short.write_bytes(data[:6])  # its end overlaps its start: the bytes after the start, once
    assert file_identity(short)["sha256_ends"] == hashlib.sha256(data[:6]).hexdigest()
    tiny = tmp_path / "tiny.mp4"
    tiny.write_bytes(data[:4])
    assert file_identity(tiny)["sha256_ends"] == hashlib.sha256(data[:4]).hexdigest()


def test_a_video_is_named_by_its_first_and_last_mib_not_what_lies_between(tmp_path):
    mib = 1 << 20
    video = tmp_path / "v.mp4"
    video.write_bytes(bytes(3 * mib))
    stat = video.stat()
    first = file_identity(video)

    def changed_at(offset: int) -> bool:
        data = bytearray(bytes(3 * mib))
        data[offset] = 1
        video.write_bytes(bytes(data))
        os.utime(video, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        return file_identity(video) != first

    assert not changed_at(mib) and not changed_at(2 * mib - 1)  # the middle MiB: not read
    assert changed_at(mib - 1) and changed_at(2 * mib) and changed_at(0) and changed_at(3 * mib - 1)


def test_the_size_and_time_are_those_of_the_file_whose_ends_are_hashed(tmp_path, monkeypatch):
    """The path is replaced by a longer file just as it is opened (an upload landing): the identity
    describes the file read, not a size taken from the one before."""
    video = tmp_path / "v.mp4"
    video.write_bytes(b"first upload")
    landed = tmp_path / "landed.mp4"
    landed.write_bytes(b"the second, longer upload")
    os.utime(landed, ns=(1, 2_000_000_000))

    def open_after_the_upload_lands(path, mode="r", *args, **kwargs):
        if os.path.exists(landed):
            os.replace(landed, path)
        return open(path, mode, *args, **kwargs)

    monkeypatch.setattr(identity_module, "open", open_after_the_upload_lands, raising=False)
    ident = file_identity(video)
    assert ident == {"size": len(b"the second, longer upload"), "mtime_ns": 2_000_000_000,
                     "sha256_ends": hashlib.sha256(b"the second, longer upload").hexdigest()}
