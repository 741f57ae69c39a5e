"""The subprocess of tests/test_adversarial.py: run the pipeline over each adversarial case, in
this process, and report exit code, wall time and peak resident memory per case (one JSON line
each on stdout, a table on stderr). `make adversarial` runs that test and shows the table.

    python -m tests.adversarial.run_cases [WORKDIR] [--skip-heavy] [--only NAME ...]

Peak memory is the process's VmHWM (Linux), reset before each case through /proc/self/clear_refs,
so each figure is that case's own peak including the Python and Beam baseline (reported first
as `baseline`). Where the reset is unavailable the figure is the running high-water mark.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import stat
import sys
import tempfile
import time
from pathlib import Path

from tests.adversarial.cases import CASES, Case

RUN_DATE = "2025-08-02"


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # "5": reset the peak RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def _regular_bytes(folder: Path) -> int:
    """Bytes in the regular files below `folder` (symlinks not followed, unlistable folders left out)."""
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            total += st.st_size if stat.S_ISREG(st.st_mode) else 0
    return total


def run_case(case: Case, workdir: Path) -> dict:
    """Build `case` under workdir/<name>/in, run the pipeline into workdir/<name>/out, measure."""
    from wirestrip.pipeline.run import main

    folder = workdir / case.name / "in"
    out = workdir / case.name / "out"
    folder.mkdir(parents=True)
    expect = case.build(folder)
    args = [a.format(folder=folder) for a in case.args]
    argv = ["--input", f"{folder}/{case.pattern}", "--output", str(out), "--run-date", RUN_DATE, *args]
    reset = _reset_peak()
    t0 = time.monotonic()
    log = io.StringIO()
    with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):  # stdout carries the JSON lines
        code = main(argv)
    seconds = time.monotonic() - t0
    return {
        "case": case.name,
        "what": case.what,
        "exit": code,
        "expected_exit": case.exit_code,
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "peak_is_per_case": reset,
        "input_bytes": _regular_bytes(folder),
        "folder": str(folder),
        "output": str(out),
        "expect": expect,
        "expected_skipped": case.skipped,
        "log": log.getvalue()[-2000:],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workdir", type=Path, nargs="?", help="where cases and outputs go (kept); default: a temporary folder, removed")
    parser.add_argument("--skip-heavy", action="store_true", help="leave out the ~100 MB case")
    parser.add_argument("--only", nargs="*", default=None, help="case names to run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    import apache_beam  # noqa: F401 - imported before the baseline so that it is part of it
    import wirestrip.pipeline.run  # noqa: F401

    _reset_peak()
    print(json.dumps({"case": "baseline", "peak_rss_mb": round(_peak_rss_mb(), 1)}), flush=True)
    cases = [c for c in CASES if (args.only is None or c.name in args.only) and not (args.skip_heavy and c.heavy)]
    results = []
    with tempfile.TemporaryDirectory(prefix="wirestrip-adversarial-") as tmp:
        workdir = args.workdir or Path(tmp)
        for case in sorted(cases, key=lambda c: c.heavy):  # the heavy case last
            results.append(run_case(case, workdir))
            print(json.dumps(results[-1]), flush=True)
    print(f"\n{'case':28} {'exit':>4} {'records':>7} {'skipped':>9} {'input MB':>9} {'seconds':>8} {'peak RSS MB':>11}", file=sys.stderr)
    for r in results:
        n = sum(len(v) for v in r["expect"].values())
        print(
            f"{r['case']:28} {r['exit']:>4} {n:>7} {r['expected_skipped']:>9} {r['input_bytes'] / 1e6:>9.1f} {r['seconds']:>8.2f} "
            f"{r['peak_rss_mb']:>11.1f}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
