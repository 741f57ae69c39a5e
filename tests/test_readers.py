"""The output as analytics engines read it: DuckDB, polars, pyarrow.dataset and pandas (PySpark where
installed with Java), each with the right types: UTC timestamps, lists, structs, hive partitions."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import SAMPLES, run_cli

D1, D2 = "2025-08-02", "2025-08-03"
STORKS = "Volunteers count 212 storks on the river meadows"
# "March 30, 2025 4:20 PM" printed without a zone, read with --default-tz UTC
STORKS_AT = datetime(2025, 3, 30, 16, 20, tzinfo=UTC)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """Two daily runs on consecutive dates into one output root."""
    out = tmp_path_factory.mktemp("readers") / "out"
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", D1) == 0
    assert run_cli("--input", f"{SAMPLES}/misc/*.txt", "--output", str(out), "--run-date", D2) == 0
    return out


def test_duckdb_over_two_daily_partitions(out):
    import duckdb

    con = duckdb.connect()
    glob = f"{out}/articles/**/*.parquet"
    per_day = con.sql(f"select ingest_date, count(*) from read_parquet('{glob}', hive_partitioning=true) group by 1 order by 1").fetchall()
    assert [(str(d), n) for d, n in per_day] == [(D1, 11), (D2, 3)]
    types = {r[0]: r[1] for r in con.sql(f"describe select published_at, tags, removed, simhash from read_parquet('{glob}')").fetchall()}
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["tags"] == "VARCHAR[]"
    assert types["removed"] == 'STRUCT(rule_id VARCHAR, kind VARCHAR, "text" VARCHAR, "position" INTEGER, score FLOAT)[]'
    assert types["simhash"] == "BIGINT"
    con.execute("set TimeZone = 'UTC'")
    (at,) = con.execute(
        f"select published_at from read_parquet('{glob}', hive_partitioning=true) where title = '{STORKS}' and ingest_date = '{D1}'"
    ).fetchone()
    assert at == STORKS_AT


def test_polars(out):
    import polars as pl

    df = pl.read_parquet(f"{out}/articles/**/*.parquet", hive_partitioning=True)
    assert df.height == 14
    assert df.schema["published_at"] == pl.Datetime("us", "UTC")
    assert df.schema["tags"] == pl.List(pl.String)
    assert df.schema["removed"] == pl.List(
        pl.Struct({"rule_id": pl.String, "kind": pl.String, "text": pl.String, "position": pl.Int32, "score": pl.Float32})
    )
    row = df.filter((pl.col("title") == STORKS) & (pl.col("ingest_date").cast(pl.String) == D1)).row(0, named=True)
    assert row["published_at"] == STORKS_AT


def test_pyarrow_dataset(out):
    import pyarrow.dataset as ds
    from wirestrip.schemas import ARTICLES_SCHEMA

    dataset = ds.dataset(str(out / "articles"), format="parquet", partitioning="hive")
    for f in ARTICLES_SCHEMA:
        assert dataset.schema.field(f.name).type == f.type, f.name
    assert dataset.schema.field("published_at").type == pa.timestamp("us", tz="UTC")
    table = dataset.to_table(filter=ds.field("ingest_date") == pa.scalar(D2).cast(dataset.schema.field("ingest_date").type))
    assert table.num_rows == 3


def test_pandas(out):
    import pandas as pd

    df = pd.read_parquet(out / "articles")
    assert len(df) == 14
    assert str(df["published_at"].dtype) in ("datetime64[us, UTC]", "datetime64[ns, UTC]")
    row = df[(df["title"] == STORKS) & (df["ingest_date"].astype(str) == D1)].iloc[0]
    assert row["published_at"] == pd.Timestamp(STORKS_AT)
    ndtv = df[df["publisher"] == "NDTV"].iloc[0]
    assert list(ndtv["tags"]) and {"rule_id", "kind", "text", "position"} <= set(ndtv["removed"][0])


def test_pyspark(out):
    if not shutil.which("java"):
        pytest.skip("PySpark reader test: no Java on this machine")
    pytest.importorskip("pyspark", reason="PySpark reader test: pyspark is not installed (pip install pyspark to run it)")
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[1]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
    try:
        df = spark.read.parquet(str(out / "articles"))
        types = dict(df.dtypes)
        assert types["published_at"] == "timestamp" and types["simhash"] == "bigint"
        assert types["tags"] == "array<string>" and types["removed"].startswith("array<struct<rule_id:string")
        assert df.count() == 14
    finally:
        spark.stop()


def test_row_count_matches_parquet_metadata(out):
    files = sorted((out / "articles").rglob("*.parquet"))
    assert sum(pq.read_metadata(f).num_rows for f in files) == 14
