"""The Beam transforms with TestPipeline + assert_that, on in-memory records."""

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to
from wirestrip.transforms.beam_articles import ProcessRecords
from wirestrip.transforms.beam_safe import REJECTS, SafeDoFn
from wirestrip.transforms.clean.rules import load_rules

from tests.helpers import CTX, SEED_LAYOUT, record


def test_process_records_rows_and_rejects():
    good = record(SEED_LAYOUT, "post=0")
    empty = record(b"", "post=1")
    boiler = record("T\n\nSource link\n\nLoading", "post=2")
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        out = p | beam.Create([good, empty, boiler]) | ProcessRecords("UTC", load_rules(), CTX)
        rows = out["rows"] | "Key" >> beam.Map(lambda r: (r["doc_id"], r["publisher"], r["tags"], r["run_id"]))
        rejects = out[REJECTS] | "Why" >> beam.Map(lambda r: (r.doc_id, r.stage, r.error_type))
        assert_that(rows, equal_to([(good.doc_id, "NDTV", ["Netherlands", "Rotterdam", "Port Strike"], "run-test")]))
        assert_that(
            rejects,
            equal_to([(empty.doc_id, "parse", "empty"), (boiler.doc_id, "clean", "no_article_text")]),
            label="rejects",
        )


class _Explodes(SafeDoFn):
    stage = "test"

    def process_one(self, rec):
        if rec.locator == "post=1":
            raise RuntimeError("injected failure")
        yield rec.locator


def test_one_failing_record_loses_no_other_record():
    recs = [record(f"T{i}\n\nbody {i}", f"post={i}") for i in range(5)]
    with TestPipeline(runner="wirestrip.pipeline.runners.OfflineDirectRunner") as p:
        out = p | beam.Create(recs) | beam.ParDo(_Explodes()).with_outputs(REJECTS, main="ok")
        assert_that(out.ok, equal_to(["post=0", "post=2", "post=3", "post=4"]))
        why = out[REJECTS] | beam.Map(lambda r: (r.locator, r.error_type, "injected failure" in r.message))
        assert_that(why, equal_to([("post=1", "exception", True)]), label="rejects")
