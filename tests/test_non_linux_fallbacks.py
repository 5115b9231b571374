"""What the package does where a Linux-only call is missing (macOS): each has a fallback.

The suite runs on Linux, so each absence is imitated: the /proc file pointed at a missing one,
the os attribute taken away, libc without the function, ``sys.platform`` set to ``darwin``."""

from __future__ import annotations

import ctypes
import os
import sys

import pytest

from highlights import atomic, machine_load
from highlights.batch import worker
from highlights.model import cpu_features
from highlights.people import movenet_paths
from highlights.worker_processes import die_with_the_parent


@pytest.fixture
def no_proc(tmp_path, monkeypatch):
    monkeypatch.setattr(machine_load, "PROC_STAT", str(tmp_path / "no-proc" / "stat"))
    monkeypatch.setattr(cpu_features, "CPUINFO", tmp_path / "no-proc" / "cpuinfo")
    cpu_features.this_cpu.cache_clear()
    yield
    cpu_features.this_cpu.cache_clear()  # the next test reads this machine's own again


def test_without_proc_stat_the_load_of_other_processes_is_unknown(no_proc):
    assert machine_load.cpu_seconds() is None
    assert machine_load.others_busy_cores(machine_load.cpu_seconds(), machine_load.cpu_seconds()) is None


def test_a_proc_stat_of_another_format_reads_as_unknown(tmp_path, monkeypatch):
    odd = tmp_path / "stat"
    odd.write_text("cpu  user nice system idle\n")
    monkeypatch.setattr(machine_load, "PROC_STAT", str(odd))
    assert machine_load.cpu_seconds() is None


def test_the_real_proc_stat_is_read_where_it_exists():
    if not os.path.exists(machine_load.PROC_STAT):
        pytest.skip(f"{machine_load.PROC_STAT}: not on this system")
    clock, everyone, mine = machine_load.cpu_seconds()
    assert everyone >= mine >= 0 and clock > 0


def test_without_proc_cpuinfo_no_flags_are_known_and_bf16_is_never_offered(no_proc):
    cpu = cpu_features.this_cpu()
    assert cpu.flags == frozenset() and cpu.model
    assert not cpu.native_bf16 and cpu.int8_kind == "no-vnni"


def test_without_sched_getaffinity_the_cores_are_os_cpu_count(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert worker.available_cores() == 6 and movenet_paths.default_cpus() == 6
    assert worker.plan_workers(None) == (3, 2)
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # undeterminable: one core
    assert worker.available_cores() == 1 and movenet_paths.default_cpus() == 1


def test_a_worker_outside_linux_does_not_ask_for_the_parents_death_signal(monkeypatch):
    def no_libc_call(*args, **kwargs):
        raise AssertionError("prctl is Linux's: nothing may be loaded from libc elsewhere")

    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(ctypes, "CDLL", no_libc_call)
    assert die_with_the_parent() is None


def test_without_renameat2_a_folder_is_replaced_by_two_renames(tmp_path, monkeypatch):
    looked_up = []

    class LibcWithoutRenameat2:  # macOS's libc: no renameat2
        def __init__(self, *args, **kwargs):
            looked_up.append(args)

    monkeypatch.setattr(ctypes, "CDLL", LibcWithoutRenameat2)
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("previous run")
    with atomic.atomic_folder(out) as stage:
        (stage / "new.txt").write_text("this run")
    assert looked_up, "the exchange was not attempted"
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert (out / "new.txt").read_text() == "this run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "a staging or previous folder was left"


def _libc_whose_renameat2_fails(err: int):
    """A libc with renameat2 that fails with ``err`` (as the call does on a filesystem that
    cannot exchange two folders, EINVAL, or on a failing disk, EIO)."""
    class Libc:
        def __init__(self, *args, **kwargs):
            def renameat2(*args):
                ctypes.set_errno(err)
                return -1
            self.renameat2 = renameat2
    return Libc


def _previous_run(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("previous run")
    return out


def test_a_filesystem_that_cannot_exchange_folders_has_one_replaced_by_two_renames(tmp_path,
                                                                                  monkeypatch):
    import errno

    monkeypatch.setattr(ctypes, "CDLL", _libc_whose_renameat2_fails(errno.EINVAL))
    out = _previous_run(tmp_path)
    with atomic.atomic_folder(out) as stage:
        (stage / "new.txt").write_text("this run")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "a staging or old folder was left"


def test_an_exchange_failing_otherwise_is_the_systems_error_and_keeps_the_previous_folder(tmp_path,
                                                                                         monkeypatch):
    import errno

    monkeypatch.setattr(ctypes, "CDLL", _libc_whose_renameat2_fails(errno.EIO))
    out = _previous_run(tmp_path)
    with pytest.raises(OSError) as e, atomic.atomic_folder(out) as stage:
        (stage / "new.txt").write_text("this run")
    assert e.value.errno == errno.EIO and e.value.filename == str(out)
    assert (out / "old.txt").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "the staging folder was left"
