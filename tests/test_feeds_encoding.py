"""Feeds without a declared encoding are read (BOM, UTF-8 validity, charset detection), and a
malformed feed rejects per item where its items can be found, each reject with its reason."""

from __future__ import annotations

import codecs
import time

import pytest
from wirestrip.transforms.read.feeds import feed_bytes, parse_feed_item, split_feed
from wirestrip.transforms.read.files import FileInfo, FileToRead, read_file
from wirestrip.transforms.read.formats import Bad, FormatRecord, Piece, ReaderConfig
from wirestrip.transforms.read.locate import reread_record
from wirestrip.transforms.record_types import RecordError, Reject

ITEMS = (
    "<item><title>Élection à Besançon</title><description>Le préfet a annoncé les résultats du scrutin.</description>"
    "<pubDate>Mon, 03 Jul 2023 07:08:00 +0200</pubDate></item>"
    "<item><title>Météo</title><description>Un été très chaud à Nîmes et à Arlès.</description></item>"
)
FEED = f'<rss version="2.0"><channel><title>Le Quotidien</title><language>fr-FR</language>{ITEMS}</channel></rss>'
LATIN1 = FEED.encode("latin-1")  # no XML declaration, bytes invalid as UTF-8


def pieces(events) -> list[Piece]:
    return [e for e in events if isinstance(e, Piece)]


def parse(piece: Piece):
    return parse_feed_item(FormatRecord("f.rss", "f.rss", piece.locator, "rss", piece.raw, "sha", "id", dict(piece.meta)))


def test_latin1_feed_without_declaration_is_read():
    with pytest.raises(UnicodeDecodeError):
        LATIN1.decode("utf-8")
    events = list(split_feed(LATIN1))
    assert [type(e) for e in events] == [Piece, Piece]
    first, second = (parse(p) for p in events)
    assert first.title == "Élection à Besançon" and first.paragraphs == ["Le préfet a annoncé les résultats du scrutin."]
    assert first.publisher == "Le Quotidien" and first.language == "fr"
    assert first.published_at.isoformat() == "2023-07-03T05:08:00+00:00"
    assert second.title == "Météo"


def test_same_items_whatever_the_encoding():
    utf8 = pieces(split_feed(FEED.encode()))
    for data in (
        LATIN1,
        b'<?xml version="1.0" encoding="UTF-8"?>' + LATIN1,  # a declaration that lies: the bytes decide
        b'<?xml version="1.0" encoding="ISO-8859-1"?>' + LATIN1,  # declared: lxml reads it
        codecs.BOM_UTF8 + FEED.encode(),
        codecs.BOM_UTF16_LE + ('<?xml version="1.0" encoding="UTF-16"?>' + FEED).encode("utf-16-le"),
        codecs.BOM_UTF16_BE + FEED.encode("utf-16-be"),
    ):
        assert [p.raw for p in pieces(split_feed(data))] == [p.raw for p in utf8], data[:60]


def test_valid_utf8_and_declared_encodings_pass_through_unchanged():
    data = FEED.encode()
    assert feed_bytes(data) is data
    declared = b'<?xml version="1.0" encoding="windows-1252"?>' + LATIN1
    assert feed_bytes(declared) is declared


def test_detection_is_counted():
    seen: list[str] = []
    feed_bytes(LATIN1, lambda name, n=1: seen.append(name))
    assert "decode.records_not_utf8" in seen


BROKEN = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Wire</title>
<item><title>One</title><dc:creator>Ann Writer</dc:creator><description>The first story of the day.</description></item>
<item><title>Two &amp; three & four</title><description>Second <b>story</description></item>
<item><title>Three</title><description><![CDATA[Third story, which quotes <item> in its text.]]></description></item>
</channel></rss>"""


def test_broken_feed_rejects_only_its_broken_item():
    events = list(split_feed(BROKEN))
    assert [(type(e).__name__, e.locator) for e in events] == [("Piece", "item=0"), ("Bad", "item=1"), ("Piece", "item=2")]
    bad = events[1]
    assert bad.error_type == "xml_malformed" and "EntityRef" in bad.message and "line 1" in bad.message
    assert bad.raw.startswith(b"<item><title>Two") and bad.raw.endswith(b"</item>")
    one, three = parse(events[0]), parse(events[2])
    assert one.title == "One" and one.byline == ["Ann Writer"] and one.publisher == "Wire"  # namespaces and channel kept
    assert three.title == "Three" and three.paragraphs[0].startswith("Third story")  # the <item> in CDATA cut nothing
    # A well-formed item reads the same as in a feed without the broken one.
    fixed = BROKEN.replace(b"<item><title>Two &amp; three & four</title><description>Second <b>story</description></item>\n", b"")
    assert [p.raw.strip() for p in pieces(split_feed(fixed))] == [events[0].raw, events[2].raw]


def test_truncated_feed_keeps_the_items_before_the_cut():
    cut = BROKEN[: BROKEN.index(b"Third story")]
    events = list(split_feed(cut))
    assert [type(e) for e in events] == [Piece, Bad, Bad]
    assert events[2].locator == "item=2" and "never closed" in events[2].message


def test_broken_envelope_around_good_items_is_one_file_reject():
    events = list(
        split_feed(b"<rss><channel><title>W</title><item><title>A</title><description>Alpha text.</description></item></chanel></rss>")
    )
    assert [type(e) for e in events] == [Piece, Bad]
    assert events[1].locator == "file" and events[1].error_type == "xml_malformed" and "1 items were read" in events[1].message


def test_broken_feed_without_items_is_rejected_whole():
    with pytest.raises(RecordError) as err:
        list(split_feed(b"<rss><channel><title>nothing here</channel>"))
    assert err.value.error_type == "xml_malformed"


def test_entities_are_still_refused_in_a_broken_feed():
    bomb = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa">]><rss><channel><item><title>&a;</item></channel></rss>'
    with pytest.raises(RecordError) as err:
        list(split_feed(bomb))
    assert err.value.error_type == "xml_entities_forbidden"


def test_item_scan_is_bounded_on_hostile_input():
    # Unclosed CDATA and comment openers, item tags without '>', items never closed: each byte is
    # scanned a bounded number of times: 300 KB of them (up to 35,000 items) take well under a second.
    for filler in (b"<![CDATA[ <!-- <item ", b"<item <entry ", b"<item>" * 3 + b"</entry>"):
        data = b"<rss><channel>" + filler * (300_000 // len(filler))
        start = time.perf_counter()
        try:
            events = list(split_feed(data))
        except RecordError as exc:
            events = [exc]
        assert time.perf_counter() - start < 5, filler
        assert events and all(isinstance(e, Bad | RecordError) for e in events)


def test_read_file_end_to_end(tmp_path):
    path = tmp_path / "broken.rss"
    path.write_bytes(BROKEN.replace(b"<title>One</title>", "<title>Un été</title>".encode("latin-1")))
    out = list(read_file(FileToRead(str(path), path.name, path.stat().st_size), ReaderConfig()))
    records = [o for o in out if isinstance(o, FormatRecord)]
    rejects = [o for o in out if isinstance(o, Reject)]
    (info,) = [o.fields for o in out if isinstance(o, FileInfo)]
    assert info["format"] == "rss" and info["records"] == 2 and info["rejected"] == 1
    assert [r.locator for r in records] == ["item=0", "item=2"] and parse_feed_item(records[0]).title == "Un été"
    assert [(r.locator, r.error_type) for r in rejects] == [("item=1", "xml_malformed")]
    # Locators re-read to the same bytes, for the records and the reject.
    assert reread_record(str(path), "item=0", "rss") == records[0].raw
    assert reread_record(str(path), "item=1", "rss") == rejects[0].raw


def test_unchanged_reading_of_a_good_feed():
    assert not [e for e in split_feed(FEED.encode()) if isinstance(e, Bad)]
