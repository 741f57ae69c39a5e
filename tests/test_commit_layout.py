"""Partitions, atomic commits and reruns: local disk (renames + journal) and an object store (pointers)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import wirestrip.pipeline.commit as commit
from wirestrip.pipeline.dataset import committed_files, interrupted_commits
from wirestrip.pipeline.layout import NULL_PARTITION, published_date, sanitise_partition_value

from tests import objectstore_fs
from tests.helpers import SAMPLES, read_table, run_cli

D1, D2 = "2025-08-02", "2025-08-03"


def _glob_rows(out: Path, table: str = "articles") -> list[dict]:
    """What a plain reader sees: every Parquet file below the table root, with hive columns."""
    return (
        duckdb.connect()
        .sql(f"select * from read_parquet('{out}/{table}/**/*.parquet', hive_partitioning=true, union_by_name=true)")
        .to_arrow_table()
        .to_pylist()
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-08-02", "2025-08-02"),
        (None, NULL_PARTITION),
        ("", NULL_PARTITION),
        ("../../etc", "..%2F..%2Fetc"),
        ("..", "%2E%2E"),
        ("a/b", "a%2Fb"),
        ("x y\n", "x%20y"),
        ("ünï", "%C3%BCn%C3%AF"),
    ],
)
def test_partition_values_are_one_safe_path_segment(value, expected):
    got = sanitise_partition_value(value)
    assert got == expected
    assert "/" not in got and got not in (".", "..") and got.isprintable()


def test_published_date_is_the_utc_date():
    from zoneinfo import ZoneInfo

    late_evening_in_la = datetime(2025, 3, 30, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert published_date(late_evening_in_la) == "2025-03-31"
    assert published_date(None) == NULL_PARTITION


def test_published_date_partitions_every_row_readable(tmp_path):
    out = tmp_path / "out"
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", D1, "--partition-by", "published_date") == 0
    manifest = json.loads(next((out / "_manifests").glob("*.json")).read_text())
    rows = _glob_rows(out)
    assert len(rows) == manifest["counts"]["written"] == 11
    for r in rows:
        assert str(r["ingest_date"]) == D1
        want = r["published_at"].astimezone(UTC).date() if r["published_at"] else None
        assert r["published_date"] == want  # the hive column: null partition read back as NULL
    assert any(r["published_at"] is None for r in rows) == (out / "articles" / f"published_date={NULL_PARTITION}").is_dir()
    # rejects have no publication date: they stay under ingest_date
    assert len(read_table(out, "rejects")) == manifest["counts"]["rejected"]
    assert not list(out.glob("articles/**/beam-temp*")) and not list(out.glob("_staging/*"))


@pytest.mark.slow
def test_rerun_under_published_date_replaces_exactly_that_run_date(tmp_path):
    out = tmp_path / "out"
    opts = ("--output", str(out), "--partition-by", "published_date")
    assert run_cli("--input", f"{SAMPLES}/outlet_ndtv/*.txt", "--run-date", D1, *opts) == 0
    assert run_cli("--input", f"{SAMPLES}/misc/*.txt", "--run-date", D2, *opts) == 0
    before_d2 = sorted(r["doc_id"] for r in _glob_rows(out) if str(r["ingest_date"]) == D2)
    # rerun D1 on other input: every published_date partition of D1 is replaced, D2 is untouched
    assert run_cli("--input", f"{SAMPLES}/outlet_bs/*.txt", "--run-date", D1, *opts) == 0
    rows = _glob_rows(out)
    d1 = [r for r in rows if str(r["ingest_date"]) == D1]
    assert {Path(r["source_uri"]).parent.name for r in d1} == {"outlet_bs"}
    assert sorted(r["doc_id"] for r in rows if str(r["ingest_date"]) == D2) == before_d2
    # no empty published_date=P directory lingers after its last ingest_date was removed
    assert all(any(p.iterdir()) for p in (out / "articles").iterdir())


def test_one_output_root_holds_one_partition_scheme(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli("--input", f"{SAMPLES}/misc/*.txt", "--output", str(out), "--run-date", D1) == 0
    args = ("--input", f"{SAMPLES}/misc/*.txt", "--output", str(out), "--run-date", D2, "--partition-by", "published_date")
    assert run_cli(*args) == 2
    assert "partitioned by ingest_date" in capsys.readouterr().err


def test_failed_run_leaves_previous_output_and_no_partial_file(tmp_path, monkeypatch):
    out = tmp_path / "out"
    args = ("--input", f"{SAMPLES}/outlet_ndtv/*.txt", "--output", str(out), "--run-date", D1)
    assert run_cli(*args) == 0
    before = sorted(r["doc_id"] + r["run_id"] for r in _glob_rows(out))

    import wirestrip.pipeline.run as run

    real_build = run.build

    def half_written_then_crash(p, plan):
        real_build(p, plan)
        path = Path(plan.staging.partition("articles", plan.run_date)) / "part-99999.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1 half a file")
        raise RuntimeError("worker killed")

    monkeypatch.setattr(run, "build", half_written_then_crash)
    assert run_cli(*args) == 3
    assert sorted(r["doc_id"] + r["run_id"] for r in _glob_rows(out)) == before
    assert not list(out.glob("_staging/*"))


# A process that holds an output's lock, as a run in progress does (it prints "held" once it has it).
LOCK_HOLDER = """
import sys, time
from wirestrip.pipeline.lock import hold
hold(sys.argv[1]).name_run("the-holder-run")
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def test_commit_killed_half_way_is_rolled_forward_by_the_next_run(tmp_path, monkeypatch, capsys, caplog):
    """Issue 17, items 10 and 11: the roll-forward writes the killed run's manifest (it never did),
    and never happens while another run holds the output (it used to crash that run with exit 1)."""
    out = tmp_path / "out"
    first = ("--input", f"{SAMPLES}/outlet_ndtv/*.txt", "--output", str(out), "--run-date", D1)
    assert run_cli(*first) == 0
    real_apply = commit.apply_local_commit

    def killed_after_first_rename(journal, trash):  # the manifest and the articles partition are in place
        real_apply({**journal, "moves": journal["moves"][:1], "removals": []}, trash + ".partial")
        raise KeyboardInterrupt("killed during commit")

    monkeypatch.setattr(commit, "apply_local_commit", killed_after_first_rename)
    with pytest.raises(KeyboardInterrupt):
        run_cli("--input", f"{SAMPLES}/misc/*.txt", "--output", str(out), "--run-date", D1)
    monkeypatch.setattr(commit, "apply_local_commit", real_apply)
    (journal,) = interrupted_commits(str(out))
    killed = Path(journal).name.removesuffix(".commit.json")
    # every file a reader sees is whole (the articles partition is new already, rejects still old),
    # and the new partition's run has its manifest already: it went first
    for f in committed_files(str(out), "articles") + committed_files(str(out), "rejects"):
        pq.read_metadata(f)
    assert {r["run_id"] for r in read_table(out, "articles")} == {killed}
    assert json.loads((out / "_manifests" / f"{killed}.json").read_text())["status"] == "succeeded"
    assert not list(out.rglob("*.tmp-*")) and not (out / "_lock.json").exists()

    # Another run holds the output: the next run stops with exit 2 and does not touch the journal.
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        before = {str(p): p.stat().st_mtime_ns for p in out.rglob("*")}
        capsys.readouterr()
        assert run_cli("--input", f"{SAMPLES}/local/*.txt", "--output", str(out), "--run-date", D2) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "the-holder-run" in line and f"pid {holder.pid}" in line and "Nothing ran" in line
        assert {str(p): p.stat().st_mtime_ns for p in out.rglob("*")} == before
    finally:
        holder.kill()
        holder.wait()

    # The holder died without releasing: the next run (any date) takes its lock over, then finishes the commit.
    with caplog.at_level(logging.WARNING, logger="wirestrip"):
        assert run_cli("--input", f"{SAMPLES}/local/*.txt", "--output", str(out), "--run-date", D2) == 0
    said = [r.getMessage() for r in caplog.records]
    assert any("took over the lock" in m and "the-holder-run" in m and "is gone" in m for m in said), said
    assert any(f"rolled forward the interrupted commit of run {killed}" in m for m in said), said
    assert not interrupted_commits(str(out))
    d1 = [r for r in _glob_rows(out) if str(r["ingest_date"]) == D1]
    assert {Path(r["source_uri"]).parent.name for r in d1} == {"misc"}
    manifest = json.loads((out / "_manifests" / f"{killed}.json").read_text())
    assert manifest["status"] == "succeeded" and manifest["counts"]["written"] == len(d1)
    assert {r["run_id"] for r in d1} == {killed}
    assert not [p for p in os.listdir(out / "_staging") if not p.startswith(".")]


@pytest.fixture
def memfs():
    objectstore_fs.clear()
    yield "memfs://bucket/out"
    objectstore_fs.clear()


def _read_all(files: list[str]) -> list[dict]:
    from apache_beam.io.filesystems import FileSystems

    rows = []
    for f in files:
        with FileSystems.open(f, compression_type="uncompressed") as fh:
            rows += pq.read_table(fh).to_pylist()
    return rows


@pytest.mark.slow
def test_object_store_commits_by_pointer(memfs):
    from apache_beam.io.filesystems import FileSystems

    args = ("--input", f"{SAMPLES}/**", "--output", memfs, "--run-date", D1)
    assert run_cli(*args) == 0
    store = objectstore_fs.objects()
    pointer = json.loads(store[f"{memfs}/_current/ingest_date={D1}.json"])
    first = pointer["run_id"]
    assert f"{memfs}/_runs/{first}/_SUCCESS" in store and pointer["replaces"] is None
    rows = _read_all(committed_files(memfs, "articles"))
    assert len(rows) == 11 and {r["run_id"] for r in rows} == {first}
    assert len(_read_all(committed_files(memfs, "rejects"))) == 5
    assert not [k for k in store if "beam-temp" in k]

    # rerun the same date: the pointer moves, the replaced run stays for readers still on it
    assert run_cli(*args) == 0
    second = json.loads(objectstore_fs.objects()[f"{memfs}/_current/ingest_date={D1}.json"])
    assert second["replaces"] == first
    assert {r["run_id"] for r in _read_all(committed_files(memfs, "articles"))} == {second["run_id"]}
    assert FileSystems.exists(f"{memfs}/_runs/{first}/_SUCCESS")
    # a third run deletes the first run's folder
    assert run_cli(*args) == 0
    assert not [k for k in objectstore_fs.objects() if f"/_runs/{first}/" in k]

    # a run folder without _SUCCESS (a killed run) is ignored even if a pointer names it
    killed = json.loads(objectstore_fs.objects()[f"{memfs}/_current/ingest_date={D1}.json"])
    FileSystems.delete([f"{memfs}/_runs/{killed['run_id']}/_SUCCESS"])
    assert committed_files(memfs, "articles") == []


def test_object_store_published_date_and_two_dates(memfs):
    for d, sub in ((D1, "outlet_ndtv"), (D2, "misc")):
        assert run_cli("--input", f"{SAMPLES}/{sub}/*.txt", "--output", memfs, "--run-date", d, "--partition-by", "published_date") == 0
    files = committed_files(memfs, "articles")
    assert all("/published_date=" in f and "/ingest_date=" in f for f in files)
    rows = _read_all(files)
    assert len(rows) == 3 + 3  # ndtv: 3 posts, misc: 3 posts


def test_output_on_an_unknown_filesystem_is_a_usage_error(tmp_path, capsys):
    assert run_cli("--input", f"{SAMPLES}/misc/*.txt", "--output", "nosuchfs://bucket/out") == 2
    assert "no Beam filesystem serves this path" in capsys.readouterr().err


def test_object_store_failed_run_leaves_the_committed_run(memfs, monkeypatch):
    args = ("--input", f"{SAMPLES}/outlet_ndtv/*.txt", "--output", memfs, "--run-date", D1)
    assert run_cli(*args) == 0
    before = committed_files(memfs, "articles")

    import wirestrip.pipeline.run as run

    real_build = run.build

    def crash_after_writing(p, plan):
        from apache_beam.io.filesystems import FileSystems

        real_build(p, plan)
        with FileSystems.create(FileSystems.join(plan.staging.partition("articles", plan.run_date), "part-x.parquet")) as f:
            f.write(b"PAR1 half")
        raise RuntimeError("worker killed")

    monkeypatch.setattr(run, "build", crash_after_writing)
    assert run_cli(*args) == 3
    assert committed_files(memfs, "articles") == before
    runs = {k.split("/_runs/")[1].split("/")[0] for k in objectstore_fs.objects() if "/_runs/" in k}
    assert len(runs) == 1, "the failed run's folder is removed"


def test_staging_left_by_a_dead_run_is_removed_after_a_day(tmp_path):
    out = tmp_path / "out"
    old, young = out / "_staging" / "20200101T000000Z-dead", out / "_staging" / "20990101T000000Z-busy"
    for d in (old, young):
        (d / "articles" / f"ingest_date={D1}").mkdir(parents=True)
    os.utime(old, (0, 0))
    assert run_cli("--input", f"{SAMPLES}/local/*.txt", "--output", str(out), "--run-date", D1) == 0
    assert not old.exists() and young.exists()
