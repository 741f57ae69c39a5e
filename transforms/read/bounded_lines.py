"""Bounded line splitting of a decompressed stream: the shared base of the CSV and JSONL readers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from wirestrip.transforms.read.decompress import CorruptInput, DecodedStream, DecompressedTooLarge, Gap, TruncatedInput
from wirestrip.transforms.read.formats import Bad

_DRAIN = 1 << 20  # the rest of an over-long line is skipped in 1 MiB pieces, never held whole
_COUNT_CHUNK = 1 << 18  # bytes per step when only counting lines: bounds the matches held at once
# The start of a line with a non-blank byte: one short match per such line, however long the line.
_TEXT_LINE_START = re.compile(rb"^[ \t\r\x0b\x0c]*[^\s]", re.MULTILINE)
STREAM_ERRORS = (TruncatedInput, CorruptInput, DecompressedTooLarge)


@dataclass(frozen=True)
class Line:
    """One physical line: [start, end) in the decompressed data; `data` holds at most the limit.
    With `gap`, the line was cut by a damaged gzip span (the span is the record: see Gap)."""

    start: int
    end: int
    data: bytes
    too_long: bool = False
    gap: Gap | None = None


def iter_lines(stream: DecodedStream, max_line: int) -> Iterator[Line]:
    """Lines with their offsets. A line over `max_line` bytes is not held in memory: its first
    `max_line` bytes are kept, the rest is skipped, and it comes back flagged `too_long`. A
    damaged gzip span (DecodedStream.resume_gzip) comes back as a Line with its `gap`, holding
    the part of the line read before the damage; the next line starts after it."""
    while True:
        start = stream.pos
        gap = stream.take_gap()
        if gap is not None:
            yield Line(start, start, b"", gap=gap)
            continue
        data = stream.readline(max_line + 1)
        if not data:
            gap = stream.take_gap()
            if gap is None:
                return
            yield Line(start, start, b"", gap=gap)
            continue
        if not data.endswith(b"\n"):
            gap = stream.take_gap()
            if gap is not None:
                yield Line(start, stream.pos, data[:max_line], gap=gap)
                continue
        if len(data) <= max_line:
            yield Line(start, stream.pos, data)
            continue
        head = data[:max_line]
        while not data.endswith(b"\n"):
            data = stream.readline(_DRAIN)
            if not data:
                break  # the end, or a gap: the next turn reports it
        yield Line(start, stream.pos, head, too_long=True)


def count_text_lines(stream: DecodedStream, end: int | None = None) -> tuple[int, Exception | None]:
    """How many lines with a non-blank byte the rest of `stream` holds (it stands at a line start;
    with `end`, the lines that start before that offset), counted without building them: a gap
    ends a line. Returns (count, the stream error that ended the count early, or None)."""
    total = 0
    counted = False  # the line the stream stands in has been counted
    at_line_start = True
    try:
        while end is None or stream.pos < end or not (counted or at_line_start):
            want = _COUNT_CHUNK if end is None or stream.pos >= end else min(_COUNT_CHUNK, end - stream.pos)
            chunk = stream.read_chunk(want)
            if not chunk:
                if stream.take_gap() is None:
                    break
                counted, at_line_start = False, True
                continue
            if end is not None and stream.pos - len(chunk) >= end:  # past `end`: only the line begun before it
                nl = chunk.find(b"\n")
                head = chunk if nl < 0 else chunk[:nl]
                if head.strip():
                    total += 1
                    counted = True
                elif nl >= 0:
                    break
                continue
            begin = 0
            if counted:  # the rest of a counted line: skip to its end
                begin = chunk.find(b"\n") + 1
                if not begin:
                    continue
            total += len(_TEXT_LINE_START.findall(chunk, begin))  # '^' matches at a chunk's start and after each newline
            tail = chunk[chunk.rfind(b"\n") + 1 :]
            counted = bool(tail.strip())
            at_line_start = chunk.endswith(b"\n")
        return total, None
    except STREAM_ERRORS as exc:
        return total, exc


def damaged_span(line: Line, locator: str) -> Bad:
    """The reject event of a gzip span too damaged to read (a Line with its gap): the locator names
    the line cut by the damage and the compressed bytes skipped; raw keeps the first of those."""
    gap = line.gap
    cut = f"; the line it cut (decompressed bytes {line.start}-{line.end}) is part of it" if line.end > line.start else ""
    return Bad(f"{locator};gzip_bytes={gap.raw_start}-{gap.raw_end}", "corrupt_input", gap.message + cut, gap.raw, gap.raw_size)
