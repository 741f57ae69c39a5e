"""bench/perf/stage_memory.py wraps a private method of Beam's local runner: check it still sees every stage."""

from __future__ import annotations

import time
from pathlib import Path

from apache_beam.runners.portability.fn_api_runner import fn_runner

from bench.perf.stage_memory import record_stages, steps_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "dumps"


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
    original = fn_runner.FnApiRunner._execute_bundle
    t0 = time.perf_counter()
    code, records = record_stages(
        ["--input", str(SAMPLES / "outlet_ndtv" / "*"), "--output", str(tmp_path / "out"), "--run-date", "2025-08-02"]
    )
    wall = time.perf_counter() - t0
    assert code == 0
    steps = " ".join(steps_of(r.name, limit=100) for r in records)
    for step in ("Process-Parse", "Process-Clean", "Dedup-VerifyCandidates-Verify", "WriteArticles"):
        assert step in steps
    # Each stage is timed once (the in-memory runner runs them one after another, so their times fit
    # in the run's), and Beam is left unpatched: a later run in the process would be recorded twice.
    assert 0 < sum(r.seconds for r in records) <= wall
    assert fn_runner.FnApiRunner._execute_bundle is original
