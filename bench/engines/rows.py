"""The rows two runs committed, compared table by table, sorted by id, lineage columns left out."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pyarrow.parquet as pq

TABLES = ("articles", "rejects", "clusters")
LINEAGE = frozenset({"run_id", "ingested_at"})  # differ per run by design; everything else must be equal


def _key(row: dict) -> tuple:
    return tuple(str(row.get(k) or "") for k in ("doc_id", "cluster_id", "source_uri", "locator", "stage"))


def table_rows(out: Path | str, table: str) -> list[dict]:
    """Every committed row of one table, every partition, lineage left out, sorted by id."""
    files = sorted(glob.glob(os.path.join(out, table, "**", "*.parquet"), recursive=True))
    rows = [{k: v for k, v in r.items() if k not in LINEAGE} for f in files for r in pq.read_table(f).to_pylist()]
    return sorted(rows, key=_key)


def differences(a: Path | str, b: Path | str, tables: tuple[str, ...] = TABLES) -> list[str]:
    """What differs between two outputs' rows ([] when every table's rows are equal); counts printed by the caller."""
    out = []
    for table in tables:
        ra, rb = table_rows(a, table), table_rows(b, table)
        if ra == rb:
            continue
        if len(ra) != len(rb):
            out.append(f"{table}: {len(ra)} rows vs {len(rb)}")
            continue
        n, first = next((i, (x, y)) for i, (x, y) in enumerate(zip(ra, rb, strict=True)) if x != y)
        cols = sorted(k for k in first[0].keys() | first[1].keys() if first[0].get(k) != first[1].get(k))
        bad = sum(x != y for x, y in zip(ra, rb, strict=True))
        out.append(f"{table}: {bad} of {len(ra)} rows differ, first at #{n} ({_key(first[0])}) in columns {cols}")
    return out


def counts(out: Path | str) -> dict[str, int]:
    return {t: len(table_rows(out, t)) for t in TABLES}
