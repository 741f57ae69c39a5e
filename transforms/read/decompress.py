"""Bounded, streaming decompression of input files, with the codec detected by magic bytes.

A file named `.gz` that is plain text reads as plain text, and a gzip file without the suffix is
still decompressed: the first bytes decide. Every codec is run incrementally with an output cap
per call, so a decompression bomb costs at most `max_bytes` of work and never that much memory.
A stream that ends before its end-of-stream marker raises `TruncatedInput` after everything that
was readable has been delivered, so readers keep complete records and reject the rest.

A damaged gzip member (`cat a.gz b.gz` and block-gzip writers store many) can be stepped over:
with `resume_gzip()` the stream looks for the next member that decodes and goes on from there,
noting the damaged span as a `Gap` (zero bytes wide in decompressed offsets) that `readline`
never reads across; the line readers turn each gap into a reject. Offsets after a gap count the
bytes actually recovered, so `locate` (which reads the same way) finds records after it again.
"""

from __future__ import annotations

import bz2
import zlib
from collections import deque
from dataclasses import dataclass
from typing import BinaryIO

import xxhash
import zstandard

GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 16  # raw bytes per read: one object-store request worth, small enough to bound one codec call
_ZSTD_SLICE = 512  # see _Zstd.feed
_OUT_CAP = 1 << 18  # decompressed bytes per codec call: a bomb is cut off within one call
# A member found after damage is trusted once it decodes this far (or ends with a good CRC): random
# bytes behind a chance magic number fail deflate within a few hundred bytes.
_VERIFY_OUT = 1 << 16
_VERIFY_IN = 1 << 20  # ...or once this much of its input decoded without error (stored blocks, empty blocks)
_GZIP_MEMBER = b"\x1f\x8b\x08"  # magic and CM=deflate: what a member header starts with
_GZIP_XFL = (0, 2, 4)  # the extra-flags values writers set (RFC 1952: 2 = best, 4 = fastest)


def detect_compression(head: bytes) -> str | None:
    """'gzip', 'bz2', 'zstd' from a file's first bytes; None for uncompressed data."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(BZ2_MAGIC) and len(head) >= 4 and head[3:4] in b"123456789":
        return "bz2"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


class TruncatedInput(EOFError):
    """The compressed stream ended before its end marker; everything before `offset` was delivered."""

    def __init__(self, codec: str, offset: int, raw_offset: int):
        super().__init__(f"{codec} stream truncated: decompressed data ends at byte {offset} (compressed byte {raw_offset})")
        self.codec, self.offset, self.raw_offset = codec, offset, raw_offset


class DecompressedTooLarge(ValueError):
    """The decompressed data went past the configured bound."""

    def __init__(self, codec: str, limit: int, raw_offset: int):
        super().__init__(f"{codec} data decompresses past --max-decompressed-bytes={limit} (at compressed byte {raw_offset})")
        self.codec, self.limit, self.offset, self.raw_offset = codec, limit, limit, raw_offset


class CorruptInput(ValueError):
    """The compressed stream is not valid for its codec."""

    def __init__(self, codec: str, offset: int, raw_offset: int, detail: str):
        super().__init__(f"{codec} stream corrupt at compressed byte {raw_offset} (decompressed byte {offset}): {detail}")
        self.codec, self.offset, self.raw_offset = codec, offset, raw_offset


@dataclass(frozen=True)
class Gap:
    """A damaged gzip span stepped over: it sits at decompressed offset `at` (zero bytes wide there);
    compressed bytes [raw_start, raw_end) were skipped, of which `raw` keeps the first ones."""

    at: int
    raw_start: int
    raw_end: int
    raw: bytes
    message: str

    @property
    def raw_size(self) -> int:
        return self.raw_end - self.raw_start


class _Gzip:
    """Multi-member gzip (WARC.gz stores one member per record; `cat a.gz b.gz` is valid gzip).
    `member_start` is the compressed offset of the member being decoded (where a resume starts looking)."""

    name = "gzip"

    def __init__(self, start: int = 0) -> None:
        self._d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self._pending = b""
        self._in_member = False
        self._end = start  # compressed offset just past the bytes received so far
        self.member_start = start

    def has_more(self) -> bool:
        return bool(self._pending)

    def feed(self, data: bytes, max_out: int) -> bytes:
        self._end += len(data)
        data, self._pending = self._pending + data, b""
        if not self._in_member:
            if not data.strip(b"\x00"):
                return b""  # zero padding after the last member is allowed by gzip(1)
            self.member_start = self._end - len(data)
        self._in_member = True
        out = self._d.decompress(data, max_out)
        if self._d.eof:
            self._pending = self._d.unused_data
            self._d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            self._in_member = False
        else:
            self._pending = self._d.unconsumed_tail
        return out

    def finished(self) -> bool:
        return not self._in_member


class _Bz2:
    """Multi-stream bzip2 (pbzip2 writes one stream per block group)."""

    name = "bz2"

    def __init__(self) -> None:
        self._d = bz2.BZ2Decompressor()
        self._pending = b""
        self._in_member = False

    def has_more(self) -> bool:
        return bool(self._pending) or (self._in_member and not self._d.needs_input)

    def feed(self, data: bytes, max_out: int) -> bytes:
        data, self._pending = self._pending + data, b""
        if not self._in_member and not data:
            return b""
        self._in_member = True
        out = self._d.decompress(data, max_out)
        if self._d.eof:
            self._pending = self._d.unused_data
            self._d = bz2.BZ2Decompressor()
            self._in_member = False
        return out

    def finished(self) -> bool:
        return not self._in_member


class _Zstd:
    """Zstandard, several frames allowed (pzstd / seekable zstd write one frame per block)."""

    name = "zstd"

    def __init__(self) -> None:
        self._dctx = zstandard.ZstdDecompressor()
        self._d = self._dctx.decompressobj()
        self._pending = b""
        self._in_member = False

    def has_more(self) -> bool:
        return bool(self._pending)

    def feed(self, data: bytes, max_out: int) -> bytes:
        data, self._pending = self._pending + data, b""
        if not self._in_member and not data:
            return b""
        self._in_member = True
        # decompressobj has no output cap, so it gets small input slices: a zstd block of a few
        # bytes can expand to 128 KiB, so _ZSTD_SLICE input bytes yield at most ~16 MiB per call.
        data, self._pending = data[:_ZSTD_SLICE], data[_ZSTD_SLICE:]
        out = self._d.decompress(data)
        if self._d.eof:
            self._pending = self._d.unused_data + self._pending
            self._d = self._dctx.decompressobj()
            self._in_member = False
        return out

    def finished(self) -> bool:
        return not self._in_member


class DecodedStream:
    """A read-only binary stream of a file's decompressed bytes (or its raw bytes), bounded.

    `pos` is the offset in the decompressed data (what locators use); `raw_pos` the offset in the
    file. The raw bytes are hashed as they are read; `drain()` finishes the hash and the size when
    a reader stopped early.
    """

    def __init__(self, raw: BinaryIO, max_bytes: int, detect: bool = True, start: int = 0):
        """`detect=False` reads raw bytes as they are (a region in the middle of a plain file);
        `start` is the file offset `raw` is positioned at."""
        self._raw = raw
        self.max_bytes = max_bytes
        self.raw_pos = start  # the next compressed byte the codec is fed from
        self.pos = start
        self._digest = xxhash.xxh3_128()
        self._hashed_to = start  # the file is hashed once, in order, even where a resume reads back
        self._raw_at = start  # where `raw` is positioned
        self._buf = b""
        self._off = 0  # read position inside _buf: lines are taken without copying the rest
        self._resume_keep: int | None = None  # resume_gzip(): raw bytes a Gap keeps (None: damage stops the stream)
        self._gaps: deque[Gap] = deque()
        first = self._raw_read()
        self.codec = detect_compression(first) if detect else None
        self._codec = {"gzip": _Gzip, "bz2": _Bz2, "zstd": _Zstd}[self.codec]() if self.codec else None
        self._carry = first
        self._eof = False
        self._error: Exception | None = None

    def resume_gzip(self, keep: int) -> None:
        """Step over damaged gzip members from now on (a damage already met while peeking too):
        each becomes a Gap keeping at most `keep` of its compressed bytes. Only for readers that
        ask `take_gap()` (line readers): `read()` runs across gaps."""
        self._resume_keep = keep

    def _read_at(self, pos: int, n: int) -> bytes:
        """Up to n raw bytes at file offset `pos`, hashing every byte of the file once and in order."""
        if pos > self._hashed_to:  # never skip bytes of the hash: read them first
            while self._hashed_to < pos and self._read_at(self._hashed_to, min(_CHUNK, pos - self._hashed_to)):
                pass
        if pos != self._raw_at:
            self._raw.seek(pos)
        chunk = self._raw.read(n)
        self._raw_at = pos + len(chunk)
        if self._raw_at > self._hashed_to:
            self._digest.update(chunk[self._hashed_to - pos :] if pos < self._hashed_to else chunk)
            self._hashed_to = self._raw_at
        return chunk

    def _raw_read(self) -> bytes:
        chunk = self._read_at(self.raw_pos, _CHUNK)
        self.raw_pos += len(chunk)
        return chunk

    def _fill(self) -> bool:
        """Decompress more into the buffer; False at a clean end of data."""
        if self._error is not None:
            if not self._resumable(self._error):
                raise self._error
            self._resync(self._error)  # met while peeking, before resume_gzip()
        if self._eof:
            return False
        while True:
            data = self._carry or (b"" if self._codec is not None and self._codec.has_more() else self._raw_read())
            self._carry = b""
            if self._codec is None:
                if not data:
                    self._eof = True
                    return False
                out = data
            else:
                if not data and not self._codec.has_more():
                    self._eof = True
                    if not self._codec.finished():
                        self._fail(TruncatedInput(self._codec.name, self.pos + self._buffered(), self.raw_pos))
                    return False
                try:
                    out = self._codec.feed(data, _OUT_CAP)
                except (zlib.error, OSError, EOFError, zstandard.ZstdError) as exc:
                    error = CorruptInput(self._codec.name, self.pos + self._buffered(), self.raw_pos, repr(exc))
                    if not self._resumable(error):
                        self._fail(error)
                    self._resync(error)
                    if self._eof:
                        return False
                    continue
            if out:
                if self.pos + self._buffered() + len(out) > self.max_bytes and self._codec is not None:
                    self._fail(DecompressedTooLarge(self.codec or "plain", self.max_bytes, self.raw_pos))
                self._buf = self._buf[self._off :] + out if self._off else self._buf + out
                self._off = 0
                return True

    def _fail(self, exc: Exception) -> None:
        self._error = exc
        raise exc

    def _resumable(self, exc: Exception) -> bool:
        return self._resume_keep is not None and isinstance(exc, CorruptInput) and isinstance(self._codec, _Gzip)

    def _resync(self, error: CorruptInput) -> None:
        """After a damaged member: note the Gap, and go on at the next member that decodes (or end)."""
        start = self._codec.member_start
        at = self.pos + self._buffered()
        try:
            found = self._next_member(start + 1)
            end, kept = self._span(start, found)
        except (OSError, ValueError):  # the input cannot seek (a pipe): the damage ends the stream, as before
            self._resume_keep = None
            self._fail(error)
        detail = error.args[0].split(": ", 1)[-1]
        where = f"reading resumed at the next gzip member, at compressed byte {end}" if found is not None else "no gzip member follows it"
        message = f"gzip member at compressed byte {start} is damaged ({detail}); {end - start} compressed bytes skipped, {where}"
        self._gaps.append(Gap(at, start, end, kept, message))
        self._error = None
        self._carry = b""
        if found is None:
            self._eof = True
            self.raw_pos = end
            return
        self.raw_pos = found
        self._codec = _Gzip(found)

    def _next_member(self, pos: int) -> int | None:
        """Compressed offset of the first gzip member at or after `pos` that decodes; None if none."""
        window, base = b"", pos
        while True:
            at = window.find(_GZIP_MEMBER)
            if at < 0 or len(window) - at < 10:  # the 10-byte header must be whole to be judged
                keep = at if at >= 0 else max(0, len(window) - 2)
                chunk = self._read_at(base + len(window), _CHUNK)
                if not chunk:
                    return None
                window, base = window[keep:] + chunk, base + keep
                continue
            flags, xfl, os_byte = window[at + 3], window[at + 8], window[at + 9]
            if not flags & 0xE0 and xfl in _GZIP_XFL and (os_byte <= 13 or os_byte == 255) and self._decodes(base + at):
                return base + at
            window, base = window[at + 1 :], base + at + 1

    def _decodes(self, pos: int) -> bool:
        """Whether a gzip member decodes from `pos`: to its end (CRC checked) or far enough to trust it."""
        d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        out = fed = 0
        while out < _VERIFY_OUT and fed < _VERIFY_IN:
            chunk = self._read_at(pos + fed, _CHUNK)
            if not chunk:
                return False  # a member cut off by the end of the file: part of the damage
            fed += len(chunk)
            try:
                out += len(d.decompress(chunk, _VERIFY_OUT))
                while d.unconsumed_tail and out < _VERIFY_OUT and not d.eof:
                    out += len(d.decompress(d.unconsumed_tail, _VERIFY_OUT))
            except zlib.error:
                return False
            if d.eof:
                return True
        return True

    def _span(self, start: int, end: int | None) -> tuple[int, bytes]:
        """(end, first bytes) of the skipped compressed span [start, end) (end None: to the end of the file)."""
        kept: list[bytes] = []
        room = self._resume_keep or 0
        pos = start
        while end is None or pos < end:
            chunk = self._read_at(pos, _CHUNK if end is None else min(_CHUNK, end - pos))
            if not chunk:
                break
            if room > 0:
                kept.append(chunk[:room])
                room -= len(kept[-1])
            pos += len(chunk)
        return pos, b"".join(kept)

    def take_gap(self) -> Gap | None:
        """The Gap at the current position, consumed (None when the stream is not at one)."""
        while self._gaps and self._gaps[0].at < self.pos:
            self._gaps.popleft()  # passed by read(), which runs across gaps
        if self._gaps and self._gaps[0].at == self.pos:
            return self._gaps.popleft()
        return None

    def _gap_index(self) -> int | None:
        """Index in the buffer of the next gap not yet reached, if it is in the buffer."""
        for gap in self._gaps:
            if gap.at >= self.pos:
                index = gap.at - self.pos + self._off
                return index if index <= len(self._buf) else None
        return None

    def _buffered(self) -> int:
        return len(self._buf) - self._off

    def _take(self, n: int) -> bytes:
        out = self._buf[self._off : self._off + n]
        self._off += len(out)
        self.pos += len(out)
        return out

    def take_buffer(self) -> bytes:
        """After an error: the bytes decompressed but not yet read (a partial record), consumed."""
        return self._take(self._buffered())

    def peek(self, n: int) -> bytes:
        """Up to n next bytes without consuming them."""
        while self._buffered() < n:
            try:
                if not self._fill():
                    break
            except (TruncatedInput, CorruptInput, DecompressedTooLarge):
                break  # kept in _error: raised again by the next read, after the readable bytes
        return self._buf[self._off : self._off + n]

    def read(self, n: int = -1) -> bytes:
        """Up to n decompressed bytes (all remaining when n < 0); b'' at the end.

        Pieces are joined once at the end (appending to one buffer would recopy it per fill). On a
        stream error the bytes taken so far go back to the buffer, so `take_buffer()` returns them.
        """
        parts: list[bytes] = []
        got = 0
        try:
            while True:
                want = self._buffered() if n < 0 else min(self._buffered(), n - got)
                if want:
                    parts.append(self._take(want))
                    got += want
                if (n >= 0 and got >= n) or not self._fill():
                    break
        except (TruncatedInput, CorruptInput, DecompressedTooLarge):
            self._buf, self._off = b"".join(parts) + self._buf[self._off :], 0
            self.pos -= got
            raise
        return b"".join(parts)

    def readline(self, limit: int = -1) -> bytes:
        """One line including its newline, or at most `limit` bytes of it; a line is cut short
        where a Gap is (b'' when the stream is at one: ask `take_gap()`)."""
        scan = self._off
        while True:
            stop = self._gap_index()
            end = len(self._buf) if stop is None else stop
            nl = self._buf.find(b"\n", scan, end)
            if nl >= 0 and (limit < 0 or nl - self._off < limit):
                return self._take(nl + 1 - self._off)
            if limit >= 0 and end - self._off >= limit:
                return self._take(limit)
            if stop is not None:
                return self._take(stop - self._off)
            scan = len(self._buf)
            before = self._off
            if not self._fill():
                return self._take(self._buffered())
            scan -= before - self._off  # _fill may compact the buffer

    def read_chunk(self, n: int) -> bytes:
        """Up to n bytes, stopping at a Gap; b'' at the end or at a gap (`take_gap()` tells which)."""
        while not self._buffered() and self._fill():
            pass
        stop = self._gap_index()
        end = len(self._buf) if stop is None else stop
        return self._take(min(n, end - self._off))

    def readable(self) -> bool:
        return True

    def drain(self) -> tuple[int, str]:
        """Read the rest of the raw file (for its size and hash): (size, xxh3-128 hex)."""
        while self._read_at(self._hashed_to, _CHUNK):
            pass
        return self._hashed_to, self._digest.hexdigest()
