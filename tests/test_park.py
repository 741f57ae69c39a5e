"""Collections parked on disk between stages (transforms/beam_park.py) come back element for element,
typed as they went in, and an empty collection comes back empty."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from wirestrip.pipeline.runners import OfflineDirectRunner
from wirestrip.transforms.beam_park import Park, Unpark

ROW = {
    "doc_id": "d1",
    "text": "Body — with non-ASCII ✓\n\nand two paragraphs",
    "published_at": datetime(2025, 3, 30, 1, 30, tzinfo=ZoneInfo("Europe/London")),
    "ingested_at": datetime(2025, 8, 2, tzinfo=UTC),
    "published_tz_assumed": None,
    "byline": ["A. Writer"],
    "tags": [],
    "removed": [{"rule_id": "r", "kind": "line", "text": "x", "position": 0, "score": 0.125}, {"score": None}],
    "syndicated": False,
    "simhash": -(2**63),
}


def test_rows_come_back_unchanged(tmp_path: Path):
    rows = [ROW, *({**ROW, "doc_id": f"d{i}", "text": "x" * i} for i in range(2, 3000))]
    seen = tmp_path / "seen"
    with beam.Pipeline(runner=OfflineDirectRunner()) as p:
        back = p | beam.Create(rows) | Park(str(tmp_path / "parked")) | Unpark()
        assert_that(back, equal_to(rows))
        # what the consumer gets is the object, not a copy with its types flattened (tz, bool, None)
        first = back | beam.Filter(lambda r: r["doc_id"] == "d1")
        (
            first
            | beam.Map(lambda r: json.dumps([str(r["published_at"].tzinfo), type(r["syndicated"]).__name__, r["published_tz_assumed"]]))
            | beam.io.WriteToText(str(seen))
        )
    assert json.loads(next(tmp_path.glob("seen*")).read_text()) == ["Europe/London", "bool", None]
    assert list((tmp_path / "parked").glob("part-*.parquet")), "the rows went through files"


def test_an_empty_collection_comes_back_empty(tmp_path: Path):
    with beam.Pipeline(runner=OfflineDirectRunner()) as p:
        back = p | beam.Create([]) | Park(str(tmp_path / "parked")) | Unpark()
        assert_that(back | beam.combiners.Count.Globally(), equal_to([0]))


def test_a_reader_that_waits_reads_after_what_it_waits_on(tmp_path: Path):
    """Two readers of one parked collection: the one told to wait reads only once the collection it
    waits on is complete (each element it reads sees that collection's files written)."""
    marks = tmp_path / "marks"

    def mark(x: int) -> int:
        (marks / f"{x}").parent.mkdir(exist_ok=True)
        (marks / f"{x}").write_text("")
        return x

    def seen_marks(x: int) -> tuple[int, int]:
        return x, len(list(marks.glob("*")))

    with beam.Pipeline(runner=OfflineDirectRunner()) as p:
        files = p | "Items" >> beam.Create(range(20)) | Park(str(tmp_path / "parked"))
        first = files | "Now" >> Unpark()
        # marked after a shuffle: in a later stage than the one that reads `first`
        done = first | beam.Map(lambda x: (x % 2, x)) | beam.GroupByKey() | "Mark" >> beam.FlatMap(lambda kv: [mark(x) for x in kv[1]])
        later = files | "Later" >> Unpark(wait_on=(done,))
        assert_that(later | beam.Map(seen_marks), equal_to([(x, 20) for x in range(20)]))
