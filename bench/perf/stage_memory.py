"""`make bench-memory N=10000`: where the local runner's memory and time go, stage by stage.

Runs `wirestrip run` in this process on N generated articles (bench/corpora/scale_corpus.py) with the
default in_memory runner, and records for every fused stage the runner executes: its seconds, the
process RSS when it starts, the highest RSS while it runs (sampled every 0.1 s) and the RSS when it
ends. Prints the stages with the highest peaks and the longest times; on stderr, each stage as it
starts and ends. A run that passes 85% of the machine's memory (bench.perf.scale's cap) is killed by
a watchdog process: the last stage that started on stderr is the one that did not fit.

It wraps `FnApiRunner._execute_bundle`, a private method of Beam 2.77's local runner: a diagnostic
for this runner, not part of the pipeline. In-memory mode runs the SDK worker in this process, so
the RSS is the whole run's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.perf.scale import memory_cap, write_corpus

SAMPLE_SECONDS = 0.1  # fine enough to catch a stage's peak, cheap beside a stage's own work
_STEP = re.compile(r"ref_AppliedPTransform_(.+?)_\d+\)|\(([^()+]+?)/(?:Read|Write)\)")


@dataclass
class StageRecord:
    name: str
    seconds: float
    start: int
    peak: int
    end: int


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def steps_of(stage_name: str, limit: int = 4) -> str:
    """The readable step names inside a fused stage's name (Beam joins them with '+')."""
    names = [a or b for a, b in _STEP.findall(stage_name)]
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit} more)" if len(names) > limit else "")


def record_stages(argv: list[str]) -> tuple[int, list[StageRecord]]:
    """Run `wirestrip run argv` in this process; (exit code, one record per executed stage)."""
    from apache_beam.runners.portability.fn_api_runner import fn_runner
    from wirestrip.pipeline.run import main as run_main

    records: list[StageRecord] = []
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], _rss())

    original = fn_runner.FnApiRunner._execute_bundle

    def execute(self, context, bundle_context_manager, bundle_input):
        start = _rss()
        peak[0] = start
        print(f"  stage {len(records) + 1} starts: {steps_of(bundle_context_manager.stage.name)}", file=sys.stderr, flush=True)
        t = time.perf_counter()
        try:
            return original(self, context, bundle_context_manager, bundle_input)
        finally:
            end = _rss()
            name = bundle_context_manager.stage.name
            records.append(StageRecord(name, time.perf_counter() - t, start, max(peak[0], end), end))
            r = records[-1]
            print(
                f"  stage {len(records)}: {r.start / 2**30:.2f} -> {r.peak / 2**30:.2f} -> {r.end / 2**30:.2f} GiB {r.seconds:.1f}s {steps_of(name)}",
                file=sys.stderr,
                flush=True,
            )

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    watchdog = _watchdog(memory_cap())
    fn_runner.FnApiRunner._execute_bundle = execute
    try:
        code = run_main(argv)
    finally:
        fn_runner.FnApiRunner._execute_bundle = original
        done.set()
        if watchdog is not None:
            watchdog.kill()
    return code, records


# The cap is watched from another process: a thread of this one can wait for the GIL while a stage
# copies a large buffer in one C call, and was OOM-killed at 24 GB unseen (a 1,000,000-article run).
_WATCH = """
import os, signal, sys, time
pid, cap, page = int(sys.argv[1]), int(sys.argv[2]), os.sysconf("SC_PAGE_SIZE")
while True:
    try:
        rss = int(open(f"/proc/{pid}/statm").read().split()[1]) * page
    except OSError:
        break
    if rss > cap:
        print(f"stage_memory: stopped: RSS {rss / 2**30:.2f} GiB passed the cap {cap / 2**30:.1f} GiB in the last stage that started", file=sys.stderr, flush=True)
        os.kill(pid, signal.SIGKILL)
        break
    time.sleep(0.1)
"""


def _watchdog(cap: int | None) -> subprocess.Popen | None:
    """A process that kills this one once its RSS passes `cap` (bench.perf.scale's: 85% of memory)."""
    if cap is None:
        return None
    return subprocess.Popen([sys.executable, "-c", _WATCH, str(os.getpid()), str(cap)])


def report(records: list[StageRecord], top: int) -> None:
    gib = 2**30
    if not records:
        return
    print(
        f"{len(records)} stage executions, {sum(r.seconds for r in records):.1f}s in all; highest RSS {max(r.peak for r in records) / gib:.2f} GiB"
    )
    print(f"\nthe {top} highest peaks (GiB: at start -> peak -> at end; seconds):")
    for r in sorted(records, key=lambda r: -r.peak)[:top]:
        print(f"  {r.start / gib:5.2f} -> {r.peak / gib:5.2f} -> {r.end / gib:5.2f}  {r.seconds:6.1f}s  {steps_of(r.name)}")
    print(f"\nthe {top} longest stages:")
    for r in sorted(records, key=lambda r: -r.seconds)[:top]:
        print(f"  {r.seconds:6.1f}s  peak {r.peak / gib:5.2f} GiB  {steps_of(r.name)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, nargs="?", default=10_000, help="generated articles")
    ap.add_argument("--top", type=int, default=8, help="stages to list by peak and by time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirestrip-memory-") as tmp:
        root = Path(tmp) / "dumps"
        root.mkdir()
        files, size = write_corpus(root, args.n)
        print(f"inputs: {args.n} generated posts in {files} files, {size / 1e6:.1f} MB; runner: in_memory (one process)")
        argv = ["--input", str(root / "*.txt"), "--output", str(Path(tmp) / "out"), "--run-date", "2025-08-02"]
        code, records = record_stages(argv)
    if code != 0:
        print(f"the run exited {code}", file=sys.stderr)
    if records:
        report(records, args.top)
    sys.exit(code)


if __name__ == "__main__":
    main()
