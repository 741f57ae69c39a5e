"""The input formats, in one place: for each its name and aliases, file extensions, how its
content is recognised, its splitter (file -> records), its parser (record -> article), whether
it is read whole or streamed, how a large file is cut into regions, and its per-thread setup.

Everything that needs a list of formats reads it here: --format's choices (FORMAT_CHOICES), file
format detection (detect_format), the reader (files.read_file) and the parse stage (parse_record).
Pure: the Beam wrappers (beam_read, beam_parse) import this, never the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read import html_page, language
from wirestrip.transforms.read.csv_dump import parse_csv_row, split_csv
from wirestrip.transforms.read.decompress import DecodedStream
from wirestrip.transforms.read.feeds import parse_feed_item, split_feed
from wirestrip.transforms.read.formats import Event, ReaderConfig, Splitter, looks_binary, strip_compression_suffix
from wirestrip.transforms.read.json_lines import parse_jsonl, split_jsonl, split_jsonl_region
from wirestrip.transforms.read.post_text import parse_post, split_post_file
from wirestrip.transforms.read.warc import parse_warc, split_warc
from wirestrip.transforms.read.warc_gz import is_member_per_record, split_warc_members
from wirestrip.transforms.record_types import ParsedArticle, RawRecord, RecordError

AUTO = "auto"  # --format auto: detect the format of each file
_LEADING = b"\xef\xbb\xbf \t\r\n"  # a BOM and whitespace before a signature do not hide it
_FEED_SCAN = 4096  # a feed's root element follows its XML declaration within the first bytes
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.IGNORECASE | re.DOTALL)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_XML_DECL = re.compile(rb"^<\?xml[^>]*>")
_XML_START = (b"<?xml", b"<rss", b"<feed")


class Parser(Protocol):
    """Record -> article; RecordError with a reason when it cannot be one. Counters go to `count`."""

    def __call__(self, record: RawRecord, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle: ...


WholeSplitter = Callable[[bytes], Splitter]  # a file read whole (bounded by --max-file-bytes) -> its records
StreamSplitter = Callable[[DecodedStream, str, ReaderConfig, Count], Splitter]  # (stream, file name, config, count)
RegionSplitter = Callable[[BinaryIO, ReaderConfig, int, int | None], Iterator[Event]]  # (raw file, config, start, end)


@dataclass(frozen=True)
class Regions:
    """How a large file of a format is cut into byte regions read in parallel (--split-bytes)."""

    codec: str | None  # the compression a file must have to be cut (None: uncompressed)
    split: RegionSplitter  # the events of the records that start in [start, end) of the raw file
    qualifies: Callable[[BinaryIO, int], bool] | None = None  # a check on the raw file (given --max-record-bytes)
    whole_too: bool = False  # a qualifying file read whole is read by `split` too (its locators name the cut units)
    when_forced: bool = True  # also cut when --format names the format, not only when detected


@dataclass(frozen=True)
class Format:
    """One input format and every part of wirestrip that depends on it."""

    name: str
    parser: Parser
    extensions: tuple[str, ...] = ()  # lower-case, after any compression suffix
    aliases: dict[str, dict[str, str]] | None = None  # --format alias -> the ReaderConfig fields it implies
    signature: Callable[[bytes], bool] | None = None  # unambiguous content, trusted before the extension
    shape: Callable[[bytes], bool] | None = None  # the first line's shape, trusted after the extension
    split_whole: WholeSplitter | None = None  # read whole: one post file, one page, one feed
    split_stream: StreamSplitter | None = None  # streamed record by record: never held whole
    regions: Regions | None = None
    setup: tuple[Callable[[], None], ...] = ()  # per-thread state of the parser, built in DoFn.setup()
    gaps: bool = False  # the splitter reads lines and rejects a damaged gzip span as one record, then goes on

    def __post_init__(self) -> None:
        if (self.split_whole is None) == (self.split_stream is None):
            raise ValueError(f"format {self.name!r}: exactly one of split_whole and split_stream")


def _is_warc(head: bytes) -> bool:
    return head.startswith(b"WARC/")


def _is_feed(head: bytes) -> bool:
    return head.startswith(_XML_START) and _FEED_ROOT.search(head[:_FEED_SCAN]) is not None


def _is_html(head: bytes) -> bool:
    if head.startswith(_XML_START):  # XHTML behind an XML declaration, unless it is a feed
        return not _FEED_ROOT.search(head[:_FEED_SCAN]) and _HTML_START.match(_XML_DECL.sub(b"", head, count=1)) is not None
    return _HTML_START.match(head) is not None


def _is_json_object_line(first_line: bytes) -> bool:
    return first_line.startswith(b"{") and first_line.endswith(b"}")


def _split_csv(stream: DecodedStream, name: str, cfg: ReaderConfig, count: Count) -> Splitter:
    return split_csv(stream, name, cfg, count)


def _split_jsonl(stream: DecodedStream, name: str, cfg: ReaderConfig, count: Count) -> Splitter:
    return split_jsonl(stream, cfg)


def _split_warc(stream: DecodedStream, name: str, cfg: ReaderConfig, count: Count) -> Splitter:
    return split_warc(stream, cfg)


_HTML_STATE = (html_page.setup, language.setup)  # the parsers that may meet HTML; language: every format

# The order is --format's (and FORMAT_CHOICES'). Signatures exclude each other, so it is not a priority.
FORMATS: tuple[Format, ...] = (
    Format("txt", parse_post, (".txt",), split_whole=split_post_file, setup=(language.setup,)),
    Format(
        "csv",
        parse_csv_row,
        (".csv", ".tsv", ".tab"),
        aliases={"tsv": {"csv_delimiter": "\t"}},
        split_stream=_split_csv,  # quoted fields span lines: never cut
        setup=_HTML_STATE,
        gaps=True,
    ),
    Format(
        "jsonl",
        parse_jsonl,
        (".jsonl", ".ndjson"),
        shape=_is_json_object_line,
        split_stream=_split_jsonl,
        regions=Regions(None, split_jsonl_region),  # a plain file is cut at any newline
        setup=_HTML_STATE,
        gaps=True,
    ),
    Format(
        "html", html_page.parse_html, (".html", ".htm", ".xhtml"), signature=_is_html, split_whole=html_page.split_page, setup=_HTML_STATE
    ),
    Format(
        "warc",
        parse_warc,
        (".warc",),
        signature=_is_warc,
        split_stream=_split_warc,
        # One gzip member per record (CC-NEWS) is cut at member starts; --format warc has always
        # read such a file whole (one manifest line for it), so only a detected WARC.gz is cut.
        regions=Regions("gzip", split_warc_members, is_member_per_record, whole_too=True, when_forced=False),
        setup=_HTML_STATE,
    ),
    Format("rss", parse_feed_item, (".rss", ".atom", ".xml"), signature=_is_feed, split_whole=split_feed, setup=_HTML_STATE),
)
FALLBACK = "txt"  # text that no other reader claims is the scraped-post format
BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}
_ALIASES: dict[str, str] = {alias: f.name for f in FORMATS for alias in f.aliases or {}}
_BY_EXTENSION: dict[str, str] = {ext: f.name for f in FORMATS for ext in f.extensions}
FORMAT_CHOICES: tuple[str, ...] = (AUTO, *(n for f in FORMATS for n in (f.name, *(f.aliases or {}))))
# Format name -> parser: a dict the parse stage looks parsers up in (a test may swap one).
PARSERS: dict[str, Parser] = {f.name: f.parser for f in FORMATS}


def resolve_format(name: str) -> str:
    """The format an alias names ('tsv' -> 'csv'); any other name (auto, unknown) unchanged."""
    return _ALIASES.get(name, name)


def alias_settings(name: str) -> dict[str, str]:
    """The ReaderConfig fields an alias implies ('tsv' -> a tab delimiter); empty for a plain name."""
    fmt = BY_NAME.get(_ALIASES.get(name, ""))
    return dict((fmt.aliases or {})[name]) if fmt else {}


def format_named(name: str | None) -> Format | None:
    """The Format called `name` (aliases resolved), None when there is none."""
    return BY_NAME.get(resolve_format(name)) if name else None


def format_from_name(name: str) -> str | None:
    """Format implied by a file's extension (after any compression suffix), if any."""
    base = strip_compression_suffix(name.rsplit("/", 1)[-1]).lower()
    dot = base.rfind(".")
    return _BY_EXTENSION.get(base[dot:]) if dot >= 0 else None


def format_from_content(head: bytes) -> str | None:
    """Format recognised from the first (decompressed) bytes, for unambiguous signatures only."""
    h = head.lstrip(_LEADING)
    return next((f.name for f in FORMATS if f.signature is not None and f.signature(h)), None)


def detect_format(name: str, head: bytes) -> str | None:
    """The reader for a file: its content's signature first, then its extension, then content
    shape (a first line that is a JSON object -> jsonl); plain text falls back to txt. None when
    the bytes are binary and no reader accepts them."""
    by_content = format_from_content(head)
    if by_content:
        return by_content
    if head.startswith(b"filedesc://"):
        return None  # the legacy ARC format: no reader (convert with `warcio recompress` / arc2warc)
    by_name = format_from_name(name)
    if by_name:
        return by_name  # a binary file named .txt is that reader's to reject, with its reason
    if looks_binary(head):
        return None
    first = head.lstrip(_LEADING).split(b"\n", 1)[0].rstrip()
    by_shape = next((f.name for f in FORMATS if f.shape is not None and f.shape(first)), None)
    if by_shape:
        return by_shape
    if first.startswith((b"{", b"[")):
        return None  # a JSON document (array, pretty-printed object), not lines: convert to JSON Lines
    return FALLBACK


def setup_hooks() -> tuple[Callable[[], None], ...]:
    """Every format's per-thread setup, each once (called from the parse stage's DoFn.setup())."""
    return tuple(dict.fromkeys(hook for f in FORMATS for hook in f.setup))


def parse_record(record: RawRecord, default_tz: str, count: Count = no_count) -> ParsedArticle:
    """RawRecord -> ParsedArticle with the parser of its input format, then its language."""
    parser = PARSERS.get(record.input_format)
    if parser is None:
        raise RecordError("no_parser", f"no parser for input format {record.input_format!r}")
    article = parser(record, default_tz, count=count)
    # Every format gets a language: from the text, the declared one when the text is too short.
    article.language = language.detect_language(article.paragraphs, article.language)
    return article
