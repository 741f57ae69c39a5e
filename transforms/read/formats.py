"""What every reader shares: the events a format splitter yields, the record type that carries a
reader's per-format hints to its parser, reader options, and the roles of a record's fields.
Which formats exist, and how a file's format is detected: `registry`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from wirestrip.transforms.record_types import RawRecord

# What a CSV column (--csv-column) or a JSON key (--jsonl-field) can be mapped to: the fields a
# text dump carries for an article, one list for both readers (and for the option check).
ROLES = ("text", "html", "id", "publisher", "url", "title", "time")
_COMPRESSION_SUFFIX = re.compile(r"\.(?:gz|gzip|bz2|zst|zstd)$", re.IGNORECASE)


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


@dataclass(frozen=True)
class Capped:
    """The first record past --max-records-per-file (its locator and raw bytes, kept for the reject
    row) and how many records, it included, the rest of the file holds: counted, never read."""

    locator: str
    raw: bytes | None
    count: int
    how: str = "records"  # what `count` counts, for the message ("non-blank lines" where rows are not cut)


Event = Piece | Bad | Skip | Capped
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
    follow_symlinks: bool = False  # read a link in the dump whose target is outside the input root
    # Records (and read-stage rejects) one file may become; the rest is counted, not read. 1M: the
    # per-file dumps we read hold far fewer (a CC-NEWS WARC ~40k, a day's JSONL shard ~100k), and a
    # 256 KB gzip of tiny lines that expands to 2M records is stopped before it costs gigabytes.
    max_records_per_file: int = 1_000_000


def strip_compression_suffix(name: str) -> str:
    """'a/b.jsonl.gz' -> 'a/b.jsonl'."""
    return _COMPRESSION_SUFFIX.sub("", name)


def looks_binary(head: bytes) -> bool:
    """NUL bytes or many C0 controls in the first bytes: no text reader accepts this."""
    sample = head[:8192]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return controls / len(sample) > 0.10  # text carries almost no C0 controls


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
