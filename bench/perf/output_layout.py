"""Row groups and files the two article writers produce, and a DuckDB scan over them.

python -m bench.perf.output_layout [N]     (default 60,000 rows: enough for several 64 MiB row groups)

Rows come from 3,000 generated posts (seed 7) parsed and cleaned by the real stages, repeated
with distinct doc_ids up to N inside the pipeline. The time printed is the whole local pipeline. Writers: Beam's WriteToParquet through the offline local runner
(--partition-by ingest_date) and wirestrip.transforms.write.beam_partitioned (--partition-by published_date).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
import duckdb
import pyarrow.parquet as pq
from wirestrip.pipeline.runners import OfflineDirectRunner
from wirestrip.schemas import ARTICLES_SCHEMA
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read.post_text import parse_post
from wirestrip.transforms.record_types import RawRecord
from wirestrip.transforms.write.beam_parquet import ROW_GROUP_BYTES, WriteTable
from wirestrip.transforms.write.beam_partitioned import WritePartitioned
from wirestrip.transforms.write.table_rows import RunContext, article_row

from bench.corpora.synth import posts


def _base_rows() -> list[dict]:
    rules = load_rules()
    ctx = RunContext("bench", "bench", rules.version, datetime.now(UTC), 1 << 20)
    base = []
    for i, text in enumerate(posts(3000)):
        raw = text.encode()
        rec = RawRecord("bench", f"{i}.txt", "post=0", "txt", raw, raw_sha(raw), doc_id(f"{i}.txt", "post=0", raw_sha(raw)))
        base.append(article_row(clean_article(parse_post(rec), rules), ctx))
    return base


def _row(i: int, base: list[dict]) -> dict:
    return {**base[i % len(base)], "doc_id": f"{i:08d}"}


def _describe(name: str, directory: Path, seconds: float) -> None:
    files = sorted(directory.rglob("*.parquet"))
    groups = [pq.ParquetFile(f).metadata.row_group(i) for f in files for i in range(pq.ParquetFile(f).metadata.num_row_groups)]
    rows = sum(g.num_rows for g in groups)
    disk = sum(f.stat().st_size for f in files) / 2**20
    print(
        f"{name}: {len(files)} file(s), {rows:,} rows, {len(groups)} row group(s); per group: "
        f"{rows / len(groups):,.0f} rows, {sum(g.total_byte_size for g in groups) / len(groups) / 2**20:.1f} MiB uncompressed, "
        f"{disk / len(groups):.1f} MiB on disk; pipeline {seconds:.1f}s"
    )
    con = duckdb.connect()
    t = time.perf_counter()
    con.execute(f"select count(*), sum(length(title)) from read_parquet('{directory}/**/*.parquet')").fetchall()
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    con.execute(f"select count(*), sum(length(text)) from read_parquet('{directory}/**/*.parquet')").fetchall()
    print(f"  duckdb scan: title column {t1 * 1000:.0f} ms, text column {(time.perf_counter() - t) * 1000:.0f} ms")


def main(n: int = 60000) -> None:
    base = _base_rows()
    print(f"inputs: {n:,} article rows from 3,000 generated posts (seed 7); ROW_GROUP_BYTES = {ROW_GROUP_BYTES >> 20} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in (
            ("WriteToParquet (ingest_date)", lambda d: WriteTable(str(d / "ingest_date=2025-08-02"), ARTICLES_SCHEMA, 1)),
            (
                "WritePartitioned (published_date)",
                lambda d: WritePartitioned(str(d), "published_date", lambda r: "2025-08-02", "2025-08-02", ARTICLES_SCHEMA, 1),
            ),
        ):
            directory = Path(tmp) / name.split()[0]
            t = time.perf_counter()
            with beam.Pipeline(runner=OfflineDirectRunner()) as p:
                p | beam.Create(list(range(n))) | beam.Map(_row, base) | make(directory)
            _describe(name, directory, time.perf_counter() - t)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60000)
