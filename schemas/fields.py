"""Helpers to declare a documented, versioned pyarrow schema in one place."""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")


def field(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    """A pyarrow field that carries its documentation in its metadata."""
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


def versioned_schema(fields: list[pa.Field], table: str, version: str) -> pa.Schema:
    """Attach the table name and schema version to the Parquet key-value metadata."""
    return pa.schema(fields, metadata={"wirestrip.table": table, "wirestrip.schema_version": version})


def field_doc(f: pa.Field) -> str:
    """The documentation string declared for a field."""
    return (f.metadata or {}).get(b"doc", b"").decode()
