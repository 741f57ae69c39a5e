"""What every reader shares: the events a format splitter yields, the record type that carries a
reader's per-format hints to its parser, reader options, and format detection by content."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from wirestrip.transforms.record_types import RawRecord

FORMATS = ("txt", "csv", "jsonl", "html", "warc", "rss")
_COMPRESSION_SUFFIX = re.compile(r"\.(?:gz|gzip|bz2|zst|zstd)$", re.IGNORECASE)
_EXTENSIONS = {
    ".txt": "txt",
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".warc": "warc",
    ".rss": "rss",
    ".atom": "rss",
    ".xml": "rss",
}
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE | re.DOTALL)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)


@dataclass
class FormatRecord(RawRecord):
    """A raw record plus small per-format hints from its reader (CSV header fields, WARC URL...)."""

    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Piece:
    """One record's raw bytes as found, its locator and the reader's hints."""

    locator: str
    raw: bytes
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Bad:
    """Bytes a reader could not turn into a record: they go to rejects with the reason."""

    locator: str
    error_type: str
    message: str
    raw: bytes | None
    raw_size: int | None = None


@dataclass(frozen=True)
class Skip:
    """A record deliberately not read as an article (a WARC request record, a 404): counted as skipped."""

    locator: str
    reason: str


Event = Piece | Bad | Skip
Splitter = Iterator[Event]


@dataclass(frozen=True)
class ReaderConfig:
    """Reader options (all plain data: pickled to workers)."""

    input_format: str = "auto"
    max_file_bytes: int = 256 << 20
    max_record_bytes: int = 8 << 20
    max_decompressed_bytes: int = 16 << 30
    csv_columns: tuple[tuple[str, str], ...] = ()  # (role, column name) pairs from --csv-column
    csv_delimiter: str | None = None
    paragraph_separator: str | None = None  # None: auto-detect per record
    jsonl_fields: tuple[tuple[str, str], ...] = ()  # (role, JSON key) pairs from --jsonl-field
    split_bytes: int = 64 << 20  # uncompressed JSONL files over this are read as regions in parallel


def strip_compression_suffix(name: str) -> str:
    """'a/b.jsonl.gz' -> 'a/b.jsonl'."""
    return _COMPRESSION_SUFFIX.sub("", name)


def format_from_name(name: str) -> str | None:
    """Format implied by a file's extension (after any compression suffix), if any."""
    base = strip_compression_suffix(name.rsplit("/", 1)[-1]).lower()
    dot = base.rfind(".")
    return _EXTENSIONS.get(base[dot:]) if dot >= 0 else None


def format_from_content(head: bytes) -> str | None:
    """Format recognised from the first (decompressed) bytes, for unambiguous signatures only."""
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if h.startswith(b"WARC/"):
        return "warc"
    if h.startswith(b"<?xml") or h.startswith(b"<rss") or h.startswith(b"<feed"):
        if _FEED_ROOT.search(h[:4096]):
            return "rss"
        if _HTML_START.match(re.sub(rb"^<\?xml[^>]*>", b"", h, count=1)):
            return "html"
        return None
    if _HTML_START.match(h):
        return "html"
    return None


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many C0 controls in the first bytes: no text reader accepts this."""
    sample = head[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / len(sample) > 0.10  # text carries almost no C0 controls


def detect_format(name: str, head: bytes) -> str | None:
    """The reader for a file: its content's signature first, then its extension, then content
    shape (a first line that is a JSON object -> jsonl); plain text falls back to txt. None when
    the bytes are binary and no reader accepts them."""
    by_content = format_from_content(head)
    if by_content:
        return by_content
    if head.startswith(b"filedesc://"):
        return None  # the legacy ARC format: no reader (convert with `warcio recompress` / arc2warc)
    by_name = format_from_name(name)
    if by_name:
        return by_name  # a binary file named .txt is that reader's to reject, with its reason
    if looks_binary(head):
        return None
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].rstrip()
    if first.startswith(b"{") and first.endswith(b"}"):
        return "jsonl"
    if first.startswith((b"{", b"[")):
        return None  # a JSON document (array, pretty-printed object), not lines: convert to JSON Lines
    return "txt"


def parse_locator(locator: str) -> dict[str, str]:
    """'row=3;bytes=10-20' -> {'row': '3', 'bytes': '10-20'}."""
    out = {}
    for part in locator.split(";"):
        key, _, value = part.partition("=")
        out[key] = value
    return out


def split_paragraphs(text: str, separator: str | None) -> list[str]:
    """Paragraphs of a text field: the given separator, else the first of ' ### ', '|||', a blank
    line, a newline that the text contains (dump writers join paragraphs with one of these)."""
    if separator is None:
        for sep in ("###", "|||", "\n\n", "\n"):
            if sep in text:
                separator = sep
                break
    parts = text.split(separator) if separator else [text]
    return [" ".join(p.split()) for p in parts if p.strip()]
