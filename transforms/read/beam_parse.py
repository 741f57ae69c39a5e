"""The parse stage in Beam: raw records to parsed articles, with the parser of each input format."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from wirestrip.transforms.beam_safe import SafeDoFn
from wirestrip.transforms.read import html_page as htmlpage
from wirestrip.transforms.read import language
from wirestrip.transforms.read.csv_dump import parse_csv_row
from wirestrip.transforms.read.feeds import parse_feed_item
from wirestrip.transforms.read.html_page import parse_html
from wirestrip.transforms.read.json_lines import parse_jsonl
from wirestrip.transforms.read.post_text import parse_post
from wirestrip.transforms.read.warc import parse_warc
from wirestrip.transforms.record_types import ParsedArticle, RawRecord, RecordError

Parser = Callable[[RawRecord, str], ParsedArticle]
PARSERS: dict[str, Parser] = {"txt": parse_post}
# Formats of issue 4. Their per-thread state (lxml parser, trafilatura config, language model)
# is built by the setup hooks, from ParseRecords.setup().
PARSERS.update({"csv": parse_csv_row, "jsonl": parse_jsonl, "html": parse_html, "warc": parse_warc, "rss": parse_feed_item})
PARSER_SETUP: tuple[Callable[[], None], ...] = (htmlpage.setup, language.setup)


class ParseRecords(SafeDoFn):
    """RawRecord -> ParsedArticle with the parser of its input format."""

    stage = "parse"

    def __init__(self, default_tz: str):
        self.default_tz = default_tz

    def setup(self) -> None:
        for hook in PARSER_SETUP:
            hook()

    def process_one(self, record: RawRecord) -> Iterable[ParsedArticle]:
        parser = PARSERS.get(record.input_format)
        if parser is None:
            raise RecordError("no_parser", f"no parser for input format {record.input_format!r}")
        article = parser(record, self.default_tz)
        # Every format gets a language: from the text, the declared one when the text is too short.
        article.language = language.detect_language(article.paragraphs, article.language)
        yield article
