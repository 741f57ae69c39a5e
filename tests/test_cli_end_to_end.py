"""End to end through the `wirestrip run` CLI: Parquet read back, rejects, manifest, reruns."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import xxhash
from wirestrip.schemas import ARTICLES_SCHEMA, REJECTS_SCHEMA

from tests.helpers import ROOT, SAMPLES, SEED, read_table, run_cli

RUN_DATE = "2025-08-02"


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", RUN_DATE) == 0
    return out


def manifest(out: Path) -> dict:
    (path,) = sorted((out / "_manifests").glob("*.json"))[-1:]
    return json.loads(path.read_text())


def test_layout_and_schema(sample_run):
    import pyarrow.parquet as pq

    for table, schema in (("articles", ARTICLES_SCHEMA), ("rejects", REJECTS_SCHEMA)):
        files = list((sample_run / table / f"ingest_date={RUN_DATE}").glob("part-*.parquet"))
        assert files, table
        written = pq.read_schema(files[0])
        assert written.names == schema.names
        assert written.metadata[b"wirestrip.schema_version"] == schema.metadata[b"wirestrip.schema_version"]
    assert not list(sample_run.glob("_staging/*")), "staging must be gone after commit"


def test_manifest_reconciles(sample_run):
    m = manifest(sample_run)
    c = m["counts"]
    assert m["status"] == "succeeded" and c["ok"] is True
    assert c["read"] == c["written"] + c["rejected"] + c["skipped"]
    assert c["written"] == len(read_table(sample_run, "articles")) == 11
    assert c["rejected"] == len(read_table(sample_run, "rejects")) == 5
    assert len(m["files"]) == 14
    # Rows whose printed time had no zone, by the zone it was read in (the publisher's where known).
    zones = m["published_tz_assumed"]
    assert zones["rows"] == sum(zones["by_zone"].values()) > 0 and "Asia/Kolkata" in zones["by_zone"]
    for f in m["files"]:  # each input file as it was read: its size and hash, for audits of what a run saw
        data = (ROOT / f["source_uri"]).read_bytes()  # ROOT / an absolute path is that path
        assert (f["size"], f["xxh3_128"]) == (len(data), xxhash.xxh3_128_hexdigest(data)), f["source_uri"]
    # Time per stage from the local runner's per-step counters (what `make bench-scale` prints).
    # Sampled timings: a tiny stage may show no time, so only the shape and the steps' names are checked.
    steps = m["stage_seconds"]
    assert steps and all(v > 0 for v in steps.values())
    assert {k.split("/")[0] for k in steps} <= {"ReadInputs", "Process", "Dedup", "WriteArticles", "WriteRejects",
                                                "WriteClusters", "WriteIndex", "WriteFileInfo", "WriteLearned", "LearnedJson",
                                                "AllRejects", "RejectRows", "ProgressRead", "ProgressClean", "ProgressFiles"}  # fmt: skip


def test_malformed_samples_are_rejected_with_reasons(sample_run):
    got = {Path(r["source_uri"]).name: (r["error_type"], r["message"], r["raw"]) for r in read_table(sample_run, "rejects")}
    assert {k: v[0] for k, v in got.items()} == {
        "empty.txt": "empty",
        "image_saved_as_text.txt": "binary_content",
        "latin1_not_utf8.txt": "invalid_utf8",
        "no_body.txt": "no_body",
        "title_only.txt": "no_body",
    }
    assert "byte 3" in got["latin1_not_utf8.txt"][1]
    assert got["latin1_not_utf8.txt"][2] == (SAMPLES / "malformed" / "latin1_not_utf8.txt").read_bytes()


def test_syndicated_copies_and_provenance(sample_run):
    rows = {r["title"]: r for r in read_table(sample_run, "articles")}
    ndtv = rows["Ferry Crews In Marseille Walk Out Over “Unsafe” Rosters"]
    bs = rows["Marseille ferry strike strands Corsica travellers"]
    assert (ndtv["publisher"], bs["publisher"]) == ("NDTV", "Business Standard")
    assert ndtv["syndicated"] and bs["syndicated"]
    assert ndtv["text"].startswith("Marseille: Ferry crews in Marseille stopped work on Friday")
    assert bs["text"] in ndtv["text"][: len(bs["text"])]  # the trimmed copy is a prefix of the longer one
    local = rows["Corner bakery on Elm Street reopens after flood repairs"]
    assert local["syndicated"] is False and local["publisher"] is None and local["removed"] == []
    assert local["published_tz_assumed"] is False


def test_multi_post_file_gives_one_row_per_post(sample_run):
    rows = [r for r in read_table(sample_run, "articles") if r["source_uri"].endswith("three_posts.txt")]
    assert sorted(r["locator"].split(";")[0] for r in rows) == ["post=0", "post=1", "post=2"]


def test_duckdb_reads_partitioned_output(sample_run):
    con = duckdb.connect()
    n, dates = con.execute(
        f"select count(*), list(distinct ingest_date) from read_parquet('{sample_run}/articles/**/*.parquet', hive_partitioning=true)"
    ).fetchone()
    assert n == 11 and [str(d) for d in dates] == [RUN_DATE]


def test_doc_ids_stable_when_dump_moves(sample_run, tmp_path):
    moved = tmp_path / "elsewhere" / "dumps"
    shutil.copytree(SAMPLES, moved)
    out = tmp_path / "out"
    assert run_cli("--input", f"{moved}/**", "--output", str(out), "--run-date", RUN_DATE) == 0
    ids = lambda o: sorted((r["doc_id"], r["content_hash"]) for r in read_table(o, "articles"))  # noqa: E731
    assert ids(out) == ids(sample_run)


def test_rerun_replaces_partition(tmp_path):
    out = tmp_path / "out"
    args = ("--input", f"{SAMPLES}/outlet_ndtv/*.txt", "--output", str(out), "--run-date", RUN_DATE)
    assert run_cli(*args) == 0
    assert run_cli(*args, "--num-shards", "2") == 0
    rows = read_table(out, "articles")
    assert len(rows) == 3 and len({r["run_id"] for r in rows}) == 1  # no stale shard of the first run


def test_unknown_option_is_an_error(tmp_path, capsys):
    assert run_cli("--input", "x", "--output", str(tmp_path), "--defualt-tz", "UTC") == 2
    assert "did you mean --default-tz" in capsys.readouterr().err


def test_underscore_and_dash_spellings(tmp_path):
    out = tmp_path / "out"
    assert (
        run_cli(
            "--input",
            f"{SAMPLES}/misc/*.txt",
            "--output",
            str(out),
            "--run_date",
            RUN_DATE,
            "--default_tz",
            "Asia/Kolkata",
            "--direct-num-workers",
            "1",
        )
        == 0
    )
    rows = {r["title"]: r for r in read_table(out, "articles")}
    # "March 30, 2025 4:20 PM" has no zone: read in Asia/Kolkata (UTC+5:30) and flagged as assumed.
    storks = rows["Volunteers count 212 storks on the river meadows"]
    assert storks["published_at"] == datetime(2025, 3, 30, 10, 50, tzinfo=UTC)
    assert storks["published_tz_assumed"] is True


def test_glob_matching_nothing_is_a_warning_not_a_crash(tmp_path):
    """With --allow-empty-input (without it: exit 2, tests/test_cli_errors.py)."""
    out = tmp_path / "out"
    args = ("--input", str(tmp_path / "nothing" / "*.txt"), "--output", str(out), "--run-date", RUN_DATE, "--allow-empty-input")
    assert run_cli(*args) == 0
    m = manifest(out)
    assert m["counts"]["read"] == 0 and m["warnings"]


@pytest.mark.skipif(not SEED.exists(), reason="../shared/reference is not beside the project")
def test_seed_post_end_to_end(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    shutil.copy(SEED, dump)
    out = tmp_path / "out"
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out)) == 0
    con = duckdb.connect()
    row = con.execute(
        f"select title, published_at, dateline_city, tags, publisher, syndicated, standfirst, text, removed, published_zone, "
        f"published_tz_assumed from read_parquet('{out}/articles/**/*.parquet')"
    ).fetchone()
    title, published, city, tags, publisher, syndicated, standfirst, text, removed, zone, assumed = row
    assert title == "France Says No Longer In Its “Interest” To Talk To Russia"
    # Printed "2024-04-08 22:51:46" with no zone by NDTV, an Indian site: India time, not UTC, and still flagged assumed.
    assert published.astimezone(UTC).replace(tzinfo=None) == datetime(2024, 4, 8, 17, 21, 46)
    assert (zone, assumed) == ("Asia/Kolkata", True)
    assert (city, publisher, syndicated) == ("Paris", "NDTV", True)
    assert tags == ["France", "Russia", "Russia Ukraine War", "France Russia relations"]
    assert standfirst.startswith("Macron in February")
    assert text.startswith("Paris: France’s foreign minister said Monday")
    for junk in ("syndicated feed", "Source link", "Loading", "France,Russia"):
        assert junk not in text
    assert {r["rule_id"] for r in removed} >= {"disclaimer.ndtv.syndicated_feed", "tail.tag_line", "junk.source_link", "junk.loading"}


def test_a_file_matched_by_two_patterns_is_read_once(tmp_path):
    """Overlapping globs (a daily folder and a catch-all) must not write a story twice or give two rows one doc_id."""
    out = tmp_path / "out"
    assert run_cli("--input", f"{SAMPLES}/**", "--input", f"{SAMPLES}/*/*.txt", "--output", str(out), "--run-date", RUN_DATE) == 0
    rows = read_table(out, "articles")
    assert len(rows) == 11 and len({r["doc_id"] for r in rows}) == 11
    c = manifest(out)["counts"]
    assert c["read"] == c["written"] + c["rejected"] + c["skipped"] == 16
