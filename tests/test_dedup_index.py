"""Cross-batch near-duplicates through the CLI: two runs sharing an --index, reruns, settings checks, retention."""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.helpers import FLOOD, FLOOD_OTHER_AGENCY, read_table, run_cli

VOLATILE = ("run_id", "ingested_at")
LIBRARY = [
    "The town library will stay open until nine in the evening from next month, the council said on Thursday, "
    "after a survey found that most readers could only visit after work.",
    "Two new staff members will be hired for the evening shifts, paid from a fund that was set aside last year "
    "for repairs to the roof that turned out to be cheaper than expected.",
]


def post(title: str, when: str, paras: list[str]) -> str:
    return "\n\n".join([title, when, *paras]) + "\n"


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def rows_of(out: Path, day: str, table: str = "articles") -> dict[str, dict]:
    files = sorted(glob.glob(os.path.join(out, table, f"ingest_date={day}", "*.parquet")))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    return {r["doc_id"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in rows}


def index_rows(index: Path, day: str) -> list[dict]:
    files = sorted(glob.glob(os.path.join(index, f"run_date={day}", "*.parquet")))
    return [r for f in files for r in pq.read_table(f).to_pylist()]


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    base = tmp_path_factory.mktemp("xbatch")
    day1, day2, out, index = base / "day1", base / "day2", base / "out", base / "index"
    write(day1, "afp_flood.txt", post("Floods in western Switzerland", "2025-08-01T09:00:00Z", FLOOD))
    write(day1, "reuters_flood.txt", post("Swiss evacuate 200", "2025-08-01T09:30:00Z", FLOOD_OTHER_AGENCY))
    write(day2, "late_copy.txt", post("Swiss floods: what we know", "2025-08-02T08:00:00Z", FLOOD[:4]))
    write(day2, "other.txt", post("Library", "2025-08-02T08:00:00Z", LIBRARY))
    args = ("--output", str(out), "--index", str(index), "--progress-seconds", "0")
    assert run_cli("--input", f"{day1}/", "--run-date", "2025-08-01", *args) == 0
    first_day1 = rows_of(out, "2025-08-01")
    assert run_cli("--input", f"{day2}/", "--run-date", "2025-08-02", *args) == 0
    return {"out": out, "index": index, "day1": day1, "day2": day2, "args": args, "first_day1": first_day1}


def test_a_copy_arriving_later_points_to_the_earlier_original(two_days):
    out = two_days["out"]
    day1 = {r["source_uri"].rsplit("/", 1)[-1]: r for r in rows_of(out, "2025-08-01").values()}
    day2 = {r["source_uri"].rsplit("/", 1)[-1]: r for r in rows_of(out, "2025-08-02").values()}
    original = day1["afp_flood.txt"]["doc_id"]
    late = day2["late_copy.txt"]
    assert late["cluster_id"] == original and late["duplicate_of"] == original and late["is_canonical"] is False
    assert late["cluster_size"] == 2 and late["containment"] == pytest.approx(1.0) and late["similarity_method"] == "exact"
    assert day2["other.txt"]["cluster_size"] == 1
    assert len(day2) == 2  # only this batch's docs get article rows
    clusters = rows_of(out, "2025-08-02", "clusters")
    assert clusters[original]["in_batch"] is False and clusters[original]["is_canonical"] is True
    assert clusters[original]["cluster_size"] == 2 and len(clusters) == 4  # index docs and this batch
    assert len(index_rows(two_days["index"], "2025-08-01")) == 2 and len(index_rows(two_days["index"], "2025-08-02")) == 4
    manifests = [json.loads(p.read_text()) for p in sorted((out / "_manifests").glob("*.json"))]
    (m,) = [m for m in manifests if m["run_date"] == "2025-08-02"][:1]
    assert m["dedup"]["index_version_read"] == "2025-08-01" and m["dedup"]["index_version_written"].endswith("run_date=2025-08-02")
    assert (m["dedup"]["clusters_rows"], m["dedup"]["batch_rows"], m["dedup"]["batch_duplicates"]) == (4, 2, 1)
    params = json.loads((two_days["index"] / "run_date=2025-08-02" / "_params.json").read_text())
    assert params["fingerprint"]["num_perm"] == 128 and params["run_date"] == "2025-08-02"


def test_rerunning_day1_after_day2_gives_the_same_rows(two_days):
    out, day1, args = two_days["out"], two_days["day1"], two_days["args"]
    assert run_cli("--input", f"{day1}/", "--run-date", "2025-08-01", *args) == 0
    assert rows_of(out, "2025-08-01") == two_days["first_day1"]


def test_rerunning_the_same_batch_does_not_double_count(two_days):
    out, day2, index, args = two_days["out"], two_days["day2"], two_days["index"], two_days["args"]
    before = rows_of(out, "2025-08-02")
    assert run_cli("--input", f"{day2}/", "--run-date", "2025-08-03", *args) == 0  # the day-2 batch again, a day later
    again = rows_of(out, "2025-08-03")
    assert {d: r["cluster_size"] for d, r in again.items()} == {d: r["cluster_size"] for d, r in before.items()}
    assert len(index_rows(index, "2025-08-03")) == 4
    first_seen = {r["doc_id"]: r["first_seen_run_date"] for r in index_rows(index, "2025-08-03")}
    assert set(first_seen.values()) == {"2025-08-01", "2025-08-02"}


def test_other_fingerprint_settings_fail_with_a_clear_message(two_days, capsys):
    out, day2, index = two_days["out"], two_days["day2"], two_days["index"]
    code = run_cli(
        "--input", f"{day2}/", "--output", str(out), "--index", str(index), "--run-date", "2025-08-05", "--dedup-shingle-size", "4"
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "other fingerprint settings" in err and "shingle_size: index 3 vs this run 4" in err


def test_retention_prunes_old_entries(two_days, tmp_path):
    out, index = two_days["out"], two_days["index"]
    empty = tmp_path / "empty"
    write(empty, "note.txt", post("A note", "2025-08-10T08:00:00Z", ["A short unrelated note about the weather on the coast today."]))
    args = ("--output", str(out), "--index", str(index), "--progress-seconds", "0")
    assert run_cli("--input", f"{empty}/", "--run-date", "2025-08-10", "--index-retention-days", "7", *args) == 0
    kept = index_rows(index, "2025-08-10")
    assert [r["first_seen_run_date"] for r in kept] == ["2025-08-10"]  # day-1/day-2 entries are older than 7 days


def test_without_dedup_no_clusters_and_null_fields(tmp_path):
    src = tmp_path / "in"
    write(src, "a.txt", post("Floods", "2025-08-01T09:00:00Z", FLOOD))
    assert run_cli("--input", f"{src}/", "--output", str(tmp_path / "out"), "--run-date", "2025-08-01", "--no-dedup") == 0
    (row,) = read_table(tmp_path / "out", "articles")
    assert row["cluster_id"] is None and row["simhash"] is None
    assert read_table(tmp_path / "out", "clusters") == []


@pytest.mark.slow
def test_index_on_an_object_store(tmp_path):
    from tests import objectstore_fs

    objectstore_fs.clear()
    try:
        index = "memfs://bucket/index"
        day1, day2 = tmp_path / "d1", tmp_path / "d2"
        write(day1, "afp_flood.txt", post("Floods in western Switzerland", "2025-08-01T09:00:00Z", FLOOD))
        write(day2, "late_copy.txt", post("Swiss floods", "2025-08-02T08:00:00Z", FLOOD[:4]))
        args = ("--output", str(tmp_path / "out"), "--index", index, "--progress-seconds", "0")
        assert run_cli("--input", f"{day1}/", "--run-date", "2025-08-01", *args) == 0
        assert run_cli("--input", f"{day2}/", "--run-date", "2025-08-02", *args) == 0
        store = objectstore_fs.objects()
        assert f"{index}/run_date=2025-08-01/_params.json" in store and f"{index}/run_date=2025-08-02/_params.json" in store
        assert not [k for k in store if "/_staging/" in k], "staged index files are removed after the commit"
        (late,) = rows_of(tmp_path / "out", "2025-08-02").values()
        (original,) = rows_of(tmp_path / "out", "2025-08-01").values()
        assert late["duplicate_of"] == original["doc_id"] and late["cluster_size"] == 2
    finally:
        objectstore_fs.clear()
