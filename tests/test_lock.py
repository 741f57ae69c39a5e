"""The output lock (pipeline/lock.py) on its own: one holder, the holder named, stale locks (dead
owner, reused pid, old heartbeat) taken over with a warning, a fresh lock never stolen, the
heartbeat, a lost lock noticed, and the object-store lease. No pipeline runs here (the end-to-end
cases are in tests/test_commit_layout.py and tests/test_fault_injection.py)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from wirestrip.pipeline import lock as lk

from tests import objectstore_fs


def _write_lock(out: Path, **holder) -> Path:
    """A lock file as another run would have left it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / lk.LOCK_FILE
    path.write_text(json.dumps({"run_id": "other-run", "token": "t0", "heartbeat": time.time(), **holder}))
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid  # reaped: no process has this pid (until the kernel reuses it, far later)


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


@pytest.fixture(autouse=True)
def _release():
    yield
    lk.release_all()


def test_one_holder_and_the_second_is_told_who(tmp_path):
    first = lk.OutputLock(str(tmp_path))
    first.acquire()
    first.name_run("20250802T000000Z-aaaa")
    holder = json.loads((tmp_path / lk.LOCK_FILE).read_text())
    assert (holder["pid"], holder["host"], holder["run_id"]) == (os.getpid(), lk.machine()["host"], "20250802T000000Z-aaaa")
    with pytest.raises(lk.LockHeld) as err:
        lk.OutputLock(str(tmp_path)).acquire()
    msg = str(err.value)
    assert "20250802T000000Z-aaaa" in msg and f"pid {os.getpid()}" in msg and holder["host"] in msg and "\n" not in msg
    first.release()
    assert not (tmp_path / lk.LOCK_FILE).exists()
    second = lk.OutputLock(str(tmp_path))
    second.acquire()  # free again
    second.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no temp or aside file stays behind"


def test_lock_of_a_dead_process_on_this_machine_is_taken_over_with_a_warning(tmp_path, caplog):
    _write_lock(tmp_path, pid=_dead_pid(), **lk.machine())
    with caplog.at_level(logging.WARNING, logger="wirestrip"):
        lock = lk.OutputLock(str(tmp_path))
        lock.acquire()
    assert json.loads((tmp_path / lk.LOCK_FILE).read_text())["token"] == lock.token
    (line,) = [r.getMessage() for r in caplog.records if "took over" in r.getMessage()]
    assert "other-run" in line and "is gone" in line


def test_a_killed_owner_not_yet_reaped_is_dead(tmp_path):
    """A zombie still answers kill(pid, 0); its lock must not block every run until its parent waits."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while (lk._read_text(f"/proc/{proc.pid}/stat") or "").rsplit(")", 1)[-1].split()[:1] != ["Z"] and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        _write_lock(tmp_path, pid=proc.pid, **lk.machine())
        lk.OutputLock(str(tmp_path)).acquire()
    finally:
        proc.wait()


def test_a_reused_pid_does_not_keep_a_dead_owners_lock(tmp_path):
    """Same pid as a live process (ours), but that process started later than the owner did."""
    _write_lock(tmp_path, pid=os.getpid(), pid_started="1", **lk.machine())
    if lk._process_start(os.getpid()) is None:
        pytest.fail("/proc/<pid>/stat is unreadable here: the pid-reuse check has nothing to compare")
    lk.OutputLock(str(tmp_path)).acquire()
    assert json.loads((tmp_path / lk.LOCK_FILE).read_text())["run_id"] is None  # ours now


def test_live_owner_keeps_the_lock_even_with_an_old_heartbeat_below_the_bound(tmp_path):
    path = _write_lock(tmp_path, pid=os.getpid(), pid_started=lk._process_start(os.getpid()), **lk.machine())
    _age(path, lk.STALE_SECONDS - 30)
    with pytest.raises(lk.LockHeld):
        lk.OutputLock(str(tmp_path)).acquire()
    assert json.loads(path.read_text())["token"] == "t0"


@pytest.mark.parametrize(("age", "taken"), [(lk.STALE_SECONDS - 30, False), (lk.STALE_SECONDS + 30, True)])
def test_owner_on_another_machine_is_judged_by_its_heartbeat_alone(tmp_path, age, taken):
    path = _write_lock(tmp_path, pid=os.getpid(), host="some-other-host", pid_ns=None, boot_id=None)
    _age(path, age)
    lock = lk.OutputLock(str(tmp_path))
    if taken:
        lock.acquire()
        assert json.loads(path.read_text())["token"] == lock.token
    else:
        with pytest.raises(lk.LockHeld, match="some-other-host"):
            lock.acquire()


def test_unreadable_lock_file_is_held_until_it_is_old(tmp_path):
    path = tmp_path / lk.LOCK_FILE
    path.write_bytes(b"")  # a lock whose writer died between create and write (no hard links there)
    with pytest.raises(lk.LockHeld):
        lk.OutputLock(str(tmp_path)).acquire()
    _age(path, lk.STALE_SECONDS + 1)
    lk.OutputLock(str(tmp_path)).acquire()


def test_takeover_gives_back_a_lock_that_was_retaken_meanwhile(tmp_path):
    """Two runs judged the same lock stale; the first replaced it. The second's rename moves the
    first's fresh lock: it must put it back and not take it."""
    fresh = _write_lock(tmp_path, run_id="fresh-run", token="fresh", pid=os.getpid(), **lk.machine())
    before = fresh.read_bytes()
    late = lk.OutputLock(str(tmp_path))
    assert late._take_over(b'{"run_id": "the stale one"}') is False
    assert fresh.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [lk.LOCK_FILE]


def test_heartbeat_refreshes_and_a_lost_lock_is_noticed(tmp_path):
    lock = lk.OutputLock(str(tmp_path), heartbeat_seconds=0.05)
    lock.acquire()
    path = tmp_path / lk.LOCK_FILE
    _age(path, 100)
    deadline = time.monotonic() + 5
    while time.time() - path.stat().st_mtime > 50 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert time.time() - path.stat().st_mtime < 50, "the heartbeat did not touch the lock"
    lock.check()  # still ours
    # Another run took it over (our heartbeat had stalled past the bound, say).
    path.write_text(json.dumps({"run_id": "usurper", "token": "u", "pid": 1}))
    with pytest.raises(lk.LockLost, match="usurper"):
        lock.check()
    lock.release()
    assert json.loads(path.read_text())["run_id"] == "usurper", "release never removes another run's lock"


def test_hold_is_reentrant_and_release_all_frees(tmp_path):
    a = lk.hold(str(tmp_path))
    assert lk.hold(str(tmp_path) + "/") is a and lk.hold(f"file://{tmp_path}") is a
    lk.release_all()
    assert not (tmp_path / lk.LOCK_FILE).exists()


def test_stale_reason_states_the_bound():
    assert lk.stale_reason({"host": "x"}, lk.STALE_SECONDS + 1) == f"no heartbeat for {lk.STALE_SECONDS + 1:.0f} s (stale after 120 s)"
    assert lk.stale_reason({"host": "x"}, 1.0) is None
    assert lk.HEARTBEAT_SECONDS * 10 <= lk.STALE_SECONDS  # a live run misses many beats before it looks dead


def test_object_store_lease(caplog):
    objectstore_fs.clear()
    root = "memfs://bucket/out"
    try:
        first = lk.OutputLock(root)
        first.acquire()
        first.name_run("run-a")
        with pytest.raises(lk.LockHeld, match="run-a"):
            lk.OutputLock(root).acquire()
        first.release()
        assert f"{root}/{lk.LOCK_FILE}" not in objectstore_fs.objects()
        # A lease whose heartbeat (in its content: objects have no touchable mtime) is too old.
        stale = {"run_id": "gone", "token": "g", "pid": 1, "host": "elsewhere", "heartbeat": time.time() - lk.STALE_SECONDS - 5}
        objectstore_fs._OBJECTS[f"{root}/{lk.LOCK_FILE}"] = json.dumps(stale).encode()
        with caplog.at_level(logging.WARNING, logger="wirestrip"):
            second = lk.OutputLock(root)
            second.acquire()
        assert json.loads(objectstore_fs.objects()[f"{root}/{lk.LOCK_FILE}"])["token"] == second.token
        assert any("took over" in r.getMessage() and "gone" in r.getMessage() for r in caplog.records)
        second.release()
    finally:
        objectstore_fs.clear()
