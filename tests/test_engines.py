"""Other engines, when they are on this machine: the samples' article, reject and cluster rows on Prism and on a
running Flink session cluster equal the default local runner's. Nothing is built or downloaded here: each test
skips with its reason when its engine is absent (`make prism-check` builds Prism; `make flink-up` starts Flink)."""

from __future__ import annotations

import glob
import json
import os
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from wirestrip.pipeline.runners import prism_binary

from tests.helpers import ROOT, SAMPLES, run_cli

RUN_DATE = "2025-08-02"
LINEAGE = ("run_id", "ingested_at")  # differ per run by design
TABLES = ("articles", "rejects", "clusters")


def table(out: Path, name: str) -> list[dict]:
    """Every row of one table, lineage left out, sorted by id (clusters rows have no source_uri)."""
    files = sorted(glob.glob(os.path.join(out, name, "**", "*.parquet"), recursive=True))
    rows = [{k: v for k, v in r.items() if k not in LINEAGE} for f in files for r in pq.read_table(f).to_pylist()]
    return sorted(rows, key=lambda r: tuple(str(r.get(k) or "") for k in ("doc_id", "cluster_id", "source_uri", "locator", "stage")))


def rows(out: Path) -> dict[str, list[dict]]:
    return {t: table(out, t) for t in TABLES}


def run_samples(out: Path, *extra: str) -> dict[str, list[dict]]:
    assert run_cli("--input", f"{SAMPLES}/**", "--output", str(out), "--run-date", RUN_DATE, *extra) == 0
    return rows(out)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, list[dict]]:
    return run_samples(tmp_path_factory.mktemp("local"))


def test_prism_rows_equal_the_local_runners(tmp_path, baseline):
    prism = prism_binary()
    if prism is None:
        pytest.skip("no Prism binary ($WIRESTRIP_PRISM or ~/.cache/wirestrip/bin/prism); `make prism-check` builds it")
    assert run_samples(tmp_path, "--runner", "PrismRunner", "--prism_location", prism) == baseline


def _flink_up() -> bool:
    try:
        with urllib.request.urlopen("http://127.0.0.1:8081/overview", timeout=2) as r:
            return json.load(r).get("taskmanagers", 0) >= 2
    except OSError:
        return False


@pytest.mark.slow
def test_flink_rows_equal_the_local_runners(tmp_path, baseline):
    if not list((ROOT / "build" / "engines" / "flink-jobserver").glob("*launcher.jar")) or not _flink_up():
        pytest.skip("no Flink session cluster on localhost:8081 with its job server jar; `make flink-up` starts one")
    args = subprocess.run([sys.executable, "-m", "bench.engines.flink", "args"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert run_samples(tmp_path, *shlex.split(args.stdout.strip().splitlines()[-1])) == baseline
