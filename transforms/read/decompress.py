"""Bounded, streaming decompression of input files, with the codec detected by magic bytes.

A file named `.gz` that is plain text reads as plain text, and a gzip file without the suffix is
still decompressed: the first bytes decide. Every codec is run incrementally with an output cap
per call, so a decompression bomb costs at most `max_bytes` of work and never that much memory.
A stream that ends before its end-of-stream marker raises `TruncatedInput` after everything that
was readable has been delivered, so readers keep complete records and reject the rest.
"""

from __future__ import annotations

import bz2
import zlib
from typing import BinaryIO

import xxhash
import zstandard

GZIP_MAGIC = b"\x1f\x8b"
BZ2_MAGIC = b"BZh"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 16  # raw bytes per read: one object-store request worth, small enough to bound one codec call
_ZSTD_SLICE = 512  # see _Zstd.feed
_OUT_CAP = 1 << 18  # decompressed bytes per codec call: a bomb is cut off within one call


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


class _Gzip:
    """Multi-member gzip (WARC.gz stores one member per record; `cat a.gz b.gz` is valid gzip)."""

    name = "gzip"

    def __init__(self) -> None:
        self._d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self._pending = b""
        self._in_member = False

    def has_more(self) -> bool:
        return bool(self._pending)

    def feed(self, data: bytes, max_out: int) -> bytes:
        data, self._pending = self._pending + data, b""
        if not self._in_member and not data.strip(b"\x00"):
            return b""  # zero padding after the last member is allowed by gzip(1)
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
        self.raw_pos = start
        self.pos = start
        self._digest = xxhash.xxh3_128()
        self._buf = b""
        self._off = 0  # read position inside _buf: lines are taken without copying the rest
        first = self._raw_read()
        self.codec = detect_compression(first) if detect else None
        self._codec = {"gzip": _Gzip, "bz2": _Bz2, "zstd": _Zstd}[self.codec]() if self.codec else None
        self._carry = first
        self._eof = False
        self._error: Exception | None = None

    def _raw_read(self) -> bytes:
        chunk = self._raw.read(_CHUNK)
        self.raw_pos += len(chunk)
        self._digest.update(chunk)
        return chunk

    def _fill(self) -> bool:
        """Decompress more into the buffer; False at a clean end of data."""
        if self._error is not None:
            raise self._error
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
                    self._fail(CorruptInput(self._codec.name, self.pos + self._buffered(), self.raw_pos, repr(exc)))
            if out:
                if self.pos + self._buffered() + len(out) > self.max_bytes and self._codec is not None:
                    self._fail(DecompressedTooLarge(self.codec or "plain", self.max_bytes, self.raw_pos))
                self._buf = self._buf[self._off :] + out if self._off else self._buf + out
                self._off = 0
                return True

    def _fail(self, exc: Exception) -> None:
        self._error = exc
        raise exc

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
        """One line including its newline, or at most `limit` bytes of it."""
        scan = self._off
        while True:
            nl = self._buf.find(b"\n", scan)
            if nl >= 0 and (limit < 0 or nl - self._off < limit):
                return self._take(nl + 1 - self._off)
            if limit >= 0 and self._buffered() >= limit:
                return self._take(limit)
            scan = len(self._buf)
            before = self._off
            if not self._fill():
                return self._take(self._buffered())
            scan -= before - self._off  # _fill may compact the buffer

    def readable(self) -> bool:
        return True

    def drain(self) -> tuple[int, str]:
        """Read the rest of the raw file (for its size and hash): (size, xxh3-128 hex)."""
        while self._raw_read():
            pass
        return self.raw_pos, self._digest.hexdigest()
