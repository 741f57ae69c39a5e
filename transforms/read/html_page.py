"""HTML pages: main text with trafilatura, metadata from the page's own markup.

trafilatura only ever receives a parsed lxml tree: it never fetches anything. The HTML parser
never loads DTDs or touches the network, and a DOCTYPE internal subset (where entity bombs and
external entities live) is cut before parsing: HTML has no use for it. published_at comes from
`article:published_time` / JSON-LD `datePublished` first: trafilatura's own date can be the
modified date. The extracted text then goes through the same boilerplate cleaner as every format.
Parser state (lxml parser, trafilatura config) is per thread and built in DoFn.setup() via `setup()`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.charset import declared_charset, decode_bytes
from wirestrip.transforms.read.formats import Piece, Splitter
from wirestrip.transforms.read.timestamps import parse_timestamp
from wirestrip.transforms.record_types import ParsedArticle, RawRecord, RecordError

_DOCTYPE_SCAN = 4096  # a DOCTYPE comes first in a page; only the head is searched for one
_MAX_JSONLD_CHARS = 200_000  # a JSON-LD block bigger than this is not metadata worth parsing
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\||,|\band\b|&)\s*")
_TAG_SPLIT = re.compile(r"\s*[;,|]\s*")
_PUBLISHED_META = (
    ("property", "article:published_time"),
    ("name", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "pubdate"),
    ("name", "publishdate"),
    ("name", "date"),
    ("name", "dc.date.issued"),
    ("name", "DC.date.issued"),
    ("property", "og:published_time"),
    ("name", "parsely-pub-date"),
    ("name", "sailthru.date"),
)
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
    byline: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    site_name: str | None = None
    published: str | None = None  # as printed; parsed by the caller with --default-tz
    language: str | None = None  # the page's declared language (lang attribute)
    description: str | None = None


def _meta(tree, attr: str, name: str) -> str | None:
    for el in tree.iterfind(f".//meta[@{attr}]"):
        if (el.get(attr) or "").strip().lower() == name.lower():
            value = (el.get("content") or "").strip()
            if value:
                return value
    return None


def _jsonld_objects(tree) -> list[dict]:
    out: list[dict] = []
    for el in tree.iterfind(".//script[@type]"):
        if "ld+json" not in (el.get("type") or "").lower():
            continue
        text = el.text or ""
        if len(text) > _MAX_JSONLD_CHARS:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        stack = [data]
        while stack and len(out) < 100:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                out.append(item)
                if "@graph" in item:
                    stack.append(item["@graph"])
    return out


def _jsonld_publisher(jsonld: list[dict]) -> str | None:
    """The JSON-LD `publisher.name` of the page's article object, if any."""
    for obj in jsonld:
        pub = obj.get("publisher")
        if isinstance(pub, dict) and isinstance(pub.get("name"), str) and pub["name"].strip():
            return " ".join(pub["name"].split())
    return None


def _published(tree, jsonld: list[dict]) -> str | None:
    value = _meta(tree, "property", "article:published_time")
    if value:
        return value
    for obj in jsonld:
        if isinstance(obj.get("datePublished"), str) and obj["datePublished"].strip():
            return obj["datePublished"].strip()
    for attr, name in _PUBLISHED_META[1:]:
        value = _meta(tree, attr, name)
        if value:
            return value
    time_el = tree.find(".//time[@datetime]")
    if time_el is not None and (time_el.get("pubdate") is not None or time_el.get("itemprop") == "datePublished"):
        return time_el.get("datetime")
    return None


def _authors(tree, jsonld: list[dict], fallback: str | None) -> list[str]:
    names: list[str] = []
    for obj in jsonld:
        author = obj.get("author")
        for a in author if isinstance(author, list) else [author]:
            if isinstance(a, dict) and isinstance(a.get("name"), str):
                names.append(a["name"])
            elif isinstance(a, str):
                names.append(a)
        if names:
            break
    if not names:
        meta = _meta(tree, "name", "author") or _meta(tree, "property", "article:author") or fallback
        names = _AUTHOR_SPLIT.split(meta) if meta and not meta.startswith("http") else []
    seen: list[str] = []
    for n in (" ".join(x.split()) for x in names):
        n = re.sub(r"^by\s+", "", n, flags=re.IGNORECASE)
        if n and n not in seen and len(n) < 100:
            seen.append(n)
    return seen


def _tags(tree, doc_tags, doc_categories) -> list[str]:
    raw: list[str] = [el.get("content") or "" for el in tree.iterfind(".//meta[@property]") if el.get("property") == "article:tag"]
    if not any(raw):
        kw = _meta(tree, "name", "keywords") or _meta(tree, "name", "news_keywords")
        raw = [kw] if kw else []
    for extra in (doc_tags, doc_categories):
        if isinstance(extra, str):
            raw.append(extra)
        elif isinstance(extra, list):
            raw.extend(x for x in extra if isinstance(x, str))
    out: list[str] = []
    for chunk in raw:
        for t in _TAG_SPLIT.split(chunk):
            t = " ".join(t.split())
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


def extract_page(html: str | bytes, url: str | None = None, fragment: bool = False, count: Count = no_count) -> Page:
    """Main text and metadata of one page (or of a feed item's HTML fragment)."""
    import trafilatura

    _, config = _state()
    tree = parse_tree(html, count)
    jsonld = _jsonld_objects(tree)
    page = Page(published=_published(tree, jsonld))
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    page.language = lang.split("-")[0].strip().lower()[:3] if lang else None
    canonical = next((el.get("href") for el in tree.iterfind(".//link[@rel]") if (el.get("rel") or "").lower() == "canonical"), None)
    page.canonical_url = (canonical or _meta(tree, "property", "og:url") or "").strip() or None
    page.site_name = _meta(tree, "property", "og:site_name") or _jsonld_publisher(jsonld) or _meta(tree, "name", "application-name")
    page.description = _meta(tree, "name", "description") or _meta(tree, "property", "og:description")
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
    elif fragment:
        # Feed items hold short fragments that trafilatura may judge too small: take their text blocks.
        blocks = tree.xpath("//p|//li|//h1|//h2|//h3|//blockquote|//td")
        texts = [" ".join(b.text_content().split()) for b in blocks] or [" ".join(tree.text_content().split())]
        page.paragraphs = [t for t in texts if t]
    if doc is not None:
        page.title = doc.title or None
        page.byline = _authors(tree, jsonld, doc.author)
        page.tags = _tags(tree, doc.tags, doc.categories)
        page.site_name = page.site_name or doc.sitename or None
        page.canonical_url = page.canonical_url or doc.url or None
        page.published = page.published or doc.date or None
    else:
        title = tree.findtext(".//title")
        page.title = " ".join(title.split()) if title else None
        page.byline = _authors(tree, jsonld, None)
        page.tags = _tags(tree, None, None)
    return page


def article_from_page(record: RawRecord, page: Page, default_tz: str) -> ParsedArticle:
    """ParsedArticle from an extracted page; RecordError when the page has no main text."""
    if not page.paragraphs:
        raise RecordError("no_main_text", "no main text found in the page")
    article = ParsedArticle(record=record, title=page.title, paragraphs=page.paragraphs)
    article.byline, article.tags = page.byline, page.tags
    article.canonical_url = page.canonical_url
    article.publisher = page.site_name
    article.language = page.language  # the declared language: the language stage replaces it when the text is clear
    if page.published:
        stamp = parse_timestamp(page.published, default_tz)
        if stamp is not None:
            article.published_at, article.published_tz_assumed = stamp
    if article.paragraphs and article.title and article.paragraphs[0] == article.title:
        article.paragraphs = article.paragraphs[1:] or article.paragraphs
    return article


def parse_html_text(
    record: RawRecord, html: str | bytes, default_tz: str = "UTC", url: str | None = None, count: Count = no_count
) -> ParsedArticle:
    """HTML held in a field (JSONL, CSV, a feed item, a WARC payload) -> ParsedArticle."""
    page = extract_page(html, url=url, count=count)
    article = article_from_page(record, page, default_tz)
    article.url = url or article.canonical_url
    return article


def split_page(data: bytes) -> Splitter:
    """An HTML file is one record: the whole page."""
    yield Piece(f"page=0;bytes=0-{len(data)}", data)


def parse_html(record: RawRecord, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """An HTML file (one page) -> ParsedArticle."""
    return parse_html_text(record, record.raw, default_tz, url=None, count=count)
