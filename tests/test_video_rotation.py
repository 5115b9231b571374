"""Display rotation by hand: the matrix written into a phone-like MP4 (turning the coded picture
by it lands it exactly on the upright picture's frame, as players that apply the whole matrix,
translation included, show it; readers that take only its angle are checked in test_video_io),
the track header it goes in, angles read from frames, and frames turned upright."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from highlights.video import write_video
from highlights.video.mp4boxes import iter_file_boxes
from highlights.video.rotation import _video_tkhd_matrix_offset


def _display_matrix(path) -> tuple[int, ...]:
    with open(path, "rb") as fh:
        for kind, payload, end in iter_file_boxes(fh, path.stat().st_size):
            if kind == b"moov":
                fh.seek(payload)
                moov = fh.read(end - payload)
                return struct.unpack_from(">9i", moov, _video_tkhd_matrix_offset(moov))
    raise AssertionError("no moov box")


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_the_coded_pictures_corners_land_on_the_upright_pictures_corners(tmp_path, rotation):
    width, height = 64, 48                                   # as the sensor stores it
    path = write_video(tmp_path / "phone.mp4", [np.zeros((height, width, 3), np.uint8)] * 2, 30,
                       rotation=rotation)
    a, b, u, c, d, v, tx, ty, w = _display_matrix(path)
    assert (u, v, w) == (0, 0, 1 << 30)
    # ISO/IEC 14496-12: x' = a x + c y + tx, y' = b x + d y + ty, all 16.16 fixed point.
    corners = {((a * x + c * y) / 65536 + tx / 65536, (b * x + d * y) / 65536 + ty / 65536)
               for x in (0, width) for y in (0, height)}
    shown = (height, width) if rotation in (90, 270) else (width, height)
    assert corners == {(x, y) for x in (0, shown[0]) for y in (0, shown[1])}


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _trak(handler: bytes, version: int, width: int, height: int) -> bytes:
    times = struct.pack(">QQIIQ", 1, 2, 1, 0, 3) if version == 1 else struct.pack(">IIIII", 1, 2, 1, 0, 3)
    identity = struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    tkhd = bytes([version, 0, 0, 7]) + times + bytes(16) + identity + struct.pack(">II", width << 16, height << 16)
    hdlr = bytes(8) + handler + bytes(12) + b"\0"
    return _box(b"trak", _box(b"tkhd", tkhd) + _box(b"mdia", _box(b"hdlr", hdlr)))


def _movie(tmp_path, *traks: bytes):
    path = tmp_path / "made.mp4"
    path.write_bytes(_box(b"ftyp", b"isom\0\0\0\0") + _box(b"moov", b"".join(traks)))
    return path


@pytest.mark.parametrize("version", [0, 1])
def test_the_matrix_is_written_into_the_video_tracks_header_of_either_version_not_the_sounds(tmp_path, version):
    from highlights.video.rotation import write_mp4_rotation

    path = _movie(tmp_path, _trak(b"soun", version, 0, 0), _trak(b"vide", version, 64, 48))
    before = path.read_bytes()
    write_mp4_rotation(path, 90)
    after = path.read_bytes()
    changed = [i for i in range(len(before)) if before[i] != after[i]]
    matrix_at = after.index(b"trak", after.index(b"trak") + 4) - 4 + 8 + 8 + (36 if version == 1 else 24) + 16
    assert changed and matrix_at <= min(changed) and max(changed) < matrix_at + 36      # the video's matrix only
    assert struct.unpack_from(">9i", after, matrix_at) == (0, 0x10000, 0, -0x10000, 0, 0, 48 << 16, 0, 0x40000000)


def test_a_file_without_a_video_track_is_refused_and_left_as_it_was(tmp_path):
    from highlights.video.rotation import write_mp4_rotation

    path = _movie(tmp_path, _trak(b"soun", 0, 0, 0))
    before = path.read_bytes()
    with pytest.raises(ValueError, match="no video track header"):
        write_mp4_rotation(path, 90)
    assert path.read_bytes() == before


def test_angles_go_to_the_nearest_right_angle_and_a_matrix_of_no_angle_reads_upright():
    from types import SimpleNamespace

    from highlights.video.rotation import clockwise_rotation_of, normalise_rotation

    assert [normalise_rotation(a) for a in (89.99, -90.0, 359.6, 450.0, 44.0, 46.0)] == [90, 270, 0, 90, 0, 90]
    assert clockwise_rotation_of(SimpleNamespace(rotation=-90.0)) == 90
    for degenerate in (float("nan"), float("inf")):       # an all-zero display matrix gives NaN
        assert clockwise_rotation_of(SimpleNamespace(rotation=degenerate)) == 0


def test_frames_are_turned_clockwise_and_a_stream_changing_size_is_turned_at_its_new_size():
    import av

    from highlights.video.rotation import UprightFrames

    with pytest.raises(ValueError, match="rotation must be one of"):
        UprightFrames(45)
    rng = np.random.default_rng(0)
    for clockwise in (90, 180, 270):
        turn = UprightFrames(clockwise)
        for height, width in ((48, 64), (16, 32), (48, 64)):
            picture = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            out = turn(av.VideoFrame.from_ndarray(picture, format="rgb24")).to_ndarray()
            assert np.array_equal(out, np.rot90(picture, k=-clockwise // 90)), (clockwise, height, width)
