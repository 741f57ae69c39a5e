"""HTML pages: main text with trafilatura, metadata from the page's own markup.

trafilatura only ever receives a parsed lxml tree: it never fetches anything. The HTML parser
never loads DTDs or touches the network, and a DOCTYPE internal subset (where entity bombs and
external entities live) is cut before parsing: HTML has no use for it. published_at comes from
`article:published_time` / JSON-LD `datePublished` first: trafilatura's own date can be the
modified date. The extracted text then goes through the same boilerplate cleaner as every format.
Parser state (lxml parser, trafilatura config) is per thread and built in DoFn.setup() via `setup()`.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime

import lxml.html
from lxml import etree
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.authors import authors_from
from wirestrip.transforms.read.charset import declared_charset, decode_bytes
from wirestrip.transforms.read.formats import Piece, Splitter
from wirestrip.transforms.read.html_meta import page_meta, publisher_name
from wirestrip.transforms.read.timestamps import parse_timestamp
from wirestrip.transforms.record_types import ParsedArticle, RawRecord, RecordError

_DOCTYPE_SCAN = 4096  # a DOCTYPE comes first in a page; only the head is searched for one
_TAG_SPLIT = re.compile(r"\s*[;,|]\s*")
# Truncation guard: an article element printing 1,500+ characters of paragraphs of which under 60%
# were extracted (Wired features kept at 35-45% of their words) is extracted again.
_GUARD_MIN_CHARS = 1500
_GUARD_KEPT = 0.6
_MIN_LEAD_CHARS = 40  # a description shorter than a sentence is a tagline, not a lead
_local = threading.local()


def _state():
    """This thread's lxml parser and trafilatura config (neither pickles nor may be shared)."""
    st = getattr(_local, "state", None)
    if st is None:
        from trafilatura.settings import use_config

        # trafilatura logs a warning per page it finds too little text in; we reject such pages
        # with a reason (no_main_text), so its log line is noise on a large run.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
        config = use_config()
        config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # timeouts use signals: not in worker threads
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
        st = _local.state = (parser, config)
    return st


def setup() -> None:
    """Build this thread's parser state now (called from DoFn.setup())."""
    _state()


@dataclass
class Page:
    """What one HTML page yields."""

    paragraphs: list[str] = field(default_factory=list)
    title: str | None = None
    byline: list[str] = field(default_factory=list)  # the credits as printed
    authors: list[str] = field(default_factory=list)  # person names only (transforms/read/authors.py)
    tags: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None
    published: list[str] = field(default_factory=list)  # candidates as printed, the article's own first
    language: str | None = None  # the page's declared language (lang attribute)
    description: str | None = None
    standfirst: str | None = None


def _tags(tree, keywords: str | None, doc_tags, doc_categories) -> list[str]:
    raw: list[str] = [el.get("content") or "" for el in tree.iterfind(".//meta[@property]") if el.get("property") == "article:tag"]
    if not any(raw):
        raw = [keywords] if keywords else []
    for extra in (doc_tags, doc_categories):
        if isinstance(extra, str):
            raw.append(extra)
        elif isinstance(extra, list):
            raw.extend(x for x in extra if isinstance(x, str))
    out: list[str] = []
    for chunk in raw:
        for t in _TAG_SPLIT.split(chunk):
            t = " ".join(html_lib.unescape(t).split()).rstrip(";")
            if t and t not in out and len(t) < 100:
                out.append(t)
    return out


def _without_internal_subset(html: str) -> str:
    """Cut a DOCTYPE internal subset (`<!DOCTYPE x [ ... ]>`), found by plain scanning (no
    backtracking regex on untrusted input). HTML never needs one; entity bombs live there."""
    head = html[:_DOCTYPE_SCAN].upper()
    at = head.find("<!DOCTYPE")
    if at < 0:
        return html
    gt, bracket = head.find(">", at), head.find("[", at)
    if bracket < 0 or (0 <= gt < bracket):
        return html
    close = html.find("]", bracket)
    end = html.find(">", close) if close >= 0 else -1
    return html[:at] + "<!DOCTYPE html>" + (html[end + 1 :] if end >= 0 else "")


def parse_tree(html: str | bytes, count: Count = no_count):
    """Parse HTML with the safe parser (no DTD, no entities, no network); DOCTYPE subset cut first.
    Bytes are decoded by their declared charset (decode counters go to `count`)."""
    parser, _ = _state()
    if isinstance(html, bytes):
        html = decode_bytes(html, declared_charset(html), count).text
    html = _without_internal_subset(html)
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html, count=1)  # lxml refuses str input with an encoding declaration
    if not html.strip():
        raise RecordError("empty", "the page is empty")
    try:
        return lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise RecordError("html_unparseable", f"cannot parse the HTML: {exc!r}") from None


def _standfirst(tree, paragraphs: list[str], description: str | None) -> tuple[str | None, list[str]]:
    """The lead the page prints: its description when the page's body shows it. When the extracted
    text starts with it, that paragraph moves to the standfirst (never kept twice); when the extractor
    left it out, it is taken from the page. A description the page does not print stays out."""
    if not description:
        return None, paragraphs
    lead = " ".join(description.split()).rstrip(".…").rstrip()
    if len(lead) < _MIN_LEAD_CHARS:
        return None, paragraphs
    folded = lead.casefold()
    if paragraphs and paragraphs[0].casefold().startswith(folded) and len(paragraphs) > 1:
        return paragraphs[0], paragraphs[1:]
    if any(folded in p.casefold() for p in paragraphs):
        return None, paragraphs  # already in the text: the standfirst would repeat it
    body = tree.find(".//body")
    printed = " ".join((body.text_content() if body is not None else "").split()).casefold()
    return (" ".join(description.split()) if folded in printed else None), paragraphs


def _article_paragraphs(tree) -> list[str]:
    """The `<p>` texts of the page's largest `<article>` element, in order (empty without one)."""
    best: list[str] = []
    for article in tree.iterfind(".//article"):
        texts = [t for t in (" ".join(p.text_content().split()) for p in article.iter("p")) if t]
        if sum(map(len, texts)) > sum(map(len, best)):
            best = texts
    return best


def _not_truncated(tree, paragraphs: list[str], url: str | None, config, count: Count) -> list[str]:
    """Guard against a cut-short extraction (a long review or feature kept at a third of its words):
    when the page's own `<article>` prints much more paragraph text than was extracted, extract again
    favouring recall, else take that article's paragraphs; the cleaner then strips what is boilerplate."""
    import trafilatura

    printed = _article_paragraphs(tree)
    total, kept = sum(map(len, printed)), sum(map(len, paragraphs))
    if total < _GUARD_MIN_CHARS or kept >= _GUARD_KEPT * total:
        return paragraphs
    count("html.extraction_too_short")
    doc = trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True, favor_recall=True, config=config)
    again = [" ".join(p.split()) for p in (getattr(doc, "text", None) or "").split("\n") if p.strip()]
    if sum(map(len, again)) >= _GUARD_KEPT * total:
        return again
    return printed if total > kept else paragraphs


def extract_page(html: str | bytes, url: str | None = None, fragment: bool = False, count: Count = no_count) -> Page:
    """Main text and metadata of one page (or of a feed item's HTML fragment)."""
    import trafilatura

    _, config = _state()
    tree = parse_tree(html, count)
    meta, dates = page_meta(tree, url)
    page = Page(title=meta.title, byline=meta.credits, authors=meta.authors, site_name=meta.site_name, published=dates)
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    page.language = lang.split("-")[0].strip().lower()[:3] if lang else None
    page.canonical_url = meta.url if meta.url != url else (meta.url or None)
    page.description = meta.description
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        config=config,
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if text:
        page.paragraphs = [" ".join(p.split()) for p in text.split("\n") if p.strip()]
        if not fragment:
            page.paragraphs = _not_truncated(tree, page.paragraphs, url, config, count)
    elif fragment:
        # Feed items hold short fragments that trafilatura may judge too small: take their text blocks.
        blocks = tree.xpath("//p|//li|//h1|//h2|//h3|//blockquote|//td")
        texts = [" ".join(b.text_content().split()) for b in blocks] or [" ".join(tree.text_content().split())]
        page.paragraphs = [t for t in texts if t]
    if doc is not None:  # trafilatura's metadata fills what the page's own markup left empty
        page.title = page.title or doc.title or None
        if not page.authors and doc.author:
            page.authors = authors_from(doc.author.split(";"))
            page.byline = page.byline or [doc.author]
        page.tags = _tags(tree, meta.keywords, doc.tags, doc.categories)
        page.site_name = page.site_name or publisher_name(doc.sitename, url or meta.url) or None
        page.canonical_url = page.canonical_url or doc.url or None
        page.published = page.published + ([doc.date] if doc.date else [])
    else:
        page.tags = _tags(tree, meta.keywords, None, None)
    page.site_name = page.site_name or publisher_name(None, url or meta.url)
    page.standfirst, page.paragraphs = _standfirst(tree, page.paragraphs, page.description)
    return page


def article_from_page(
    record: RawRecord, page: Page, default_tz: str, count: Count = no_count, reference: datetime | None = None
) -> ParsedArticle:
    """ParsedArticle from an extracted page; RecordError when the page has no main text. `reference`
    is the crawl time when known (a WARC-Date): relative dates are read against it, later ones refused."""
    if not page.paragraphs:
        raise RecordError("no_main_text", "no main text found in the page")
    article = ParsedArticle(record=record, title=page.title, paragraphs=page.paragraphs, standfirst=page.standfirst)
    article.byline, article.authors, article.tags = page.byline, page.authors, page.tags
    article.canonical_url = page.canonical_url
    article.publisher = page.site_name
    article.language = page.language  # the declared language: the language stage replaces it when the text is clear
    for printed in page.published:  # the first candidate that is a real date (placeholders are skipped)
        stamp = parse_timestamp(printed, default_tz, reference=reference, count=count)
        if stamp is not None:
            article.published_at, article.published_tz_assumed = stamp
            break
        count("html.date_candidate_skipped")
    if article.paragraphs and article.title and article.paragraphs[0] == article.title:
        article.paragraphs = article.paragraphs[1:] or article.paragraphs
    return article


def parse_html_text(
    record: RawRecord, html: str | bytes, default_tz: str = "UTC", url: str | None = None, count: Count = no_count
) -> ParsedArticle:
    """HTML held in a field (JSONL, CSV, a feed item, a WARC payload) -> ParsedArticle."""
    page = extract_page(html, url=url, count=count)
    article = article_from_page(record, page, default_tz, count)
    article.url = url or article.canonical_url
    return article


def split_page(data: bytes) -> Splitter:
    """An HTML file is one record: the whole page."""
    yield Piece(f"page=0;bytes=0-{len(data)}", data)


def parse_html(record: RawRecord, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """An HTML file (one page) -> ParsedArticle."""
    return parse_html_text(record, record.raw, default_tz, url=None, count=count)
