"""WARC / WARC.gz files (CC-NEWS style): HTML responses become articles.

The reader frames records itself (version line, headers, Content-Length bytes, CRLF CRLF) so it
can check each record's length against what follows it: a record whose declared length is a lie
is rejected with its offset and reading resumes at the next `WARC/1.x` line, instead of losing
the rest of the file. The parser reads each record with warcio (HTTP headers, chunked and
content-encoded payloads). warcinfo / request / metadata records, non-200 responses and non-HTML
payloads are skipped (counted, with the reason), not rejected.
Locator: `record=N;offset=O;length=L;warc_date=D` (offsets in the decompressed file; D is the
record's WARC-Date, the crawl time, which is never used as published_at).
"""

from __future__ import annotations

import io
import re

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeadersParser, StatusAndHeadersParserException
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.charset import decode_bytes
from wirestrip.transforms.read.decompress import DecodedStream
from wirestrip.transforms.read.formats import Bad, Piece, ReaderConfig, Skip, Splitter
from wirestrip.transforms.read.html_page import article_from_page, extract_page
from wirestrip.transforms.record_types import ParsedArticle, RecordError

_VERSION = re.compile(rb"^WARC/1\.\d\r?\n$")
_MAX_HEADER_BYTES = 64 << 10  # WARC + HTTP headers of a real record are a few KiB
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TRAILER = b"\r\n\r\n"
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


class _Rewindable:
    """A stream with a pushback buffer, tracking the decompressed offset."""

    def __init__(self, stream: DecodedStream):
        self.stream = stream
        self.back = b""
        self.pos = stream.pos

    def push(self, data: bytes) -> None:
        self.back = data + self.back
        self.pos -= len(data)

    def read(self, n: int) -> bytes:
        out = self.back[:n]
        self.back = self.back[n:]
        if len(out) < n:
            out += self.stream.read(n - len(out))
        self.pos += len(out)
        return out

    def readline(self, limit: int) -> bytes:
        if self.back:
            nl = self.back.find(b"\n", 0, limit)
            if nl >= 0:
                return self.read(nl + 1)
            head = self.read(len(self.back))
            if len(head) >= limit:
                return head
            rest = self.stream.readline(limit - len(head))
            self.pos += len(rest)
            return head + rest
        line = self.stream.readline(limit)
        self.pos += len(line)
        return line


def _resync(src: _Rewindable) -> int:
    """Skip to the next `WARC/1.x` line (left unread); return the number of bytes skipped."""
    skipped = 0
    while True:
        line = src.readline(_MAX_HEADER_BYTES)
        if not line:
            return skipped
        if _VERSION.match(line):
            src.push(line)
            return skipped
        skipped += len(line)


def split_warc(stream: DecodedStream, cfg: ReaderConfig) -> Splitter:
    """WARC records as Pieces (responses worth reading), Skips (the rest) and Bads (broken framing)."""
    src = _Rewindable(stream)
    n = 0
    while True:
        start = src.pos
        line = src.readline(_MAX_HEADER_BYTES)
        if not line:
            return
        if not line.strip():
            continue  # stray blank lines between records
        n += 1
        if not _VERSION.match(line):
            skipped = len(line) + _resync(src)
            yield Bad(
                f"record={n};offset={start};length={skipped}",
                "warc_framing",
                f"expected a WARC/1.x version line at byte {start}, found {line[:60]!r}; {skipped} bytes skipped to the next record",
                line[:4096],
                skipped,
            )
            continue
        head = bytearray(line)
        while True:
            h = src.readline(_MAX_HEADER_BYTES)
            head += h
            if not h or h in (b"\r\n", b"\n") or len(head) > _MAX_HEADER_BYTES:
                break
        try:
            headers = StatusAndHeadersParser(["WARC/1.0", "WARC/1.1"], verify=False).parse(io.BytesIO(bytes(head)))
            length = int(headers.get_header("Content-Length") or "")
        except (StatusAndHeadersParserException, ValueError) as exc:
            skipped = len(head) + _resync(src)
            yield Bad(
                f"record={n};offset={start};length={skipped}",
                "warc_bad_header",
                f"unreadable WARC header: {exc!r}",
                bytes(head[:4096]),
                skipped,
            )
            continue
        if length < 0 or len(head) + length > cfg.max_record_bytes:
            # Too big to hold: skip the block without keeping it; a lying length shows at the trailer.
            left = length
            while left > 0 and (chunk := src.read(min(left, 1 << 20))):
                left -= len(chunk)
            trailer = src.read(4)
            if trailer != _TRAILER:
                src.push(trailer)
                _resync(src)
            yield Bad(
                f"record={n};offset={start};length={src.pos - start}",
                "record_too_large",
                f"WARC record declares {length} bytes, over --max-record-bytes={cfg.max_record_bytes}",
                bytes(head[:4096]),
                src.pos - start,
            )
            continue
        block = src.read(length)
        trailer = src.read(4)
        if len(block) < length or trailer != _TRAILER:
            # The declared length does not end where the record ends: find the next record in what was read.
            rest = block + trailer
            cut = rest.find(b"\nWARC/1.")
            if cut >= 0:
                src.push(rest[cut + 1 :])
            else:
                _resync(src)
            bad_len = src.pos - start
            yield Bad(
                f"record={n};offset={start};length={bad_len}",
                "warc_bad_length",
                f"Content-Length {length} does not match the record: the next record starts {bad_len} bytes after this one's offset",
                bytes(head) + block[:4096],
                bad_len,
            )
            continue
        raw = bytes(head) + block
        locator = f"record={n};offset={start};length={len(raw)}"
        crawled = (headers.get_header("WARC-Date") or "").strip()
        if crawled and ";" not in crawled:
            # The crawl time rides in the locator: it is provenance, not a publication time.
            locator += f";warc_date={crawled}"
        reason = _skip_reason(headers, block)
        if reason:
            yield Skip(locator, reason)
        else:
            yield Piece(locator, raw, {"url": headers.get_header("WARC-Target-URI"), "warc_date": headers.get_header("WARC-Date")})


def _skip_reason(headers, block: bytes) -> str | None:
    """Why a record is not an article (None when it is an HTML 200 response)."""
    rec_type = (headers.get_header("WARC-Type") or "").lower()
    if rec_type != "response":
        return f"warc_type_{rec_type or 'missing'}"
    status_line = block.split(b"\n", 1)[0].strip()
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
        return "not_http_response"
    if parts[1] != b"200":
        return f"http_status_{parts[1][:3].decode('ascii', 'replace')}"
    end = block.find(b"\r\n\r\n")
    head = block[: end if end >= 0 else 8192].lower()
    m = re.search(rb"\ncontent-type:\s*([^\r\n;]+)", head)
    ctype = m.group(1).strip().decode("ascii", "replace") if m else ""
    if ctype and ctype not in _HTML_TYPES:
        return f"not_html_{ctype.split('/')[0]}"
    return None


def parse_warc(record, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """One WARC response record -> ParsedArticle (URL from WARC-Target-URI; payload through the HTML path)."""
    try:
        rec = next(iter(ArchiveIterator(io.BytesIO(record.raw + _TRAILER), check_digests=False)))
        payload = rec.content_stream().read()
    except Exception as exc:  # noqa: BLE001 - warcio raises many types for broken records
        raise RecordError("warc_unreadable", f"cannot read the WARC record: {exc!r}") from None
    ctype = rec.http_headers.get_header("Content-Type") if rec.http_headers else None
    m = _CHARSET.search(ctype or "")
    url = rec.rec_headers.get_header("WARC-Target-URI")
    page = extract_page(decode_bytes(payload, m.group(1) if m else None, count).text if payload else b"", url=url, count=count)
    article = article_from_page(record, page, default_tz)
    article.url = url
    return article
