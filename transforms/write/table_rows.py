"""Turning stage outputs into rows of the output tables (plain dicts, as WriteToParquet wants)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from wirestrip.transforms.clean.redact import redact_bytes, redact_text
from wirestrip.transforms.hashing import raw_sha, text_hash
from wirestrip.transforms.normalize import NORMALIZATION_VERSION, normalise
from wirestrip.transforms.read.authors import authors_from
from wirestrip.transforms.read.publishers import publisher_name
from wirestrip.transforms.read.zones import rezone, zone_for
from wirestrip.transforms.record_types import ROW_TEXT_BEFORE_MODEL, CleanArticle, Reject


@dataclass(frozen=True)
class RunContext:
    """Lineage stamped on every row of one run."""

    run_id: str
    pipeline_version: str
    rules_version: str
    ingested_at: datetime
    max_reject_raw_bytes: int
    redact_removed: bool = False  # --redact-removed: mask e-mail addresses and phone numbers in rejects too
    default_tz: str = "UTC"  # --default-tz: the zone readers read zone-less times in


def utf8_safe(text: str | None) -> str | None:
    """`text` as valid UTF-8. POSIX file names may hold bytes that are not UTF-8, which Python keeps
    as lone surrogates; Beam's coders and Parquet reject those (one such name failed the whole
    run), so they are shown as \\xNN escapes instead."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that did not come from a file name
            return text.encode("utf-8", "backslashreplace").decode("utf-8")


def content_hash(text: str) -> str:
    """xxh3-128 of the normalised clean text: equal for exact duplicates up to typography, spacing and case."""
    return text_hash(normalise(text))


def article_row(clean: CleanArticle, ctx: RunContext) -> dict:
    """One `articles` row. Cluster fields stay null until the dedup stage fills them."""
    parsed, rec = clean.parsed, clean.parsed.record
    text = clean.text
    publisher = publisher_name(clean.publisher, parsed.canonical_url or parsed.url)
    published_at, zone = parsed.published_at, None
    if published_at is not None and parsed.published_tz_assumed:
        # Printed without a zone: the publisher's own zone where it can be known (docs/metadata.md).
        zone = zone_for(publisher, parsed.canonical_url or parsed.url) or ctx.default_tz
        published_at = rezone(published_at, ctx.default_tz, zone)
        zone = zone if published_at is not None else None
    return {
        "doc_id": rec.doc_id,
        "source_uri": utf8_safe(rec.source_uri),
        "locator": rec.locator,
        "input_format": rec.input_format,
        "raw_sha": rec.raw_sha,
        "url": parsed.url,
        "canonical_url": parsed.canonical_url,
        "title": clean.title or parsed.title,
        "standfirst": parsed.standfirst,
        "text": text,
        "published_at": published_at,
        "published_tz_assumed": parsed.published_tz_assumed if published_at is not None else None,
        "published_zone": zone,
        "content_kind": parsed.content_kind,
        "dateline_city": clean.dateline_city or parsed.dateline_city,
        "byline": list(clean.byline or parsed.byline),
        "authors": list(parsed.authors or authors_from(clean.byline or parsed.byline)),
        "tags": list(clean.tags),
        "language": parsed.language,
        "publisher": publisher,
        "origin_agency": clean.origin_agency,
        "origin_agency_rule": clean.origin_agency_rule,
        "republished_from": clean.republished_from,
        "syndicated": clean.syndicated,
        "license": clean.license,
        "removed": [r.as_row() for r in clean.removed],
        "content_hash": content_hash(text),
        "normalization_version": NORMALIZATION_VERSION,
        "run_id": ctx.run_id,
        "pipeline_version": ctx.pipeline_version,
        "rules_version": ctx.rules_version,
        "ingested_at": ctx.ingested_at,
        # Not a column: what dedup compares for a page the segment model cleaned (dedup drops it before
        # its join of the rows; the Parquet writers keep only the schema's columns).
        **({ROW_TEXT_BEFORE_MODEL: clean.text_before_model} if clean.text_before_model is not None else {}),
    }


def reject_row(rej: Reject, ctx: RunContext) -> dict:
    """One `rejects` row; raw bytes beyond --max-reject-raw-bytes are cut, their full hash and size kept."""
    raw = rej.raw
    message = rej.message
    sha = rej.raw_sha or (raw_sha(raw) if raw is not None else None)  # of the bytes as read, before any masking
    if ctx.redact_removed:  # masks keep the length, so raw_size and truncation still describe the input
        raw = redact_bytes(raw) if raw is not None else None
        message = redact_text(message)
    truncated = raw is not None and len(raw) > ctx.max_reject_raw_bytes
    return {
        "doc_id": rej.doc_id,
        "source_uri": utf8_safe(rej.source_uri),
        "locator": rej.locator,
        "input_format": rej.input_format,
        "stage": rej.stage,
        "error_type": rej.error_type,
        "message": utf8_safe(message),
        "raw": raw[: ctx.max_reject_raw_bytes] if raw is not None else None,
        "raw_size": rej.raw_size if rej.raw_size is not None else (len(raw) if raw is not None else None),
        "raw_sha": sha,
        "raw_truncated": truncated or (rej.raw_size is not None and raw is not None and rej.raw_size > len(raw)),
        "run_id": ctx.run_id,
        "pipeline_version": ctx.pipeline_version,
        "ingested_at": ctx.ingested_at,
    }
