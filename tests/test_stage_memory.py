"""bench/stage_memory.py wraps a private method of Beam's local runner: check it still sees every stage."""

from __future__ import annotations

from bench.perf.stage_memory import record_stages, steps_of
from tests.helpers import SAMPLES


def test_steps_of_a_fused_stage_name():
    name = (
        "(((Dedup/JoinRows/CoGroupByKeyImpl/GroupByKey/Read)+(ref_AppliedPTransform_Dedup-FillRows_240))"
        "+(ref_AppliedPTransform_WriteArticles-WriteParquet-ParDo-_RowDictionariesToArrowTable-_279))"
    )
    assert (
        steps_of(name)
        == "Dedup/JoinRows/CoGroupByKeyImpl/GroupByKey, Dedup-FillRows, WriteArticles-WriteParquet-ParDo-_RowDictionariesToArrowTable-"
    )
    assert steps_of(name, limit=1) == "Dedup/JoinRows/CoGroupByKeyImpl/GroupByKey (+2 more)"


def test_records_every_stage_of_a_run(tmp_path):
    code, records = record_stages(
        ["--input", str(SAMPLES / "outlet_ndtv" / "*"), "--output", str(tmp_path / "out"), "--run-date", "2025-08-02"]
    )
    assert code == 0
    steps = " ".join(steps_of(r.name, limit=100) for r in records)
    for step in ("Process-Parse", "Process-Clean", "Dedup-VerifyCandidates-Verify", "WriteArticles"):
        assert step in steps
    assert all(r.start > 0 and r.peak >= max(r.start, r.end) and r.seconds >= 0 for r in records)
