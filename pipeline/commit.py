"""Committing a run's staged tables into the dataset, so that readers see the previous run or the new
one, never a half-written file, and every committed partition has its run's manifest.

The commit point is the commit journal `OUT/_staging/<run_id>.commit.json`, written whole (temp file
+ rename, one PUT on object stores) after the run's counts reconciled. Before it nothing of the run
is visible; once it exists the commit is decided and is finished either by the run itself or, if
that run was killed, by the next run on OUT (`recover`, under the output lock of pipeline/lock.py).
The run's success manifest is part of the commit and lands first, so no committed partition is
ever without its manifest.

Local disk: the manifest is staged as `OUT/_staging/<run_id>/_manifest.json`; the journal lists
the renames: that file to `OUT/_manifests/<run_id>.json`, then each old partition directory aside
and the staged one into place. Renames on one filesystem are atomic; replaying the journal skips
what is done, so a run date never stays half old, half new for longer than until the next run.

Object stores (gs://, s3://...): no directory rename exists (a "rename" is copy + delete, file by
file). The run writes its own versioned folder `OUT/_runs/<run_id>/`; the journal holds the
manifest and the pointer; applying it writes `_SUCCESS` there, the manifest, then one small pointer
object `OUT/_current/ingest_date=D.json` that lists the run's files. A single object write is
atomic on GCS and S3: readers that follow the pointers (`pipeline.dataset.committed_files`,
`wirestrip report`) see the old run or the new one. The replaced run's folder is kept (a reader may
still be reading it); the one before it is deleted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from datetime import UTC, datetime

from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.layout import TABLE_SUFFIX, Layout, is_local
from wirestrip.pipeline.lock import hold

log = logging.getLogger("wirestrip")

STAGED_MANIFEST = "_manifest.json"  # in the run's staging folder, renamed into OUT/_manifests/ by the commit


class CommitPending(Exception):
    """The commit journal was written (the commit is decided) but applying it failed; the next run
    on the output rolls it forward. The run's staging is kept: the journal needs it."""

    def __init__(self, run_id: str, journal: str, cause: BaseException):
        self.run_id, self.journal, self.cause = run_id, journal, cause
        super().__init__(f"the commit of run {run_id} stopped half way ({cause}); the next run on this output completes it ({journal})")


def _local(path: str) -> str:
    return path[len("file://") :] if path.startswith("file://") else path


def atomic_write(path: str, data: bytes, mime_type: str = "application/json") -> None:
    """Write a small file so that readers never see half of it: temp file + rename on local disk,
    one object upload (atomic on GCS/S3) elsewhere."""
    if is_local(path):
        local = _local(path)
        os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
        tmp = f"{local}.tmp-{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, local)
        except BaseException:  # disk full, read-only, killed: no half-written temp file stays behind
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
        return
    with FileSystems.create(path, mime_type=mime_type) as f:
        f.write(data)


def read_json(path: str) -> dict | None:
    """A small JSON file, or None when it does not exist."""
    if not FileSystems.exists(path):
        return None
    with FileSystems.open(path, compression_type="uncompressed") as f:
        return json.loads(f.read().decode("utf-8"))


def list_files(directory: str, suffix: str = ".parquet") -> list[str]:
    """Every file below `directory` (any depth) ending in `suffix`, sorted; Beam's temp folders and
    names starting with '_' or '.' below `directory` are left out, as Spark and pyarrow.dataset do."""
    try:
        found = FileSystems.match([FileSystems.join(directory, "**")])[0].metadata_list
    except Exception:  # noqa: BLE001 - Beam raises when nothing matches; that means no files
        return []
    prefix = directory.rstrip("/") + "/"
    out = []
    for m in found:
        rel = m.path[len(prefix) :] if m.path.startswith(prefix) else m.path
        parts = rel.split("/")
        if not m.path.endswith(suffix) or any(p.startswith(("_", ".", "beam-temp")) for p in parts):
            continue
        out.append(m.path)
    return sorted(out)


def _partitions_of(table_dir: str, ingest_date: str) -> list[str]:
    """Directories below a local table (depth 1 or 2) that hold the partition of `ingest_date`,
    relative to the table: `ingest_date=D` or `published_date=P/ingest_date=D`."""
    name = f"ingest_date={ingest_date}"
    table_dir = _local(table_dir)
    if not os.path.isdir(table_dir):
        return []
    found = []
    for entry in sorted(os.listdir(table_dir)):
        if entry.startswith(("_", ".")):
            continue
        if entry == name:
            found.append(entry)
        elif os.path.isdir(os.path.join(table_dir, entry, name)):
            found.append(f"{entry}/{name}")
    return found


def plan_local_commit(out: Layout, staging: Layout, tables: tuple[str, ...], ingest_date: str, always: tuple[str, ...]) -> dict:
    """The renames that replace every partition of `ingest_date` in `tables` by the staged ones.
    Tables in `always` get an (empty) partition even when the run wrote nothing to them, so that a
    rerun with no rows still replaces the old rows."""
    moves, removals = [], []
    for table in tables:
        staged_table, final_table = _local(staging.table(table)), _local(out.table(table))
        if table in always:
            os.makedirs(os.path.join(staged_table, f"ingest_date={ingest_date}"), exist_ok=True)
        staged = _partitions_of(staged_table, ingest_date)
        moves += [(os.path.join(staged_table, rel), os.path.join(final_table, rel)) for rel in staged]
        removals += [os.path.join(final_table, rel) for rel in _partitions_of(final_table, ingest_date) if rel not in staged]
    return {"moves": moves, "removals": removals}


def apply_local_commit(journal: dict, trash: str) -> None:
    """Carry out a commit journal; every step checks what is already done, so replaying it after a
    crash finishes the commit instead of repeating it. The run's manifest goes first: a partition
    is never committed before its manifest."""
    if journal.get("manifest"):  # journals written before the manifest joined the commit have none
        src, dst = journal["manifest"]
        if os.path.exists(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.replace(src, dst)
    for i, (src, dst) in enumerate(journal["moves"]):
        if not os.path.isdir(src):
            continue  # moved before the crash
        aside = os.path.join(trash, f"m{i}")
        if os.path.exists(dst):
            shutil.rmtree(aside, ignore_errors=True)
            os.makedirs(trash, exist_ok=True)
            os.rename(dst, aside)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.rename(src, dst)
    for j, path in enumerate(journal["removals"]):
        if os.path.exists(path):
            os.makedirs(trash, exist_ok=True)
            os.rename(path, os.path.join(trash, f"r{j}"))
        parent = os.path.dirname(path)  # published_date=P left empty: remove it so it does not linger
        if os.path.isdir(parent) and not os.listdir(parent) and os.path.basename(parent).startswith("published_date="):
            os.rmdir(parent)
    shutil.rmtree(trash, ignore_errors=True)


def commit_local(out: Layout, staging: Layout, run_id: str, planned: dict, manifest: bytes) -> dict:
    """Stage the manifest, write the journal (the commit point), then rename the manifest and every
    staged partition of `planned` (plan_local_commit) into place (see module doc); returns the journal.
    Raises CommitPending when a rename fails after the journal was written."""
    staged_manifest = _local(FileSystems.join(staging.root, STAGED_MANIFEST))
    atomic_write(staged_manifest, manifest)
    journal = {**planned, "run_id": run_id, "trash": _local(out.trash(run_id)), "manifest": [staged_manifest, _local(out.manifest(run_id))]}
    atomic_write(out.journal(run_id), json.dumps(journal, indent=1).encode())
    try:
        apply_local_commit(journal, journal["trash"])
        os.remove(_local(out.journal(run_id)))
    except Exception as exc:
        raise CommitPending(run_id, _local(out.journal(run_id)), exc) from exc
    return journal


def moved_partitions(out: Layout, journal: dict, tables: tuple[str, ...]) -> dict[str, list[str]]:
    """The partition directories a local commit journal moved into place, per table, sorted."""
    return {t: sorted(dst for _, dst in journal["moves"] if dst.startswith(_local(out.table(t)).rstrip("/") + "/")) for t in tables}


def plan_versioned_commit(out: Layout, run_folder: Layout, run_id: str, ingest_date: str, tables: tuple[str, ...]) -> dict:
    """The pointer an object-store commit of `run_id` writes for `ingest_date`, and the run folder it
    retires (the one the replaced pointer itself replaced): {"pointer": ..., "retire": run id or None}."""
    files = {t: [p[len(run_folder.root.rstrip("/")) + 1 :] for p in list_files(run_folder.table(t), TABLE_SUFFIX[t])] for t in tables}
    previous = read_json(out.pointer(ingest_date))
    pointer = {
        "run_id": run_id,
        "ingest_date": ingest_date,
        "run_folder": f"_runs/{run_id}",
        "files": files,  # relative to run_folder, itself relative to the output root: the root may move
        "replaces": previous["run_id"] if previous else None,
        "committed_at": datetime.now(UTC).isoformat(),
    }
    older = previous.get("replaces") if previous else None
    return {"pointer": pointer, "retire": older if older and older != run_id else None}


def apply_versioned_commit(out: Layout, journal: dict) -> None:
    """Carry out an object-store journal: `_SUCCESS`, the manifest, the pointer (the switch readers
    see), then delete the retired run folder. Every step rewrites the same bytes, so a replay is safe."""
    pointer, run_id = journal["pointer"], journal["run_id"]
    atomic_write(out.success(run_id), json.dumps({"run_id": run_id, "counts": journal["counts"], "at": pointer["committed_at"]}).encode())
    atomic_write(out.manifest(run_id), journal["manifest"].encode("utf-8"))
    atomic_write(out.pointer(pointer["ingest_date"]), json.dumps(pointer, indent=1, sort_keys=True).encode())
    if journal.get("retire"):
        remove_tree(FileSystems.join(out.runs, journal["retire"]))


def commit_versioned(out: Layout, run_id: str, planned: dict, counts: dict, manifest: bytes) -> dict:
    """Object-store commit of `planned` (plan_versioned_commit): the journal (the commit point, one
    PUT), then apply it (see module doc). Returns the pointer; raises CommitPending when applying fails."""
    journal = {**planned, "mode": "pointer", "run_id": run_id, "counts": counts, "manifest": manifest.decode("utf-8")}
    atomic_write(out.journal(run_id), json.dumps(journal, indent=1, sort_keys=True).encode())
    try:
        apply_versioned_commit(out, journal)
        FileSystems.delete([out.journal(run_id)])
    except Exception as exc:
        raise CommitPending(run_id, out.journal(run_id), exc) from exc
    return planned["pointer"]


def recover(out: Layout) -> list[str]:
    """Take the output lock (pipeline/lock.py; kept by this process: the run that calls this holds
    OUT until it ends), then finish the commits that killed runs left half done, their manifests
    included; returns their run ids. Raises lock.LockHeld while another live run holds OUT."""
    hold(out.root)  # first: never replay a journal that a live run is still applying
    done = []
    if is_local(out.root):
        staging_root = _local(out.staging_root)
        if not os.path.isdir(staging_root):
            return []
        journals = [os.path.join(staging_root, n) for n in sorted(os.listdir(staging_root)) if n.endswith(".commit.json")]
    else:
        journals = list_files(out.staging_root, ".commit.json")
    for path in journals:
        journal = read_json(path)
        if journal.get("mode") == "pointer":
            apply_versioned_commit(out, journal)
            FileSystems.delete([path])
        else:
            apply_local_commit(journal, journal["trash"])
            os.remove(path)
            shutil.rmtree(os.path.join(_local(out.staging_root), journal["run_id"]), ignore_errors=True)
        done.append(journal["run_id"])
        log.warning("rolled forward the interrupted commit of run %s, its manifest included", journal["run_id"])
    if is_local(out.root):
        _remove_orphan_staging(_local(out.staging_root))
    return done


ORPHAN_AGE_SECONDS = 24 * 3600  # a staging folder untouched this long belongs to a dead run, not a slow one


def _remove_orphan_staging(staging_root: str, now: float | None = None) -> None:
    """Delete staging folders that killed runs left behind (no journal: nothing to roll forward)."""
    now = time.time() if now is None else now
    for name in sorted(os.listdir(staging_root)):
        path = os.path.join(staging_root, name)
        if not os.path.isdir(path) or name.endswith(".replaced"):
            continue
        if now - os.path.getmtime(path) > ORPHAN_AGE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
            log.warning("removed the staging folder of dead run %s", name)


def commit_partition(staged: str, final: str, trash: str) -> None:
    """Replace one directory `final` by the directory `staged` (which may be absent: an empty table),
    for tables outside the run's journal. Local disk: two renames. Elsewhere: copy then delete the
    stale files, which is NOT atomic; articles and rejects use commit_local / commit_versioned."""
    if is_local(final):
        staged, final, trash = _local(staged), _local(final), _local(trash)
        os.makedirs(staged, exist_ok=True)
        apply_local_commit({"moves": [(staged, final)], "removals": []}, trash)
        return
    old = list_files(final, "")
    new = list_files(staged, "")
    FileSystems.copy(new, [FileSystems.join(final, p.rsplit("/", 1)[-1]) for p in new])
    names = {q.rsplit("/", 1)[-1] for q in new}
    stale = [p for p in old if p.rsplit("/", 1)[-1] not in names]
    if stale:
        FileSystems.delete(stale)


def remove_tree(path: str) -> None:
    """Delete a staging tree or run folder, wherever it is."""
    if is_local(path):
        shutil.rmtree(_local(path), ignore_errors=True)
        return
    try:
        matches = FileSystems.match([FileSystems.join(path, "**")])[0].metadata_list
    except Exception:  # noqa: BLE001 - nothing there
        return
    if matches:
        FileSystems.delete([m.path for m in matches])
