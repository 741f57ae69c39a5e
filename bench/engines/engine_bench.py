"""`make bench-engines N=100000`: the same generated batch on the local FnApiRunner and on Prism.

For each engine: wall time, start-up (a one-post run), articles/s after start-up, peak RSS of the
whole process tree (the Prism binary and its workers included), then whether every article,
reject and cluster row is equal between the two (docs/runners.md, "Prism").
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.engines.prism import build
from bench.engines.rows import counts, differences
from bench.engines.snapshot import freeze
from bench.perf.dedup_bench import _proc_tree
from bench.perf.scale import write_corpus

RSS_CAP = 14 << 30  # bytes: a run whose process tree passes this is stopped (the machine has 24 GiB, shared)


def pipeline(inp: str, out: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[float, int, dict, str]:
    """(wall seconds, peak RSS of the process tree, manifest, error or '') of one `wirestrip run`, stopped past RSS_CAP."""
    cmd = [sys.executable, "-m", "wirestrip.pipeline.run", "--input", inp, "--output", str(out), "--run-date", "2025-08-02", *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    peak, capped, stop = 0, False, threading.Event()

    def watch() -> None:
        nonlocal peak, capped
        while not stop.is_set():
            peak = max(peak, sum(_proc_tree(proc.pid).values()))
            if peak > RSS_CAP and not capped:
                capped = True
                os.killpg(proc.pid, signal.SIGKILL)
            stop.wait(0.25)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    secs = time.perf_counter() - t
    stop.set()
    watcher.join()
    manifests = sorted((out / "_manifests").glob("*.json"))[-1:]
    manifest = json.loads(manifests[0].read_text()) if manifests else {}
    if capped:
        return secs, peak, manifest, f"stopped: process tree RSS passed {RSS_CAP / 2**30:.0f} GiB"
    if proc.returncode != 0:
        lines = [ln for ln in err.splitlines() if ln.startswith("wirestrip: error")]
        return secs, peak, manifest, f"exit {proc.returncode}: " + (" ".join(lines) or err[-500:])
    return secs, peak, manifest, ""


def engines(prism: str) -> dict[str, tuple[str, ...]]:
    return {
        "fnapi in_memory": (),
        "prism": ("--runner", "PrismRunner", "--prism_location", prism),
    }


def measure(n: int, tmp: Path, prism: str, env: dict[str, str]) -> None:
    root = tmp / f"dumps-{n}"
    root.mkdir()
    files, size = write_corpus(root, n)
    print(f"inputs: {n} posts in {files} files, {size / 1e6:.1f} MB", flush=True)
    one = tmp / f"one-{n}"
    one.mkdir()
    (one / "one.txt").write_bytes(next(root.glob("*.txt")).read_bytes().split(b"\n=====\n", 1)[0])
    outs = {}
    for name, extra in engines(prism).items():
        startup, *_ = pipeline(str(one / "*.txt"), tmp / f"one-{name}-{n}".replace(" ", "_"), *extra, env=env)
        out = tmp / f"out-{name}-{n}".replace(" ", "_")
        wall, peak, manifest, error = pipeline(str(root / "*.txt"), out, *extra, env=env)
        if error:
            print(f"  {name}: FAILED after {wall:.1f}s, {error}; peak RSS {peak / 2**30:.2f} GiB", flush=True)
            continue
        read = manifest["counts"]["read"]
        rate = read / max(wall - startup, 1e-9)
        print(f"  {name}: wall {wall:.1f}s, start-up {startup:.1f}s, {rate:,.0f} articles/s after start-up, "
              f"peak RSS {peak / 2**30:.2f} GiB, rows {counts(out)}", flush=True)  # fmt: skip
        outs[name] = out
    if len(outs) == 2:
        diff = differences(*outs.values())
        print("  rows equal on both engines" if not diff else "  ROWS DIFFER: " + "; ".join(diff), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="*", default=[10_000])
    args = ap.parse_args()
    prism = str(build())
    with tempfile.TemporaryDirectory(prefix="wirestrip-engines-") as tmp:
        env = freeze(Path(tmp) / "code")  # both engines run the same code, whatever is edited meanwhile
        for n in args.n:
            measure(n, Path(tmp), prism, env)


if __name__ == "__main__":
    main()
