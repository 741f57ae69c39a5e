"""Every input format through the real CLI in one run: rows, rejects, skips, reconciliation."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import zstandard
from wirestrip.transforms.read.locate import reread_record

from tests import dumps
from tests.helpers import member_per_record_warc as _member_per_record_warc
from tests.helpers import read_table, run_cli

RUN_DATE = "2025-09-01"


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("dumps")
    rows = [
        {"id": "1", "publisher": "Example Daily", "title": "CSV story", "text": " ### ".join([*dumps.PARAS, dumps.DISCLAIMER])},
        {"id": "2", "publisher": "Example Daily", "title": "Broken", "text": "x"},
    ]
    csv_bytes = dumps.csv_dump(rows).replace(b"\n2,Example Daily,Broken,x", b'\n2,Example Daily,"Broken,x')
    (src / "a.csv").write_bytes(csv_bytes)
    (src / "b.tsv.gz").write_bytes(gzip.compress(dumps.csv_dump([{"body": "|||".join(dumps.GERMAN), "headline": "TSV"}], delimiter="\t")))
    lines = [{"url": f"https://example.org/{i}", "title": f"J{i}", "text": f"Story {i}. " + " ".join(dumps.PARAS)} for i in range(40)]
    (src / "c.jsonl").write_bytes(dumps.jsonl_dump(lines))  # split in regions below
    (src / "d.ndjson.zst").write_bytes(
        zstandard.ZstdCompressor().compress(dumps.jsonl_dump([{"html": dumps.page("Zst page", dumps.PARAS)}]))
    )
    (src / "e.html").write_text(dumps.page("Page", dumps.PARAS), encoding="utf-8")
    warc = dumps.warc_dump(
        [
            ("response", "https://example.org/w", 200, "text/html", dumps.page("W", dumps.PARAS).encode()),
            ("response", "https://example.org/gone", 404, "text/html", b"<html>gone</html>"),
        ],
        gzip=True,
    )
    (src / "f.warc.gz").write_bytes(warc)
    (src / "cc.warc.gz").write_bytes(_member_per_record_warc(12))  # ~10 kB: read as regions below
    (src / "g.rss").write_bytes(
        dumps.rss_dump([dumps.rss_item("R", content="<p>" + dumps.PARAS[0] + "</p>"), dumps.rss_item("S", summary="A summary only.")])
    )
    packed = gzip.compress(dumps.jsonl_dump(lines * 5))
    (src / "h.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    (src / "i.bin").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    out = tmp_path_factory.mktemp("out")
    code = run_cli("--input", f"{src}/", "--output", str(out), "--run-date", RUN_DATE, "--split-bytes", "2000")
    assert code == 0
    return out


def _manifest(out: Path) -> dict:
    (path,) = sorted((out / "_manifests").glob("*.json"))[-1:]
    return json.loads(path.read_text())


def test_every_format_reconciles_with_skips_counted(mixed_run):
    m = _manifest(mixed_run)
    c = m["counts"]
    assert m["status"] == "succeeded" and c["ok"] is True
    assert c["skipped"] == 2 + 4  # each WARC's warcinfo record and its 404 responses
    by_format = {}
    for f in m["files"]:
        by_format.setdefault(f["format"], []).append(f)
    assert len(by_format["jsonl"]) > 3  # c.jsonl was read as several regions, plus the .zst and the cut .gz
    assert len(by_format["warc"]) > 3  # cc.warc.gz was read as several regions
    reasons: dict[str, int] = {}
    for f in by_format["warc"]:
        for k, v in f.get("skipped_by_reason", {}).items():
            reasons[k] = reasons.get(k, 0) + v
    assert reasons == {"http_status_404": 4, "warc_type_warcinfo": 2}


def test_articles_of_every_format(mixed_run):
    arts = read_table(mixed_run, "articles")
    fmts = {}
    for a in arts:
        fmts[a["input_format"]] = fmts.get(a["input_format"], 0) + 1
    assert fmts["csv"] == 2 and fmts["html"] == 1 and fmts["warc"] == 1 + 9 and fmts["rss"] == 2
    assert fmts["jsonl"] >= 41 + 1  # 40 region lines + the zst page + what the cut gzip still held
    assert all(a["language"] in ("en", "de") for a in arts)
    csv_row = next(a for a in arts if a["title"] == "CSV story")
    assert csv_row["text"] == "\n\n".join(dumps.PARAS) and csv_row["syndicated"] is True and csv_row["publisher"] == "Example Daily"
    assert next(a for a in arts if a["title"] == "TSV")["language"] == "de"
    warc = next(a for a in arts if a["input_format"] == "warc" and a["source_uri"].endswith("f.warc.gz"))
    assert warc["url"] == "https://example.org/w" and warc["locator"].startswith("member=")  # a member-per-record WARC.gz
    assert {a["content_kind"] for a in arts if a["input_format"] == "rss"} == {"full", "summary"}
    for a in arts:  # every locator re-reads to the bytes whose hash the row carries
        if a["input_format"] != "rss":
            from wirestrip.transforms.hashing import raw_sha

            assert raw_sha(reread_record(a["source_uri"], a["locator"], a["input_format"])) == a["raw_sha"]


def test_rejects_have_reasons(mixed_run):
    reasons = {(Path(r["source_uri"]).name, r["error_type"]) for r in read_table(mixed_run, "rejects")}
    assert reasons == {("a.csv", "csv_broken_quote"), ("h.jsonl.gz", "truncated_input"), ("i.bin", "unknown_format")}
