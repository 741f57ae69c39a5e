"""Shared fixtures: sample paths, a run helper that calls the real CLI, and Parquet readers."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "dumps"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "reference" / "000_7cc50bb4219283b2.txt"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests reach nothing: any attempt to open an outbound connection fails loudly."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("/"):
            raise OSError(f"network access blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def read_table(out: Path, table: str) -> list[dict]:
    """All rows of one output table, every partition, sorted by doc_id / locator."""
    files = sorted(glob.glob(os.path.join(out, table, "*", "*.parquet")))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    return sorted(rows, key=lambda r: (r.get("doc_id") or "", r["source_uri"], r["locator"]))


def run_cli(*args: str) -> int:
    """Run `wirestrip run ARGS` in-process; return the exit code."""
    from wirestrip.pipeline.cli import main

    return main(["run", *args])
