"""Nothing committed without its manifest, nothing half written when the disk is full or read-only.

The commit journal (pipeline/commit.py) is killed after each of its steps: at every point, each
committed partition's run has its manifest, and the next run completes the commit, manifest
included. Runs whose output fills the disk or meets a read-only filesystem end with exit 3, one
line, their staging removed, no temp file, and the previous output untouched: injected errors
(always), and a real 4 MiB tmpfs where this user may mount one (root)."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import apache_beam.io.localfilesystem as beam_localfs
import pytest
import wirestrip.pipeline.commit as commit
import wirestrip.pipeline.lock as lk
import wirestrip.pipeline.run as run
from wirestrip.pipeline.layout import TABLES, Layout

from tests import objectstore_fs
from tests.helpers import posts, read_table, run_cli

DAY = "2025-08-02"
RUN = "20250802T010101Z-0000beef"


@pytest.fixture(autouse=True)
def _release_locks():
    yield
    lk.release_all()


# --- the journal killed after each step (no pipeline: directories stand for partitions) -----------


def _fake_output(root: Path) -> tuple[Layout, Layout, dict]:
    """OUT with the old partitions of DAY (run `old`), and RUN's staging: new articles and rejects,
    no clusters (so the old clusters partition is removed) and an empty learned table."""
    out, staging = Layout(str(root)), Layout(str(root / "_staging" / RUN))
    for table in ("articles", "rejects", "clusters"):
        part = root / table / f"ingest_date={DAY}"
        part.mkdir(parents=True)
        (part / "part-0.parquet").write_text("old")
    for table in ("articles", "rejects"):
        part = root / "_staging" / RUN / table / f"ingest_date={DAY}"
        part.mkdir(parents=True)
        (part / "part-0.parquet").write_text(RUN)
    planned = commit.plan_local_commit(out, staging, TABLES, DAY, always=("rejects", "learned", "articles"))
    return out, staging, planned


def _committed_runs(root: Path) -> set[str]:
    """The runs whose rows a reader globbing the tables sees."""
    return {p.read_text() for t in TABLES for p in (root / t).glob("*/part-0.parquet")}


class _Killed(BaseException):
    """What SIGKILL does to a Python process at that point, for a test: nothing after it runs."""


def _kill_at_rename(monkeypatch, k: int) -> list[str]:
    """Kill at the k-th rename of the commit (temp-file renames of atomic writes not counted)."""
    done: list[str] = []
    real_rename, real_replace = os.rename, os.replace

    def counted(real):
        def op(src, dst):
            if ".tmp-" not in str(src):
                if len(done) == k:
                    raise _Killed(f"killed before renaming {src}")
                done.append(str(src))
            return real(src, dst)

        return op

    monkeypatch.setattr(commit.os, "rename", counted(real_rename))
    monkeypatch.setattr(commit.os, "replace", counted(real_replace))
    return done


# The manifest (1), articles and rejects (old aside, new in: 2 each), learned (nothing old: 1), the
# old clusters partition aside (1): 7 renames; k = 7 is the commit that was not killed.
RENAMES = 7


@pytest.mark.parametrize("k", range(RENAMES + 1))
def test_commit_killed_after_any_rename_never_shows_a_partition_without_its_manifest(tmp_path, monkeypatch, k):
    root = tmp_path / "out"
    out, staging, planned = _fake_output(root)
    done = _kill_at_rename(monkeypatch, k)
    manifest = json.dumps({"run_id": RUN, "status": "succeeded"}).encode()
    if k < RENAMES:
        with pytest.raises(_Killed):
            commit.commit_local(out, staging, RUN, planned, manifest)
    else:
        commit.commit_local(out, staging, RUN, planned, manifest)
    monkeypatch.undo()
    assert len(done) == k
    manifests = {p.stem for p in (root / "_manifests").glob("*.json")} if (root / "_manifests").exists() else set()
    # The invariant, at the moment of the kill: the new rows are never visible before their manifest.
    if RUN in _committed_runs(root):
        assert RUN in manifests
    assert not list(root.rglob("*.tmp-*"))
    if k < RENAMES:
        assert (root / "_staging" / f"{RUN}.commit.json").exists()
    # The next run (the lock, then the journal) completes the commit, manifest first.
    assert commit.recover(out) == ([RUN] if k < RENAMES else [])
    assert _committed_runs(root) == {RUN}
    assert not (root / "clusters" / f"ingest_date={DAY}").exists()
    assert json.loads((root / "_manifests" / f"{RUN}.json").read_text()) == {"run_id": RUN, "status": "succeeded"}
    left = [RUN] if k == RENAMES else []  # a run that committed removes its own staging (run.py); recover removes a killed one's
    assert sorted(p.name for p in (root / "_staging").iterdir()) == left


def test_commit_killed_while_staging_its_manifest_commits_nothing(tmp_path, monkeypatch):
    root = tmp_path / "out"
    out, staging, planned = _fake_output(root)

    def killed_in_fsync(fd):
        raise _Killed("killed while the manifest was being written")

    monkeypatch.setattr(commit.os, "fsync", killed_in_fsync)
    with pytest.raises(_Killed):
        commit.commit_local(out, staging, RUN, planned, b"{}")
    monkeypatch.undo()
    assert _committed_runs(root) == {"old"} and not (root / "_manifests").exists()
    assert not list(root.rglob("*.tmp-*")) and not list(root.rglob("*.commit.json"))
    assert commit.recover(out) == []
    assert _committed_runs(root) == {"old"}


def test_atomic_write_on_a_full_disk_leaves_no_temp_file(tmp_path, monkeypatch):
    """The bug: a 0-byte `<run>.json.tmp-<pid>` stayed in _manifests/ when the disk was full."""
    target = tmp_path / "_manifests" / "r.json"

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(commit.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        commit.atomic_write(str(target), b"{}")
    assert list(target.parent.iterdir()) == []


def test_object_store_commit_interrupted_before_the_pointer_is_completed_with_its_manifest(monkeypatch):
    objectstore_fs.clear()
    root = "memfs://bucket/out"
    out = Layout(root)
    try:
        run_folder = out.staging(RUN)
        with objectstore_fs.MemObjectStore(None).create(f"{run_folder.partition('articles', DAY)}/part-0.parquet") as f:
            f.write(b"PAR1")
        planned = commit.plan_versioned_commit(out, run_folder, RUN, DAY, TABLES)
        real = commit.atomic_write

        def pointer_write_fails(path, data, mime_type="application/json"):
            if "/_current/" in path:
                raise OSError(errno.EIO, "connection reset")
            return real(path, data, mime_type)

        monkeypatch.setattr(commit, "atomic_write", pointer_write_fails)
        with pytest.raises(commit.CommitPending, match="the next run on this output completes it"):
            commit.commit_versioned(out, RUN, planned, {"read": 1}, b'{"status": "succeeded"}')
        monkeypatch.undo()
        store = objectstore_fs.objects()
        assert f"{root}/_current/ingest_date={DAY}.json" not in store
        assert store[f"{root}/_manifests/{RUN}.json"] == b'{"status": "succeeded"}'  # before the pointer
        assert commit.recover(out) == [RUN]
        store = objectstore_fs.objects()
        assert json.loads(store[f"{root}/_current/ingest_date={DAY}.json"])["run_id"] == RUN
        assert not [k for k in store if k.endswith(".commit.json")]
    finally:
        objectstore_fs.clear()


# --- end to end: a full disk and a read-only output (injected) ---------------------------------------


def _dump(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "a.txt").write_text("\n=====\n".join(posts(3, seed=5, target_bytes=600)))
    return folder


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _under(root: Path, path: object) -> bool:
    return str(path).startswith(str(root))


class _FullFile(io.FileIO):
    """A file on a full disk: it is created (0 bytes), every write fails."""

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)


@pytest.mark.slow
def test_disk_full_during_the_run_is_exit_3_staging_removed_previous_output_untouched(tmp_path, monkeypatch, capsys):
    dump, out = _dump(tmp_path / "in"), tmp_path / "out"
    args = ("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY)
    assert run_cli(*args) == 0
    before = _snapshot(out)

    # From now on every file written below OUT, by Beam or by the commit, finds the disk full.
    class FullIo:
        @staticmethod
        def open(path, mode="r", *a, **kw):
            return _FullFile(path, "wb") if "w" in mode and _under(out, path) else open(path, mode, *a, **kw)

    def full_open(path, mode="r", *a, **kw):
        return FullIo.open(path, mode, *a, **kw)

    monkeypatch.setattr(beam_localfs, "io", FullIo)
    monkeypatch.setattr(commit, "open", full_open, raising=False)
    capsys.readouterr()
    assert run_cli(*args) == 3
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if "error" in x]
    assert "disk full" in line and "nothing was committed" in line and "previous output is untouched" in line
    assert "failure manifest could not be written either" in line and "Traceback" not in err
    assert _snapshot(out) == before, "the previous output, its manifests included, stays as it was; no temp file, no staging"

    # The same with room for the failure manifest once the run's staging is gone: it is written.
    monkeypatch.setattr(commit, "open", open, raising=False)
    assert run_cli(*args) == 3
    failed = [json.loads((out / rel).read_text()) for rel in set(_snapshot(out)) - set(before)]
    assert [m["status"] for m in failed] == ["failed"]
    assert failed[0]["failure"].startswith("cannot write the output (disk full: No space left on device")
    assert sorted(os.listdir(out / "_staging")) == [] and not (out / lk.LOCK_FILE).exists()


def test_read_only_output_is_exit_3_in_one_line_and_nothing_is_touched(tmp_path, monkeypatch, capsys):
    """Root writes through chmod, so the read-only filesystem is injected where the run first
    writes (the lock); the real one is in test_on_a_real_tiny_disk_*."""
    dump, out = _dump(tmp_path / "in"), tmp_path / "out"
    args = ("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY)
    for table in ("articles", "rejects"):  # an earlier run's output (the run stops before reading it)
        (out / table / f"ingest_date={DAY}").mkdir(parents=True)
        (out / table / f"ingest_date={DAY}" / "part-0.parquet").write_bytes(b"PAR1 earlier")
    before = _snapshot(out)

    def read_only(path, mode="r", *a, **kw):
        if "w" in mode and _under(out, path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return open(path, mode, *a, **kw)

    monkeypatch.setattr(lk, "open", read_only, raising=False)
    capsys.readouterr()
    assert run_cli(*args) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "read-only filesystem" in err and "nothing ran" in err, err
    assert _snapshot(out) == before


def test_sigterm_during_the_commit_waits_for_the_commit(tmp_path, monkeypatch, capsys):
    """A scheduler's SIGTERM that lands among the commit's renames: the commit is finished first
    (stopping there would leave a journal for the next run), then the run ends as committed."""
    dump, out = _dump(tmp_path / "in"), tmp_path / "out"
    real_apply = commit.apply_local_commit

    def terminated_while_committing(journal, trash):
        os.kill(os.getpid(), signal.SIGTERM)  # Python runs the handler at the next bytecode: inside the commit
        real_apply(journal, trash)

    monkeypatch.setattr(commit, "apply_local_commit", terminated_while_committing)
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY) == 0
    assert "SIGTERM arrived during the commit; the commit was completed first" in capsys.readouterr().err
    (manifest,) = [json.loads(p.read_text()) for p in (out / "_manifests").glob("*.json")]
    assert manifest["status"] == "succeeded" and len(read_table(out, "articles")) == manifest["counts"]["written"] == 3
    assert not list(out.rglob("*.commit.json")) and not (out / lk.LOCK_FILE).exists()


def test_a_run_that_lost_its_lock_commits_nothing(tmp_path, monkeypatch, capsys):
    """Its heartbeat stalled past the bound and another run took OUT over: it must not commit on top."""
    dump, out = _dump(tmp_path / "in"), tmp_path / "out"
    real_reconcile = run.reconcile_run

    def taken_over_meanwhile(plan, *args):
        counts = real_reconcile(plan, *args)
        (out / lk.LOCK_FILE).write_text(json.dumps({"run_id": "the-usurper", "token": "u", "pid": 1}))
        return counts

    monkeypatch.setattr(run, "reconcile_run", taken_over_meanwhile)
    capsys.readouterr()
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY) == 3
    err = capsys.readouterr().err
    assert "lost its lock" in err and "the-usurper" in err and "nothing was committed" in err
    assert not (out / "articles").exists() and os.listdir(out / "_staging") == []
    assert json.loads((out / lk.LOCK_FILE).read_text())["run_id"] == "the-usurper"  # not ours to remove


# --- end to end on a real tiny filesystem (root only: mount) ---------------------------------------

TINY_DISK = "4m"  # room for the previous output (~100 KB) and Beam's temp files, small enough to fill fast
FREE_FOR_THE_RUN = 24 * 1024  # the lock (a 4 KiB page) and a failure manifest (~6 KB) fit; 4 staged tables and Beam's temp files do not


def _mount_tmpfs(where: Path) -> bool:
    where.mkdir()
    if shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TINY_DISK}", "tmpfs", str(where)], capture_output=True).returncode == 0


def _wirestrip(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("wirestrip")
    return subprocess.run([str(exe), "run", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_on_a_real_tiny_disk_full_and_read_only_outputs_fail_cleanly(tmp_path, capsys):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk):
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN); the injected cases above cover this user")
    try:
        dump, out = _dump(tmp_path / "in"), disk / "out"
        args = ("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", DAY)
        assert run_cli(*args) == 0
        before = _snapshot(out)
        st = os.statvfs(disk)
        (disk / "filler").write_bytes(b"\0" * (st.f_bavail * st.f_frsize - FREE_FOR_THE_RUN))

        full = _wirestrip(*args)
        lines = full.stderr.strip().splitlines()
        assert full.returncode == 3 and "Traceback" not in full.stderr, full.stderr
        assert [x for x in lines if "error" in x] == [lines[-1]] and "disk full" in lines[-1], full.stderr
        after = _snapshot(out)
        new = set(after) - set(before)
        assert {k: after[k] for k in before} == before and len(new) == 1
        (failed,) = [json.loads(after[k]) for k in new if k.startswith("_manifests/")]  # room again once staging went
        assert (failed["status"], failed["failure"]) == ("failed", "cannot write the output (disk full: No space left on device)")
        assert os.listdir(out / "_staging") == [] and not list(out.rglob("*.tmp*"))

        os.remove(disk / "filler")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        capsys.readouterr()
        assert run_cli(*args) == 3  # in-process: it stops at the lock, before Beam would be worth a process
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "read-only filesystem" in err and "nothing ran" in err, err
        assert _snapshot(out) == after
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
