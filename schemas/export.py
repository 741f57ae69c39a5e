"""Exports generated from the pyarrow schemas (the one declaration): BigQuery JSON schemas and a
Markdown data dictionary. `python -m wirestrip.schemas.export` (or `make schemas`) rewrites the committed
copies; a test fails when they drift from the schemas.

    schemas/bigquery/<table>.json     `bq load --schema=schemas/bigquery/articles.json ...`
    docs/data_dictionary.md           every column with its type and meaning
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow as pa
from wirestrip.schemas.articles import ARTICLES_SCHEMA
from wirestrip.schemas.clusters import CLUSTERS_SCHEMA
from wirestrip.schemas.fields import field_doc
from wirestrip.schemas.index import INDEX_SCHEMA
from wirestrip.schemas.rejects import REJECTS_SCHEMA

SCHEMAS = {"articles": ARTICLES_SCHEMA, "rejects": REJECTS_SCHEMA, "clusters": CLUSTERS_SCHEMA, "dedup_index": INDEX_SCHEMA}
ROOT = Path(__file__).resolve().parents[1]
BIGQUERY_DIR = ROOT / "schemas" / "bigquery"
DICTIONARY = ROOT / "docs" / "data_dictionary.md"


class UnsupportedType(TypeError):
    """A pyarrow type with no faithful BigQuery type (e.g. unsigned 64-bit: store it bit-cast to int64)."""


def _bq_scalar(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "STRING"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_signed_integer(t) or t in (pa.uint8(), pa.uint16(), pa.uint32()):
        return "INTEGER"  # BigQuery INTEGER is int64: every signed width and unsigned up to 32 bits fit
    if pa.types.is_floating(t):
        return "FLOAT"
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return "DATETIME"
        return "TIMESTAMP"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "BYTES"
    raise UnsupportedType(f"no BigQuery type for {t}")


def bigquery_field(f: pa.Field) -> dict:
    """One BigQuery schema field (REPEATED for lists, RECORD for structs), description = the field's doc."""
    t, mode = f.type, "NULLABLE" if f.nullable else "REQUIRED"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        inner = bigquery_field(pa.field(f.name, t.value_type, metadata=f.metadata))
        inner["mode"] = "REPEATED"  # BigQuery has no null array: a null list loads as an empty one
        return inner
    out: dict = {"name": f.name, "mode": mode}
    if pa.types.is_struct(t):
        out["type"] = "RECORD"
        out["fields"] = [bigquery_field(t.field(i)) for i in range(t.num_fields)]
    else:
        out["type"] = _bq_scalar(t)
    doc = field_doc(f)
    if doc:
        out["description"] = doc
    return out


def bigquery_schema(schema: pa.Schema) -> list[dict]:
    """The BigQuery JSON schema of a table."""
    return [bigquery_field(f) for f in schema]


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"list<{_type_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ", ".join(t.field(i).name for i in range(t.num_fields)) + ">"
    return str(t)


def _rows(fields, prefix: str = ""):
    for f in fields:
        yield f"{prefix}{f.name}", _type_name(f.type), "yes" if f.nullable else "no", field_doc(f)
        t = f.type.value_type if pa.types.is_list(f.type) else f.type
        if pa.types.is_struct(t):
            yield from _rows([t.field(i) for i in range(t.num_fields)], f"{prefix}{f.name}[].")


def data_dictionary(schemas: dict[str, pa.Schema] = SCHEMAS) -> str:
    """The Markdown data dictionary of every table."""
    lines = [
        "# wirestrip data dictionary",
        "",
        "Generated from `schemas/` by `python -m wirestrip.schemas.export`; do not edit by hand.",
        "Timestamps are UTC. `simhash` is an unsigned 64-bit value bit-cast to int64 (BigQuery and Spark",
        "have no unsigned 64-bit type; Spark reads Parquet UINT_64 as decimal): `x & 0xFFFFFFFFFFFFFFFF`",
        "in Python, `CAST(simhash AS UBIGINT)` in DuckDB gives the unsigned value back.",
    ]
    for table, schema in schemas.items():
        version = schema.metadata[b"wirestrip.schema_version"].decode()
        lines += ["", f"## `{table}` (schema version {version})", "", "| column | type | nullable | meaning |", "|---|---|---|---|"]
        for name, type_name, nullable, doc in _rows(schema):
            doc = doc.replace("|", "\\|")  # a pipe would end the Markdown cell
            lines.append(f"| `{name}` | `{type_name}` | {nullable} | {doc} |")
    return "\n".join(lines) + "\n"


def is_additive_evolution(old: pa.Schema, new: pa.Schema) -> list[str]:
    """Why `new` cannot be read together with partitions written with `old` (empty when it can):
    every old column must keep its name and type, and new columns must be nullable."""
    problems = []
    for f in old:
        if f.name not in new.names:
            problems.append(f"column {f.name} was removed")
        elif not new.field(f.name).type.equals(f.type):
            problems.append(f"column {f.name} changed type {f.type} -> {new.field(f.name).type}")
    problems += [f"new column {f.name} is not nullable" for f in new if f.name not in old.names and not f.nullable]
    return problems


def rendered() -> dict[Path, str]:
    """Every generated file and its content."""
    out = {BIGQUERY_DIR / f"{t}.json": json.dumps(bigquery_schema(s), indent=2) + "\n" for t, s in SCHEMAS.items()}
    out[DICTIONARY] = data_dictionary()
    return out


def main() -> int:
    for path, text in rendered().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
