"""--max-records-per-file (issue 17, item 13): one file becomes at most that many records and
read rejects; the rest is counted, not read, so that `records + rejected + skipped` is still
every record the file holds. Through the pure reader (files.read_file), on small files."""

from __future__ import annotations

import gzip
import io
import random

import pytest
from wirestrip.transforms.read import bounded_lines
from wirestrip.transforms.read.bounded_lines import count_text_lines
from wirestrip.transforms.read.decompress import DecodedStream
from wirestrip.transforms.read.files import FileInfo, FileToRead, plan_regions, read_file, region_share
from wirestrip.transforms.read.formats import FormatRecord, ReaderConfig
from wirestrip.transforms.read.locate import reread_record
from wirestrip.transforms.record_types import Reject

TINY = b'{"text":"x"}\n'


def read(path, **cfg) -> tuple[list[FormatRecord], list[Reject], dict]:
    """(records, rejects, the file's manifest line) of one file or region, read whole."""
    return split_outputs(read_file(FileToRead(str(path), path.name, path.stat().st_size), ReaderConfig(**cfg)))


def split_outputs(outputs) -> tuple[list[FormatRecord], list[Reject], dict]:
    outputs = list(outputs)
    assert isinstance(outputs[-1], FileInfo)
    info = outputs[-1].fields
    records = [o for o in outputs if isinstance(o, FormatRecord)]
    rejects = [o for o in outputs if isinstance(o, Reject)]
    assert (info["records"], info["rejected"]) == (len(records), len(rejects))
    return records, rejects, info


def test_tiny_records_past_the_bound_are_one_reject_and_counted_skips(tmp_path):
    path = tmp_path / "tiny.jsonl.gz"
    path.write_bytes(gzip.compress(TINY * 50_000 + b"\n  \n" + b'{"text":"last"}\n', mtime=0))
    records, rejects, info = read(path, max_records_per_file=1000)
    assert len(records) == 1000
    (rej,) = rejects
    # The reject is the first record past the bound (found again by its locator); the rest are skips.
    assert (rej.error_type, rej.locator, rej.raw) == ("too_many_records", "bytes=13000-13013", TINY)
    assert reread_record(str(path), rej.locator, "jsonl") == TINY
    assert "--max-records-per-file=1000" in rej.message and "49001 more records follow the first 1000" in rej.message
    assert info["skipped"] == 49_000 and info["skipped_by_reason"] == {"past_max_records": 49_000}
    # Reconciled: blank lines are no records, the last line is one.
    assert info["records"] + info["rejected"] + info["skipped"] == 50_001


def test_read_rejects_count_toward_the_bound(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"x" * 200 + b"\n" + TINY * 5)  # the first line is over --max-record-bytes
    records, rejects, info = read(path, max_records_per_file=3, max_record_bytes=100)
    assert len(records) == 2 and [r.error_type for r in rejects] == ["record_too_large", "too_many_records"]
    assert info["skipped"] == 2 and info["records"] + info["rejected"] + info["skipped"] == 6


def test_csv_rows_past_the_bound_are_counted_as_lines(tmp_path):
    rows = "".join(f'{i},"story {i}"\n' for i in range(30))
    path = tmp_path / "rows.csv"
    path.write_text("id,text\n" + rows)
    records, rejects, info = read(path, max_records_per_file=10)
    assert [r.meta["text"] for r in records] == [f"story {i}" for i in range(10)]
    (rej,) = rejects
    assert rej.error_type == "too_many_records" and rej.locator.startswith("row=11;") and rej.raw == b'10,"story 10"\n'
    assert "20 more non-blank lines follow the first 10" in rej.message and info["skipped"] == 19


def test_a_format_without_a_fast_count_is_counted_by_its_splitter(tmp_path):
    path = tmp_path / "posts.txt"
    path.write_text("\n=====\n".join(f"Post {i}\n\nBody of post {i}." for i in range(12)) + "\n")
    records, rejects, info = read(path, max_records_per_file=5)
    assert len(records) == 5 and [r.locator.split(";")[0] for r in rejects] == ["post=5"]
    assert "7 more records follow" in rejects[0].message and info["skipped"] == 6


def test_under_the_bound_nothing_changes(tmp_path):
    path = tmp_path / "few.jsonl"
    path.write_bytes(TINY * 10)
    records, rejects, info = read(path, max_records_per_file=10)
    assert len(records) == 10 and not rejects and info["skipped"] == 0 and "skipped_by_reason" not in info


def test_a_stream_error_after_the_bound_keeps_the_counts(tmp_path):
    data = gzip.compress(TINY * 5000, mtime=0)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    records, rejects, info = read(path, max_records_per_file=100)
    assert len(records) == 100 and [r.error_type for r in rejects] == ["too_many_records", "truncated_input"]
    counted = int(rejects[0].message.split(" more records")[0].rsplit(" ", 1)[1])
    assert info["skipped"] == counted - 1 > 0


def test_regions_share_the_bound(tmp_path):
    path = tmp_path / "big.jsonl"
    lines = [b'{"text":"%d"}\n' % i for i in range(3000)]
    path.write_bytes(b"".join(lines))
    cfg = ReaderConfig(split_bytes=4096, max_records_per_file=600)
    regions = list(plan_regions(FileToRead(str(path), path.name, path.stat().st_size), cfg, lambda p: open(p, "rb")))
    assert len(regions) > 3
    totals = {"records": 0, "rejected": 0, "skipped": 0}
    for region in regions:
        records, rejects, info = split_outputs(read_file(region, cfg))
        assert len(records) + len(rejects) <= region_share(600, region) + 1
        for key in totals:
            totals[key] += info[key]
    assert totals["records"] <= 600 + len(regions) and sum(totals.values()) == 3000


def test_region_share_is_proportional_and_rounded_up():
    assert region_share(1000, FileToRead("f", "f", 100)) == 1000  # a whole file
    assert region_share(1000, FileToRead("f", "f", 300, 0, 100)) == 334
    assert region_share(1, FileToRead("f", "f", 10**9, 0, 10)) == 1


@pytest.mark.parametrize("chunk", [3, 7, 1 << 18])
def test_fast_line_count_agrees_with_the_line_splitter(monkeypatch, chunk):
    monkeypatch.setattr(bounded_lines, "_COUNT_CHUNK", chunk)
    rng = random.Random(chunk)
    for _ in range(300):
        parts = [rng.choice([b"", b" ", b"\t", b"ab", b"x y", b"  z", b"\x0b", b"   q"]) for _ in range(rng.randint(0, 12))]
        data = b"\n".join(parts) + rng.choice([b"", b"\n"])
        lines = list(bounded_lines.iter_lines(DecodedStream(io.BytesIO(data), 1 << 30), 1 << 20))
        assert count_text_lines(DecodedStream(io.BytesIO(data), 1 << 30)) == (sum(1 for ln in lines if ln.data.strip()), None)
        end = rng.randint(0, len(data) + 1)
        before_end = sum(1 for ln in lines if ln.start < end and ln.data.strip())
        assert count_text_lines(DecodedStream(io.BytesIO(data), 1 << 30), end)[0] == before_end
