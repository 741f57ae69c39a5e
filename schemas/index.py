"""The cross-batch fingerprint index (`--index DIR`): one row per document seen by earlier runs.

Written by every run as a new version `DIR/run_date=D/part-*.parquet` beside `DIR/run_date=D/_params.json`
(the fingerprint settings); see docs/dedup.md. Unsigned 64-bit values are bit-cast to int64.
"""

from __future__ import annotations

import pyarrow as pa
from wirestrip.schemas.fields import UTC_TS, field, versioned_schema

INDEX_SCHEMA_VERSION = "1.1.0"  # 1.1.0: source_pos

INDEX_SCHEMA = versioned_schema(
    [
        field("doc_id", pa.string(), "Document id (as in articles).", nullable=False),
        field("published_at", UTC_TS, "Publication time (UTC), null when unknown."),
        field(
            "content_hash",
            pa.string(),
            "xxh3-128 of the normalised text dedup compares: the clean text, or for a page the segment model cleaned, that text with its removals put back.",
        ),
        field("band_keys", pa.list_(pa.int64()), "LSH keys (main bands and lead windows), xxh3-64 bit-cast to int64."),
        field("signature", pa.list_(pa.int64()), "MinHash signature (num_perm uint32 minima)."),
        field(
            "shingles",
            pa.list_(pa.int64()),
            "Word-shingle hashes in text order, for exact verification: the low 32 bits of each (written before 2026-12-05: the whole uint64 bit-cast to int64, read back as its low 32 bits).",
        ),
        field("size", pa.int32(), "Number of unique shingles."),
        field("simhash", pa.int64(), "64-bit SimHash bit-cast to int64."),
        field("text_chars", pa.int32(), "Length of the clean text in characters (the original rule's third key)."),
        field("names_origin", pa.bool_(), "The copy names the agency as its own origin (dateline, or publisher = origin agency)."),
        field("cluster_id", pa.string(), "Cluster (original's doc_id) as of the run that wrote this version."),
        field("publisher", pa.string(), "Publisher of the document."),
        field("first_seen_run_date", pa.string(), "Run date of the first run that saw this doc_id.", nullable=False),
        field("last_run_date", pa.string(), "Run date of the run that last had this doc_id in its input.", nullable=False),
        field(
            "source_pos",
            pa.string(),
            "Where the dumps held the doc (source URI, locator with zero-padded numbers): the undated original's tie-break.",
        ),
    ],
    table="dedup_index",
    version=INDEX_SCHEMA_VERSION,
)
