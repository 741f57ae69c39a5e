"""JSON Lines dumps (`.jsonl`, `.ndjson`): one JSON object per line, as crawlers write them.

Fields are found by name (or mapped with --jsonl-field ROLE=KEY, dotted keys reach nested
objects); a record carrying `html` goes through the HTML path. Locator: `bytes=S-E` (in the
decompressed file; no line number, so that a file read in parallel regions keeps the same ids).
"""

from __future__ import annotations

import json
from typing import BinaryIO

from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.bounded_lines import count_text_lines, damaged_span, iter_lines
from wirestrip.transforms.read.charset import decode_bytes
from wirestrip.transforms.read.csv_dump import parse_fields
from wirestrip.transforms.read.decompress import DecodedStream
from wirestrip.transforms.read.formats import Bad, Capped, Piece, ReaderConfig, Splitter
from wirestrip.transforms.record_types import ParsedArticle, RecordError

# Keys recognised without --jsonl-field, per role (formats.ROLES), in order of preference.
AUTO_FIELDS = {
    "text": ("text", "body", "content", "article", "maintext", "full_text", "article_text"),
    "html": ("html", "raw_html", "content_html", "body_html"),
    "url": ("url", "link", "article_url", "source_url"),
    "title": ("title", "headline"),
    "time": ("published", "published_at", "date_publish", "datePublished", "date", "pubDate", "publish_date", "timestamp"),
    "publisher": ("source", "publisher", "source_domain", "site_name", "site", "domain", "outlet"),
    "id": ("id", "article_id", "doc_id", "guid", "uuid"),
}


def split_jsonl(stream: DecodedStream, cfg: ReaderConfig, end: int | None = None) -> Splitter:
    """Non-blank lines as Pieces; lines over --max-record-bytes, and gzip spans too damaged to
    read, as Bad (never held whole). Past --max-records-per-file, one Capped event counts the
    non-blank lines left (each would be a record) without building them.

    With `end` (a region of a large file), only lines starting before `end` are this region's;
    the stream must start at a line start (the caller skips the previous region's last line).
    """
    meta = {"fields": dict(cfg.jsonl_fields)} if cfg.jsonl_fields else {}
    if cfg.paragraph_separator:
        meta["paragraph_separator"] = cfg.paragraph_separator
    emitted = 0
    for line in iter_lines(stream, cfg.max_record_bytes):
        if end is not None and line.start >= end:
            return
        if line.gap is None and not line.data.strip():
            continue
        locator = f"bytes={line.start}-{line.end}"
        if emitted >= cfg.max_records_per_file:
            rest, error = count_text_lines(stream, end)
            yield Capped(locator, line.data, 1 + rest)  # a non-blank line is a record
            if error is not None:
                raise error
            return
        emitted += 1
        if line.gap is not None:
            yield damaged_span(line, locator)
        elif line.too_long:
            yield Bad(
                locator,
                "record_too_large",
                f"line is {line.end - line.start} bytes, over --max-record-bytes={cfg.max_record_bytes}",
                line.data,
                line.end - line.start,
            )
        else:
            yield Piece(locator, line.data, meta)


def split_jsonl_region(f: BinaryIO, cfg: ReaderConfig, start: int, end: int | None) -> Splitter:
    """The lines of an uncompressed file that start in [start, end), from the raw file `f` (a
    region of a large file read in parallel: lines may be cut anywhere, locators stay the same)."""
    if start:
        f.seek(start - 1)
    stream = DecodedStream(f, cfg.max_decompressed_bytes, detect=False, start=max(start - 1, 0))
    if start:  # the line running into this region belongs to the previous one: skip it, bounded
        while (part := stream.readline(1 << 20)) and not part.endswith(b"\n"):
            pass
    yield from split_jsonl(stream, cfg, end)


def _lookup(obj: dict, key: str):
    value = obj
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "\n\n".join(str(v) for v in value if v is not None)
    return str(value)


def parse_jsonl(record, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """One JSON line -> ParsedArticle (through the HTML path when the object carries HTML)."""
    try:
        obj = json.loads(decode_bytes(record.raw, count=count).text)
    except ValueError as exc:
        raise RecordError("invalid_json", f"not a JSON object: {exc!r}") from None
    if not isinstance(obj, dict):
        raise RecordError("invalid_json", f"a JSON {type(obj).__name__}, not an object")
    explicit = record.meta.get("fields", {})
    fields: dict[str, str] = {}
    for role, names in AUTO_FIELDS.items():
        keys = [explicit[role]] if role in explicit else list(names)
        for key in keys:
            value = _as_text(_lookup(obj, key))
            if value not in (None, ""):
                fields[role] = value
                break
    if record.meta.get("paragraph_separator"):
        fields["paragraph_separator"] = record.meta["paragraph_separator"]
    if "text" not in fields and "html" not in fields:
        raise RecordError("no_text", f"no text or html field among keys {sorted(obj)[:20]}")
    return parse_fields(record, fields, default_tz, count)
