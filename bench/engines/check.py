"""`make prism-check` / `make flink-check`: the samples (and optionally N generated articles) on the default
local runner and on another engine; every article, reject and cluster row must be equal.

    python -m bench.engines.check prism [--generated 10000]
    python -m bench.engines.check flink [--generated 10000] [--keep-up]

Installs what the engine needs first (Prism: `go install`; Flink: bench/engines/flink.py setup), then
runs `wirestrip run` as a subprocess per engine. Exit 0 when the rows are equal, 1 when they differ, a
run fails or the engine does not start. Flink: starts the session cluster unless it is up already, and
stops it again if it started it, also on a failure, SIGTERM or SIGHUP; then nothing of it may be left
running (its JVMs, the job server a run started, PROCESS workers): what is gets killed and the check fails.
CI (.ci/run) runs `make flink-check`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
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
STOP_SECONDS = 20  # a SIGTERMed run commits nothing and exits within seconds (tests/test_interrupts.py)


class EngineDidNotStart(Exception):
    pass


def _exited(proc: subprocess.Popen) -> bool:
    """Whether the run has exited, without reaping it: while it is a zombie its pid, and so its process
    group's id, cannot be reused, so signalling the group reaches only what the run started."""
    if hasattr(os, "waitid"):
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    return proc.poll() is not None


def _wait(proc: subprocess.Popen, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not _exited(proc):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _stop_group(proc: subprocess.Popen) -> list[str]:
    """End the run's process group: SIGTERM then SIGKILL the run if it is still running, and SIGKILL
    whatever it left (the job server JVM Beam starts for FlinkRunner, if the run did not stop it); then
    reap the run. Returns the command names of what was left besides the run."""
    if not _exited(proc):
        os.killpg(proc.pid, signal.SIGTERM)
        _wait(proc, STOP_SECONDS)
    left = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            if int(d.name) != proc.pid and int((d / "stat").read_text().rsplit(")", 1)[1].split()[2]) == proc.pid:
                left.append((d / "comm").read_text().strip())
        except (OSError, ValueError, IndexError):
            continue
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    return left


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
        # its own process group: a timeout, a failure or our own exit stops the run and all it started
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            finished = _wait(proc, RUN_TIMEOUT)
        finally:
            left = _stop_group(proc)
    rc = proc.returncode if finished else "timeout"
    took = time.monotonic() - t
    if left:
        print(f"  {label}: killed what the run left running: {', '.join(left)}", flush=True)
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


def start_flink() -> None:
    try:
        t = time.monotonic()
        flink.setup()
        print(f"  flink setup: {time.monotonic() - t:.0f}s", flush=True)
        t = time.monotonic()
        flink.up()
        print(f"  flink cluster start: {time.monotonic() - t:.0f}s", flush=True)
    except (subprocess.SubprocessError, OSError, StopIteration) as e:
        raise EngineDidNotStart(f"Flink did not install or start: {e}") from e
    except SystemExit as e:  # flink.up()'s own message: the cluster did not register in time, or its ports are taken
        raise EngineDidNotStart(str(e.code)) from e


def stop_flink() -> bool:
    """Stop the cluster this check started; True when nothing of it is left running."""
    flink.down()
    if not (left := flink.leftovers()):
        return True
    for pid, cmd in left:
        print(f"flink-check: still running after the cluster stopped, killed: {pid} {cmd[:200]}", flush=True)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return False


def _exit_on(signum: int, _frame) -> None:
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a second signal must not cut the clean-up short (not SIG_IGN:
        signal.signal(sig, lambda *_: None)  # an ignored SIGTERM is inherited by Flink's stop scripts' `timeout`)
    raise SystemExit(128 + signum)  # so that main()'s `finally` stops the cluster


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("engine", choices=("prism", "flink"))
    ap.add_argument("--generated", type=int, default=0, metavar="N", help="also N generated articles (bench/perf/scale.py's corpus)")
    ap.add_argument("--keep-up", action="store_true", help="flink: leave the cluster running afterwards")
    ap.add_argument(
        "--kill-taskmanager", action="store_true", help="flink: SIGKILL a TaskManager mid-run on the samples, start a replacement"
    )
    args = ap.parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on)
    t0 = time.monotonic()
    started = False
    ok, why = False, ""
    tmp = Path(tempfile.mkdtemp(prefix=f"wirestrip-{args.engine}-check-"))
    env = freeze(tmp / "code")  # both runs import the same code, whatever is edited in the tree meanwhile
    try:
        if args.engine == "prism":
            engine = ["--runner", "PrismRunner", "--prism_location", str(build())]
        else:
            started = flink.overview() is None
            start_flink()
            engine = flink.runner_args(pythonpath=env["PYTHONPATH"])
        kill = flink.kill_one_taskmanager if args.kill_taskmanager and args.engine == "flink" else None
        ok = compare(f"{SAMPLES}/**", "samples", engine, tmp, env, kill)
        if ok and args.generated:
            ok = compare(generated(args.generated, tmp), f"generated-{args.generated}", engine, tmp, env)
    except EngineDidNotStart as e:
        why = f": {e}"
    finally:
        if started and not args.keep_up and not stop_flink():
            ok, why = False, why or ": processes of the cluster were left running (killed)"
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{args.engine}-check: {'OK' if ok else 'FAILED'} in {time.monotonic() - t0:.0f}s{why}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
