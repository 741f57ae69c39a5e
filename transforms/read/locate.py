"""Re-read one record's raw bytes from its source, given the locator a reader wrote.

Used by `wirestrip explain` and for audits: the bytes returned are exactly the `raw` whose hash
is `raw_sha` in the output. Byte-range locators (`bytes=S-E`, WARC `offset=O;length=L`) are
offsets in the decompressed file; feed items (`item=N`) are re-serialised from the parsed feed;
a damaged gzip span (`...;gzip_bytes=C-D`) is its compressed bytes, as its reject keeps them.
Files are opened by the given opener (default: local files); beam_files.reread_record reads any
Beam filesystem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from wirestrip.transforms.read.decompress import CorruptInput, DecodedStream, TruncatedInput
from wirestrip.transforms.read.formats import parse_locator

_NO_LIMIT = 1 << 62
Opener = Callable[[str], BinaryIO]  # path -> the file's raw (still compressed) bytes


def open_local(path: str) -> BinaryIO:
    """A local file's raw bytes (the default opener)."""
    return open(path, "rb")


def _read_range(source_uri: str, start: int, end: int, opener: Opener) -> bytes:
    """Decompressed bytes [start, end) of a file; a damaged stream gives what is readable. Damaged
    gzip members are stepped over as the line readers step over them, so offsets agree."""
    with opener(source_uri) as f:
        stream = DecodedStream(f, _NO_LIMIT)
        stream.resume_gzip(0)
        try:
            while start > 0:
                skipped = stream.read(min(start, 1 << 20))
                if not skipped:
                    break
                start -= len(skipped)
            return stream.read(end - stream.pos) if end > stream.pos else b""
        except (TruncatedInput, CorruptInput):
            pos = stream.pos
            readable = stream.take_buffer()  # starts at `pos`; the range starts `start` bytes in when still skipping
            return readable[start : start + max(0, end - pos - start)]


def reread_record(source_uri: str, locator: str, input_format: str, opener: Opener = open_local) -> bytes:
    """The raw bytes of the record at `locator` in `source_uri` (any input format, compressed or not),
    the file opened by `opener`.

    Raises ValueError for a locator this function cannot resolve (e.g. a whole-file reject).
    """
    parts = parse_locator(locator)
    if "member" in parts:  # a record of a member-per-record WARC.gz: offsets are inside the member
        from wirestrip.transforms.read.warc_gz import read_member

        with opener(source_uri) as f:
            data = read_member(f, int(parts["member"]), _NO_LIMIT)
        if "offset" in parts and "length" in parts:
            start = int(parts["offset"])
            return data[start : start + int(parts["length"])]
        return data
    if parts.get("gzip_bytes"):  # a damaged gzip span a line reader stepped over: its compressed bytes
        start, _, end = parts["gzip_bytes"].partition("-")
        with opener(source_uri) as f:
            f.seek(int(start))
            return f.read(int(end) - int(start))
    if parts.get("bytes"):
        # `bytes=S-E`, or `bytes=S-` for the unreadable rest of a damaged file (a reject's locator)
        start, _, end = parts["bytes"].partition("-")
        return _read_range(source_uri, int(start), int(end) if end else _NO_LIMIT, opener)
    if "offset" in parts and "length" in parts:
        start = int(parts["offset"])
        return _read_range(source_uri, start, start + int(parts["length"]), opener)
    if "item" in parts:
        from wirestrip.transforms.read.feeds import split_feed

        data = _read_range(source_uri, 0, _NO_LIMIT, opener)
        n = int(parts["item"])
        for event in split_feed(data):
            if event.locator == f"item={n}":
                return event.raw
        raise ValueError(f"{source_uri} has no feed item {n}")
    if parts.get("page") is not None or locator == "file":
        return _read_range(source_uri, 0, _NO_LIMIT, opener)
    raise ValueError(f"cannot re-read locator {locator!r} ({input_format})")
