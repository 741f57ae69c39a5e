"""WARC.gz files written one gzip member per record (the WARC standard's recommendation, and how
CC-NEWS is written) are read member by member: each record's locator names the compressed offset
of its member (`member=C;...`, the offset a CDX index gives), so a large file can be cut into
byte regions read in parallel, and one record can be re-read by seeking to its member.
A file gzipped as one stream is read by the streaming WARC reader instead.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import xxhash
from wirestrip.transforms.read.decompress import DecodedStream
from wirestrip.transforms.read.formats import Bad, Event, Piece, ReaderConfig, Skip
from wirestrip.transforms.read.warc import split_warc

_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 16  # compressed bytes per read
_OUT_CAP = 1 << 18  # decompressed bytes per zlib call: a bomb member is cut off within one call


@dataclass(frozen=True)
class Member:
    """One gzip member: its compressed [offset, offset+length) and its data (None when unusable)."""

    offset: int
    length: int
    data: bytes | None
    error: str | None = None  # truncated_input, corrupt_input, record_too_large
    message: str = ""


def iter_members(f: BinaryIO, start: int, end: int | None, max_bytes: int, scan: bool) -> Iterator[Member]:
    """Members starting in [start, end). With `scan`, the first one is searched for (a region
    start falls anywhere): a gzip header whose data starts with `WARC/`."""
    f.seek(start)
    pos, buf = start, b""
    eof = False

    def more() -> bool:
        nonlocal buf, eof
        chunk = f.read(_CHUNK)
        if not chunk:
            eof = True
            return False
        buf += chunk
        return True

    while end is None or pos < end:
        while len(buf) < 3 and not eof and more():
            pass
        if not buf:
            return
        if not buf.startswith(_MAGIC):
            if not scan:
                yield Member(pos, len(buf), None, "corrupt_input", f"no gzip member header at byte {pos}")
                return
            at = buf.find(_MAGIC, 1)
            while at < 0 and not eof:
                keep = len(buf) - 2
                pos, buf = pos + keep, buf[keep:]
                if end is not None and pos >= end:
                    return
                more()
                at = buf.find(_MAGIC)
            if at < 0:
                return
            pos, buf = pos + at, buf[at:]
            continue
        member, buf, eof = _one_member(f, pos, buf, eof, max_bytes)
        if scan:
            if member.data is None or not member.data.startswith(b"WARC/"):
                pos += 1  # the magic bytes were not a record's member: search on from the next byte
                f.seek(pos)
                buf, eof = b"", False
                continue
            scan = False
        yield member
        if member.error == "truncated_input":
            return
        if member.error == "corrupt_input":  # resume at the next member that holds a WARC record
            pos += 1
            f.seek(pos)
            buf, eof, scan = b"", False, True
            continue
        pos += member.length


def _one_member(f: BinaryIO, pos: int, buf: bytes, eof: bool, max_bytes: int) -> tuple[Member, bytes, bool]:
    """Decompress the member at `pos` (buf holds the file from there); return it and the bytes after it."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out: list[bytes] = []
    size = fed = 0
    data = buf
    while True:
        try:
            piece = d.decompress(data, _OUT_CAP)
        except zlib.error as exc:
            return Member(pos, fed + len(data), None, "corrupt_input", f"gzip member at byte {pos} is corrupt: {exc!r}"), b"", True
        size += len(piece)
        if size <= max_bytes:
            out.append(piece)
        if d.eof:
            rest = d.unused_data
            fed += len(data) - len(rest)
            if size > max_bytes:
                return (
                    Member(
                        pos, fed, None, "record_too_large", f"gzip member decompresses to {size} bytes, over --max-record-bytes={max_bytes}"
                    ),
                    rest,
                    eof,
                )
            return Member(pos, fed, b"".join(out)), rest, eof
        tail = d.unconsumed_tail
        fed += len(data) - len(tail)
        if tail:
            data = tail
            continue
        chunk = b"" if eof else f.read(_CHUNK)
        if not chunk:
            return Member(pos, fed, None, "truncated_input", f"gzip member at byte {pos} ends before its end marker"), b"", True
        data = chunk


def is_member_per_record(f: BinaryIO, max_bytes: int) -> bool:
    """True when the file's first gzip member holds exactly one WARC record (member mode applies);
    a WARC gzipped as one stream has every record (or more than max_bytes) in its first member."""
    first = next(iter_members(f, 0, None, max_bytes, scan=False), None)
    return first is not None and first.data is not None and first.data.startswith(b"WARC/") and b"\r\n\r\nWARC/1." not in first.data


def split_warc_members(f: BinaryIO, cfg: ReaderConfig, start: int = 0, end: int | None = None) -> Iterator[Event]:
    """Events of the WARC records in the members starting in [start, end), locators prefixed `member=C;`."""
    for m in iter_members(f, start, end, cfg.max_record_bytes, scan=start > 0):
        prefix = f"member={m.offset};"
        if m.data is None:
            yield Bad(prefix + f"member_length={m.length}", m.error or "corrupt_input", m.message, None, m.length)
            continue
        for ev in split_warc(DecodedStream(io.BytesIO(m.data), cfg.max_decompressed_bytes, detect=False), cfg):
            if isinstance(ev, Piece):
                yield Piece(prefix + ev.locator, ev.raw, ev.meta)
            elif isinstance(ev, Skip):
                yield Skip(prefix + ev.locator, ev.reason)
            else:
                yield Bad(prefix + ev.locator, ev.error_type, ev.message, ev.raw, ev.raw_size)


class HashingReader:
    """A file hashed as it is read (the manifest's xxh3-128 of the whole file): every byte is
    hashed once, in order, whatever seeks the reader makes; `drain()` hashes the unread rest."""

    def __init__(self, f: BinaryIO):
        self._f = f
        self._digest = xxhash.xxh3_128()
        self._pos = 0
        self._hashed = 0  # bytes [0, _hashed) are in the digest

    def read(self, n: int = -1) -> bytes:
        chunk = self._f.read(n)
        end = self._pos + len(chunk)
        if end > self._hashed and self._pos <= self._hashed:
            self._digest.update(chunk[self._hashed - self._pos :])
            self._hashed = end
        elif self._pos > self._hashed:  # a forward jump: hash the skipped bytes first
            self._f.seek(self._hashed)
            while self._hashed < self._pos:
                gap = self._f.read(min(_CHUNK, self._pos - self._hashed))
                if not gap:
                    break
                self._digest.update(gap)
                self._hashed += len(gap)
            self._f.seek(end)
            self._digest.update(chunk)
            self._hashed = end
        self._pos = end
        return chunk

    def seek(self, offset: int) -> None:
        self._f.seek(offset)
        self._pos = offset

    def drain(self) -> tuple[int, str]:
        self.seek(self._hashed)
        while self.read(_CHUNK):
            pass
        return self._hashed, self._digest.hexdigest()


def read_member(f: BinaryIO, offset: int, max_bytes: int) -> bytes:
    """The decompressed data of the member at `offset` (for re-reading one record)."""
    m = next(iter_members(f, offset, None, max_bytes, scan=False), None)
    if m is None or m.data is None:
        raise ValueError(f"no readable gzip member at byte {offset}: {m.message if m else 'end of file'}")
    return m.data
