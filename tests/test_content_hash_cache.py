"""The same-video check (`dataset show`, `train`, `evaluate`) reads a long game's bytes once: its
content hash is kept in the cache folder while the file is unchanged, and read again once it
changes."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from highlights import content_hash_cache, file_hash
from highlights.content_hash_cache import cached_file_sha256
from highlights.datasets.same_video import WholeAndCutVideos
from tests.hash_reads import hash_reads


@pytest.fixture
def reads(monkeypatch, tmp_path):
    """The files whose bytes are hashed, in order; the cache in a folder of this test."""
    return hash_reads(monkeypatch, tmp_path / "cache")


def _check(video, whole_sha256: str):
    """What a fresh `dataset show` does for a clip cut from ``video`` beside a clip added whole."""
    videos = WholeAndCutVideos()
    videos.add_whole(whole_sha256, "whole.mp4", "whole", video.stat().st_size)
    return videos.group_of_cut(str(video))


def test_a_second_check_of_an_unchanged_video_reads_none_of_its_bytes(tmp_path, reads):
    video = tmp_path / "game.mp4"
    video.write_bytes(os.urandom(200_000))
    sha = hashlib.sha256(video.read_bytes()).hexdigest()
    assert _check(video, sha) == ("whole.mp4", "whole", "cut from it")
    assert reads == [str(video)]
    assert _check(video, sha) == ("whole.mp4", "whole", "cut from it")
    assert reads == [str(video)]  # the second check read the hash kept by the first
    kept = json.loads((tmp_path / "cache" / content_hash_cache.FILENAME).read_text())
    assert kept["files"][str(video)]["sha256"] == sha


def test_a_changed_file_is_hashed_again(tmp_path, reads):
    video = tmp_path / "game.mp4"
    video.write_bytes(b"a" * 5000)
    first = cached_file_sha256(video)
    was = video.stat()
    # Replaced by other bytes of the same size, its modification time kept (`cp -p`, `rsync -t`).
    other = tmp_path / "other.mp4"
    other.write_bytes(b"b" * 5000)
    os.utime(other, ns=(was.st_atime_ns, was.st_mtime_ns))
    os.replace(other, video)
    assert video.stat().st_size == was.st_size and video.stat().st_mtime_ns == was.st_mtime_ns
    second = cached_file_sha256(video)
    assert second != first and second == hashlib.sha256(b"b" * 5000).hexdigest()
    # Written to in place: another size.
    with open(video, "ab") as f:
        f.write(b"c")
    third = cached_file_sha256(video)
    assert third not in (first, second)
    assert reads == [str(video)] * 3
    assert cached_file_sha256(video) == third and len(reads) == 3


def test_a_file_written_to_while_it_is_hashed_is_not_kept(tmp_path, reads, monkeypatch):
    video = tmp_path / "game.mp4"
    video.write_bytes(b"a" * 5000)
    real = file_hash.file_sha256

    def growing(path):  # what a copy still arriving does while it is read
        sha = real(path)
        with open(path, "ab") as f:
            f.write(b"more")
        return sha

    monkeypatch.setattr(file_hash, "file_sha256", growing)
    cached_file_sha256(video)
    assert not (tmp_path / "cache" / content_hash_cache.FILENAME).exists()


def test_a_cache_folder_that_cannot_be_written_costs_a_read_not_the_check(tmp_path, reads, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("HIGHLIGHTS_CACHE_DIR", str(blocked / "cache"))
    video = tmp_path / "game.mp4"
    video.write_bytes(b"a" * 5000)
    assert cached_file_sha256(video) == cached_file_sha256(video)
    assert len(reads) == 2


@pytest.mark.parametrize("kept", ["{not json", "[]", '{"format": 1, "files": []}', '{"format": 99, "files": {}}',
                                  '{"format": 1, "files": {"KEY": "not an entry"}}'])
def test_a_cache_file_that_is_not_one_is_read_as_empty_and_written_again(tmp_path, reads, kept):
    # A file cut short by a full disk, an earlier format, an entry of another shape: the video is
    # hashed again and the file holds its entry in the present format.
    video = tmp_path / "game.mp4"
    video.write_bytes(b"a" * 5000)
    store = tmp_path / "cache" / content_hash_cache.FILENAME
    store.parent.mkdir()
    store.write_text(kept.replace("KEY", json.dumps(str(video))[1:-1]))
    assert cached_file_sha256(video) == hashlib.sha256(b"a" * 5000).hexdigest()
    assert reads == [str(video)]
    assert json.loads(store.read_text())["format"] == content_hash_cache.FORMAT
    cached_file_sha256(video)
    assert reads == [str(video)]


def test_the_files_hashed_most_recently_are_the_ones_kept(tmp_path, reads, monkeypatch):
    monkeypatch.setattr(content_hash_cache, "KEEP_FILES", 2)
    a, b, c = (tmp_path / f"{name}.mp4" for name in "abc")
    for path in (a, b, c):
        path.write_bytes(path.name.encode() * 1000)
    cached_file_sha256(a)
    cached_file_sha256(b)
    with open(a, "ab") as f:  # a changed: hashed again, it is now the newest of the two
        f.write(b"more")
    cached_file_sha256(a)
    cached_file_sha256(c)  # one too many: the least recently hashed (b) makes way
    kept = json.loads((tmp_path / "cache" / content_hash_cache.FILENAME).read_text())["files"]
    assert list(kept) == [str(a), str(c)]
    reads.clear()
    cached_file_sha256(a)
    cached_file_sha256(c)
    assert reads == []


def test_each_file_keeps_its_own_hash_and_a_path_names_one_file_from_any_folder(tmp_path, reads, monkeypatch):
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        folder.mkdir()
        (folder / "game.mp4").write_bytes(folder.name.encode() * 1000)
    monkeypatch.chdir(one)
    first = cached_file_sha256("game.mp4")
    monkeypatch.chdir(two)
    second = cached_file_sha256("game.mp4")
    assert first != second and len(reads) == 2
    # Both kept: asked again, by either name, neither file is read.
    assert cached_file_sha256(one / "game.mp4") == first
    assert cached_file_sha256("game.mp4") == second
    monkeypatch.chdir(one)
    assert cached_file_sha256("game.mp4") == first
    assert len(reads) == 2


@pytest.mark.parametrize("kept", [{"format": content_hash_cache.FORMAT + 1}, {"sha256": None}],
                         ids=["another format", "no hash"])
def test_a_cache_entry_this_version_did_not_write_is_not_trusted(tmp_path, reads, kept):
    video = tmp_path / "game.mp4"
    video.write_bytes(b"a" * 5000)
    entry = {"identity": content_hash_cache._identity(os.stat(video)), "sha256": "0" * 64}
    data = {"format": content_hash_cache.FORMAT, "files": {str(video): entry}}
    for key, value in kept.items():
        (data if key == "format" else entry)[key] = value
    store = tmp_path / "cache" / content_hash_cache.FILENAME
    store.parent.mkdir()
    store.write_text(json.dumps(data))
    assert cached_file_sha256(video) == hashlib.sha256(b"a" * 5000).hexdigest()
    assert reads == [str(video)]


def test_many_files_hashed_together_write_the_cache_once_and_are_kept(tmp_path, reads, monkeypatch):
    """A dataset version's clips checked together: one write of the cache file, not one per clip
    (each write rewrites every entry kept), and a second check reads none of their bytes."""
    writes = []
    real = content_hash_cache.atomic_write_json
    monkeypatch.setattr(content_hash_cache, "atomic_write_json",
                        lambda path, obj, **kw: writes.append(path) or real(path, obj, **kw))
    clips = [tmp_path / f"clip{i}.mp4" for i in range(5)]
    for i, clip in enumerate(clips):
        clip.write_bytes(bytes([i]) * 3000)
    with content_hash_cache.content_hashes() as sha256_of:
        assert [sha256_of(c) for c in clips] == [file_hash.file_sha256(c) for c in clips]
        assert writes == []  # nothing written while the check runs
    assert len(writes) == 1 and reads[:5] == [str(c) for c in clips]
    reads.clear()
    with content_hash_cache.content_hashes() as sha256_of:
        [sha256_of(c) for c in clips]
    assert reads == [] and len(writes) == 1  # all from the cache: nothing new to write


def test_a_folders_content_id_hashes_its_clips_with_one_write_of_the_cache(tmp_path, reads,
                                                                          monkeypatch):
    """`evaluate --clips TREE` records the tree's content id: its clips hashed as one batch."""
    from highlights.datasets.content_id import dataset_content_id, folder_content_id

    writes = []
    real = content_hash_cache.atomic_write_json
    monkeypatch.setattr(content_hash_cache, "atomic_write_json",
                        lambda path, obj, **kw: writes.append(path) or real(path, obj, **kw))
    clips = [(tmp_path / f"clip{i}.mp4", "none") for i in range(4)]
    for i, (clip, _) in enumerate(clips):
        clip.write_bytes(bytes([i]) * 3000)
    expected = dataset_content_id((file_hash.file_sha256(c), label, "test") for c, label in clips)
    reads.clear()
    assert folder_content_id(clips) == expected
    assert len(reads) == 4 and len(writes) == 1


def test_a_version_of_thousands_of_clips_is_checked_again_without_reading_one(tmp_path, reads):
    """A coach's dataset grows past a thousand clips: `dataset grow` checks every parent clip, and
    a second check must not hash them again (with a thousand entries kept, it hashed the rest)."""
    clips = [tmp_path / f"clip{i:04d}.mp4" for i in range(1500)]
    for i, clip in enumerate(clips):
        clip.write_bytes(i.to_bytes(2, "big") * 10)
    with content_hash_cache.content_hashes() as sha256_of:
        first = [sha256_of(clip) for clip in clips]
    reads.clear()
    with content_hash_cache.content_hashes() as sha256_of:
        assert [sha256_of(clip) for clip in clips] == first
    assert reads == []
