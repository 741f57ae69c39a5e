"""The `clusters` table: the near-duplicate cluster of every document known to a run (this batch
and, with --index, the cross-batch index), as of that run.

Article rows keep the cluster fields of the run that wrote them; membership can change later (a
late copy with an earlier date becomes the original, a new copy links two clusters). The latest
`clusters` partition is the current answer: join it on doc_id.
"""

from __future__ import annotations

import pyarrow as pa
from wirestrip.schemas.fields import UTC_TS, field, versioned_schema

CLUSTERS_SCHEMA_VERSION = "1.0.0"

CLUSTERS_SCHEMA = versioned_schema(
    [
        field("doc_id", pa.string(), "Document id (as in articles).", nullable=False),
        field("cluster_id", pa.string(), "The cluster's original doc_id, as of this run.", nullable=False),
        field("is_canonical", pa.bool_(), "This document is its cluster's original, as of this run.", nullable=False),
        field("duplicate_of", pa.string(), "The original's doc_id; null on the original."),
        field("similarity", pa.float32(), "Jaccard similarity of the shingle sets to the original (1 on the original)."),
        field("containment", pa.float32(), "Share of the smaller shingle set found in the other, against the original."),
        field("similarity_method", pa.string(), "exact (shingle sets) or estimated (MinHash signatures)."),
        field("cluster_size", pa.int32(), "Documents in the cluster (index documents included).", nullable=False),
        field(
            "content_hash",
            pa.string(),
            "xxh3-128 of the normalised text dedup compares: the articles row's content_hash, except for a page the segment model cleaned (its text with the model's removals put back).",
        ),
        field("published_at", UTC_TS, "Publication time of the document (UTC), null when unknown."),
        field("publisher", pa.string(), "Publisher of the document."),
        field("first_seen_run_date", pa.string(), "Run date (YYYY-MM-DD) of the first run that saw this doc_id."),
        field("in_batch", pa.bool_(), "The document was in this run's input (false: it came from the index).", nullable=False),
        field("run_id", pa.string(), "Run that computed the row.", nullable=False),
    ],
    table="clusters",
    version=CLUSTERS_SCHEMA_VERSION,
)
