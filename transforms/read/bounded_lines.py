"""Bounded line splitting of a decompressed stream: the shared base of the CSV and JSONL readers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wirestrip.transforms.read.decompress import DecodedStream

_DRAIN = 1 << 20  # the rest of an over-long line is skipped in 1 MiB pieces, never held whole


@dataclass(frozen=True)
class Line:
    """One physical line: [start, end) in the decompressed data; `data` holds at most the limit."""

    start: int
    end: int
    data: bytes
    too_long: bool = False


def iter_lines(stream: DecodedStream, max_line: int) -> Iterator[Line]:
    """Lines with their offsets. A line over `max_line` bytes is not held in memory: its first
    `max_line` bytes are kept, the rest is skipped, and it comes back flagged `too_long`."""
    while True:
        start = stream.pos
        data = stream.readline(max_line + 1)
        if not data:
            return
        if len(data) <= max_line:
            yield Line(start, stream.pos, data)
            continue
        head = data[:max_line]
        while not data.endswith(b"\n"):
            data = stream.readline(_DRAIN)
            if not data:
                break
        yield Line(start, stream.pos, head, too_long=True)
