"""Dedup benchmarks: MinHash signature speed (`make bench`) and the whole dedup stage (`make bench-dedup`).

python -m bench.dedup_bench signatures [--docs N] [--repeat R]
    MinHash signatures from raw clean text (~2 KB: BBC article bodies, or generated text when
    ../shared is absent), docs/s on ONE core (the process is pinned to one CPU): ours
    (shingle_hashes + minhash; and the full fingerprint: + SimHash + LSH lead keys) and
    datasketch (MinHash.bulk over the same texts' word 3-gram byte strings, and one MinHash per
    text with update_batch) in the same run, best of R repeats. Target: ours >= 2,500 docs/s.

python -m bench.dedup_bench stage [--docs N] [--workers W]
    The whole dedup stage (transforms.dedup.Dedup) on the local runner (pipeline.runners, as
    pipeline/run.py runs it) for N generated article rows and for N/10: wall time, peak RSS of the
    process tree and of its largest single process (the controller; each SDK worker), and the Beam
    counters and distributions of the stage. Rows are generated inside the pipeline from shard
    numbers (deterministic: BBC sentences when ../shared is present, ~30% stories with copies), so
    the figure is the dedup stage, with the generation timed apart.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable

from bench.eval_clean import SHARED

TARGET_DOCS_PER_S = 2500  # the target for signatures from ~2 KB clean texts on one core
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


# ---------------------------------------------------------------- inputs


def bbc_bodies() -> list[str]:
    """The BBC article bodies as clean texts (paragraphs joined by a blank line), or [] when absent."""
    out = []
    for f in sorted((SHARED / "corpora" / "bbc").glob("*/*.txt")):
        lines = f.read_bytes().decode("latin-1").splitlines()
        out.append("\n\n".join(ln.strip() for ln in lines[1:] if ln.strip()))
    return out


def signature_texts(n: int) -> tuple[list[str], str]:
    """`n` distinct clean texts of about 2 KB, and where they came from."""
    bodies = bbc_bodies()
    source = f"BBC article bodies ({len(bodies)} in {SHARED / 'corpora' / 'bbc'})"
    if not bodies:
        from bench.synth import sentence

        rng = random.Random(7)
        bodies = ["\n\n".join(" ".join(sentence(rng, rng.randint(12, 28)) for _ in range(3)) for _ in range(5)) for _ in range(500)]
        source = "generated text (bench.synth; ../shared absent)"
    # Every text distinct (a serial number in front), so no cache anywhere can help.
    return [f"Report {i}. {bodies[i % len(bodies)]}" for i in range(n)], source


def pin_one_core() -> str:
    """Pin this process (and every thread it starts) to one CPU; say which."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


# ---------------------------------------------------------------- signatures


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best, median) seconds of `repeat` runs (the machine is shared: the best is the least disturbed)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def datasketch_shingles(text: str, k: int) -> list[bytes]:
    """Word k-grams as bytes, the way datasketch users feed MinHash (same words as ours: \\w runs, lowercased)."""
    from transforms.fingerprint import words

    ws = words(text)
    return [" ".join(ws[i : i + k]).encode() for i in range(max(1, len(ws) - k + 1))]


def signatures(n: int, repeat: int) -> int:
    """Print docs/s of our signatures and datasketch's on the same texts, on one core, and PASS/FAIL against the target."""
    from transforms.fingerprint import DedupParams, fingerprint, minhash, shingle_hashes

    pinned = pin_one_core()
    params = DedupParams()
    texts, source = signature_texts(n)
    mean = sum(len(t.encode()) for t in texts) / len(texts)
    print(
        f"signatures: {n} texts, mean {mean:,.0f} bytes, from {source}; {pinned}; shingle_size={params.shingle_size}, "
        f"num_perm={params.num_perm}, bands x rows={params.bands}x{params.rows}; best of {repeat}"
    )
    k = params.shingle_size

    def ours() -> None:
        for t in texts:
            minhash(shingle_hashes(t, k), params)

    def ours_full() -> None:
        for t in texts:
            fingerprint(t, params)

    results = [("ours: shingle_hashes + minhash", _best(ours, repeat))]
    results.append(("ours: full fingerprint (+ SimHash, lead keys)", _best(ours_full, repeat)))
    try:
        import datasketch
        from datasketch import MinHash
    except ImportError:
        datasketch = None
        print("  datasketch: skipped, not installed (pip install '.[bench]')")
    if datasketch is not None:

        def ds_bulk() -> None:
            MinHash.bulk([datasketch_shingles(t, k) for t in texts], num_perm=params.num_perm)

        def ds_batch() -> None:
            for t in texts:
                m = MinHash(num_perm=params.num_perm)
                m.update_batch(datasketch_shingles(t, k))

        v = datasketch.__version__
        results.append((f"datasketch {v}: MinHash.bulk (tokenise + sha1 + permute)", _best(ds_bulk, repeat)))
        results.append((f"datasketch {v}: MinHash().update_batch per text", _best(ds_batch, repeat)))
    for name, (best, med) in results:
        print(f"  {name:<58} {n / best:>8,.0f} docs/s  (median run {n / med:,.0f}; {best:.2f}s for {n})")
    ours_rate = n / results[0][1][0]
    print(f"  target: ours >= {TARGET_DOCS_PER_S:,} docs/s on one core: {'PASS' if ours_rate >= TARGET_DOCS_PER_S else 'FAIL'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="dedup_bench", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("signatures")
    s.add_argument("--docs", type=int, default=3000)
    s.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.cmd == "signatures":
        return signatures(args.docs, args.repeat)
    return 2


if __name__ == "__main__":
    sys.exit(main())
