"""RSS 2.0 / RSS 1.0 / Atom feeds: one article per item.

Parsed with lxml configured never to resolve entities, load a DTD or touch the network; a feed
that declares entities (where billion-laughs bombs and external entities live) is rejected
whole, unexpanded. Items with full content (`content:encoded`, Atom `content`) go through the
HTML path (content_kind `full`); items with only a summary are kept as `summary`; items whose
only text is a media caption as `caption_only`. Locator: `item=N` (N from 0 in document order);
an item's raw bytes are its canonical XML serialisation, so a re-read gives the same bytes.
"""

from __future__ import annotations

import re

from lxml import etree
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.formats import Bad, Piece, Splitter
from wirestrip.transforms.read.html_page import article_from_page, extract_page
from wirestrip.transforms.read.timestamps import parse_timestamp
from wirestrip.transforms.record_types import ParsedArticle, RecordError

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "rss1": "http://purl.org/rss/1.0/",
    "media": "http://search.yahoo.com/mrss/",
}
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ITEMS = "//item | //atom:entry | //rss1:item"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True)


def parse_xml(data: bytes):
    """Parse feed XML safely; RecordError for entity declarations and malformed XML."""
    prolog_end = data.find(b"<rss")
    for tag in (b"<feed", b"<rdf:RDF", b"<item", b"<entry"):
        pos = data.find(tag)
        if pos >= 0 and (prolog_end < 0 or pos < prolog_end):
            prolog_end = pos
    if _ENTITY_DECL.search(data[: prolog_end if prolog_end >= 0 else len(data)]):
        raise RecordError("xml_entities_forbidden", "the document declares XML entities (never expanded or fetched)")
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise RecordError("xml_malformed", f"not well-formed XML: {exc!r}") from None


def split_feed(data: bytes) -> Splitter:
    """Items of a feed as Pieces (meta: the feed's title and link), raising RecordError for a bad feed."""
    root = parse_xml(data)
    items = root.xpath(_ITEMS, namespaces=NS)
    if not items and root.tag not in ("rss", f"{{{NS['atom']}}}feed") and not root.tag.endswith("RDF"):
        raise RecordError("not_a_feed", f"root element {root.tag!r} is not rss, feed or RDF")
    channel = root.find("channel")
    title_el = (channel if channel is not None else root).find("title")
    if title_el is None:
        title_el = root.find("atom:title", NS)
    feed_title = " ".join((title_el.text or "").split()) if title_el is not None else ""
    lang = (channel.findtext("language") if channel is not None else None) or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    feed_lang = lang.split("-")[0].strip().lower()[:3] if lang else ""
    for n, item in enumerate(items):
        raw = etree.tostring(item, encoding="utf-8")
        if not raw.strip():
            yield Bad(f"item={n}", "empty", "empty item", raw)
            continue
        yield Piece(f"item={n}", raw, {"feed_title": feed_title, "feed_language": feed_lang})


def _text(item, *paths: str) -> str | None:
    for path in paths:
        for el in item.xpath(path, namespaces=NS):
            value = el if isinstance(el, str) else "".join(el.itertext())
            value = value.strip()
            if value:
                return value
    return None


def parse_feed_item(record, default_tz: str = "UTC", count: Count = no_count) -> ParsedArticle:
    """One feed item -> ParsedArticle, flagged full / summary / caption_only."""
    item = parse_xml(record.raw)
    link = _text(
        item,
        "link[not(@rel) or @rel='alternate']/@href",
        "atom:link[not(@rel) or @rel='alternate']/@href",
        "link",
        "rss1:link",
        "guid[not(@isPermaLink='false')]",
        "atom:id",
    )
    title = _text(item, "title", "atom:title", "rss1:title")
    full = _text(item, "content:encoded", "atom:content")
    summary = _text(item, "description", "atom:summary", "rss1:description")
    caption = _text(item, "media:description", ".//media:description", "media:title", ".//media:title")
    if full:
        kind, html = "full", full
    elif summary:
        kind, html = "summary", summary
    elif caption:
        kind, html = "caption_only", caption
    else:
        raise RecordError("no_text", "the item has no content, summary or caption")
    html = html if "<" in html else "<p>" + html.replace("&", "&amp;").replace("<", "&lt;") + "</p>"
    page = extract_page(f"<html><body><article>{html}</article></body></html>", url=link, fragment=True, count=count)
    article = article_from_page(record, page, default_tz)
    article.content_kind = kind
    article.url = link
    article.title = " ".join(title.split()) if title else article.title
    article.byline = [a for a in (_text(item, "dc:creator", "author", "atom:author/atom:name"),) if a] or article.byline
    article.tags = [
        c
        for c in (" ".join(x.split()) for x in item.xpath("category/text() | atom:category/@term | dc:subject/text()", namespaces=NS))
        if c
    ] or article.tags
    article.publisher = record.meta.get("feed_title") or article.publisher
    article.language = record.meta.get("feed_language") or article.language  # declared; the text decides when long enough
    stamp_text = _text(item, "pubDate", "atom:published", "dc:date", "atom:updated")
    stamp = parse_timestamp(stamp_text, default_tz) if stamp_text else None
    if stamp is not None:
        article.published_at, article.published_tz_assumed = stamp
    return article
