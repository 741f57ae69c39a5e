"""`wirestrip explain` finds rows through the dataset layer (pipeline.dataset): under either partition
layout, and on an object store through the committed pointers only."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.cli import main as cli
from wirestrip.pipeline.dataset import committed_files

from tests import objectstore_fs
from tests.helpers import SAMPLES, run_cli

D1 = "2025-08-02"


def _rows(root: str, table: str) -> list[dict]:
    """Every committed row of `table`, read without explain's own lookup."""
    rows = []
    for path in committed_files(root, table):
        with FileSystems.open(path, compression_type="uncompressed") as f:
            rows += pq.read_table(f).to_pylist()
    return sorted(rows, key=lambda r: r["doc_id"] or "")


def _explain(root: str, doc_id: str, capsys) -> tuple[int, str, str]:
    code = cli(["explain", root, "--doc-id", doc_id, "--color", "never"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_explains_article_and_reject(root: str, capsys) -> None:
    article = next(r for r in _rows(root, "articles") if r["removed"])
    code, shown, err = _explain(root, article["doc_id"], capsys)
    assert code == 0, err
    assert "table: articles" in shown and f"[{article['removed'][0]['rule_id']}]" in shown
    reject = next(r for r in _rows(root, "rejects") if r["error_type"] == "invalid_utf8")
    code, shown, err = _explain(root, reject["doc_id"], capsys)
    assert code == 0, err
    assert "table: rejects" in shown and "error_type: invalid_utf8" in shown


@pytest.fixture(scope="module")
def by_published_date(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "out"
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", D1, "--partition-by", "published_date") == 0
    return out


def test_explain_finds_rows_partitioned_by_published_date(by_published_date, capsys):
    parts = committed_files(str(by_published_date), "articles")
    assert parts and all("/published_date=" in p and f"/ingest_date={D1}/" in p for p in parts)  # the two-level layout
    _assert_explains_article_and_reject(str(by_published_date), capsys)


def test_explain_says_so_when_no_row_has_the_doc_id(by_published_date, capsys):
    code, _, err = _explain(str(by_published_date), "no-such-id", capsys)
    assert code == 1 and "no article or reject with doc_id no-such-id" in err


@pytest.fixture
def memfs():
    objectstore_fs.clear()
    yield "memfs://bucket/out"
    objectstore_fs.clear()


@pytest.mark.parametrize("partition_by", ["ingest_date", "published_date"])
def test_explain_on_an_object_store(memfs, partition_by, capsys):
    assert run_cli("--input", f"{SAMPLES}/**", "--output", memfs, "--run-date", D1, "--partition-by", partition_by) == 0
    _assert_explains_article_and_reject(memfs, capsys)


def test_explain_on_an_object_store_reads_only_committed_runs(memfs, capsys):
    assert run_cli("--input", f"{SAMPLES}/**", "--output", memfs, "--run-date", D1) == 0
    (article, *_) = _rows(memfs, "articles")
    pointer = f"{memfs}/_current/ingest_date={D1}.json"
    FileSystems.delete([pointer])  # the run folder is still there, but nothing points to it
    assert any("/_runs/" in key and key.endswith(".parquet") for key in objectstore_fs.objects())
    code, _, err = _explain(memfs, article["doc_id"], capsys)
    assert code == 1 and f"no article or reject with doc_id {article['doc_id']}" in err
