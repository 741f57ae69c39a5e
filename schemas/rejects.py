"""The `rejects` table: every record that failed at some stage, with the reason and its bytes."""

from __future__ import annotations

import pyarrow as pa
from wirestrip.schemas.fields import UTC_TS, field, versioned_schema

REJECTS_SCHEMA_VERSION = "1.0.0"

REJECTS_SCHEMA = versioned_schema(
    [
        field("doc_id", pa.string(), "Id the record would have had (null when the file itself failed)."),
        field("source_uri", pa.string(), "Path or URI of the file the record came from.", nullable=False),
        field(
            "locator",
            pa.string(),
            "Where in the file (as in articles); 'file' when the whole file failed; 'bytes=S-' for the unreadable rest of a damaged file.",
            nullable=False,
        ),
        field("input_format", pa.string(), "Format the reader assumed."),
        field("stage", pa.string(), "Stage that rejected it: read, decode, parse, clean, fingerprint.", nullable=False),
        field(
            "error_type",
            pa.string(),
            "Short machine-readable reason (empty_file, binary_content, invalid_utf8, no_body, exception...).",
            nullable=False,
        ),
        field(
            "message",
            pa.string(),
            "Human-readable reason; for unexpected errors, repr of the exception and a short traceback.",
            nullable=False,
        ),
        field(
            "raw",
            pa.binary(),
            "The raw bytes, complete unless raw_truncated; null when a reject after cleaning found its file changed or gone (message says so).",
        ),
        field("raw_size", pa.int64(), "Size of the complete raw record in bytes (null with raw when the file changed or is gone)."),
        field("raw_sha", pa.string(), "xxh3-128 hex digest of the complete raw bytes."),
        field("raw_truncated", pa.bool_(), "raw holds only the first --max-reject-raw-bytes bytes."),
        field("run_id", pa.string(), "Run that wrote the row.", nullable=False),
        field("pipeline_version", pa.string(), "wirestrip version that wrote the row.", nullable=False),
        field("ingested_at", UTC_TS, "When the run started (UTC).", nullable=False),
    ],
    table="rejects",
    version=REJECTS_SCHEMA_VERSION,
)
