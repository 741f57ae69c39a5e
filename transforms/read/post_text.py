"""The scraped-post text format: one or more posts per file, as autoblog scrapers save them.

Layout of one post (blank lines between blocks; every block optional after the title):

    Title
    2024-04-08 22:51:46          <- timestamp line
    Title                        <- the title repeated (quotes may differ)
    Standfirst sentence.         <- lead, only recognised when a dateline line follows it
    Paris:                       <- dateline line
    Body paragraphs...
    (syndication disclaimer)     <- boilerplate: left to the cleaner
    Tag, Tag, Tag                <- tag line: left to the cleaner
    Source link / Loading        <- scraper junk: left to the cleaner

Several posts in one file are separated by a line holding only five or more '=' characters,
or only a form feed (\\f).
"""

from __future__ import annotations

import re

from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.formats import Piece, Splitter
from wirestrip.transforms.read.text_decode import decode_text
from wirestrip.transforms.read.timestamps import parse_timestamp
from wirestrip.transforms.record_types import ParsedArticle, RawRecord, RecordError, Removed

POST_SEPARATOR = re.compile(rb"^[ \t]*(?:={5,}|\x0c)[ \t]*\r?$", re.MULTILINE)
_CONTENT = re.compile(rb"\S")  # bytes.strip()'s whitespace set: a range holding none of it is empty

# "Paris:" or "New Delhi:" alone on a line: up to four capitalised words. Anything longer is
# prose, and a lower-case start is never a place name.
DATELINE_LINE = re.compile(r"^(?P<city>[A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){0,3})\s*:$")
_DATELINE_LOOKAHEAD = 3  # the dateline follows the (repeated) title within a standfirst or two
_TITLE_KEY = re.compile(r"[\W_]+")
_SEPARATOR_TEXT = re.compile(r"={5,}$")


def split_posts(data: bytes | bytearray) -> list[tuple[int, int]]:
    """Byte ranges [start, end) of the posts in a file, separator lines excluded.

    Whitespace-only stretches between separators hold no record and are not returned; a file
    with no content at all yields one range so that it surfaces as an (empty) record.
    """
    ranges: list[tuple[int, int]] = []
    start = 0
    for m in POST_SEPARATOR.finditer(data):
        ranges.append((start, m.start()))
        start = m.end() + 1 if data[m.end() : m.end() + 1] == b"\n" else m.end()
    ranges.append((start, len(data)))
    kept = [(s, e) for s, e in ranges if _CONTENT.search(data, s, e)]  # no slice copies: data may be 100s of MB
    return kept or [(0, len(data))]


def split_post_file(data: bytes) -> Splitter:
    """The posts of a file as Pieces, located `post=N;bytes=S-E` (N from 0)."""
    for n, (start, end) in enumerate(split_posts(data)):
        yield Piece(f"post={n};bytes={start}-{end}", data[start:end])


def title_key(text: str) -> str:
    """Comparison key for titles: letters and digits only, casefolded (copies swap quote styles)."""
    return _TITLE_KEY.sub("", text).casefold()


def parse_post(record: RawRecord, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """Parse one scraped post into title, time, standfirst, dateline and body paragraphs.

    Raises RecordError when the record cannot be text (see decode_text) or has no body. `count`
    receives the timestamp reader's refusals (a placeholder date, an unknown zone name).
    """
    lines = [ln.strip() for ln in decode_text(record.raw).split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise RecordError("empty", "record has no non-blank line")
    if all(_SEPARATOR_TEXT.match(ln) for ln in lines):  # a file of separators only: no post, not a post titled "====="
        raise RecordError("empty", "record holds only post separator lines")
    article = ParsedArticle(record=record, title=lines[0])
    i = 1
    if i < len(lines):
        stamp = parse_timestamp(lines[i], default_tz, count=count)
        if stamp is not None:
            article.published_at, article.published_tz_assumed = stamp
            i += 1
    # A title without letters or digits ("***") has an empty key: it must not make the next line a "repeat".
    if i < len(lines) and title_key(lines[i]) == title_key(article.title) != "":
        article.removed.append(Removed("layout.repeated_title", "repeated_title", lines[i], -1))
        i += 1
    body = lines[i:]
    for j in range(min(_DATELINE_LOOKAHEAD, len(body))):
        m = DATELINE_LINE.match(body[j])
        if m and j + 1 < len(body):
            if j:
                article.standfirst = " ".join(body[:j])
            article.dateline_city = m.group("city")
            # The dateline is part of the story: it stays in front of the first paragraph.
            body = [f"{body[j]} {body[j + 1]}", *body[j + 2 :]]
            break
    if not body:
        raise RecordError("no_body", "post has a title but no body text")
    article.paragraphs = body
    return article
