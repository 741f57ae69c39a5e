"""`make prism-check` / `make flink-check`: the samples (and optionally N generated articles) on the default
local runner and on another engine; every article, reject and cluster row must be equal.

    python -m bench.engines.check prism [--generated 10000]
    python -m bench.engines.check flink [--generated 10000] [--keep-up]

Installs what the engine needs first (Prism: `go install`; Flink: bench/engines/flink.py setup), then
runs `wirestrip run` as a subprocess per engine. Exit 0 when the rows are equal, 1 when they differ or a
run fails. Flink: starts the session cluster unless it is up already, and stops it again if it started it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.engines import flink
from bench.engines.prism import build
from bench.engines.rows import counts, differences
from bench.engines.snapshot import freeze

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "dumps"
RUN_DATE = "2025-08-02"
RUN_TIMEOUT = 1800  # seconds per run: the samples take < 2 min on every engine, 10k articles ~6 min on Flink here


def run(inp: str, out: Path, extra: list[str], label: str, env: dict[str, str], during=None) -> bool:
    """One `wirestrip run`; `during`, if given, runs in a thread meanwhile and its result is printed."""
    said: list[str] = []
    side = threading.Thread(target=lambda: said.append(during()), daemon=True) if during else None
    if side:
        side.start()
    cmd = [sys.executable, "-m", "wirestrip.pipeline.run", "--input", inp, "--output", str(out), "--run-date", RUN_DATE, *extra]
    t = time.monotonic()
    log = out.with_suffix(".log")
    with log.open("w") as f:
        try:
            rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT, check=False, env=env).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    took = time.monotonic() - t
    if side:
        side.join(timeout=1)
        print(f"  during the {label} run: {said[0] if said else 'nothing done'}", flush=True)
    if rc != 0:
        tail = [ln for ln in log.read_text().splitlines() if ln.startswith("wirestrip:")][-2:]
        print(f"  {label}: FAILED ({rc}) after {took:.0f}s: {' / '.join(tail)}", flush=True)
        return False
    print(f"  {label}: {took:.0f}s, rows {counts(out)}", flush=True)
    return True


def compare(inp: str, name: str, engine: list[str], tmp: Path, env: dict[str, str], during=None) -> bool:
    print(f"{name}: {inp}", flush=True)
    base, other = tmp / f"{name}-local", tmp / f"{name}-engine"
    if not (run(inp, base, [], "default local runner", env) and run(inp, other, engine, " ".join(engine[:2]), env, during)):
        return False
    diff = differences(base, other)
    print("  rows equal (articles, rejects, clusters)" if not diff else "  ROWS DIFFER: " + "; ".join(diff), flush=True)
    return not diff


def generated(n: int, tmp: Path) -> str:
    from bench.perf.scale import write_corpus

    root = tmp / f"generated-{n}"
    root.mkdir()
    write_corpus(root, n)
    return str(root / "*.txt")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("engine", choices=("prism", "flink"))
    ap.add_argument("--generated", type=int, default=0, metavar="N", help="also N generated articles (bench/perf/scale.py's corpus)")
    ap.add_argument("--keep-up", action="store_true", help="flink: leave the cluster running afterwards")
    ap.add_argument(
        "--kill-taskmanager", action="store_true", help="flink: SIGKILL a TaskManager mid-run on the samples, start a replacement"
    )
    args = ap.parse_args()
    t0 = time.monotonic()
    started = False
    tmp = Path(tempfile.mkdtemp(prefix=f"wirestrip-{args.engine}-check-"))
    env = freeze(tmp / "code")  # both runs import the same code, whatever is edited in the tree meanwhile
    try:
        if args.engine == "prism":
            engine = ["--runner", "PrismRunner", "--prism_location", str(build())]
        else:
            flink.setup()
            started = flink.overview() is None
            flink.up()
            engine = flink.runner_args(pythonpath=env["PYTHONPATH"])
        kill = flink.kill_one_taskmanager if args.kill_taskmanager and args.engine == "flink" else None
        ok = compare(f"{SAMPLES}/**", "samples", engine, tmp, env, kill)
        if ok and args.generated:
            ok = compare(generated(args.generated, tmp), f"generated-{args.generated}", engine, tmp, env)
    finally:
        if started and not args.keep_up:
            flink.down()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.engine}-check: {'OK' if ok else 'FAILED'} in {time.monotonic() - t0:.0f}s", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
