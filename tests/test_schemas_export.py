"""Schema exports (BigQuery JSON, data dictionary) match the pyarrow schemas; schema evolution keeps
old partitions readable beside new ones (DuckDB union_by_name, pyarrow.dataset unification)."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from wirestrip.schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA
from wirestrip.schemas.export import SCHEMAS, UnsupportedType, bigquery_field, bigquery_schema, is_additive_evolution, rendered
from wirestrip.schemas.fields import field, field_doc, versioned_schema


def _all_fields(fields):
    for f in fields:
        yield f
        t = f.type.value_type if pa.types.is_list(f.type) else f.type
        if pa.types.is_struct(t):
            yield from _all_fields([t.field(i) for i in range(t.num_fields)])


@pytest.mark.parametrize("schema", [ARTICLES_SCHEMA, REJECTS_SCHEMA], ids=["articles", "rejects"])
def test_every_field_is_documented_and_engine_friendly(schema):
    for f in _all_fields(schema):
        assert field_doc(f), f"{f.name} has no doc"
        assert not pa.types.is_unsigned_integer(f.type), f"{f.name}: BigQuery/Spark have no uint64; bit-cast to int64"
    if "simhash" in schema.names:
        assert schema.field("simhash").type == pa.int64()


def test_committed_exports_match_the_schemas():
    for path, text in rendered().items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make schemas`"


@pytest.mark.parametrize("table", ["articles", "rejects"])
def test_bigquery_schema_mirrors_pyarrow(table):
    schema, bq = SCHEMAS[table], bigquery_schema(SCHEMAS[table])
    assert [f["name"] for f in bq] == schema.names
    by = {f["name"]: f for f in bq}
    for f in schema:
        b = by[f.name]
        assert b["description"] == field_doc(f)
        if pa.types.is_list(f.type):
            assert b["mode"] == "REPEATED"
        else:
            assert b["mode"] == ("NULLABLE" if f.nullable else "REQUIRED")
    if table == "articles":
        assert by["published_at"]["type"] == "TIMESTAMP" and by["simhash"]["type"] == "INTEGER"
        assert by["tags"] == {"name": "tags", "mode": "REPEATED", "type": "STRING", "description": field_doc(schema.field("tags"))}
        removed = by["removed"]
        assert removed["type"] == "RECORD" and [f["name"] for f in removed["fields"]] == ["rule_id", "kind", "text", "position", "score"]
    else:
        assert by["raw"]["type"] == "BYTES"


def test_unsigned_64_bit_has_no_bigquery_type():
    with pytest.raises(UnsupportedType):
        bigquery_field(pa.field("h", pa.uint64()))


def test_schema_version_in_parquet_metadata(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=ARTICLES_SCHEMA), path)
    assert pq.read_schema(path).metadata[b"wirestrip.schema_version"] == ARTICLES_SCHEMA.metadata[b"wirestrip.schema_version"]


def _row(doc_id: str) -> dict:
    return {
        "doc_id": doc_id,
        "source_uri": "s.txt",
        "locator": "post=0",
        "input_format": "txt",
        "raw_sha": "x",
        "published_at": datetime(2025, 8, 1, 12, tzinfo=UTC),
        "tags": ["a"],
        "removed": [{"rule_id": "junk.loading", "kind": "junk", "text": "Loading", "position": 3}],
        "run_id": "r",
        "pipeline_version": "0",
        "rules_version": "0",
        "ingested_at": datetime(2025, 8, 1, tzinfo=UTC),
    }


@pytest.fixture
def evolved(tmp_path):
    """An old partition (the current schema) and a new one whose schema adds a nullable column."""
    new_schema = versioned_schema([*ARTICLES_SCHEMA, field("word_count", pa.int32(), "Words in text.")], table="articles", version="1.1.0")
    assert is_additive_evolution(ARTICLES_SCHEMA, new_schema) == []
    old_dir, new_dir = tmp_path / "articles" / "ingest_date=2025-08-01", tmp_path / "articles" / "ingest_date=2025-08-02"
    old_dir.mkdir(parents=True)
    new_dir.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([_row("old")], schema=ARTICLES_SCHEMA), old_dir / "part-0.parquet")
    pq.write_table(pa.Table.from_pylist([{**_row("new"), "word_count": 42}], schema=new_schema), new_dir / "part-0.parquet")
    return tmp_path / "articles", new_schema


def test_added_column_reads_with_duckdb_union_by_name(evolved):
    root, _ = evolved
    rows = duckdb.sql(
        f"select doc_id, word_count, tags, removed[1].rule_id, ingest_date from read_parquet('{root}/**/*.parquet', "
        "hive_partitioning=true, union_by_name=true) order by doc_id"
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3], str(r[4])) for r in rows] == [
        ("new", 42, ["a"], "junk.loading", "2025-08-02"),
        ("old", None, ["a"], "junk.loading", "2025-08-01"),
    ]


def test_added_column_reads_with_pyarrow_dataset_unification(evolved):
    root, new_schema = evolved
    assert new_schema.metadata[b"wirestrip.schema_version"] == b"1.1.0"
    files = sorted(str(p) for p in root.rglob("*.parquet"))
    unified = pa.unify_schemas([pq.read_schema(f) for f in files])
    assert "word_count" in unified.names
    table = ds.dataset(str(root), schema=unified, format="parquet", partitioning="hive").to_table()
    got = sorted(zip(table["doc_id"].to_pylist(), table["word_count"].to_pylist(), strict=True))
    assert got == [("new", 42), ("old", None)]


def test_incompatible_changes_are_named():
    narrowed = pa.schema([f.with_type(pa.int32()) if f.name == "simhash" else f for f in ARTICLES_SCHEMA if f.name != "title"])
    extra = narrowed.append(pa.field("must", pa.string(), nullable=False))
    assert is_additive_evolution(ARTICLES_SCHEMA, extra) == [
        "column title was removed",
        "column simhash changed type int64 -> int32",
        "new column must is not nullable",
    ]
