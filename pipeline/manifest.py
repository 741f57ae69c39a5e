"""The run manifest: inputs, options, counts and the reconciliation read = written + rejected + skipped,
computed from the files the run wrote (Beam counters are reported beside it, not relied on)."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems

from pipeline.commit import _local, is_local


def _files(pattern: str) -> list[str]:
    try:
        return sorted(m.path for m in FileSystems.match([pattern])[0].metadata_list)
    except Exception:  # noqa: BLE001 - Beam raises when nothing matches; that means no files
        return []


def parquet_rows(directory: str, columns: list[str] | None = None) -> tuple[int, list[dict]]:
    """Row count of the Parquet files in `directory`, and the requested columns as dicts."""
    total, rows = 0, []
    for path in _files(FileSystems.join(directory, "*.parquet")):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            pf = pq.ParquetFile(f)
            total += pf.metadata.num_rows
            if columns:
                rows.extend(pf.read(columns=columns).to_pylist())
    return total, rows


def file_infos(directory: str) -> list[dict]:
    """The readers' JSON lines: one per input pattern and per input file."""
    out = []
    for path in _files(FileSystems.join(directory, "*.jsonl")):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            out.extend(json.loads(line) for line in f.read().decode("utf-8").splitlines() if line.strip())
    return out


def reconcile(infos: list[dict], written: int, rejects: list[dict]) -> dict[str, Any]:
    """Counts in records: what the readers say they read against what the run wrote."""
    read = sum(i.get("records", 0) + i.get("rejected", 0) + i.get("skipped", 0) for i in infos)
    skipped = sum(i.get("skipped", 0) for i in infos)
    rejected = len(rejects)
    return {
        "read": read,
        "written": written,
        "rejected": rejected,
        "skipped": skipped,
        "ok": read == written + rejected + skipped,
        "rejected_by_stage": dict(sorted(Counter(r["stage"] for r in rejects).items())),
        "rejected_by_reason": dict(sorted(Counter(f"{r['stage']}.{r['error_type']}" for r in rejects).items())),
    }


def write_json(path: str, obj: Any) -> None:
    """Write JSON so that readers never see half a file (temp file + rename on local disk)."""
    data = json.dumps(obj, indent=2, sort_keys=True, default=str).encode("utf-8")
    if is_local(path):
        local = _local(path)
        os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
        tmp = f"{local}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, local)
        return
    with FileSystems.create(path, mime_type="application/json") as f:
        f.write(data)
