"""Faults injected into full runs: a stage that raises on one record loses no other record, a
run killed while it writes leaves readers the previous output, and its rerun gives exactly the
output of a run that was never interrupted; a second run on a busy output is refused, and a run
stopped by SIGTERM fails like any failure."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import wirestrip.transforms.clean.beam_clean as clean_stage
import wirestrip.transforms.read.beam_parse as parse_stage
import wirestrip.transforms.write.beam_rows as row_stage
from wirestrip.transforms.beam_safe import REJECTS, SafeDoFn
from wirestrip.transforms.hashing import raw_sha
from wirestrip.transforms.read.beam_files import reread_record
from wirestrip.transforms.record_types import RecordError, raw_record_of

from tests.helpers import ROOT, SAMPLES, posts, read_table, run_cli

RUN_DATE = "2025-08-02"
LINEAGE = ("run_id", "ingested_at")  # differ between runs by design


def make_dump(folder: Path, n_files: int = 6, per_file: int = 4) -> Path:
    """Generated posts (seeded), several per file, plus the malformed samples."""
    folder.mkdir(parents=True)
    texts = posts(n_files * per_file, seed=11, target_bytes=800)
    for i in range(n_files):
        (folder / f"dump_{i:02d}.txt").write_text("\n=====\n".join(texts[i * per_file : (i + 1) * per_file]))
    for bad in (SAMPLES / "malformed").iterdir():
        (folder / bad.name).write_bytes(bad.read_bytes())
    return folder


def content(out: Path, table: str) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in LINEAGE} for row in read_table(out, table)]


def one_manifest(out: Path) -> dict:
    (path,) = (out / "_manifests").glob("*.json")
    return json.loads(path.read_text())


# --- one record raises: every other record is written --------------------------------------------

POISON = "Poisoned post for the fault test"


def _raw(element) -> bytes:
    """The raw bytes behind a stage's element (RawRecord, ParsedArticle or CleanArticle); a cleaned
    article left them in the input (beam_safe.left_in_input), so they are read again there."""
    rec = raw_record_of(element)
    return rec.raw if rec.raw is not None else reread_record(rec.source_uri, rec.locator, rec.input_format)


def _raise_on_poison(fn, exc: Exception):
    def wrapped(first, *args, **kwargs):
        if POISON.encode() in _raw(first):
            raise exc
        return fn(first, *args, **kwargs)

    return wrapped


@pytest.mark.parametrize(
    "stage,target,exc",
    [
        ("parse", "parse_post", RuntimeError("injected parser failure")),
        ("clean", "clean_article", ValueError("injected cleaner failure")),  # a ValueError that is not a RecordError
        ("fingerprint", "article_row", KeyError("injected row failure")),
    ],
)
def test_a_stage_raising_on_one_record_loses_no_other(tmp_path, monkeypatch, stage, target, exc):
    dump = make_dump(tmp_path / "dump")
    with open(dump / "dump_03.txt", "a") as f:  # one poisoned post in the middle of a multi-post file
        f.write(f"\n=====\n{POISON}\n\nIts body would be fine.\n\nMore body.\n")
    reference = tmp_path / "ref"
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(reference), "--run-date", RUN_DATE) == 0

    if target == "parse_post":
        monkeypatch.setitem(parse_stage.PARSERS, "txt", _raise_on_poison(parse_stage.PARSERS["txt"], exc))
    else:
        module = clean_stage if target == "clean_article" else row_stage
        monkeypatch.setattr(module, target, _raise_on_poison(getattr(module, target), exc))
    out = tmp_path / "out"
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", RUN_DATE) == 0

    ref_articles = content(reference, "articles")
    poisoned = [r for r in ref_articles if r["title"] == POISON]
    assert len(poisoned) == 1
    # Every other article is written, identical to the uninterrupted run's.
    assert content(out, "articles") == [r for r in ref_articles if r["title"] != POISON]
    new_rejects = [r for r in read_table(out, "rejects") if r["doc_id"] == poisoned[0]["doc_id"]]
    (rej,) = new_rejects
    assert (rej["stage"], rej["error_type"]) == (stage, "exception")
    assert rej["message"].startswith(repr(exc)) and "File " in rej["message"] and len(rej["message"]) < 4000  # short traceback
    assert POISON.encode() in rej["raw"] and rej["locator"].startswith("post=4;")  # after the file's 4 posts
    # The bytes the reader read (the rows stage re-reads them from the file): whole, with their hash.
    assert raw_sha(rej["raw"]) == rej["raw_sha"] and rej["raw_size"] == len(rej["raw"]) and not rej["raw_truncated"]
    counts = one_manifest(out)["counts"]
    assert counts["ok"] and counts["rejected"] == len(content(reference, "rejects")) + 1


@pytest.mark.slow
def test_a_row_silently_lost_between_stages_fails_the_run_and_commits_nothing(tmp_path, monkeypatch, capsys):
    """What Beam 2.77's multi_processing mode did at 100k articles (docs/runners.md): a stage output
    lost without any error. The reconciliation must refuse the run and keep the previous output."""
    dump = make_dump(tmp_path / "dump")
    with open(dump / "dump_03.txt", "a") as f:
        f.write(f"\n=====\n{POISON}\n\nIts body would be fine.\n\nMore body.\n")
    out = tmp_path / "out"
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", RUN_DATE) == 0
    before = content(out, "articles")

    process_one = row_stage.ToArticleRows.process_one

    def drop_poison(self, clean):
        return iter(()) if POISON.encode() in _raw(clean) else process_one(self, clean)

    monkeypatch.setattr(row_stage.ToArticleRows, "process_one", drop_poison)
    capsys.readouterr()
    assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", RUN_DATE) == 3
    assert "nothing was committed" in capsys.readouterr().err
    assert content(out, "articles") == before  # the previous output stays, untouched
    failed = [json.loads(p.read_text()) for p in (out / "_manifests").glob("*.json")]
    failed = [m for m in failed if m.get("status") == "failed"]
    assert len(failed) == 1 and failed[0]["error"] == "counts do not reconcile"
    c = failed[0]["counts"]
    assert c["read"] == c["written"] + c["rejected"] + c["skipped"] + 1


# --- killed while writing ---------------------------------------------------------------------------

# The driver of the killed run: Beam's Parquet sink sleeps before it closes each file, so a SIGKILL
# lands while a half-written file exists. Only this test slows the write; the product has no hook.
SLOW_WRITE_DRIVER = """
import sys, time
from apache_beam.io import parquetio
_close = parquetio._ParquetSink.close
def slow_close(self, writer):
    time.sleep(float(sys.argv[1]))
    return _close(self, writer)
parquetio._ParquetSink.close = slow_close
from wirestrip.pipeline.run import main
sys.exit(main(sys.argv[2:]))
"""


def _staged_temp_files(out: Path) -> list[Path]:
    return [p for p in (out / "_staging").rglob("*") if p.is_file()] if (out / "_staging").exists() else []


def _readable_files(out: Path, table: str) -> int:
    """Every Parquet file a reader globbing OUT/<table>/** would open must be complete."""
    files = sorted((out / table).rglob("*.parquet")) if (out / table).exists() else []
    for f in files:
        pq.read_table(f)  # raises on a truncated or half-written file
    return len(files)


@pytest.mark.slow
def test_killed_write_leaves_previous_output_and_rerun_matches_uninterrupted(tmp_path):
    dump = make_dump(tmp_path / "dump")
    args = ["--input", f"{dump}/*.txt", "--run-date", RUN_DATE, "--num-shards", "2"]
    reference = tmp_path / "ref"
    assert run_cli(*args, "--output", str(reference)) == 0

    out = tmp_path / "out"
    assert run_cli("--input", f"{dump}/dump_0[0-2].txt", "--run-date", RUN_DATE, "--output", str(out)) == 0
    previous = content(out, "articles")
    assert 0 < len(previous) < len(content(reference, "articles"))

    rng = random.Random(8)  # kill points: as soon as a staged file exists, then at seeded random delays after it
    for extra_delay in (0.0, rng.uniform(0.2, 1.5), rng.uniform(0.2, 3.0)):
        proc = subprocess.Popen(
            [sys.executable, "-c", SLOW_WRITE_DRIVER, "2.0", *args, "--output", str(out)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while not _staged_temp_files(out) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it was killed: the slow write did not take"
        time.sleep(extra_delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        # Readers see the previous run's complete output, never a partial file.
        assert content(out, "articles") == previous
        assert _readable_files(out, "articles") >= 1 and _readable_files(out, "rejects") >= 1
        assert not [m for m in (out / "_manifests").glob("*.json") if json.loads(m.read_text())["status"] == "succeeded"][1:]

    assert run_cli(*args, "--output", str(out)) == 0
    assert content(out, "articles") == content(reference, "articles")
    assert content(out, "rejects") == content(reference, "rejects")
    # The killed runs' staging folders stay behind, but no reader globbing the tables meets them.
    import duckdb

    n = duckdb.connect().execute(f"select count(*) from read_parquet('{out}/articles/**/*.parquet', hive_partitioning=true)").fetchone()[0]
    assert n == len(content(reference, "articles"))


@pytest.mark.slow
def test_a_second_run_on_a_busy_output_is_refused_and_sigterm_fails_cleanly(tmp_path, capsys):
    """Issue 17, items 11 and 12: two runs on the same OUT and date both exited 0 and the first
    one's rows were gone. Now the second stops with exit 2 naming the first; the first, stopped by
    SIGTERM while it writes, exits 3 with one line, a failure manifest, no staging, no lock, and
    the previous output as it was."""
    dump = make_dump(tmp_path / "dump", n_files=2, per_file=2)
    out = tmp_path / "out"
    args = ["--input", f"{dump}/*.txt", "--run-date", RUN_DATE, "--output", str(out)]
    assert run_cli("--input", f"{dump}/dump_00.txt", "--run-date", RUN_DATE, "--output", str(out)) == 0
    tables = {t: content(out, t) for t in ("articles", "rejects")}
    manifests_before = {p.name for p in (out / "_manifests").glob("*.json")}

    first = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE_DRIVER, "60", *args],  # sleeps in the write until it is stopped
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _staged_temp_files(out) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        assert first.poll() is None, "the first run ended before the second started"
        (first_run,) = [p.name for p in (out / "_staging").iterdir() if p.is_dir()]

        capsys.readouterr()
        assert run_cli(*args) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert "error" in line and f"run {first_run}" in line and f"pid {first.pid}" in line, line

        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 3, err
    assert "Traceback" not in err and [x for x in err.splitlines() if "error" in x] == [err.strip().splitlines()[-1]], err
    assert "terminated by SIGTERM" in err and "nothing was committed" in err
    failed = json.loads((out / "_manifests" / f"{first_run}.json").read_text())
    assert (failed["status"], failed["failure"]) == ("failed", "terminated by SIGTERM")
    assert {p.name for p in (out / "_manifests").glob("*.json")} == manifests_before | {f"{first_run}.json"}
    assert {t: content(out, t) for t in tables} == tables and _readable_files(out, "articles") >= 1
    assert not (out / "_staging" / first_run).exists() and not (out / "_lock.json").exists()


# --- determinism across runners -------------------------------------------------------------------


@pytest.mark.slow
def test_same_rows_with_other_worker_counts_and_running_modes(tmp_path):
    dump = make_dump(tmp_path / "dump")
    runs = {
        "in_memory": (),
        "multi_threading_2": ("--direct_running_mode", "multi_threading", "--direct_num_workers", "2"),
        "multi_processing_2": ("--direct_running_mode", "multi_processing", "--direct_num_workers", "2", "--num-shards", "3"),
    }
    results = {}
    for name, extra in runs.items():
        out = tmp_path / name
        assert run_cli("--input", f"{dump}/*.txt", "--output", str(out), "--run-date", RUN_DATE, *extra) == 0
        results[name] = (content(out, "articles"), content(out, "rejects"))
    base = results["in_memory"]
    assert len(base[0]) == 24 and len(base[1]) == 5
    for name, got in results.items():
        assert got == base, name


class _BrokenRepr(Exception):
    def __repr__(self) -> str:
        raise RuntimeError("repr exploded")


class _RaisesOdd(SafeDoFn):
    """Fails on two records with exceptions that are hard to report: a 10 MB message, a broken repr."""

    stage = "test"

    def process_one(self, rec):
        if rec.locator == "post=1":
            raise ValueError("x" * 10_000_000)
        if rec.locator == "post=2":
            raise _BrokenRepr()
        if rec.locator == "post=3":
            raise RecordError("quoted_input", "bad line: " + "y" * 10_000_000)
        yield rec.locator


def test_huge_or_unprintable_exceptions_still_give_one_bounded_reject():
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from tests.helpers import record

    recs = [record(f"T{i}\n\nbody {i}", f"post={i}") for i in range(5)]
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        out = p | beam.Create(recs) | beam.ParDo(_RaisesOdd()).with_outputs(REJECTS, main="ok")
        assert_that(out.ok, equal_to(["post=0", "post=4"]))
        why = out[REJECTS] | beam.Map(lambda r: (r.locator, r.error_type, len(r.message) < 6000, r.message.split("\n")[0][-40:]))
        assert_that(
            why,
            equal_to(
                [
                    ("post=1", "exception", True, "x" * 13 + "… [9998014 more characters]"),
                    ("post=2", "exception", True, "<_BrokenRepr whose repr() failed>"),
                    ("post=3", "quoted_input", True, "y" * 13 + "… [9998010 more characters]"),
                ]
            ),
            label="rejects",
        )
