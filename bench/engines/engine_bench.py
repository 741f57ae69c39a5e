"""`make bench-engines N=100000`: the same generated batch on the local FnApiRunner and on Prism.

For each engine: wall time, start-up (a one-post run), articles/s after start-up, peak RSS of the
whole process tree (the Prism binary and its workers included), then whether every article,
reject and cluster row is equal between the two (docs/runners.md, "Prism").
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.engines.prism import build
from bench.engines.rows import counts, differences
from bench.engines.snapshot import freeze
from bench.perf.scale import run_wirestrip, write_corpus

RSS_CAP = 14 << 30  # bytes: a run whose process tree passes this is stopped (the machine has 24 GiB, shared)


def pipeline(inp: str, out: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[float, int, dict, str]:
    """(wall seconds, peak RSS of the process tree, manifest, error or '') of one `wirestrip run`, stopped past RSS_CAP."""
    return run_wirestrip(inp, out, *extra, env=env, rss_cap=RSS_CAP)


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
