"""The cross-batch fingerprint index on storage (`--index DIR`): versioned, never mutated in place.

    DIR/run_date=D/part-*.parquet     the index as it stood after the run of date D (schemas/index.py)
    DIR/run_date=D/_params.json       the fingerprint settings that wrote it; a version without it is
                                      incomplete and ignored
    DIR/_staging/<run_id>/            what a running run writes; committed after its counts reconcile

A run of date D reads the latest complete version with a date before D and writes version D
(replacing an older version D whole). So rerunning D after D+1 reads the same version and gives the
same rows, and a doc_id already in the version read is replaced by this batch's copy (a rerun of the
same batch does not double count). A run whose fingerprint settings differ from the index's fails
before it starts (IndexParamsError, exit 2): signatures and band keys of different settings never meet.

Commit: local disk renames the staged directory (with its _params.json) into place, an atomic
directory rename; object stores copy the files, then write _params.json last, which is what makes the
version visible. run.py commits the index just before the output tables: a run killed between the
two leaves version D written and the output of D not; rerunning D (the usual answer to a failed run)
reads the version before D, so it writes the same rows.
"""

from __future__ import annotations

import json
import re

from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.commit import atomic_write, commit_partition, list_files, read_json, remove_tree
from wirestrip.pipeline.layout import is_local
from wirestrip.transforms.dedup.fingerprint import DedupParams

PARAMS_FILE = "_params.json"
_VERSION = re.compile(r"^run_date=(\d{4}-\d{2}-\d{2})$")


class IndexParamsError(ValueError):
    """The index was written with other fingerprint settings (or is unreadable)."""


def version_dir(index_dir: str, run_date: str) -> str:
    return FileSystems.join(index_dir, f"run_date={run_date}")


def staging_dir(index_dir: str, run_id: str) -> str:
    return FileSystems.join(index_dir, "_staging", run_id)


def versions(index_dir: str) -> list[str]:
    """Run dates of the complete versions (with their params file), oldest first."""
    try:
        found = FileSystems.match([FileSystems.join(index_dir, "run_date=*", PARAMS_FILE)])[0].metadata_list
    except Exception:  # noqa: BLE001 - nothing matches: no version yet
        return []
    out = []
    for m in found:
        parent = m.path.rstrip("/").rsplit("/", 2)[-2]
        hit = _VERSION.match(parent)
        if hit:
            out.append(hit.group(1))
    return sorted(set(out))


def prior_version(index_dir: str, run_date: str) -> str | None:
    """The latest complete version strictly before `run_date`, or None."""
    before = [v for v in versions(index_dir) if v < run_date]
    return before[-1] if before else None


def params_record(params: DedupParams) -> dict:
    return {"fingerprint": params.fingerprint_settings(), "dedup": params.as_dict()}


def index_files(index_dir: str, version: str | None) -> list[str]:
    """The Parquet files of index version `version` (none when there is no version yet)."""
    return list_files(version_dir(index_dir, version), ".parquet") if version else []


def check_params(index_dir: str, run_date: str, params: DedupParams) -> str | None:
    """Fail with a clear message when the version this run would read (or the newest one) was
    written with other fingerprint settings; returns the version that will be read."""
    all_versions = versions(index_dir)
    read = prior_version(index_dir, run_date)
    want = params.fingerprint_settings()
    for v in {read, all_versions[-1] if all_versions else None} - {None}:
        try:
            recorded = (read_json(FileSystems.join(version_dir(index_dir, v), PARAMS_FILE)) or {}).get("fingerprint", {})
        except (OSError, ValueError) as exc:
            raise IndexParamsError(f"--index {index_dir}: cannot read the params of version run_date={v}: {exc}") from None
        diff = {k: (recorded.get(k), want[k]) for k in want if recorded.get(k) != want[k]}
        if diff:
            detail = ", ".join(f"{k}: index {a!r} vs this run {b!r}" for k, (a, b) in sorted(diff.items()))
            raise IndexParamsError(
                f"--index {index_dir} (version run_date={v}) was built with other fingerprint settings ({detail}); "
                "run with the index's settings or start a new index directory"
            )
    return read


def commit_index(index_dir: str, run_id: str, run_date: str, params: DedupParams) -> str:
    """Move the staged index of `run_id` into version `run_date` (see module doc); returns its path."""
    staged, final = staging_dir(index_dir, run_id), version_dir(index_dir, run_date)
    record = json.dumps({**params_record(params), "run_id": run_id, "run_date": run_date}, indent=1, sort_keys=True).encode()
    atomic_write(FileSystems.join(staged, PARAMS_FILE), record)
    if not is_local(final) and FileSystems.exists(FileSystems.join(final, PARAMS_FILE)):
        FileSystems.delete([FileSystems.join(final, PARAMS_FILE)])  # the old version D turns invisible before its files change
    commit_partition(staged, final, FileSystems.join(index_dir, "_staging", f"{run_id}.replaced"))
    if not FileSystems.exists(FileSystems.join(final, PARAMS_FILE)):  # object stores: the params file goes last
        atomic_write(FileSystems.join(final, PARAMS_FILE), record)
    remove_tree(staged)
    return final


def discard_staging(index_dir: str, run_id: str) -> None:
    remove_tree(staging_dir(index_dir, run_id))
