"""One run at a time per output root: the lock file `OUT/_lock.json`.

Two runs committing the same output root race: the later commit silently replaces the earlier
one's rows, and a run rolling forward another's journal while that run is still committing makes
both rename the same directories. So a run takes the lock before it touches OUT (before it rolls
forward an interrupted commit, pipeline/commit.recover) and keeps it until it has committed or
failed. A second run finds the lock held and stops with exit 2 and one line naming the holder.

Local disk (and any filesystem with hard links, NFS included): the lock file is written whole
under a private name and hard-linked to `_lock.json`; link(2) fails if the name exists, so exactly
one run creates it. It records the owner (run id, pid, host, pid namespace, boot id, the process's
start time) and its mtime is the heartbeat: a thread touches it every HEARTBEAT_SECONDS.

A lock is stale, and the next run takes it over with a warning naming the dead owner, when
  - its owner ran on this machine (same host, pid namespace and boot) and that process is gone
    (or its pid now belongs to a process started later), or
  - its heartbeat is older than STALE_SECONDS (an owner on another machine, or a frozen one).
Takeover renames the stale file aside (only one taker's rename succeeds), checks that what it moved
is the stale lock it judged (a fresh lock moved by mistake is put back), then creates its own.

Object stores (gs://, s3://): Beam's FileSystems offers no create-only write, so the lock is a
lease object written with an ordinary PUT, carrying its heartbeat time in its content, and read
back after writing: of two runs that write it close together, the one whose write landed last
keeps it and the other stops with exit 2. Two runs whose read-check-write-read-back sequences
interleave exactly (within one object round trip, ~0.1 s) can both proceed: the lease is advisory
there, not a distributed lock (see docs/safety.md).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import platform
import secrets
import threading
import time
from datetime import UTC, datetime

from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.layout import is_local

log = logging.getLogger("wirestrip")

LOCK_FILE = "_lock.json"  # '_': skipped by every reader of the tables (Spark, pyarrow, DuckDB globs)
# A live run proves it is alive this often: one utime (local) or one small PUT (object store).
HEARTBEAT_SECONDS = 10.0
# No heartbeat for this long means the owner is dead or frozen: 12 missed heartbeats, so a loaded
# machine, a long GC pause or NFS attribute caching (acregmax 60 s) never make a live run look dead.
STALE_SECONDS = 120.0
_TAKEOVER_ATTEMPTS = 3  # each lost race means another run just took the lock; three in a row: give up


class LockHeld(Exception):
    """Another live run holds the output root's lock (the message names it and says what to do)."""

    def __init__(self, root: str, holder: dict | None, age: float | None):
        self.root, self.holder, self.age = root, holder or {}, age
        h = self.holder
        who = f"run {h.get('run_id') or '(still planning)'} (pid {h.get('pid', '?')} on {h.get('host', '?')}"
        who += f", last heartbeat {age:.0f} s ago)" if age is not None else ")"
        super().__init__(
            f"{root} is in use by {who}; one run at a time per output. Nothing ran. "
            f"The lock is taken over once that process is gone or after {STALE_SECONDS:.0f} s without a heartbeat "
            f"({FileSystems.join(root, LOCK_FILE)})"
        )


class LockLost(Exception):
    """This run's lock was taken over by another run (its heartbeat stalled past STALE_SECONDS)."""


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return ""


def _process_start(pid: int) -> str | None:
    """The start time of process `pid` in clock ticks since boot (/proc/PID/stat, field 22), or
    None where /proc is not available; with the pid it names one process, even after pid reuse."""
    text = _read_text(f"/proc/{pid}/stat")
    if not text:
        return None
    fields = text.rsplit(")", 1)[-1].split()  # the command name (field 2) may hold spaces and ')'
    return fields[19] if len(fields) > 19 else None


def machine() -> dict[str, str | None]:
    """What says "this machine and this pid namespace": a pid is only meaningful inside both."""
    pid_ns = None
    with contextlib.suppress(OSError):
        pid_ns = os.readlink("/proc/self/ns/pid")
    boot = _read_text("/proc/sys/kernel/random/boot_id")
    # platform.node(): the host name from uname, without a network module (tests/test_no_network.py)
    return {"host": platform.node(), "pid_ns": pid_ns, "boot_id": boot.strip() if boot else None}


def owner_alive(holder: dict) -> bool | None:
    """Whether the process that holds a lock still runs: None when it ran on another machine or in
    another pid namespace (then only its heartbeat can tell)."""
    here = machine()
    if any(holder.get(k) != v for k, v in here.items()):
        return None
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by another user
    stat = _read_text(f"/proc/{pid}/stat")
    if stat and stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]:
        return False  # a zombie: dead, only not yet reaped by its parent
    started = holder.get("pid_started")
    return not (started and _process_start(pid) not in (None, started))  # same pid, later process: the owner is gone


def stale_reason(holder: dict | None, age: float | None, stale_seconds: float = STALE_SECONDS) -> str | None:
    """Why a lock with this content and heartbeat age (seconds) may be taken over, or None while it is live."""
    if holder and owner_alive(holder) is False:
        return f"its process {holder.get('pid')} on {holder.get('host')} is gone"
    if age is not None and age > stale_seconds:
        return f"no heartbeat for {age:.0f} s (stale after {stale_seconds:.0f} s)"
    return None


class OutputLock:
    """The lock of one output root, held by this process (see module doc)."""

    def __init__(self, root: str, heartbeat_seconds: float = HEARTBEAT_SECONDS, stale_seconds: float = STALE_SECONDS):
        self.root = root
        self.path = FileSystems.join(root, LOCK_FILE)
        self.local = is_local(root)
        if self.local:
            self.path = self.path.removeprefix("file://")
        self.heartbeat_seconds, self.stale_seconds = heartbeat_seconds, stale_seconds
        self.token = secrets.token_hex(8)
        pid = os.getpid()
        self.info: dict = {
            "run_id": None,
            "pid": pid,
            "pid_started": _process_start(pid),
            **machine(),
            "token": self.token,
            "acquired_at": datetime.now(UTC).isoformat(),
        }
        self.lost: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the file, local or remote ---------------------------------------------------------------

    def _content(self) -> bytes:
        return json.dumps({**self.info, "heartbeat": time.time()}, sort_keys=True).encode()

    def _read(self) -> tuple[bytes | None, dict | None, float | None]:
        """(raw bytes, parsed holder or None, heartbeat age in seconds); (None, None, None) when absent."""
        try:
            if self.local:
                with open(self.path, "rb") as f:
                    raw = f.read()
                    age = time.time() - os.fstat(f.fileno()).st_mtime
            else:
                if not FileSystems.exists(self.path):
                    return None, None, None
                with FileSystems.open(self.path, compression_type="uncompressed") as f:
                    raw = f.read()
                age = None
        except FileNotFoundError:
            return None, None, None
        try:
            holder = json.loads(raw)
            holder = holder if isinstance(holder, dict) else None
        except ValueError:
            holder = None  # a lock being written, or garbage: its age alone decides
        if not self.local and holder and isinstance(holder.get("heartbeat"), int | float):
            age = time.time() - holder["heartbeat"]
        return raw, holder, age

    def _create(self) -> bool:
        """Create the lock file if no one has it; False when it exists."""
        if not self.local:
            if FileSystems.exists(self.path):
                return False
            return self._put_and_verify()
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        tmp = f"{self.path}.{self.token}.tmp"
        try:
            with open(tmp, "wb") as f:
                f.write(self._content())
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, self.path)  # atomic create-if-absent, with the content already in place
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                return self._create_exclusive()  # a filesystem without hard links
            return True
        finally:
            with contextlib.suppress(OSError):
                os.remove(tmp)

    def _create_exclusive(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "wb") as f:
            f.write(self._content())
        return True

    def _put_and_verify(self) -> bool:
        with FileSystems.create(self.path, mime_type="application/json") as f:
            f.write(self._content())
        _, holder, _ = self._read()
        return bool(holder) and holder.get("token") == self.token

    def _take_over(self, raw_seen: bytes | None) -> bool:
        """Replace the stale lock whose bytes were `raw_seen` by ours; False when another run got there first."""
        if not self.local:
            return self._put_and_verify()
        aside = f"{self.path}.stale-{self.token}"
        try:
            os.rename(self.path, aside)  # only one taker's rename finds the file
        except FileNotFoundError:
            return False
        try:
            if _read_bytes(aside) != raw_seen:  # a run took it between our look and our rename: give it back
                with contextlib.suppress(FileExistsError):
                    os.link(aside, self.path)
                return False
        finally:
            with contextlib.suppress(OSError):
                os.remove(aside)
        return self._create()

    # --- the lock's life ---------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the lock, taking over a stale one with a warning; raise LockHeld while another run holds it."""
        raw, holder, age = None, None, None
        for _ in range(_TAKEOVER_ATTEMPTS):
            if self._create():
                self._start_heartbeat()
                return
            raw, holder, age = self._read()
            if raw is None:
                continue  # released between our two looks: try again
            why = stale_reason(holder, age, self.stale_seconds)
            if why is None:
                raise LockHeld(self.root, holder, age)
            if self._take_over(raw):
                log.warning(
                    "took over the lock of %s from run %s (pid %s on %s): %s",
                    self.root,
                    (holder or {}).get("run_id"),
                    (holder or {}).get("pid"),
                    (holder or {}).get("host"),
                    why,
                )
                self._start_heartbeat()
                return
        raise LockHeld(self.root, holder, age)

    def name_run(self, run_id: str) -> None:
        """Record the run id in the lock once the run has one (a second run's error names it)."""
        self.info["run_id"] = run_id
        self._refresh(rewrite=True)

    def check(self) -> None:
        """Raise LockLost unless the lock file is still this run's: called just before committing."""
        _, holder, _ = self._read()
        if not holder or holder.get("token") != self.token:
            self.lost = self.lost or f"run {(holder or {}).get('run_id')} (pid {(holder or {}).get('pid')}) holds it now"
        if self.lost:
            raise LockLost(f"this run lost its lock on {self.root}: {self.lost}; nothing was committed")

    def _refresh(self, rewrite: bool = False) -> None:
        """Heartbeat: prove this run is alive, unless the lock is no longer ours (then remember it)."""
        _, holder, _ = self._read()
        if not holder or holder.get("token") != self.token:
            self.lost = f"run {(holder or {}).get('run_id')} (pid {(holder or {}).get('pid')}) holds it now"
            return
        if not self.local:
            with FileSystems.create(self.path, mime_type="application/json") as f:
                f.write(self._content())
        elif rewrite:
            tmp = f"{self.path}.{self.token}.tmp"
            with open(tmp, "wb") as f:
                f.write(self._content())
            os.replace(tmp, self.path)
        else:
            os.utime(self.path)

    def _start_heartbeat(self) -> None:
        def beat() -> None:
            while not self._stop.wait(self.heartbeat_seconds):
                try:
                    self._refresh()
                except Exception as exc:  # noqa: BLE001 - a missed beat is not fatal; STALE_SECONDS allows 11 more
                    log.debug("lock heartbeat failed: %r", exc)
                if self.lost:
                    log.error("lost the lock of %s: %s", self.root, self.lost)
                    return

        self._thread = threading.Thread(target=beat, name="wirestrip-lock-heartbeat", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop the heartbeat and remove the lock file if it is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        _, holder, _ = self._read()
        if not holder or holder.get("token") != self.token:
            return
        if self.local:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
        else:
            FileSystems.delete([self.path])


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


# --- the locks this process holds -------------------------------------------------------------------

_HELD: dict[str, OutputLock] = {}


def _key(root: str) -> str:
    return os.path.abspath(root.removeprefix("file://")) if is_local(root) else root.rstrip("/")


def hold(root: str) -> OutputLock:
    """The lock of `root`, taken now unless this process holds it already (re-entrant), and kept
    until release_all(): the run takes it when it first touches OUT (pipeline/commit.recover)."""
    key = _key(root)
    if key not in _HELD:
        lock = OutputLock(root)
        lock.acquire()
        _HELD[key] = lock
    return _HELD[key]


def release_all() -> None:
    """Release every lock this process holds (the run's end, whatever it was)."""
    while _HELD:
        _, lock = _HELD.popitem()
        try:
            lock.release()
        except Exception as exc:  # noqa: BLE001 - a lock left behind is taken over as stale by the next run
            log.warning("could not remove the lock of %s: %r", lock.root, exc)
