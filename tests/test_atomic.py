"""Atomic writes: whole files or the previous ones, never a half file or a stray temp file."""

from __future__ import annotations

import json
import os
import stat

import pytest

from highlights.atomic import atomic_path, atomic_write_bytes, atomic_write_json, atomic_write_text


def test_writes_create_folders_and_ordinary_files(tmp_path):
    raw = atomic_write_bytes(tmp_path / "a" / "b" / "raw.bin", b"\x00\x01")
    text = atomic_write_text(tmp_path / "notes.csv", "x,y\r\n1,é\n")
    data = atomic_write_json(tmp_path / "data.json", {"k": [1, 2]}, indent=2)
    assert raw.read_bytes() == b"\x00\x01"
    assert text.read_bytes() == "x,y\r\n1,é\n".encode()  # newlines exactly as given
    assert data.read_text() == json.dumps({"k": [1, 2]}, indent=2) + "\n"
    for path in (raw, text, data):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(os.listdir(tmp_path)) == ["a", "data.json", "notes.csv"]


def test_failure_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path):
    path = atomic_write_text(tmp_path / "report.md", "old\n")
    with pytest.raises(RuntimeError, match="disk pulled"):
        with atomic_path(path) as tmp:
            assert tmp.parent == tmp_path and tmp.name.startswith(".report.md.")
            tmp.write_text("half a rep")
            raise RuntimeError("disk pulled")
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["report.md"]
    with pytest.raises(TypeError):
        atomic_write_json(path, {"not": object()})
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["report.md"]


def test_atomic_path_replaces_on_success(tmp_path):
    path = atomic_write_text(tmp_path / "model.pt", "old")
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"new")
        assert path.read_text() == "old"  # not visible until the block ends
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["model.pt"]


def test_files_written_together_that_fail_leave_no_folder_they_made(tmp_path):
    """A report whose pictures hit a full disk after its JSON was written leaves no empty output
    folder behind: as a refused command, it leaves the file system as it found it."""
    import errno

    from highlights.atomic import atomic_path, atomic_write_json, written_together

    out = tmp_path / "reports" / "run1"
    with pytest.raises(OSError):
        with written_together():
            atomic_write_json(out / "report.json", {"a": 1})
            with atomic_path(out / "pictures" / "chart.png"):
                raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    # a folder that was there before stays, with what it held
    kept = tmp_path / "kept"
    kept.mkdir()
    with pytest.raises(OSError):
        with written_together():
            atomic_write_json(kept / "report.json", {"a": 1})
            raise OSError(errno.ENOSPC, "No space left on device")
    assert kept.is_dir() and list(kept.iterdir()) == []


def test_a_temp_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    """kill -9 mid-write leaves `.NAME.PID-XXXX.tmp`: a later process's first write into the folder
    removes it when its writer has ended, and leaves a live writer's temp file, and one named
    without a pid, alone."""
    import subprocess
    import sys

    # A writer that is killed inside its `with` block: its temp file stays behind.
    code = ("import os, signal, sys\nfrom highlights.atomic import atomic_path\n"
            "with atomic_path(sys.argv[1]) as tmp:\n    tmp.write_text('half')\n"
            "    print(tmp.name, flush=True)\n    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code, str(tmp_path / "report.json")], capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    left = killed.stdout.strip()
    assert killed.returncode == -9 and left.startswith(".report.json.") and (tmp_path / left).exists()
    assert left.split(".")[3].split("-")[0].isdigit()  # .report.json.PID-XXXX.tmp
    live = tmp_path / f".report.json.{os.getpid()}-abcd1234.tmp"
    live.write_text("another write in progress")
    unnamed = tmp_path / ".report.json.abcd1234.tmp"
    unnamed.write_text("an earlier version's")
    atomic_write_json(tmp_path / "summary.json", {"whole": True})  # another file of the same folder
    assert sorted(os.listdir(tmp_path)) == sorted(["summary.json", live.name, unnamed.name])


def test_a_name_cut_to_fit_leaves_the_room_asked_for_and_keeps_whole_characters(tmp_path):
    from highlights.atomic import fitted_name, name_max

    room = name_max(tmp_path) - 10
    assert len(os.fsencode(fitted_name("a" * 400, 10, tmp_path))) == room
    assert fitted_name("a" * room, 10, tmp_path) == "a" * room
    for extra in (10, 11):                           # one of the two cuts a two-byte character in half
        fitted = fitted_name("é" * 400, extra, tmp_path)
        kept, mark = fitted.rsplit("~", 1)
        assert kept == "é" * len(kept) and len(mark) == 8
        assert name_max(tmp_path) - extra - 1 <= len(os.fsencode(fitted)) <= name_max(tmp_path) - extra


def test_a_file_that_cannot_be_started_leaves_no_folder_it_made(tmp_path, monkeypatch):
    import errno

    import highlights.atomic as atomic
    from highlights.atomic import DiskFullError

    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "temp_file_beside", full)
    with pytest.raises(DiskFullError):
        with atomic_path(tmp_path / "new" / "deeper" / "out.json"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_only_a_whole_temp_name_of_an_ended_writer_is_swept(tmp_path):
    import subprocess
    import sys

    from highlights.atomic import remove_dead_writers_temps

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    temp = tmp_path / f".report.json.{ended.pid}-abcd1234.tmp"
    kept = tmp_path / f".report.json.{ended.pid}-abcd1234.tmp.kept"   # a user's copy of it
    for path in (temp, kept):
        path.write_text("left by a killed writer")
    assert remove_dead_writers_temps(tmp_path) == [temp]
    assert sorted(os.listdir(tmp_path)) == [kept.name]


def test_ctrl_c_while_writing_leaves_no_temp_file_and_no_folder_it_made(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_path(tmp_path / "new" / "out.json") as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_block_written_together_inside_another_waits_for_the_outer_one(tmp_path):
    from highlights.atomic import written_together

    with written_together():
        with written_together():
            atomic_write_text(tmp_path / "report.md", "new")
        assert not (tmp_path / "report.md").exists()
    assert (tmp_path / "report.md").read_text() == "new"


def test_a_rename_that_fails_at_the_end_of_a_block_leaves_no_temp_file(tmp_path, monkeypatch):
    import errno

    from highlights.atomic import written_together

    real_replace = os.replace

    def replace(source, target):
        if os.path.basename(target) == "b.json":
            raise OSError(errno.EIO, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError):
        with written_together():
            atomic_write_text(tmp_path / "a.json", "a")
            atomic_write_text(tmp_path / "b.json", "b")
    assert sorted(os.listdir(tmp_path)) == ["a.json"]


def test_ctrl_c_between_the_renames_of_a_block_acts_once_every_file_is_in_place(tmp_path, monkeypatch):
    """A Ctrl-C after the first of a report's renames: the set is put in place whole, the
    previous run's pictures never left beside the new JSON, and then the command stops."""
    import signal

    from highlights.atomic import written_together

    for name in ("report.json", "report.png"):
        (tmp_path / name).write_text("previous run")
    real_replace = os.replace

    def replace(source, target):
        real_replace(source, target)
        if os.path.basename(target) == "report.json":
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C, heard between the two renames

    monkeypatch.setattr(os, "replace", replace)
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with written_together():
            atomic_write_text(tmp_path / "report.json", "this run")
            atomic_write_text(tmp_path / "report.png", "this run")
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {
        "report.json": "this run", "report.png": "this run"}
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C is Python's again


def test_a_file_removed_in_a_block_goes_as_the_block_s_files_arrive(tmp_path):
    from highlights.atomic import remove_file, written_together

    (tmp_path / "old.png").write_bytes(b"an earlier run's picture")
    with written_together():
        remove_file(tmp_path / "old.png")
        atomic_write_text(tmp_path / "report.md", "new")
        assert (tmp_path / "old.png").exists()
    assert sorted(os.listdir(tmp_path)) == ["report.md"]


def test_a_number_that_is_not_finite_inside_a_tuple_is_written_as_null():
    from highlights.atomic import json_text

    assert json_text({"span_s": (1.5, float("nan")),
                      "ratio": [float("inf")]}) == '{"span_s": [1.5, null], "ratio": [null]}'


def test_a_folder_written_whole_is_as_readable_as_any_folder(tmp_path):
    from highlights.atomic import atomic_folder

    with atomic_folder(tmp_path / "run") as stage:
        (stage / "results.json").write_text("{}")
    assert stat.S_IMODE(os.stat(tmp_path / "run").st_mode) == 0o755


def test_a_previous_folder_left_by_an_ended_writer_is_not_put_back_over_the_folder_now_there(tmp_path):
    import subprocess
    import sys

    from highlights.atomic import remove_stale_staging

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "current.json").write_text("{}")
    leftover = tmp_path / f".run.old-{ended.pid}-abcd1234"
    (leftover / "previous").mkdir(parents=True)
    (leftover / "previous" / "earlier.json").write_text("{}")
    assert remove_stale_staging(tmp_path / "run") == [leftover]
    assert sorted(os.listdir(tmp_path)) == ["run"] and os.listdir(tmp_path / "run") == ["current.json"]


def test_a_file_put_in_place_inside_a_block_arrives_with_the_block_s_files(tmp_path):
    from highlights.atomic import put_in_place, temp_file_beside, written_together

    with written_together():
        tmp = temp_file_beside(tmp_path / "clip.mp4")
        tmp.write_bytes(b"video")
        assert put_in_place(tmp, tmp_path / "clip.mp4")
        assert not (tmp_path / "clip.mp4").exists()
    assert (tmp_path / "clip.mp4").read_bytes() == b"video"


def test_a_name_in_another_encoding_than_utf8_is_cut_to_fit_as_well(tmp_path):
    """A name listed from a disk written in Latin-1 (bytes not UTF-8, kept as Python's escapes):
    no cut of it decodes as UTF-8, and it is still cut to leave the room asked for."""
    from highlights.atomic import fitted_name, name_max

    name = os.fsdecode(b"caf\xe9-" * 100)
    fitted = fitted_name(name, 10, tmp_path)
    kept, mark = fitted.rsplit("~", 1)
    assert name.startswith(kept) and len(kept) > 100 and len(mark) == 8
    assert len(os.fsencode(fitted)) <= name_max(tmp_path) - 10


def test_a_folder_not_made_yet_has_the_name_limit_of_the_disk_it_will_be_made_on(tmp_path,
                                                                                 monkeypatch):
    """The limit of a folder still to be made is its nearest existing folder's (an encrypted home
    allows 143 bytes, not 255): the system answers only for a path that exists."""
    from highlights.atomic import name_max

    def pathconf(path, name):
        if not os.path.exists(path):
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return 143

    monkeypatch.setattr(os, "pathconf", pathconf)
    assert name_max(tmp_path / "new" / "deeper") == 143


def test_a_file_that_cannot_be_made_is_named_with_the_systems_cause_not_the_temp_file(tmp_path,
                                                                                      monkeypatch):
    import errno

    import highlights.atomic as atomic
    from highlights.atomic import UnwritablePathError

    def refused(path):
        temp = path.parent / f".{path.name}.tmp-1"
        raise PermissionError(errno.EACCES, "Permission denied", str(temp))

    monkeypatch.setattr(atomic, "temp_file_beside", refused)
    with pytest.raises(UnwritablePathError) as e:
        with atomic_path(tmp_path / "out.json"):
            pass
    assert str(e.value) == f"{tmp_path / 'out.json'}: cannot be written (Permission denied)"
    assert e.value.errno == errno.EACCES


@pytest.mark.skipif(not os.path.ismount("/proc"), reason="needs /proc mounted (Linux)")
def test_the_mount_point_named_for_a_full_disk_is_the_nearest_one_not_the_root():
    from highlights.atomic import mount_point

    assert mount_point("/proc/no-such-entry/out.json") == "/proc"


def test_a_folder_named_from_the_working_folder_is_replaced_whole(tmp_path, monkeypatch):
    """`--out run`: the folders swapped are named relative to the working folder."""
    from pathlib import Path

    from highlights.atomic import atomic_folder

    monkeypatch.chdir(tmp_path)
    for text in ("first", "second"):
        with atomic_folder(Path("run")) as stage:
            (stage / "result.json").write_text(text)
    assert (tmp_path / "run" / "result.json").read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_an_output_folder_is_made_with_the_folders_on_the_way_to_it(tmp_path):
    from highlights.atomic import atomic_folder

    with atomic_folder(tmp_path / "runs" / "2026" / "game-1") as stage:
        (stage / "result.json").write_text("{}")
    assert (tmp_path / "runs" / "2026" / "game-1" / "result.json").read_text() == "{}"


def test_a_disk_filling_up_in_a_folder_write_without_naming_a_file_names_the_folder(tmp_path):
    import errno

    from highlights.atomic import DiskFullError, atomic_folder

    with pytest.raises(DiskFullError) as e, atomic_folder(tmp_path / "run") as stage:
        (stage / "result.json").write_text("{}")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert e.value.path == str(tmp_path / "run") and list(tmp_path.iterdir()) == []


def test_a_writer_that_removed_the_temp_file_before_failing_gets_its_own_error(tmp_path):
    import errno

    (tmp_path / "out.json").write_text("previous")
    with pytest.raises(OSError) as e, atomic_path(tmp_path / "out.json") as tmp:
        tmp.unlink()  # a writer that replaces the file it is given removes it first
        raise OSError(errno.EIO, "Input/output error")
    assert e.value.errno == errno.EIO
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert (tmp_path / "out.json").read_text() == "previous"
