"""Dumps of every input format for the readers benchmark: CSV, JSON lines, WARC, RSS and HTML pages.

The bench's own writers (the tests keep theirs in tests/dumps.py): the same shapes, only what
bench/perf/readers.py needs.
"""

from __future__ import annotations

import csv
import io
import json

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def page(title: str, paras: list[str]) -> str:
    """A news page with chrome around the article, metadata in the head."""
    head = (
        f"<title>{title} | Example Daily</title>"
        "<link rel='canonical' href='https://example.org/news/bike-lanes'>"
        "<meta property='og:site_name' content='Example Daily'>"
        "<meta name='author' content='Ann Writer and Bo Reporter'>"
        "<meta name='keywords' content='cycling, Paris, city council'>"
        "<meta property='article:published_time' content='2024-05-01T10:00:00Z'>"
    )
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer><p>Contact us</p><p>All rights reserved by the example footer company.</p></footer></body></html>"
    )


def csv_dump(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def jsonl_dump(objs: list[dict]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs).encode("utf-8")


def warc_dump(pages: list[tuple[str, bytes]], gzip: bool = False) -> bytes:
    """pages: (url, HTML) each as a 200 text/html response, after a warcinfo record."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gzip)
    w.write_record(w.create_warcinfo_record("dump.warc", {"software": "wirestrip tests"}))
    for url, payload in pages:
        http = StatusAndHeaders("200 X", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=http))
    return buf.getvalue()


def rss_item(title: str, content: str) -> str:
    return (
        f"<item><title>{title}</title><link>https://example.org/a</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate>"
        "<dc:creator>Ann Writer</dc:creator><category>Cities</category><category>Transport</category>"
        f"<content:encoded><![CDATA[{content}]]></content:encoded></item>"
    )


def rss_dump(items: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
        f"<title>Example Daily feed</title><link>https://example.org/</link><language>en-gb</language>{''.join(items)}</channel></rss>"
    ).encode()
