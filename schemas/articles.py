"""The `articles` table: one row per input article that was read, parsed and cleaned.

Bump ARTICLES_SCHEMA_VERSION on every change; only add nullable columns so that older
partitions stay readable beside newer ones.
"""

from __future__ import annotations

import pyarrow as pa
from wirestrip.schemas.fields import UTC_TS, field, versioned_schema

# 1.1.0: origin_agency_rule; 1.2.0: removed.score; 1.3.0: authors, published_zone;
# 1.4.0: republished_from, model:<label> rule ids
ARTICLES_SCHEMA_VERSION = "1.4.0"

REMOVED_SPAN = pa.struct(
    [
        field(
            "rule_id",
            pa.string(),
            "What removed the span: a rule id (transforms/clean/rule_data/), learned:<hash> (a line learned from the batch), "
            "or model:<label> (the segment classifier: model:supplemental, model:comment or model:chrome; "
            "model:boilerplate from a model file without a labeller; see score).",
        ),
        field("kind", pa.string(), "Kind of the rule that fired: disclaimer, copyright, junk, social, tag_line, layout..., model."),
        field("text", pa.string(), "The removed text, verbatim."),
        field("position", pa.int32(), "Paragraph index in the parsed body; -1 for layout parts before the body."),
        field("score", pa.float32(), "The segment classifier's boilerplate score of a model removal; null for rules and learned lines."),
    ]
)

ARTICLES_SCHEMA = versioned_schema(
    [
        field(
            "doc_id",
            pa.string(),
            "Stable id: xxh3-128 of the file name relative to the input root, the locator and the raw bytes.",
            nullable=False,
        ),
        field("source_uri", pa.string(), "Path or URI of the file the record came from.", nullable=False),
        field(
            "locator",
            pa.string(),
            "Where in the file: post=N;bytes=S-E (txt), row=N;bytes=S-E (csv), bytes=S-E (jsonl), page=0;bytes=0-E (html), "
            "record=N;offset=O;length=L;warc_date=D or member=C;... (warc.gz, C the compressed member offset), item=N (rss). "
            "Byte offsets are in the decompressed file.",
            nullable=False,
        ),
        field("input_format", pa.string(), "txt, csv, jsonl, html, warc or rss.", nullable=False),
        field("raw_sha", pa.string(), "xxh3-128 hex digest of the raw record bytes.", nullable=False),
        field("url", pa.string(), "Article URL when the input gives one."),
        field("canonical_url", pa.string(), "Canonical URL declared by the page."),
        field("title", pa.string(), "Headline."),
        field("standfirst", pa.string(), "Lead / standfirst paragraph, never repeated in text."),
        field("text", pa.string(), "Clean body paragraphs joined by a blank line; the dateline stays where the story printed it."),
        field("published_at", UTC_TS, "Publication time in UTC; null where the input gives none (never invented)."),
        field(
            "published_tz_assumed",
            pa.bool_(),
            "True when the source time had no zone: it was read in the publisher's zone where known, else --default-tz (published_zone).",
        ),
        field(
            "published_zone",
            pa.string(),
            "IANA zone a zone-less source time was read in (Asia/Kolkata for NDTV); null when the source printed its zone.",
        ),
        field("content_kind", pa.string(), "full, summary (feed item without full text) or caption_only."),
        field("dateline_city", pa.string(), "City of the dateline as printed (Paris, BRUSSELS)."),
        field("byline", pa.list_(pa.string()), 'Credits as printed ("By Jane Doe May 20, 2019", an author field).'),
        field(
            "authors",
            pa.list_(pa.string()),
            "Person names only, from the byline and author fields: no dates, roles, degrees, agencies or placeholders.",
        ),
        field("tags", pa.list_(pa.string()), "Tags split from the tag line or metadata."),
        field("language", pa.string(), "ISO 639-1 language code."),
        field("publisher", pa.string(), "Who published this copy (NDTV, Business Standard, ...)."),
        field("origin_agency", pa.string(), "Originating agency (AFP, Reuters, AP, PTI, ...) where the text shows it; never guessed."),
        field(
            "origin_agency_rule",
            pa.string(),
            "Rule id that decided origin_agency ('dateline' for the story's own dateline); null when origin_agency is null.",
        ),
        field(
            "republished_from",
            pa.string(),
            "The outlet a republish note names as the original ('originally appeared in The New York Times', "
            "'Reprinted with permission from Consortiumnews.com') when it is not a news agency; never an origin_agency.",
        ),
        field("syndicated", pa.bool_(), "The text says it is syndicated / wire copy."),
        field("license", pa.string(), "Licence when stated (CC BY-ND 4.0, all-rights-reserved, ...)."),
        field("removed", pa.list_(REMOVED_SPAN), "Every span stripped from the body: rule id, kind, text and paragraph position."),
        field("content_hash", pa.string(), "xxh3-128 hex digest of the normalised clean text (see docs/normalisation.md)."),
        field(
            "simhash",
            pa.int64(),
            "64-bit SimHash of the text dedup compares (the clean text; for a page the segment model cleaned, with its removals put back), bit-cast to signed int64.",
        ),
        field("cluster_id", pa.string(), "Near-duplicate cluster: the canonical copy's doc_id (as of this run)."),
        field("is_canonical", pa.bool_(), "This copy is its cluster's original (as of this run)."),
        field("duplicate_of", pa.string(), "Canonical doc_id; null on the canonical."),
        field("similarity", pa.float32(), "Jaccard similarity of this copy to the canonical."),
        field("similarity_method", pa.string(), "estimated (signatures) or exact (shingles)."),
        field("containment", pa.float32(), "Share of the shorter text's shingles found in the other."),
        field("cluster_size", pa.int32(), "Copies in the cluster, earlier runs included."),
        field("normalization_version", pa.string(), "Version of the text normalisation behind content_hash."),
        field("run_id", pa.string(), "Run that wrote the row.", nullable=False),
        field("pipeline_version", pa.string(), "wirestrip version that wrote the row.", nullable=False),
        field("rules_version", pa.string(), "Version of the boilerplate rule registry applied.", nullable=False),
        field("ingested_at", UTC_TS, "When the run started (UTC).", nullable=False),
    ],
    table="articles",
    version=ARTICLES_SCHEMA_VERSION,
)
