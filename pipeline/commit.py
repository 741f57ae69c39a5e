"""Committing a run's staged tables into the dataset, so that readers see the previous run or the new
one, never a half-written file.

Local disk: a commit journal (the list of directory renames) is written first, then each old
partition directory is renamed aside and the staged one renamed into place. Renames on one
filesystem are atomic; a commit killed half-way is rolled forward from its journal by the next run
(`recover`), so a run date never stays half old, half new for longer than until the next run.

Object stores (gs://, s3://...): no directory rename exists (a "rename" is copy + delete, file by
file). The run writes its own versioned folder `OUT/_runs/<run_id>/`, writes `_SUCCESS` there once
its counts reconcile, then commits by writing one small pointer object `OUT/_current/ingest_date=D.json`
that lists the run's files. A single object write is atomic on GCS and S3: readers that follow the
pointers (`pipeline.dataset.committed_files`, `wirestrip report`) see the old run or the new one.
The replaced run's folder is kept (a reader may still be reading it); the one before it is deleted.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from datetime import UTC, datetime

from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.layout import TABLE_SUFFIX, Layout, is_local

log = logging.getLogger("wirestrip")


def _local(path: str) -> str:
    return path[len("file://") :] if path.startswith("file://") else path


def atomic_write(path: str, data: bytes, mime_type: str = "application/json") -> None:
    """Write a small file so that readers never see half of it: temp file + rename on local disk,
    one object upload (atomic on GCS/S3) elsewhere."""
    if is_local(path):
        local = _local(path)
        os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
        tmp = f"{local}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, local)
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
    crash finishes the commit instead of repeating it."""
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


def commit_local(out: Layout, staging: Layout, run_id: str, ingest_date: str, tables: tuple[str, ...], always: tuple[str, ...]) -> dict:
    """Journal, then rename every staged partition of the run into place (see module doc); returns the journal."""
    journal = plan_local_commit(out, staging, tables, ingest_date, always)
    journal.update(run_id=run_id, trash=_local(out.trash(run_id)))
    atomic_write(out.journal(run_id), json.dumps(journal, indent=1).encode())
    apply_local_commit(journal, journal["trash"])
    os.remove(_local(out.journal(run_id)))
    return journal


def moved_partitions(out: Layout, journal: dict, tables: tuple[str, ...]) -> dict[str, list[str]]:
    """The partition directories a local commit journal moved into place, per table, sorted."""
    return {t: sorted(dst for _, dst in journal["moves"] if dst.startswith(_local(out.table(t)).rstrip("/") + "/")) for t in tables}


def commit_versioned(out: Layout, run_folder: Layout, run_id: str, ingest_date: str, tables: tuple[str, ...], counts: dict) -> dict:
    """Object-store commit: `_SUCCESS` in the run folder, then the pointer of `ingest_date` (one atomic
    object write). Returns the pointer."""
    files = {t: [p[len(run_folder.root.rstrip("/")) + 1 :] for p in list_files(run_folder.table(t), TABLE_SUFFIX[t])] for t in tables}
    now = datetime.now(UTC).isoformat()
    atomic_write(out.success(run_id), json.dumps({"run_id": run_id, "counts": counts, "at": now}).encode())
    previous = read_json(out.pointer(ingest_date))
    pointer = {
        "run_id": run_id,
        "ingest_date": ingest_date,
        "run_folder": f"_runs/{run_id}",
        "files": files,  # relative to run_folder, itself relative to the output root: the root may move
        "replaces": previous["run_id"] if previous else None,
        "committed_at": now,
    }
    atomic_write(out.pointer(ingest_date), json.dumps(pointer, indent=1, sort_keys=True).encode())
    older = previous.get("replaces") if previous else None
    if older and older != run_id:
        remove_tree(FileSystems.join(out.runs, older))
    return pointer


def recover(out: Layout) -> list[str]:
    """Roll forward local commits that a killed run left half done; returns their run ids."""
    if not is_local(out.root):
        return []  # a pointer is written whole or not at all: nothing to roll forward
    staging_root = _local(out.staging_root)
    if not os.path.isdir(staging_root):
        return []
    done = []
    for name in sorted(os.listdir(staging_root)):
        if not name.endswith(".commit.json"):
            continue
        path = os.path.join(staging_root, name)
        with open(path, encoding="utf-8") as f:
            journal = json.load(f)
        apply_local_commit(journal, journal["trash"])
        os.remove(path)
        shutil.rmtree(os.path.join(staging_root, journal["run_id"]), ignore_errors=True)
        done.append(journal["run_id"])
        log.warning("rolled forward the interrupted commit of run %s", journal["run_id"])
    _remove_orphan_staging(staging_root)
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
