"""Spreading records over workers (issue 17, item 13): in batches, and not at all with one local
worker, where a per-record Reshuffle of 200,000 tiny records cost more than reading them."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from wirestrip.pipeline.graph import one_local_worker
from wirestrip.pipeline.options import normalise_argv
from wirestrip.transforms.read.beam_read import BATCH_BYTES, RECORDS_PER_BATCH, BatchRecords, ReadInputs
from wirestrip.transforms.read.formats import FormatRecord


@pytest.mark.parametrize(
    ("args", "one"),
    [
        ((), True),  # the default: our runner, in_memory
        (("--direct_num_workers", "4"), True),  # in_memory runs every bundle in one thread whatever the count
        (("--direct_running_mode", "multi_processing", "--direct_num_workers", "2"), False),
        (("--direct_running_mode", "multi_threading", "--direct_num_workers", "1"), True),
        (("--runner", "DataflowRunner"), False),
    ],
)
def test_one_local_worker(args, one):
    assert one_local_worker(PipelineOptions(normalise_argv(list(args)))) is one


def _record(i: int, size: int = 10) -> FormatRecord:
    return FormatRecord("/d/f.jsonl", "f.jsonl", f"bytes={i}-{i + 1}", "jsonl", b"x" * size, "sha", f"id{i}", {})


def test_batches_are_bounded_in_records_and_bytes():
    fn = BatchRecords()
    fn.start_bundle()
    batches = [b for i in range(RECORDS_PER_BATCH * 2 + 5) for b in fn.process(_record(i))]
    rest = [wv.value for wv in fn.finish_bundle()]
    assert [len(b) for b in batches + rest] == [RECORDS_PER_BATCH, RECORDS_PER_BATCH, 5]
    fn.start_bundle()
    big = [b for i in range(3) for b in fn.process(_record(i, BATCH_BYTES // 2))]
    assert [len(b) for b in big] == [2]  # a batch ends once it holds BATCH_BYTES of raw bytes


@pytest.mark.parametrize("spread", [True, False])
def test_the_same_records_with_or_without_spreading(tmp_path, spread):
    (tmp_path / "a.jsonl").write_bytes(b"".join(b'{"text":"story %d"}\n' % i for i in range(600)))
    (tmp_path / "b.txt").write_text("Title\n\nBody.\n")
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        read = p | ReadInputs([f"{tmp_path}/"], "auto", 1 << 20, 1 << 20, spread_records=spread)
        assert_that(read["records"] | beam.Map(lambda r: (r.rel_path, r.locator)), equal_to(_expected()))


def _expected() -> list[tuple[str, str]]:
    offsets, pos = [], 0
    for i in range(600):
        n = len(b'{"text":"story %d"}\n' % i)
        offsets.append(("a.jsonl", f"bytes={pos}-{pos + n}"))
        pos += n
    return [*offsets, ("b.txt", "post=0;bytes=0-13")]
