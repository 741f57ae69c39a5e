"""Every reader on small dumps the tests write: rows, rejects and the files line, without Beam."""

from __future__ import annotations

import bz2
import gzip
import json
from datetime import datetime, timedelta

import pytest
import zstandard
from apache_beam.pvalue import TaggedOutput
from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.read.beam_parse import PARSERS, ParseRecords
from wirestrip.transforms.read.beam_read import FileToRead, ReadFile, SplitFiles
from wirestrip.transforms.read.formats import FormatRecord, ReaderConfig
from wirestrip.transforms.read.locate import reread_record
from wirestrip.transforms.read.registry import detect_format
from wirestrip.transforms.record_types import RecordError

from tests import dumps
from tests.helpers import WARC_RECORDS
from tests.helpers import member_per_record_warc as _member_per_record_warc

RULES = load_rules()


def read(path, **cfg):
    """(records, rejects, files-line) of one file through the real reader DoFn."""
    reader = ReadFile("auto", 1 << 20, 1 << 20, ReaderConfig(**{"max_file_bytes": 1 << 20, "max_record_bytes": 1 << 20, **cfg}))
    records, rejects, info = [], [], None
    for out in reader.process(FileToRead(str(path), path.name, path.stat().st_size)):
        if isinstance(out, TaggedOutput):
            if out.tag == "rejects":
                rejects.append(out.value)
            else:
                info = json.loads(out.value)
        else:
            records.append(out)
    assert info["records"] == len(records) and info["rejected"] == len(rejects)
    return records, rejects, info


def parse(record: FormatRecord):
    parser = ParseRecords("UTC")
    parser.setup()
    (article,) = list(parser.process_one(record))
    return article


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ---- CSV / TSV ---------------------------------------------------------------------------------


def test_csv_rows_become_articles_with_mapped_columns_and_paragraphs(tmp_path):
    rows = [
        {
            "id": "1",
            "source": "Example Daily",
            "headline": "Bike lanes",
            "date": "2024-05-01T10:00:00Z",
            "body": " ### ".join([*dumps.PARAS, dumps.DISCLAIMER]),
        },
        {"id": "2", "source": "Other", "headline": "Zweiter", "date": "2024-05-02", "body": " ### ".join(dumps.GERMAN)},
    ]
    recs, rejects, info = read(write(tmp_path, "dump.csv", dumps.csv_dump(rows)))
    assert not rejects and info["format"] == "csv" and len(recs) == 2
    assert recs[0].locator.startswith("row=1;bytes=") and recs[1].locator.startswith("row=2;")
    a = parse(recs[0])
    assert (a.title, a.publisher, a.language) == ("Bike lanes", "Example Daily", "en")
    assert a.published_at.isoformat() == "2024-05-01T10:00:00+00:00"
    assert a.paragraphs[:3] == dumps.PARAS
    clean = clean_article(a, RULES)
    assert dumps.DISCLAIMER not in clean.paragraphs and clean.paragraphs == dumps.PARAS
    assert parse(recs[1]).language == "de"


def test_tsv_multi_megabyte_field_and_explicit_mapping(tmp_path):
    big = "\n\n".join(f"Paragraph {i} of a very long story about the council and its many plans." for i in range(40000))
    assert len(big) > 2_000_000
    data = dumps.csv_dump([{"story": big, "outlet": "Big Paper"}], delimiter="\t")
    recs, rejects, _ = read(
        write(tmp_path, "big.tsv", data), max_record_bytes=8 << 20, csv_columns=(("text", "story"), ("publisher", "outlet"))
    )
    assert not rejects and len(recs) == 1
    a = parse(recs[0])
    assert len(a.paragraphs) == 40000 and a.publisher == "Big Paper"


def test_csv_broken_quote_rejects_one_line_and_keeps_the_rows_after_it(tmp_path):
    data = b'id,text\n1,"First story, quoted and closed."\n2,"Broken quote starts here\n3,Third story is fine and plain.\n4,"Fourth, ""quoted"" properly."\n'
    recs, rejects, info = read(write(tmp_path, "bad.csv", data))
    assert [r.meta["id"] for r in recs] == ["1", "3", "4"]
    assert recs[2].meta["text"] == 'Fourth, "quoted" properly.'
    (rej,) = rejects
    assert (rej.error_type, rej.locator, rej.raw) == ("csv_broken_quote", "row=2;bytes=44-72", b'2,"Broken quote starts here\n')
    assert info["records"] + info["rejected"] == 4


def test_csv_wrong_field_count_and_missing_text_column(tmp_path):
    recs, rejects, _ = read(write(tmp_path, "n.csv", b"id,text\n1,Fine body text here.\n2,too,many,fields\n"))
    assert len(recs) == 1 and [r.error_type for r in rejects] == ["csv_field_count"]
    recs, rejects, _ = read(write(tmp_path, "x.csv", b"a,b\n1,2\n"))
    assert not recs and rejects[0].error_type == "csv_no_text_column" and rejects[0].locator == "file"


def test_csv_huge_single_line_is_rejected_not_held(tmp_path):
    data = b"id,text\n1,ok short body\n2," + b"x" * 300_000 + b"\n3,another fine body\n"
    recs, rejects, _ = read(write(tmp_path, "huge.csv", data), max_record_bytes=100_000)
    assert [r.meta["id"] for r in recs] == ["1", "3"]
    (rej,) = rejects
    assert rej.error_type == "record_too_large" and rej.raw_size > 300_000 and len(rej.raw) <= 100_000


def test_csv_mixed_encoding_is_repaired_field_by_field(tmp_path):
    data = (
        "id,text\n1,Caf\u00e9 owners in the city said prices rose again this month.\n".encode()
        + b"2,Na\xefve caf\xe9 owners in the old town said the same.\n"
    )
    recs, rejects, _ = read(write(tmp_path, "mixed.csv", data))
    assert not rejects
    assert parse(recs[1]).paragraphs == ["Na\u00efve caf\u00e9 owners in the old town said the same."]


# ---- JSONL -------------------------------------------------------------------------------------


def test_jsonl_text_and_html_records_and_bad_lines(tmp_path):
    objs = [
        {
            "url": "https://example.org/a",
            "title": "Lanes",
            "text": "\n\n".join(dumps.PARAS),
            "published": "2024-05-01T10:00:00Z",
            "source": "Example Wire",
        },
        {"url": "https://example.org/b", "html": dumps.page("Lanes page", dumps.PARAS)},
        "{not json",
        [1, 2],
        {"title": "no text"},
    ]
    recs, rejects, info = read(write(tmp_path, "d.ndjson", dumps.jsonl_dump(objs)))
    assert info["format"] == "jsonl" and len(recs) == 5 and not rejects
    a = parse(recs[0])
    assert (a.url, a.publisher, a.paragraphs) == ("https://example.org/a", "Example Wire", dumps.PARAS)
    b = parse(recs[1])
    assert b.url == "https://example.org/b" and b.paragraphs == dumps.PARAS and b.title == "Lanes page"
    assert b.canonical_url == "https://example.org/news/bike-lanes"
    for rec, reason in zip(recs[2:], ["invalid_json", "invalid_json", "no_text"], strict=True):
        with pytest.raises(RecordError) as err:
            PARSERS["jsonl"](rec, "UTC")
        assert err.value.error_type == reason


def test_large_jsonl_is_read_in_regions_with_every_line_exactly_once(tmp_path):
    objs = [{"text": f"Story number {i} " + "word " * (i % 17), "title": str(i)} for i in range(500)]
    path = write(tmp_path, "big.jsonl", dumps.jsonl_dump(objs))
    whole, _, _ = read(path)
    cfg = ReaderConfig(max_file_bytes=1 << 20, max_record_bytes=1 << 20, split_bytes=997)
    regions = list(SplitFiles(cfg).process(FileToRead(str(path), path.name, path.stat().st_size)))
    assert len(regions) > 10 and regions[0].start == 0 and regions[-1].end == path.stat().st_size
    reader = ReadFile("auto", 1 << 20, 1 << 20, cfg)
    got = [o for r in regions for o in reader.process(r) if isinstance(o, FormatRecord)]
    assert [(r.locator, r.doc_id) for r in got] == [(r.locator, r.doc_id) for r in whole]
    assert len(got) == 500


def test_jsonl_field_mapping_with_nested_keys(tmp_path):
    objs = [{"doc": {"body": "|||".join(dumps.PARAS), "head": "Mapped"}, "meta": {"when": "2024-05-01 10:00"}}]
    recs, _, _ = read(
        write(tmp_path, "m.jsonl", dumps.jsonl_dump(objs)),
        jsonl_fields=(("text", "doc.body"), ("title", "doc.head"), ("time", "meta.when")),
    )
    a = parse(recs[0])
    assert a.title == "Mapped" and a.paragraphs == dumps.PARAS and a.published_tz_assumed is True


# ---- compression -------------------------------------------------------------------------------

COMPRESSORS = {
    "gzip": gzip.compress,
    "bz2": lambda d: bz2.compress(d, 1),  # 100 kB blocks: bzip2 emits nothing before a whole block
    "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
}


@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
def test_compression_is_detected_by_magic_bytes_not_the_name(tmp_path, codec):
    data = dumps.jsonl_dump([{"text": p, "title": f"t{i}"} for i, p in enumerate(dumps.PARAS)])
    path = write(tmp_path, "dump_without_suffix.jsonl", COMPRESSORS[codec](data))
    recs, rejects, info = read(path)
    assert info["compression"] == codec and info["format"] == "jsonl" and not rejects
    assert [parse(r).paragraphs for r in recs] == [[p] for p in dumps.PARAS]
    assert reread_record(str(path), recs[2].locator, "jsonl") == recs[2].raw


@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
def test_truncated_stream_keeps_what_was_readable_and_rejects_the_rest(tmp_path, codec):
    import random

    rng = random.Random(4)
    lines = [{"text": " ".join(rng.choice(["alpha", "beta", "gamma", "delta", "omega", str(i)]) for _ in range(200))} for i in range(300)]
    packed = COMPRESSORS[codec](dumps.jsonl_dump(lines))
    recs, rejects, info = read(write(tmp_path, "cut.jsonl.x", packed[: len(packed) // 2]))
    assert 0 < len(recs) < 300 and info["compression"] == codec
    assert all(json.loads(r.raw) == lines[i] for i, r in enumerate(recs))
    (rej,) = rejects
    assert rej.error_type == "truncated_input" and rej.locator.startswith("bytes=")
    assert int(rej.locator[6:-1]) == int(recs[-1].locator.split("-")[-1])  # starts where the last kept line ends
    assert reread_record(str(tmp_path / "cut.jsonl.x"), rej.locator, "jsonl") == (rej.raw or b"")


@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
def test_decompression_bomb_is_cut_at_the_bound(tmp_path, codec):
    bomb = COMPRESSORS[codec](b'{"text": "' + b"a" * (50 << 20) + b'"}\n')
    assert len(bomb) < 100_000
    name = "bomb.jsonl." + {"gzip": "gz", "bz2": "bz2", "zstd": "zst"}[codec]
    recs, rejects, info = read(write(tmp_path, name, bomb), max_decompressed_bytes=4 << 20)
    assert not recs and [r.error_type for r in rejects] == ["decompressed_too_large"] and info["compression"] == codec
    assert len(rejects[0].raw or b"") <= 1 << 20  # a bounded prefix travels, never the expansion


def test_csv_with_a_10_mb_field_parses_or_is_rejected_by_the_record_bound(tmp_path):
    big = "word " * (2 << 20)  # a 10 MB text field
    data = dumps.csv_dump([{"id": "1", "title": "Big", "text": big}, {"id": "2", "title": "Small", "text": dumps.PARAS[0]}])
    path = write(tmp_path, "big.csv", data)
    recs, rejects, _ = read(path, max_file_bytes=64 << 20, max_record_bytes=16 << 20)
    assert [len(r.raw) > 10 << 20 for r in recs] == [True, False] and not rejects  # multi-MB fields parse
    recs, rejects, _ = read(path, max_file_bytes=64 << 20, max_record_bytes=1 << 20)
    assert len(recs) == 1 and [r.error_type for r in rejects] == ["record_too_large"]  # the row after it is kept
    assert rejects[0].raw_size > 10 << 20 and len(rejects[0].raw) <= 1 << 20


def test_deeply_nested_html_is_read_in_bounded_time(tmp_path):
    import time

    depth = 50_000  # far beyond libxml2's default depth limit (256) and Python's recursion limit
    html = "<html><head><title>Deep</title></head><body>" + "<div>" * depth + "<p>" + dumps.PARAS[0] + "</p>" + "</div>" * depth
    t0 = time.monotonic()
    recs, rejects, _ = read(write(tmp_path, "deep.html", (html + "</body></html>").encode()))
    outcome = []
    for rec in recs:
        try:
            outcome.append(parse(rec))
        except RecordError as exc:  # no extractable body is a clear reject, not a crash
            outcome.append(exc.error_type)
    assert len(recs) + len(rejects) == 1 and len(outcome) == len(recs)
    assert time.monotonic() - t0 < 60  # seconds on a busy 2-core machine; a hang or a recursion crash fails


def test_binary_file_of_no_known_format_is_a_reject_not_a_crash(tmp_path):
    recs, rejects, info = read(write(tmp_path, "blob.bin", b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256))))
    assert not recs and rejects[0].error_type == "unknown_format" and info["format"] is None


def test_format_detection_by_content_and_name():
    assert detect_format("x.dat", b"WARC/1.0\r\n") == "warc"
    assert detect_format("x.xml", b'<?xml version="1.0"?><rss version="2.0">') == "rss"
    assert detect_format("x", b"<!doctype html><html>") == "html"
    assert detect_format("a.tsv.gz", b"id\ttext\n") == "csv"
    assert detect_format("x", b'{"text": "a"}\n') == "jsonl"
    assert detect_format("post", b"Title\n2024-01-01\n\nBody") == "txt"


# ---- HTML --------------------------------------------------------------------------------------


def test_html_page_metadata_and_published_time_first(tmp_path):
    html = dumps.page(
        "Council backs lanes", [*dumps.PARAS, dumps.DISCLAIMER], published="2024-05-01T10:00:00+02:00", modified="2024-06-09T00:00:00Z"
    )
    recs, rejects, info = read(write(tmp_path, "p.html", html.encode()))
    assert info["format"] == "html" and not rejects
    a = parse(recs[0])
    assert a.title == "Council backs lanes" and a.paragraphs[:3] == dumps.PARAS
    assert a.published_at.isoformat() == "2024-05-01T08:00:00+00:00"
    assert a.byline == ["Ann Writer and Bo Reporter"] and a.tags == ["cycling", "Paris", "city council"]
    assert a.authors == ["Ann Writer", "Bo Reporter"]  # the credit as printed stays in byline, the people in authors
    assert (a.canonical_url, a.publisher, a.language) == ("https://example.org/news/bike-lanes", "Example Daily", "en")
    assert "Contact us" not in " ".join(a.paragraphs)
    assert clean_article(a, RULES).paragraphs == dumps.PARAS


def test_html_jsonld_date_when_no_meta(tmp_path):
    html = dumps.page("Lanes", dumps.PARAS, published=None, jsonld_date="2024-03-02T05:06:07Z")
    recs, _, _ = read(write(tmp_path, "j.htm", html.encode()))
    assert parse(recs[0]).published_at.isoformat() == "2024-03-02T05:06:07+00:00"


def test_html_entity_bomb_and_external_entity_are_never_expanded(tmp_path):
    bomb = (
        '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x SYSTEM "file:///etc/passwd">]>'
    )
    html = dumps.page("Bomb", dumps.PARAS).replace("<!DOCTYPE html>", bomb).replace(dumps.PARAS[1], dumps.PARAS[1] + " &c; &x;")
    recs, _, _ = read(write(tmp_path, "b.html", html.encode()))
    text = " ".join(parse(recs[0]).paragraphs)
    assert "aaaaaaaaaaaaaaaa" not in text and "root:" not in text and dumps.PARAS[0] in text


def test_html_legacy_charset_is_decoded_by_its_declaration(tmp_path):
    html = dumps.page(
        "Caf\u00e9",
        ["Le caf\u00e9 du coin a rouvert ses portes apr\u00e8s des mois de travaux au centre-ville."] * 2,
        lang="fr",
        extra_head="<meta charset='windows-1252'>",
    )
    recs, _, _ = read(write(tmp_path, "l.html", html.encode("cp1252")))
    a = parse(recs[0])
    assert "caf\u00e9" in a.paragraphs[0] and a.language == "fr"


# ---- WARC --------------------------------------------------------------------------------------


@pytest.mark.parametrize("packed", [False, True])
def test_warc_html_responses_become_articles_and_the_rest_is_skipped(tmp_path, packed):
    path = write(tmp_path, "crawl.warc.gz" if packed else "crawl.warc", dumps.warc_dump(WARC_RECORDS, gzip=packed))
    recs, rejects, info = read(path)
    assert not rejects and info["format"] == "warc" and info["compression"] == ("gzip" if packed else None)
    assert info["skipped"] == 4 and info["skipped_by_reason"] == {
        "http_status_404": 1,
        "not_html_image": 1,
        "warc_type_request": 1,
        "warc_type_warcinfo": 1,
    }
    a, b = (parse(r) for r in recs)
    assert (a.url, a.paragraphs, b.url, b.language) == ("https://example.org/a", dumps.PARAS, "https://example.org/b", "de")
    # plain: the record's offset in the file; gzip (one member per record): its member's compressed offset
    assert recs[0].locator.startswith("member=" if packed else "record=2;offset=") and ";warc_date=20" in recs[0].locator
    assert reread_record(str(path), recs[1].locator, "warc") == recs[1].raw


def test_warc_relative_date_is_read_against_the_crawl_time(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in dumps.PARAS)
    page = f'<html lang="en"><head><title>Lanes</title></head><body><article><time itemprop="datePublished">19 min ago</time>{body}</article></body></html>'
    (rec,) = read(write(tmp_path, "c.warc", dumps.warc_dump([("response", "https://example.org/c", 200, "text/html", page.encode())])))[0]
    crawled = datetime.fromisoformat(rec.locator.split(";warc_date=")[1].replace("Z", "+00:00"))
    assert parse(rec).published_at == crawled - timedelta(minutes=19)  # without a crawl time it would stay null


@pytest.mark.parametrize("delta", [+40, -30])
def test_warc_record_with_a_lying_length_is_rejected_and_reading_resumes(tmp_path, delta):
    data = dumps.warc_dump(WARC_RECORDS)
    first = data.index(b"WARC-Type: response")
    cl_at = data.index(b"Content-Length: ", first)
    end = data.index(b"\r\n", cl_at)
    true_len = int(data[cl_at + 16 : end])
    data = data[:cl_at] + b"Content-Length: " + str(true_len + delta).encode() + data[end:]
    recs, rejects, info = read(write(tmp_path, "lie.warc", data))
    assert [r.error_type for r in rejects] == ["warc_bad_length"]
    assert rejects[0].locator.startswith("record=2;offset=")
    assert [r.meta["url"] for r in recs] == ["https://example.org/b"]
    assert info["skipped"] == 4


# ---- RSS / Atom --------------------------------------------------------------------------------


def test_rss_items_full_summary_and_caption(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in dumps.PARAS)
    items = [
        dumps.rss_item("Full story", content=body),
        dumps.rss_item("Teaser", summary="The council approved the cycling plan on Tuesday evening.", link="https://example.org/t"),
        dumps.rss_item("Photo", caption="Cyclists ride along the river on a sunny morning in Paris.", categories=()),
    ]
    recs, rejects, info = read(write(tmp_path, "feed.xml", dumps.rss_dump(items)))
    assert info["format"] == "rss" and not rejects and [r.locator for r in recs] == ["item=0", "item=1", "item=2"]
    full, summary, caption = (parse(r) for r in recs)
    assert full.content_kind == "full" and full.paragraphs == dumps.PARAS and full.title == "Full story"
    assert full.tags == ["Cities", "Transport"] and full.byline == ["Ann Writer"] and full.publisher == "Example Daily feed"
    assert full.published_at.isoformat() == "2024-05-01T10:00:00+00:00"
    assert (summary.content_kind, summary.url) == ("summary", "https://example.org/t")
    assert caption.content_kind == "caption_only"
    assert reread_record(str(tmp_path / "feed.xml"), "item=1", "rss") == recs[1].raw


def test_atom_entries(tmp_path):
    recs, _, _ = read(write(tmp_path, "f.atom", dumps.atom_dump([("One", "&lt;p&gt;" + dumps.PARAS[0] + "&lt;/p&gt;")])))
    a = parse(recs[0])
    assert (a.title, a.url, a.byline, a.content_kind) == ("One", "https://example.org/0", ["Bo Reporter"], "full")
    assert a.paragraphs == [dumps.PARAS[0]]


def test_feed_with_entity_declarations_is_rejected_unexpanded(tmp_path):
    bomb = b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY x SYSTEM "http://example.invalid/x">]><rss><channel><item><title>&b;&x;</title></item></channel></rss>'
    recs, rejects, _ = read(write(tmp_path, "bomb.rss", bomb))
    assert not recs and rejects[0].error_type == "xml_entities_forbidden"


def test_malformed_feed_is_one_reject(tmp_path):
    recs, rejects, _ = read(write(tmp_path, "bad.rss", b"<rss><channel><item><title>x</item></rss>"))
    assert not recs and rejects[0].error_type == "xml_malformed"


# ---- txt, re-read ------------------------------------------------------------------------------


def test_txt_posts_reread_byte_exact(tmp_path):
    data = ("Title one\n2024-05-01 10:00\n\n" + "\n\n".join(dumps.PARAS) + "\n=====\nTitle two\n\nBody of two.\n").encode()
    path = write(tmp_path, "posts.txt.gz", gzip.compress(data))
    recs, _, info = read(path)
    assert info["format"] == "txt" and len(recs) == 2
    assert [reread_record(str(path), r.locator, "txt") for r in recs] == [r.raw for r in recs]


# ---- more bad input ----------------------------------------------------------------------------


def test_jsonl_huge_line_is_rejected_and_the_next_lines_kept(tmp_path):
    data = dumps.jsonl_dump([{"text": "small one"}, {"text": "y" * 500_000}, {"text": "small two"}])
    recs, rejects, _ = read(write(tmp_path, "h.jsonl", data), max_record_bytes=64_000)
    assert [json.loads(r.raw)["text"] for r in recs] == ["small one", "small two"]
    assert rejects[0].error_type == "record_too_large" and rejects[0].raw_size > 500_000 and len(rejects[0].raw) == 64_000


def test_warc_record_over_the_size_bound_is_rejected_and_the_next_read(tmp_path):
    big = dumps.page("Big", ["z" * 200_000])
    records = [("response", "https://example.org/big", 200, "text/html", big.encode()), WARC_RECORDS[0]]
    recs, rejects, _ = read(write(tmp_path, "big.warc", dumps.warc_dump(records)), max_record_bytes=100_000)
    assert [r.error_type for r in rejects] == ["record_too_large"] and [r.meta["url"] for r in recs] == ["https://example.org/a"]


def test_truncated_warc_gz_keeps_the_records_before_the_cut(tmp_path):
    data = dumps.warc_dump(WARC_RECORDS * 3, gzip=True)
    recs, rejects, info = read(write(tmp_path, "cut.warc.gz", data[: len(data) * 2 // 3]))
    assert len(recs) >= 2 and all(r.meta["url"].startswith("https://example.org/") for r in recs)
    assert [r.error_type for r in rejects] == ["truncated_input"] and info["skipped"] >= 4


def test_gzip_with_garbage_after_a_member_is_corrupt_from_there(tmp_path):
    good = gzip.compress(dumps.jsonl_dump([{"text": "kept line"}]))
    recs, rejects, _ = read(write(tmp_path, "g.jsonl.gz", good + b"this is not gzip at all"))
    assert [json.loads(r.raw)["text"] for r in recs] == ["kept line"]
    assert rejects[0].error_type == "corrupt_input"


def test_mostly_undecodable_record_is_rejected_and_legacy_text_detected():
    from wirestrip.transforms.read.charset import decode_bytes

    with pytest.raises(RecordError) as err:
        decode_bytes(bytes(range(128, 256)) * 20, "utf-8")
    assert err.value.error_type == "undecodable"
    russian = "Городской совет одобрил план строительства велосипедных дорожек после долгих споров. " * 5
    assert decode_bytes(russian.encode("cp1251")).text == russian


def test_json_document_that_is_not_json_lines_is_not_guessed():
    assert detect_format("data", b'[\n  {"text": "a"}\n]') is None
    assert detect_format("data.json", b'{\n  "text": "a"\n}') is None


def test_no_reader_opens_a_network_connection(tmp_path, monkeypatch):
    import socket

    attempts = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: attempts.append(addr))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: attempts.append(a))
    page = dumps.page(
        "Net",
        dumps.PARAS,
        extra_head="<link rel='stylesheet' href='http://example.invalid/x.css'><script src='http://example.invalid/x.js'></script>",
    )
    html = page.replace("<p>", "<p><img src='http://example.invalid/i.png'>", 1)
    path = write(tmp_path, "net.warc", dumps.warc_dump([("response", "http://example.invalid/a", 200, "text/html", html.encode())]))
    for p in (
        path,
        write(tmp_path, "net.html", html.encode()),
        write(tmp_path, "net.jsonl", dumps.jsonl_dump([{"url": "http://example.invalid/b", "html": html}])),
    ):
        recs, _, _ = read(p)
        assert parse(recs[0]).paragraphs
    assert attempts == []


FORMAT_SAMPLES = {
    "csv": ("d.csv", lambda: dumps.csv_dump([{"title": "T", "text": " ### ".join(dumps.PARAS)}, {"title": "U", "text": dumps.GERMAN[0]}])),
    "jsonl": ("d.jsonl", lambda: dumps.jsonl_dump([{"text": p} for p in dumps.PARAS])),
    "html": ("d.html", lambda: dumps.page("P", dumps.PARAS).encode()),
    "warc": ("d.warc", lambda: dumps.warc_dump(WARC_RECORDS)),
    "rss": ("d.rss", lambda: dumps.rss_dump([dumps.rss_item("R", content="<p>" + dumps.PARAS[0] + "</p>")])),
    "txt": ("d.txt", lambda: ("Title\n\n" + "\n\n".join(dumps.PARAS)).encode()),
}


@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
@pytest.mark.parametrize("fmt", sorted(FORMAT_SAMPLES))
def test_every_format_reads_the_same_under_every_compression(tmp_path, fmt, codec):
    name, make = FORMAT_SAMPLES[fmt]
    data = make()
    plain, _, _ = read(write(tmp_path, name, data))
    packed_path = write(tmp_path, name + {"gzip": ".gz", "bz2": ".bz2", "zstd": ".zst"}[codec], COMPRESSORS[codec](data))
    packed, rejects, info = read(packed_path)
    assert not rejects and info["compression"] == codec and info["format"] == fmt
    assert plain and [(r.raw, r.input_format) for r in packed] == [(r.raw, r.input_format) for r in plain]
    if (fmt, codec) != ("warc", "gzip"):  # a gzip WARC is read member by member, with member locators
        assert [r.locator for r in packed] == [r.locator for r in plain]
    assert parse(packed[0]).paragraphs
    assert reread_record(str(packed_path), packed[-1].locator, fmt) == packed[-1].raw


def test_html_publisher_from_jsonld_when_no_site_name(tmp_path):
    ld = '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "publisher": {"name": "Graph  News"}}]}</script>'
    html = dumps.page("G", dumps.PARAS, extra_head=ld).replace("<meta property='og:site_name' content='Example Daily'>", "")
    recs, _, _ = read(write(tmp_path, "g.html", html.encode()))
    assert parse(recs[0]).publisher == "Graph News"


def test_large_warc_gz_is_read_in_regions_member_by_member(tmp_path):
    path = write(tmp_path, "cc.warc.gz", _member_per_record_warc(60))
    whole, rejects, info = read(path)
    assert not rejects and len(whole) == 48 and info["skipped"] == 13  # 12 x 404 + warcinfo
    cfg = ReaderConfig(max_file_bytes=1 << 20, max_record_bytes=1 << 20, split_bytes=4000)
    regions = list(SplitFiles(cfg).process(FileToRead(str(path), path.name, path.stat().st_size)))
    assert len(regions) > 5 and {r.region_format for r in regions} == {"warc"}
    reader = ReadFile("auto", 1 << 20, 1 << 20, cfg)
    outs = [o for r in regions for o in reader.process(r)]
    got = [o for o in outs if isinstance(o, FormatRecord)]
    assert [(r.locator, r.doc_id) for r in got] == [(r.locator, r.doc_id) for r in whole]
    lines = [json.loads(o.value) for o in outs if isinstance(o, TaggedOutput) and o.tag == "files"]
    assert sum(i["skipped"] for i in lines) == 13 and sum(i["records"] for i in lines) == 48
    assert all(reread_record(str(path), r.locator, "warc") == r.raw for r in whole[::7])


def test_warc_gzipped_as_one_stream_is_read_as_a_stream(tmp_path):
    path = write(tmp_path, "one.warc.gz", gzip.compress(dumps.warc_dump(WARC_RECORDS)))
    recs, rejects, _ = read(path)
    assert not rejects and [r.locator.split(";")[0] for r in recs] == ["record=2", "record=6"]
    cfg = ReaderConfig(split_bytes=100)
    assert list(SplitFiles(cfg).process(FileToRead(str(path), path.name, path.stat().st_size))) == [
        FileToRead(str(path), path.name, path.stat().st_size)
    ]


def test_corrupt_member_in_warc_gz_is_rejected_with_its_offset(tmp_path):
    data = _member_per_record_warc(6)
    cut = len(data) // 2
    path = write(tmp_path, "bad.warc.gz", data[:cut] + b"\x00garbage" + data[cut + 9 :])
    recs, rejects, _ = read(path)
    assert [r.error_type for r in rejects] == ["corrupt_input"] and rejects[0].locator.startswith("member=")
    before = [r for r in recs if int(r.locator.split(";")[0][7:]) < cut]
    after = [r for r in recs if int(r.locator.split(";")[0][7:]) > cut]
    assert before and after and len(recs) == 3  # 4 pages (i=0 and i=5 are 404s), the damaged one rejected; reading resumed
    whole = json.loads(
        next(
            o.value
            for o in ReadFile("auto", 1 << 20, 1 << 20).process(FileToRead(str(path), path.name, 0))
            if isinstance(o, TaggedOutput) and o.tag == "files"
        )
    )
    assert whole["xxh3_128"] == __import__("xxhash").xxh3_128_hexdigest(path.read_bytes()) and whole["size"] == path.stat().st_size


def test_one_registry_names_every_format():
    """--format's choices, aliases, extensions and the parse stage all come from the registry."""
    from wirestrip.transforms.read.csv_dump import AUTO_COLUMNS
    from wirestrip.transforms.read.formats import ROLES
    from wirestrip.transforms.read.json_lines import AUTO_FIELDS
    from wirestrip.transforms.read.registry import BY_NAME, FORMAT_CHOICES, alias_settings, format_from_name, resolve_format

    assert FORMAT_CHOICES == ("auto", "txt", "csv", "tsv", "jsonl", "html", "warc", "rss")
    assert resolve_format("tsv") == "csv" and resolve_format("auto") == "auto" and resolve_format("pdf") == "pdf"
    assert alias_settings("tsv") == {"csv_delimiter": "\t"} and alias_settings("csv") == {}
    assert set(PARSERS) == set(BY_NAME)
    assert format_from_name("x/a.NDJSON.zst") == "jsonl" and format_from_name("feed.atom") == "rss" and format_from_name("a.json") is None
    assert set(AUTO_COLUMNS) == set(AUTO_FIELDS) == set(ROLES)  # one list of roles for both readers and the option check
