"""The parse stage in Beam: raw records to parsed articles, with the parser of each input format
(registry.parse_record), Beam's counters passed in."""

from __future__ import annotations

from collections.abc import Iterable

from wirestrip.transforms.beam_safe import SafeDoFn, count
from wirestrip.transforms.read.registry import PARSERS, parse_record, setup_hooks
from wirestrip.transforms.record_types import ParsedArticle, RawRecord

__all__ = ["PARSERS", "ParseRecords"]  # PARSERS: the registry's dict (a test swaps one parser in it)


class ParseRecords(SafeDoFn):
    """RawRecord -> ParsedArticle with the parser of its input format."""

    stage = "parse"

    def __init__(self, default_tz: str):
        self.default_tz = default_tz

    def setup(self) -> None:
        # Per-thread parser state (lxml parser, trafilatura config, language model), built once.
        for hook in setup_hooks():
            hook()

    def process_one(self, record: RawRecord) -> Iterable[ParsedArticle]:
        yield parse_record(record, self.default_tz, count)
