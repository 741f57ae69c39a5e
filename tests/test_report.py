"""`wirestrip report`: numbers from the committed data only, terminal tables, a self-contained HTML page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from wirestrip.pipeline.cli import main as cli
from wirestrip.pipeline.report import Section, build_sections, render_html
from wirestrip.schemas import ARTICLES_SCHEMA

from tests import objectstore_fs
from tests.helpers import SAMPLES, read_table, run_cli

D1, D2 = "2025-08-02", "2025-08-03"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "out"
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", D1) == 0
    assert run_cli("--input", f"{SAMPLES}/misc/*.txt", "--output", str(out), "--run-date", D2) == 0
    return out


def _section(sections, title):
    return next(s for s in sections if s.title.startswith(title))


def test_terminal_and_html_report(out, tmp_path, capsys):
    page = tmp_path / "r.html"
    assert cli(["report", str(out), "--html", str(page)]) == 0
    text = capsys.readouterr().out
    assert "== Rejects by reason ==" in text and "invalid_utf8" in text
    assert re.search(r"total\s+14\s+5", text)
    assert "== Cluster sizes ==" in text and "Biggest clusters, with their originals" in text
    doc = page.read_text(encoding="utf-8")
    assert doc.count("<svg") >= 4 and "<script" not in doc.lower()
    assert not re.search(r"(src|href)\s*=", doc), "the page must not load anything"
    assert "disclaimer.ndtv.syndicated_feed" in doc


def test_report_numbers_match_the_data(out):
    sections, warnings = build_sections(str(out))
    assert warnings == []
    per_day = _section(sections, "Articles and rejects per ingest date").rows
    assert per_day == [(D1, 11, 5), (D2, 3, 0), ("total", 14, 5)]
    rejects = {(s, e): n for s, e, n, _ in _section(sections, "Rejects by reason").rows}
    assert rejects == {("parse", "no_body"): 2, ("parse", "binary_content"): 1, ("parse", "empty"): 1, ("parse", "invalid_utf8"): 1}
    removed = {p: (n, rem) for p, n, _, rem, _ in _section(sections, "Removed characters per publisher").rows}
    assert removed["NDTV"][0] == 3 and removed["NDTV"][1] > 0
    heat = _section(sections, "Publishers x origin agencies").rows
    assert sum(sum(r[1:]) for r in heat) == 14
    # The misc posts were ingested on both dates: each copy counts once per row, its original once.
    rows = read_table(out, "articles")
    biggest = _section(sections, "Biggest clusters, with their originals").rows
    assert biggest and all(here == sum(r["cluster_id"] == cid for r in rows) for cid, _, here, *_ in biggest)
    titles = {r["doc_id"]: r["title"] for r in rows}
    assert all(original_title == titles[cid] for cid, _, _, original_title, *_ in biggest)


def test_report_ignores_uncommitted_files(out, tmp_path):
    stray = out / "_staging" / "20990101T000000Z-dead" / "articles" / f"ingest_date={D1}"
    stray.mkdir(parents=True)
    (stray / "part-0.parquet").write_bytes((next((out / "articles").rglob("*.parquet"))).read_bytes())
    try:
        per_day = _section(build_sections(str(out))[0], "Articles and rejects per ingest date").rows
        assert per_day[-1] == ("total", 14, 5)
    finally:
        (stray / "part-0.parquet").unlink()


def test_report_over_an_object_store_reads_committed_pointers():
    objectstore_fs.clear()
    root = "memfs://bucket/out"
    try:
        assert run_cli("--input", f"{SAMPLES}/**", "--output", root, "--run-date", D1) == 0
        assert cli(["report", root]) == 0
        page = objectstore_fs.objects()[f"{root}/_report/index.html"].decode()
        assert "Rules fired" in page
        per_day = _section(build_sections(root)[0], "Articles and rejects per ingest date").rows
        assert per_day[-1] == ("total", 11, 5)
    finally:
        objectstore_fs.clear()


@pytest.mark.parametrize("store", ["local", "object store"])
def test_report_over_published_date_partitions(store, tmp_path):
    # published_date=P/ingest_date=D/: the same numbers as the default layout, on either filesystem.
    objectstore_fs.clear()
    root = str(tmp_path / "out") if store == "local" else "memfs://bucket/out"
    try:
        for date, inputs in ((D1, f"{SAMPLES}/**"), (D2, f"{SAMPLES}/misc/*.txt")):
            assert run_cli("--input", inputs, "--output", root, "--run-date", date, "--partition-by", "published_date") == 0
        sections, warnings = build_sections(root)
        assert warnings == []
        assert _section(sections, "Articles and rejects per ingest date").rows == [(D1, 11, 5), (D2, 3, 0), ("total", 14, 5)]
    finally:
        objectstore_fs.clear()


def test_biggest_clusters_name_their_originals(tmp_path):
    def row(doc_id, cluster, size, canonical, title, publisher):
        return {
            "doc_id": doc_id, "source_uri": "s", "locator": "l", "input_format": "txt", "raw_sha": "x",
            "title": title, "publisher": publisher, "text": "body", "cluster_id": cluster, "cluster_size": size,
            "is_canonical": canonical, "removed": [], "run_id": "r", "pipeline_version": "0", "rules_version": "0",
            "ingested_at": datetime(2025, 8, 1, tzinfo=UTC),
        }  # fmt: skip

    rows = [
        row("a", "a", 3, True, "Original story", "AFP"),
        row("b", "a", 3, False, "Copy one", "NDTV"),
        row("c", "a", 3, False, "Copy two", "BS"),
        row("d", "d", 1, True, "Alone", "NDTV"),
        row("e", None, None, None, "Not clustered yet", "NDTV"),
    ]
    part = tmp_path / "articles" / f"ingest_date={D1}"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=ARTICLES_SCHEMA), part / "part-0.parquet")
    sections, _ = build_sections(str(tmp_path))
    assert _section(sections, "Cluster sizes").rows == [(1, 1), (3, 3)]
    top = _section(sections, "Biggest clusters").rows[0]
    assert top[:5] == ("a", 3, 3, "Original story", "AFP")


def test_html_escapes_data():
    evil = "<script>alert(1)</script>"
    page = render_html([Section("t", ["publisher", "n"], [(evil, 1)], chart=[(evil, 1)])], [], "out")
    assert evil not in page and "&lt;script&gt;" in page


def test_report_on_empty_output(tmp_path, capsys):
    (tmp_path / "nothing").mkdir()  # an output root with nothing committed yet (a missing one is exit 2: test_cli_errors.py)
    assert cli(["report", str(tmp_path / "nothing"), "--no-html"]) == 0
    assert "no committed data" in capsys.readouterr().out
