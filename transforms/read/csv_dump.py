"""CSV / TSV dumps: one article per row, columns found by name (or mapped by --csv-column).

Rows are read line by line (quoted fields may span lines): a row ends when its quote count is
even. A row whose quote never closes within --max-record-bytes, or that parses to the wrong
number of fields across several lines, is a broken quote: only its first line is rejected and
reading resumes on the next line, so one bad quote cannot swallow the rest of the file.
Locator: `row=N;bytes=S-E` (N counts data rows from 1, the header excluded; bytes in the
decompressed file).
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterator

import wirestrip.transforms.read.charset  # noqa: F401 - registers the wirestrip_cp1252 error handler
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.bounded_lines import Line, count_text_lines, damaged_span, iter_lines
from wirestrip.transforms.read.decompress import DecodedStream
from wirestrip.transforms.read.formats import Bad, Capped, Piece, ReaderConfig, Splitter, split_paragraphs, strip_compression_suffix
from wirestrip.transforms.read.text_decode import wide_encoding
from wirestrip.transforms.read.timestamps import parse_timestamp
from wirestrip.transforms.record_types import ParsedArticle, RecordError

# Column names recognised without --csv-column, per role (formats.ROLES), in order of preference (lower-case).
AUTO_COLUMNS = {
    "text": ("text", "body", "content", "article", "article_text", "full_text", "story", "maintext"),
    "html": ("html", "raw_html", "content_html", "body_html"),
    "id": ("id", "article_id", "doc_id", "guid", "uuid"),
    "publisher": ("publisher", "source", "source_name", "site", "site_name", "outlet", "domain", "newspaper"),
    "url": ("url", "link", "article_url", "source_url", "permalink"),
    "title": ("title", "headline", "heading"),
    # scrape_time / crawl date are deliberately absent: a crawl time is not a publication time.
    "time": ("published", "published_at", "publish_date", "pubdate", "date_published", "date", "datetime", "time", "timestamp"),
}
_SURROGATE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape


def map_columns(header: list[str], explicit: dict[str, str]) -> dict[str, int]:
    """Role -> column index. Explicit names must exist; the rest are matched case-insensitively."""
    lower = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    out: dict[str, int] = {}
    for role, name in explicit.items():
        idx = lower.get(name.strip().lower())
        if idx is None:
            raise RecordError("csv_missing_column", f"--csv-column {role}={name}: no such column in header {header!r}")
        out[role] = idx
    for role, names in AUTO_COLUMNS.items():
        if role not in out:
            idx = next((lower[n] for n in names if n in lower), None)
            if idx is not None:
                out[role] = idx
    return out


def sniff_delimiter(first_line: bytes, name: str) -> str:
    """Tab for .tsv/.tab files; otherwise the most frequent of tab, comma, semicolon, pipe in the header."""
    if strip_compression_suffix(name.lower()).endswith((".tsv", ".tab")):
        return "\t"
    counts = {d: first_line.count(d.encode()) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode_line(data: bytes) -> str:
    # surrogateescape keeps stray bytes for decode_bytes to repair field by field.
    return data.decode("utf-8", errors="surrogateescape")


def _parse_row(text: str, delimiter: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    if len(rows) != 1:
        raise csv.Error(f"expected one row, found {len(rows)}")
    return rows[0]


def _field(value: str, count: Count) -> str:
    """A field with bytes that were not UTF-8: the file is UTF-8 (its header and other rows parse),
    so the stray bytes are the usual Windows-1252 leftovers of a mixed dump (counted)."""
    if _SURROGATE.search(value):
        count("decode.cp1252_repaired_bytes", len(_SURROGATE.findall(value)))
        return value.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="wirestrip_cp1252")
    return value


def split_csv(stream: DecodedStream, name: str, cfg: ReaderConfig, count: Count = no_count) -> Splitter:
    """Rows of a CSV/TSV stream as Pieces (meta: role -> value), broken rows and damaged gzip spans
    as Bad; repaired stray bytes are counted in `count`. Past --max-records-per-file, one Capped
    event counts the non-blank lines left (a quoted field spanning lines counts each line)."""
    # The csv module refuses fields over 128 KiB by default; our bound is --max-record-bytes
    # (a process-wide setting, only ever raised, so concurrent readers cannot lower each other's).
    csv.field_size_limit(max(csv.field_size_limit(), cfg.max_record_bytes))
    lines: Iterator[Line] = iter_lines(stream, cfg.max_record_bytes)
    pushed: deque[Line] = deque()

    def next_line() -> Line | None:
        if pushed:
            return pushed.popleft()
        return next(lines, None)

    header_line = next_line()
    while header_line is not None and header_line.gap is None and not header_line.data.strip():
        header_line = next_line()
    if header_line is None:
        raise RecordError("empty", "CSV file has no header row")
    if header_line.gap is not None:  # no header to map the rows after the damage with
        raise RecordError("corrupt_input", f"{header_line.gap.message}, before the header row: the file cannot be read")
    wide = wide_encoding(header_line.data)
    if wide:  # its NUL bytes would make every column name unreadable: say why instead of "no text column"
        raise RecordError(
            "unsupported_encoding", f"the CSV file is {wide} text: this reader takes UTF-8; re-encode it (iconv -f {wide} -t UTF-8)"
        )
    if header_line.too_long:
        raise RecordError("csv_bad_header", f"header line is over --max-record-bytes={cfg.max_record_bytes}")
    delimiter = cfg.csv_delimiter or sniff_delimiter(header_line.data, name)
    try:
        header = _parse_row(_decode_line(header_line.data), delimiter)
    except csv.Error as exc:
        raise RecordError("csv_bad_header", f"cannot parse the header: {exc!r}") from None
    columns = map_columns(header, dict(cfg.csv_columns))
    if "text" not in columns and "html" not in columns:
        raise RecordError("csv_no_text_column", f"no text column in header {header!r}; name one with --csv-column text=NAME")
    row_no = 0
    while (first := next_line()) is not None:
        if first.gap is None and not first.data.strip():
            continue
        if row_no >= cfg.max_records_per_file:
            rest = sum(1 for ln in pushed if ln.gap is None and ln.data.strip())
            counted, error = count_text_lines(stream)
            yield Capped(f"row={row_no + 1};bytes={first.start}-{first.end}", first.data, 1 + rest + counted, "non-blank lines")
            if error is not None:
                raise error
            return
        row_no += 1
        if first.gap is not None:
            yield damaged_span(first, f"row={row_no};bytes={first.start}-{first.end}")
            continue
        if first.too_long:
            yield Bad(
                f"row={row_no};bytes={first.start}-{first.end}",
                "record_too_large",
                f"line is {first.end - first.start} bytes, over --max-record-bytes={cfg.max_record_bytes}",
                first.data,
                first.end - first.start,
            )
            continue
        group = [first]
        quotes = first.data.count(b'"')
        size = len(first.data)
        while quotes % 2 and size <= cfg.max_record_bytes:
            nxt = next_line()
            if nxt is None or nxt.too_long or nxt.gap is not None:
                if nxt is not None:
                    pushed.appendleft(nxt)
                break
            group.append(nxt)
            quotes += nxt.data.count(b'"')
            size += len(nxt.data)
        raw = b"".join(ln.data for ln in group)
        locator = f"row={row_no};bytes={group[0].start}-{group[-1].end}"
        problem = None
        if quotes % 2:
            problem = ("csv_broken_quote", "a quoted field never closes")
        else:
            try:
                values = _parse_row(_decode_line(raw), delimiter)
            except csv.Error as exc:
                problem = ("csv_broken_quote" if len(group) > 1 else "csv_bad_row", f"cannot parse the row: {exc!r}")
            else:
                if len(values) != len(header):
                    problem = ("csv_field_count", f"{len(values)} fields where the header has {len(header)}")
        if problem is None:
            meta = {role: _field(values[i], count) for role, i in columns.items()}
            if cfg.paragraph_separator:
                meta["paragraph_separator"] = cfg.paragraph_separator
            yield Piece(locator, raw, meta)
            continue
        if len(group) > 1:
            # Reject only the line that opened the bad quote; the lines after it are read again.
            pushed.extendleft(reversed(group[1:]))
            locator = f"row={row_no};bytes={first.start}-{first.end}"
            raw = first.data
            problem = ("csv_broken_quote", problem[1] + " (the row's first line is rejected, reading resumes on the next line)")
        yield Bad(locator, problem[0], problem[1], raw, len(raw))


def parse_csv_row(record, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """A CSV row (its reader put the mapped columns in `meta`) -> ParsedArticle."""
    return parse_fields(record, dict(record.meta), default_tz, count)


def parse_fields(record, fields: dict[str, str], default_tz: str, count: Count = no_count) -> ParsedArticle:
    """Mapped fields (text or html, title, url, time, publisher) -> ParsedArticle; shared by CSV and JSONL."""
    from wirestrip.transforms.read.html_page import parse_html_text

    text = (fields.get("text") or "").strip()
    html = (fields.get("html") or "").strip()
    if html:  # a record carrying HTML goes through the HTML path; its own fields override the page's
        article = parse_html_text(record, html, default_tz, url=(fields.get("url") or "").strip() or None, count=count)
    else:
        if not text:
            raise RecordError("no_text", "the record's text field is empty")
        article = ParsedArticle(record=record, paragraphs=split_paragraphs(text, fields.get("paragraph_separator")))
    title = (fields.get("title") or "").strip()
    if title:
        article.title = " ".join(title.split())
    if fields.get("url"):
        article.url = fields["url"].strip()
    if fields.get("publisher"):
        article.publisher = fields["publisher"].strip()
    stamp = parse_timestamp(fields["time"], default_tz, count=count) if fields.get("time") else None
    if stamp is not None:
        article.published_at, article.published_tz_assumed = stamp
    if not article.paragraphs:
        raise RecordError("no_body", "the record has no body text")
    return article
