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
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
_LENGTH = re.compile(r"-?[0-9]+")
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


@dataclass
class _Skipped:
    """What reading past an over-limit block found."""

    honest: bool  # the declared length ended exactly at a record trailer: the block was one record
    dropped: list[int] = field(default_factory=list)  # record starts seen in the block, each over the bound before the next


def _skip_block(src: _Rewindable, length: int, cap: int) -> _Skipped:
    """Read past a declared block of `length` bytes that is too big to hold, line by line.

    An honest length ends at the record trailer (CRLF CRLF): the block is skipped whole, whatever
    WARC-looking lines its payload holds. A lying one (the file ends first, or no trailer where the
    block ends) may have run over later records: reading must resume at the first `WARC/1.x` line
    seen in the block (as for a lying length under the bound). The bytes from that line on are kept,
    at most `cap` of them; when a record start is more than `cap` bytes from the next, its offset is
    listed in `dropped` (its reject) and the bytes are let go. On return, a lying block's bytes from
    the resume point are pushed back into `src` (or `src` is resynchronised past the block).
    """
    left = length
    at_line_start = True  # the block follows the header's blank line
    line_so_far: bytes | None = b""  # the current line while it is short enough to be a version line
    kept: bytearray | None = None
    kept_at = 0
    later: list[int] = []  # record starts inside `kept` after the first
    dropped: list[int] = []
    while left > 0:
        line = src.readline(min(left, 1 << 20))
        if not line:
            break
        left -= len(line)
        if at_line_start and _VERSION.match(line):
            if kept is None:
                kept, kept_at = bytearray(), src.pos - len(line)
            else:
                later.append(src.pos - len(line))
        if at_line_start or line_so_far is not None:
            line_so_far = (b"" if at_line_start else line_so_far) + line
            line_so_far = line_so_far if len(line_so_far) <= 16 else None  # too long to be a version line
        at_line_start = line.endswith(b"\n")
        if kept is not None:
            kept += line
            while kept is not None and len(kept) > cap:
                dropped.append(kept_at)
                if later:
                    nxt = later.pop(0)
                    del kept[: nxt - kept_at]
                    kept_at = nxt
                else:
                    kept = None
    trailer = src.read(4) if left == 0 else b""
    if left == 0 and trailer == _TRAILER:
        return _Skipped(True)
    src.push(trailer)
    if kept is not None:
        src.push(bytes(kept))  # the block's last bytes, from the first record start still held
    else:
        if not at_line_start and line_so_far:
            src.push(line_so_far)  # the block may end inside the next record's version line
        _resync(src)
    return _Skipped(False, dropped)


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
            declared = (headers.get_header("Content-Length") or "").strip()
            if not _LENGTH.fullmatch(declared):  # int() would also take '+5', '5_000', ' 5'
                raise ValueError(f"Content-Length {declared[:40]!r} is not a number of bytes")
            length = int(declared)
            if length < 0:
                raise ValueError(f"Content-Length {length} is negative: not a length")
        except (StatusAndHeadersParserException, ValueError) as exc:
            skipped = len(head) + _resync(src)
            why = str(exc) if isinstance(exc, ValueError) else repr(exc)
            yield Bad(
                f"record={n};offset={start};length={skipped}",
                "warc_bad_header",
                f"unreadable WARC header: {why}; {skipped} bytes skipped to the next record",
                bytes(head[:4096]),
                skipped,
            )
            continue
        if len(head) + length > cfg.max_record_bytes:
            # Too big to hold: read past the block keeping only what a lying length would need.
            skip = _skip_block(src, length, cfg.max_record_bytes)
            if skip.honest:
                yield Bad(
                    f"record={n};offset={start};length={src.pos - start}",
                    "record_too_large",
                    f"WARC record declares {length} bytes, over --max-record-bytes={cfg.max_record_bytes}",
                    bytes(head[:4096]),
                    src.pos - start,
                )
                continue
            resume = src.pos  # the next record starts here (or the file ends)
            ends = [*skip.dropped[1:], resume] if skip.dropped else []
            first_end = skip.dropped[0] if skip.dropped else resume
            yield Bad(
                f"record={n};offset={start};length={first_end - start}",
                "warc_bad_length",
                f"Content-Length {length} (over --max-record-bytes={cfg.max_record_bytes}) does not match the record: "
                f"the next record starts {first_end - start} bytes after this one's offset; reading resumes there",
                bytes(head[:4096]),
                first_end - start,
            )
            claimer = n
            for off, end in zip(skip.dropped, ends, strict=True):
                # Record starts inside the lying block, each over the bound before the next: rejected, not lost.
                n += 1
                yield Bad(
                    f"record={n};offset={off};length={end - off}",
                    "record_too_large",
                    f"WARC record at byte {off} (inside the block record {claimer} claimed) runs {end - off} "
                    f"bytes to the next record, over --max-record-bytes={cfg.max_record_bytes}",
                    None,
                    end - off,
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
    article = article_from_page(record, page, default_tz, count, reference=_crawl_time(rec.rec_headers.get_header("WARC-Date")))
    article.url = url
    return article


def _crawl_time(value: str | None) -> datetime | None:
    """The record's WARC-Date (the crawl time, ISO 8601 UTC): what relative dates ("19 min ago") are
    read against and what no publication date may follow. None when absent or unreadable."""
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return stamp if stamp is None or stamp.tzinfo else stamp.replace(tzinfo=UTC)
