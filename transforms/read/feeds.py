"""RSS 2.0 / RSS 1.0 / Atom feeds: one article per item.

Parsed with lxml configured never to resolve entities, load a DTD or touch the network; a feed
that declares entities (where billion-laughs bombs and external entities live) is rejected
whole, unexpanded. Items with full content (`content:encoded`, Atom `content`) go through the
HTML path (content_kind `full`); items with only a summary are kept as `summary`; items whose
only text is a media caption as `caption_only`. Locator: `item=N` (N from 0 in document order);
an item's raw bytes are its canonical XML serialisation, so a re-read gives the same bytes.

Encoding: a byte-order mark decides; else a declared non-UTF-8 encoding is lxml's to read; else
bytes that are valid UTF-8 are read as they are; else (a Latin-1 feed without an XML declaration,
or one that wrongly declares UTF-8) the project's detection (`charset.decode_bytes`) decodes them
and the feed is re-encoded as UTF-8 before parsing.

A feed that is not well-formed XML is not rejected whole when its items can be found: the items
are cut out on their `<item>`/`<entry>` tags (outside CDATA and comments) and each is parsed on
its own, strictly, with the namespaces the feed declares before its first item. A well-formed item
is read as usual; a broken or unclosed one is its own `xml_malformed` reject (`item=N`). When
every item is well-formed, the break is around them: one `xml_malformed` reject for the file
says so. A broken feed in which no item can be found is rejected whole, as before.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from lxml import etree
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.read.charset import decode_bytes
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
# Byte-order marks, UTF-32 before UTF-16 (FF FE 00 00 starts with FF FE).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})["']""")
# The encoding pseudo-attribute of a re-encoded feed's declaration: it would name the old encoding.
_DECLARED_TEXT = re.compile(r"""^(\s*<\?xml[^>]{0,200}?)\s+encoding\s*=\s*["'][^"']{0,40}["']""")
# Item boundaries in a broken feed: CDATA and comments are skipped whole (an "<item>" inside
# them is text); an item may carry a prefix (atom:entry). The end of each construct is found by
# bytes.find, so the scan is linear in the feed's size.
_ITEM_TOKEN = re.compile(rb"<!\[CDATA\[|<!--|<(/?)(?:[A-Za-z_][\w.-]{0,40}:)?(?:item|entry)(?=[\s/>])")
_WRAPPER = b"wirestrip-items"  # the element a cut-out item is parsed inside, with the feed's namespaces


def _parser(recover: bool = False) -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, recover=recover)


def _refuse_entities(data: bytes) -> None:
    prolog_end = data.find(b"<rss")
    for tag in (b"<feed", b"<rdf:RDF", b"<item", b"<entry"):
        pos = data.find(tag)
        if pos >= 0 and (prolog_end < 0 or pos < prolog_end):
            prolog_end = pos
    if _ENTITY_DECL.search(data[: prolog_end if prolog_end >= 0 else len(data)]):
        raise RecordError("xml_entities_forbidden", "the document declares XML entities (never expanded or fetched)")


def parse_xml(data: bytes):
    """Parse feed XML safely; RecordError for entity declarations and malformed XML."""
    _refuse_entities(data)
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise RecordError("xml_malformed", f"not well-formed XML: {exc!r}") from None


def feed_bytes(data: bytes, count: Count = no_count) -> bytes:
    """The feed as bytes lxml reads right (module docstring, Encoding): unchanged when it has no
    BOM and is valid UTF-8 or declares another encoding; else decoded and re-encoded as UTF-8,
    its declaration's encoding dropped. RecordError('undecodable') when mostly undecodable."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                data = data[len(bom) :]
                break
            return _as_utf8(data[len(bom) :].decode(encoding, errors="replace"))
    declared = _DECLARED.match(data)
    if declared:
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
        except LookupError:
            name = None
        if name is not None and name != "utf-8":
            return data  # lxml reads the declared encoding itself
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    return _as_utf8(decode_bytes(data, None, count).text)


def _as_utf8(text: str) -> bytes:
    return _DECLARED_TEXT.sub(r"\1", text, count=1).encode("utf-8")


def _feed_meta(root) -> dict:
    """The feed's title and declared language, the hints every item carries."""
    channel = root.find("channel")
    title_el = (channel if channel is not None else root).find("title")
    if title_el is None:
        title_el = root.find("atom:title", NS)
    feed_title = " ".join((title_el.text or "").split()) if title_el is not None else ""
    lang = (channel.findtext("language") if channel is not None else None) or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    feed_lang = lang.split("-")[0].strip().lower()[:3] if lang else ""
    return {"feed_title": feed_title, "feed_language": feed_lang}


def split_feed(data: bytes, count: Count = no_count) -> Splitter:
    """Items of a feed as Pieces (meta: the feed's title and language), raising RecordError for a
    bad feed; a malformed feed whose items can be found gives one event per item (module docstring)."""
    data = feed_bytes(data, count)
    _refuse_entities(data)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        yield from _split_broken(data, exc)
        return
    items = root.xpath(_ITEMS, namespaces=NS)
    if not items and root.tag not in ("rss", f"{{{NS['atom']}}}feed") and not root.tag.endswith("RDF"):
        raise RecordError("not_a_feed", f"root element {root.tag!r} is not rss, feed or RDF")
    meta = _feed_meta(root)
    for n, item in enumerate(items):
        raw = etree.tostring(item, encoding="utf-8")
        if not raw.strip():
            yield Bad(f"item={n}", "empty", "empty item", raw)
            continue
        yield Piece(f"item={n}", raw, meta)


def _item_spans(data: bytes) -> Iterator[tuple[int, int, bool]]:
    """(start, end, closed) of each <item>/<entry> in document order, found by tags alone."""
    pos, start = 0, None
    while (m := _ITEM_TOKEN.search(data, pos)) is not None:
        token = m.group(0)
        if token in (b"<![CDATA[", b"<!--"):
            end = data.find(b"]]>" if token == b"<![CDATA[" else b"-->", m.end())
            if end < 0:
                break  # an unclosed CDATA or comment runs to the end: no tag after it
            pos = end + 3
            continue
        gt = data.find(b">", m.end())
        if gt < 0:
            break
        if m.group(1):  # a closing tag
            if start is not None:
                yield start, gt + 1, True
                start = None
        else:
            if start is not None:  # a new item before the last one closed
                yield start, m.start(), False
                start = None
            if data[gt - 1 : gt] == b"/":  # <item/>
                yield m.start(), gt + 1, True
            else:
                start = m.start()
        pos = gt + 1
    if start is not None:
        yield start, len(data), False


def _split_broken(data: bytes, exc: etree.XMLSyntaxError) -> Splitter:
    """A malformed feed read item by item; RecordError('xml_malformed') when no item can be found."""
    spans = list(_item_spans(data))
    if not spans:
        raise RecordError("xml_malformed", f"not well-formed XML: {exc!r}")
    head = data[: spans[0][0]]
    meta: dict = {"feed_title": "", "feed_language": ""}
    namespaces: dict = {}
    try:  # the channel's title, language and namespaces, from what precedes the first item
        head_root = etree.fromstring(head, parser=_parser(recover=True)) if head.strip() else None
    except etree.XMLSyntaxError:
        head_root = None
    if head_root is not None:
        meta = _feed_meta(head_root)
        for el in head_root.iter():
            namespaces.update(el.nsmap)
    declarations = b"".join(
        b" " + (b"xmlns" if prefix is None else b"xmlns:" + prefix.encode()) + b"=" + quoteattr(uri).encode()
        for prefix, uri in namespaces.items()
    )
    opening, closing = b"<" + _WRAPPER + declarations + b">", b"</" + _WRAPPER + b">"
    broken = 0
    for n, (start, end, closed) in enumerate(spans):
        chunk = data[start:end]
        if not closed:
            broken += 1
            yield Bad(f"item={n}", "xml_malformed", "the item is never closed (the feed is cut or broken inside it)", chunk)
            continue
        try:
            wrapper = etree.fromstring(opening + b"\n" + chunk + closing, parser=_parser())
        except etree.XMLSyntaxError as item_exc:
            broken += 1
            line, column = item_exc.position  # the item starts on the wrapper's second line
            reason = (item_exc.msg or "").split(", line ")[0]
            yield Bad(
                f"item={n}",
                "xml_malformed",
                f"the item is not well-formed XML: {reason}, line {line - 1}, column {column} of the item",
                chunk,
            )
            continue
        yield Piece(f"item={n}", etree.tostring(wrapper[0], encoding="utf-8"), meta)
    if not broken:
        message = f"the feed around its items is not well-formed XML ({exc!r}); its {len(spans)} items were read one by one"
        yield Bad("file", "xml_malformed", message, None, len(data))


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
    stamp = parse_timestamp(stamp_text, default_tz, count=count) if stamp_text else None
    if stamp is not None:
        article.published_at, article.published_tz_assumed = stamp
    return article
