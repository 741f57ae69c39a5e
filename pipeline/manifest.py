"""The run manifest: inputs, options, counts and the reconciliation read = written + rejected + skipped,
computed from the files the run wrote (Beam counters are reported beside it, not relied on)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.commit import atomic_write, list_files


def parquet_rows(directory: str, columns: list[str] | None = None) -> tuple[int, list[dict]]:
    """Row count of the Parquet files below `directory` (every partition), and the requested columns as dicts."""
    total, rows = 0, []
    for path in list_files(directory, ".parquet"):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            pf = pq.ParquetFile(f)
            total += pf.metadata.num_rows
            if columns:
                rows.extend(pf.read(columns=columns).to_pylist())
    return total, rows


def file_infos(directory: str) -> list[dict]:
    """The readers' JSON lines: one per input pattern and per input file."""
    out = []
    for path in list_files(directory, ".jsonl"):
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
    """Write JSON so that readers never see half a file."""
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=True, default=str).encode("utf-8"))
