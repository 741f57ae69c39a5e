"""`make bench-scale N=100000`: the whole pipeline on N generated articles, against the limit.

Prints, with its inputs: (a) the limit, the pure stage functions (parse, language, clean, the
learned-line passes, row + hash, fingerprint) in a plain loop over 2 processes; (b) the pipeline end
to end on the local runner (`--mode`: in_memory, wirestrip's default, or multi_processing with
--workers), with start-up measured apart on a one-file run; time per stage; MB/s; peak RSS of the
whole process tree; rejects. Then the growth from N/10 (and N/100 from N=1,000,000) to N. A run whose
process tree passes 85% of the machine's memory is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path

from bench.corpora.scale_corpus import generate, source
from bench.perf.dedup_bench import _proc_tree

POSTS_PER_FILE = 500  # files of ~1.5 MB: enough files for both workers, few enough to list fast


def write_corpus(root: Path, n: int) -> tuple[int, int]:
    files = size = 0
    batch: list[str] = []
    for post in generate(n):
        batch.append(post)
        if len(batch) == POSTS_PER_FILE:
            files, size = _flush(root, files, size, batch)
    if batch:
        files, size = _flush(root, files, size, batch)
    return files, size


def _flush(root: Path, files: int, size: int, batch: list[str]) -> tuple[int, int]:
    data = "\n=====\n".join(batch).encode()
    (root / f"dump-{files:05d}.txt").write_bytes(data)
    batch.clear()
    return files + 1, size + len(data)


STAGES = ("split", "parse", "language", "clean", "learned", "row+hash", "fingerprint")


def _stage_chunk(paths: list[str]) -> tuple[int, dict[str, float]]:
    """The pure stage functions over some files in a plain loop: (articles, seconds per stage)."""
    from wirestrip.transforms.clean.cleaner import clean_article
    from wirestrip.transforms.clean.learned import candidate_lines, line_key, story_of
    from wirestrip.transforms.clean.rules import load_rules
    from wirestrip.transforms.dedup.fingerprint import DedupParams, fingerprint
    from wirestrip.transforms.hashing import doc_id, raw_sha
    from wirestrip.transforms.read import language
    from wirestrip.transforms.read.post_text import parse_post, split_posts
    from wirestrip.transforms.record_types import RawRecord, RecordError
    from wirestrip.transforms.write.table_rows import RunContext, article_row

    rules, params = load_rules(), DedupParams()
    language.setup()  # the model loads once per worker, as in DoFn.setup(): start-up, not per-article work
    ctx = RunContext("limit", "limit", rules.version, datetime.now(UTC), 1 << 20)
    spent = dict.fromkeys(STAGES, 0.0)
    clock = time.perf_counter
    done = 0
    for path in paths:
        t0 = clock()
        data = Path(path).read_bytes()
        spans = split_posts(data)
        spent["split"] += clock() - t0
        for n, (s, e) in enumerate(spans):
            t0 = clock()
            raw, loc = data[s:e], f"post={n};bytes={s}-{e}"
            rec = RawRecord(path, path, loc, "txt", raw, raw_sha(raw), doc_id(path, loc, raw_sha(raw)))
            try:
                parsed = parse_post(rec)
                t1 = clock()
                parsed.language = language.detect_language(parsed.paragraphs, parsed.language)
                t2 = clock()
                clean = clean_article(parsed, rules)
                t3 = clock()
                # The learned-boilerplate passes' per-article work: candidate lines and story (learn),
                # every paragraph's line key (apply).
                candidate_lines(clean), story_of(clean), [line_key(x) for x in clean.parsed.paragraphs]
                t3b = clock()
                row = article_row(clean, ctx)
                t4 = clock()
                fingerprint(row["text"], params)
                t5 = clock()
                for stage, took in zip(STAGES[1:], (t1 - t0, t2 - t1, t3 - t2, t3b - t3, t4 - t3b, t5 - t4), strict=True):
                    spent[stage] += took
            except RecordError:
                pass
            done += 1
    return done, spent


def limit(paths: list[str], procs: int) -> tuple[int, float, dict[str, float]]:
    """(articles, wall seconds, CPU seconds per stage summed over the processes)."""
    chunks = [paths[i::procs] for i in range(procs)]
    t = time.perf_counter()
    with Pool(procs) as pool:
        results = pool.map(_stage_chunk, chunks)
    secs = time.perf_counter() - t
    spent = {k: sum(r[1][k] for r in results) for k in STAGES}
    return sum(r[0] for r in results), secs, spent


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    return sum(_proc_tree(pid).values())


def memory_cap() -> int | None:
    """The RSS a run may reach before the bench stops it: 85% of this machine's memory (None when unknown).
    A batch that does not fit is reported as stopped, not left to the kernel's OOM killer, which may pick
    another process of a shared machine."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.85)
    except (ValueError, OSError, AttributeError):
        return None


def pipeline(inp: str, out: Path, mode: str, workers: int, *extra: str) -> tuple[float, int, dict, str]:
    """(wall seconds, peak RSS of the process tree, manifest, error text or '') of one `wirestrip run`
    on the local runner in `mode`, stopped if it passes memory_cap()."""
    workers = workers if mode != "in_memory" else 1
    return run_wirestrip(inp, out, "--direct_running_mode", mode, "--direct_num_workers", str(workers), *extra, rss_cap=memory_cap())


def run_wirestrip(
    inp: str, out: Path, *extra: str, env: dict[str, str] | None = None, rss_cap: int | None = None
) -> tuple[float, int, dict, str]:
    """(wall seconds, peak RSS of the process tree, manifest, error text or '') of one `wirestrip run`;
    with `rss_cap`, the run (its whole process group) is stopped once the tree passes that many bytes."""
    cmd = [sys.executable, "-m", "wirestrip.pipeline.run", "--input", inp, "--output", str(out), "--run-date", "2025-08-02", *extra]
    t = time.perf_counter()
    # A capped run gets its own process group, so that the cap can stop its workers with it.
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=rss_cap is not None, env=env
    )
    peak, capped, stop = 0, False, threading.Event()

    def watch() -> None:
        nonlocal peak, capped
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            if rss_cap is not None and peak > rss_cap and not capped:
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
        return secs, peak, manifest, f"stopped: process tree RSS passed {rss_cap / 2**30:.0f} GiB"
    if proc.returncode != 0:  # reported, not raised: a failed mode is a result too (docs/runners.md)
        lines = [ln for ln in err.splitlines() if ln.startswith("wirestrip: error") or ln.startswith("hint")]
        return secs, peak, manifest, f"exit {proc.returncode}: " + (" ".join(lines) or err[-500:])
    return secs, peak, manifest, ""


def measure(n: int, workers: int, tmp: Path, no_dedup: bool, mode: str) -> dict:
    """Generate n posts, measure (a) the limit and (b) the pipeline (and without dedup); print both."""
    root = tmp / f"dumps-{n}"
    root.mkdir()
    t = time.perf_counter()
    files, size = write_corpus(root, n)
    print(f"inputs: {n} posts in {files} files, {size / 1e6:.1f} MB (mean {size / n:.0f} B/post), "
          f"~30% of stories with 1-20 copies; text from {source()}; generated in {time.perf_counter() - t:.1f}s")  # fmt: skip
    paths = sorted(str(p) for p in root.glob("*.txt"))
    done, secs, spent = limit(paths, workers)
    a = done / secs
    print(f"(a) limit, pure stages over {workers} processes: {a:,.0f} articles/s ({secs:.1f}s)")
    cpu = sum(spent.values())
    print("    CPU time per stage (both processes): " + ", ".join(f"{k} {v:.1f}s ({v / cpu:.0%})" for k, v in spent.items()))
    first = tmp / f"one-{n}"
    first.mkdir()
    (first / "one.txt").write_bytes(Path(paths[0]).read_bytes().split(b"\n=====\n", 1)[0])  # one post
    startup, _, _, _ = pipeline(str(first / "*.txt"), tmp / f"out1-{n}", mode, workers)
    wall, peak, manifest, error = pipeline(str(root / "*.txt"), tmp / f"out-{n}", mode, workers)
    label = f"{mode} x{workers}" if mode != "in_memory" else "in_memory (one process)"
    if error:
        c = manifest.get("counts", {})
        print(f"(b) pipeline end to end, {label}: FAILED after {wall:.1f}s, {error}; counts {c}; peak RSS {peak / 2**30:.2f} GiB")
        return {"n": n, "a": a, "b": 0.0, "wall": wall, "startup": startup, "peak": peak, "failed": True}
    c = manifest["counts"]
    b = c["read"] / max(wall - startup, 1e-9)
    print(f"(b) pipeline end to end, {label}: wall {wall:.1f}s, start-up {startup:.1f}s "
          f"(one-post run), {b:,.0f} articles/s after start-up ({c['read'] / wall:,.0f}/s with it), "
          f"{size / 1e6 / wall:.1f} MB/s")  # fmt: skip
    stages = sorted(manifest.get("stage_seconds", {}).items(), key=lambda kv: -kv[1])[:10]
    print("    time per stage (the runner's per-step counters, summed over workers): " + ", ".join(f"{k} {v:.1f}s" for k, v in stages))
    counters = manifest.get("beam_counters", {})
    edges, rejected = counters.get("dedup.lsh.edges", 0), counters.get("dedup.lsh.rejected", 0)
    print(f"    dedup: {edges + rejected:,} candidate pairs verified, {edges:,} of them edges (spurious pairs cost shuffles)")
    print(
        f"    b/a = {b / a:.2f} (target >= 0.8, issue 16), >= 1,000/s: {'yes' if b >= 1000 else 'NO'}; peak RSS of the process tree "
        f"{peak / 2**30:.2f} GiB (target <= 4); written {c['written']}, rejected {c['rejected']} "
        f"{c['rejected_by_reason']}, skipped {c['skipped']}"
    )
    result = {"n": n, "a": a, "b": b, "wall": wall, "startup": startup, "peak": peak}
    if no_dedup:
        wall_nd, peak_nd, _, err_nd = pipeline(str(root / "*.txt"), tmp / f"out-nd-{n}", mode, workers, "--no-dedup")
        if err_nd:
            print(f"    the same without dedup (--no-dedup): FAILED, {err_nd}")
        else:
            print(f"    the same without dedup (--no-dedup): wall {wall_nd:.1f}s, peak {peak_nd / 2**30:.2f} GiB: "
                  f"dedup costs {wall - wall_nd:.1f}s and {(peak - peak_nd) / 2**30:+.2f} GiB of peak")  # fmt: skip
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=10_000)
    ap.add_argument("--workers", type=int, default=2, help="processes of the limit (a) and of multi_processing (b)")
    ap.add_argument(
        "--mode",
        choices=("in_memory", "multi_processing"),
        default="in_memory",
        help="local runner mode of (b); in_memory is wirestrip's default, multi_processing lost rows at 100k (docs/runners.md)",
    )
    ap.add_argument(
        "--growth",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run n/10 (and n/100 from 1,000,000) and print the growth",
    )
    ap.add_argument("--no-dedup-run", action="store_true", help="also run without dedup, to print its share")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirestrip-scale-") as tmp:
        runs = []
        for n in growth_sizes(args.n, args.growth):
            runs.append(measure(n, args.workers, Path(tmp), args.no_dedup_run, args.mode))
            print()
            if runs[-1].get("failed"):
                break  # a bigger batch would fail the same way, only later
        for small, big in itertools.pairwise(runs):
            if small.get("failed") or big.get("failed"):
                continue
            time_x = (big["wall"] - big["startup"]) / max(small["wall"] - small["startup"], 1e-9)
            print(f"growth {small['n']} -> {big['n']} ({big['n'] / small['n']:.0f}x input): time after start-up x{time_x:.1f}, "
                  f"peak RSS x{big['peak'] / small['peak']:.1f} ({small['peak'] / 2**30:.2f} -> {big['peak'] / 2**30:.2f} GiB)")  # fmt: skip


def growth_sizes(n: int, growth: bool = True) -> list[int]:
    """The batch sizes one bench runs, smallest first: n/10 and n (from 1,000), also n/100 from 1,000,000
    (`make bench-scale N=1000000`: 10k -> 100k -> 1M)."""
    if not growth or n < 1000:
        return [n]
    return [n // 100, n // 10, n] if n >= 1_000_000 else [n // 10, n]


if __name__ == "__main__":
    main()
