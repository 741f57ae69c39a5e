"""Small dumps of every input format, written by the tests themselves (our own words)."""

from __future__ import annotations

import csv
import io
import json

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PARAS = [
    "PARIS: The city council approved a plan for protected cycling lanes on Tuesday after a long debate.",
    "The plan adds forty kilometres of lanes by 2027 and removes parking along two avenues.",
    "Officials said the cost would be shared between the city and the surrounding region.",
]
DISCLAIMER = "(This story has not been edited by Example Daily staff and is auto-generated from a syndicated feed.)"
GERMAN = [
    "Der Stadtrat hat am Dienstag nach einer langen Debatte einen Plan für geschützte Radwege beschlossen.",
    "Der Plan sieht bis 2027 vierzig Kilometer neue Wege vor und streicht Parkplätze an zwei Straßen.",
]


def page(
    title: str,
    paras: list[str],
    *,
    published: str | None = "2024-05-01T10:00:00Z",
    lang: str = "en",
    jsonld_date: str | None = None,
    modified: str | None = None,
    extra_head: str = "",
) -> str:
    """A news page with chrome around the article, metadata in the head."""
    head = [
        f"<title>{title} | Example Daily</title>",
        "<link rel='canonical' href='https://example.org/news/bike-lanes'>",
        "<meta property='og:site_name' content='Example Daily'>",
        "<meta name='author' content='Ann Writer and Bo Reporter'>",
        "<meta name='keywords' content='cycling, Paris, city council'>",
    ]
    if published:
        head.append(f"<meta property='article:published_time' content='{published}'>")
    if modified:
        head.append(f"<meta property='article:modified_time' content='{modified}'>")
    if jsonld_date:
        head.append(
            '<script type="application/ld+json">' + json.dumps({"@type": "NewsArticle", "datePublished": jsonld_date}) + "</script>"
        )
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head>{''.join(head)}{extra_head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer><p>Contact us</p><p>All rights reserved by the example footer company.</p></footer></body></html>"
    )


def csv_dump(rows: list[dict], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def jsonl_dump(objs: list) -> bytes:
    return "".join((o if isinstance(o, str) else json.dumps(o, ensure_ascii=False)) + "\n" for o in objs).encode("utf-8")


def warc_dump(records: list[tuple[str, str, int, str, bytes]], gzip: bool = False) -> bytes:
    """records: (warc_type, url, status, content_type, payload)."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gzip)
    w.write_record(w.create_warcinfo_record("dump.warc", {"software": "wirestrip tests"}))
    for rec_type, url, status, ctype, payload in records:
        http = StatusAndHeaders(f"{status} X", [("Content-Type", ctype)], protocol="HTTP/1.1")
        if rec_type == "request":
            rec = w.create_warc_record(
                url, "request", payload=io.BytesIO(b""), http_headers=StatusAndHeaders("GET / HTTP/1.1", [], is_http_request=True)
            )
        else:
            rec = w.create_warc_record(url, rec_type, payload=io.BytesIO(payload), http_headers=http)
        w.write_record(rec)
    return buf.getvalue()


def rss_dump(items: list[str], title: str = "Example Daily feed") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>{title}</title><link>https://example.org/</link><language>en-gb</language>{''.join(items)}</channel></rss>"
    ).encode()


def rss_item(
    title: str,
    *,
    content: str | None = None,
    summary: str | None = None,
    caption: str | None = None,
    link: str = "https://example.org/a",
    date: str = "Wed, 01 May 2024 10:00:00 GMT",
    categories=("Cities", "Transport"),
) -> str:
    parts = [f"<title>{title}</title><link>{link}</link><pubDate>{date}</pubDate><dc:creator>Ann Writer</dc:creator>"]
    parts += [f"<category>{c}</category>" for c in categories]
    if content:
        parts.append(f"<content:encoded><![CDATA[{content}]]></content:encoded>")
    if summary:
        parts.append(f"<description>{summary}</description>")
    if caption:
        parts.append(f"<media:content url='https://example.org/p.jpg'><media:description>{caption}</media:description></media:content>")
    return "<item>" + "".join(parts) + "</item>"


def atom_dump(entries: list[tuple[str, str]]) -> bytes:
    body = "".join(
        f"<entry><title>{t}</title><link href='https://example.org/{i}'/><id>urn:x:{i}</id><published>2024-05-0{i + 1}T08:00:00Z</published>"
        f"<author><name>Bo Reporter</name></author><content type='html'>{c}</content></entry>"
        for i, (t, c) in enumerate(entries)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Example</title>{body}</feed>'.encode()
    )
