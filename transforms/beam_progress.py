"""Progress lines on long runs: a pass-through step that tells, every few seconds, how many elements
a stage has seen and at what rate.

Each DoFn instance reports what it saw itself (no global state): on the local runner that is the
whole stage in one line; on a distributed runner each worker logs its share into the worker logs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import apache_beam as beam


def progress_line(stage: str, unit: str, n: int, seconds: float) -> str:
    """`wirestrip: [read] 12,345 records, 1,234/s (10s)`."""
    rate = n / seconds if seconds > 0 else 0.0
    return f"wirestrip: [{stage}] {n:,} {unit}, {rate:,.0f}/s ({seconds:.0f}s)"


class _Progress(beam.DoFn):
    def __init__(self, stage: str, unit: str, every_seconds: float, counts: Callable[[object], bool] | None):
        self.stage, self.unit, self.every, self.counts = stage, unit, every_seconds, counts

    def setup(self):
        self.n, self.started, self.last = 0, time.monotonic(), time.monotonic()

    def process(self, element):
        if self.counts is None or self.counts(element):
            self.n += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            print(progress_line(self.stage, self.unit, self.n, now - self.started), file=sys.stderr, flush=True)
        yield element


class Progress(beam.PTransform):
    """Pass elements through unchanged, printing a progress line every `every_seconds` (0: off);
    `counts(element)` says which elements count (default: all)."""

    def __init__(self, stage: str, unit: str, every_seconds: float, counts: Callable[[object], bool] | None = None):
        super().__init__()
        self.stage, self.unit, self.every, self.counts = stage, unit, every_seconds, counts

    def expand(self, pcoll):
        if self.every <= 0:
            return pcoll
        return pcoll | "Progress" >> beam.ParDo(_Progress(self.stage, self.unit, self.every, self.counts))


def is_file_info(line: str) -> bool:
    """A `files` side-output line about one input file (not about a pattern)."""
    return '"kind": "file"' in line
