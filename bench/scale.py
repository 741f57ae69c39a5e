"""`make bench-scale N=100000`: the whole pipeline on N generated articles, against the limit.

Prints, with its inputs: (a) the limit, the pure stage functions (parse, language, clean, row + hash) in a
plain loop over 2 processes; (b) the pipeline end to end on the local runner (multi_processing,
2 workers), with start-up measured apart on a one-file run; MB/s; peak RSS of the whole process
tree; rejects.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path

from bench.scale_corpus import generate, source

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


def _stage_chunk(paths: list[str]) -> int:
    from transforms import language
    from transforms.cleaner import clean_article
    from transforms.hashing import doc_id, raw_sha
    from transforms.posttext import parse_post, split_posts
    from transforms.records import RawRecord, RecordError
    from transforms.rows import RunContext, article_row
    from transforms.rules import load_rules

    rules = load_rules()
    ctx = RunContext("limit", "limit", rules.version, datetime.now(UTC), 1 << 20)
    done = 0
    for path in paths:
        data = Path(path).read_bytes()
        for n, (s, e) in enumerate(split_posts(data)):
            raw, loc = data[s:e], f"post={n};bytes={s}-{e}"
            rec = RawRecord(path, path, loc, "txt", raw, raw_sha(raw), doc_id(path, loc, raw_sha(raw)))
            try:
                parsed = parse_post(rec)
                parsed.language = language.detect_language(parsed.paragraphs, parsed.language)
                article_row(clean_article(parsed, rules), ctx)
            except RecordError:
                pass
            done += 1
    return done


def limit(paths: list[str], procs: int) -> tuple[int, float]:
    chunks = [paths[i::procs] for i in range(procs)]
    t = time.perf_counter()
    with Pool(procs) as pool:
        n = sum(pool.map(_stage_chunk, chunks))
    return n, time.perf_counter() - t


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def pipeline(inp: str, out: Path, workers: int) -> tuple[float, int, dict]:
    cmd = [sys.executable, "-m", "pipeline.run", "--input", inp, "--output", str(out), "--run-date", "2025-08-02",
           "--direct_running_mode", "multi_processing", "--direct_num_workers", str(workers)]  # fmt: skip
    peak = 0
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.25)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    secs = time.perf_counter() - t
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"pipeline failed ({proc.returncode}):\n{err[-3000:]}")
    (manifest,) = sorted((out / "_manifests").glob("*.json"))[-1:]
    return secs, peak, json.loads(manifest.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int, nargs="?", default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirestrip-scale-") as tmp:
        root = Path(tmp) / "dumps"
        root.mkdir()
        t = time.perf_counter()
        files, size = write_corpus(root, args.n)
        print(f"inputs: {args.n} posts in {files} files, {size / 1e6:.1f} MB (mean {size / args.n:.0f} B/post), "
              f"~30% of stories with 1-20 copies; text from {source()}; generated in {time.perf_counter() - t:.1f}s")  # fmt: skip
        paths = sorted(str(p) for p in root.glob("*.txt"))
        n, secs = limit(paths, args.workers)
        a = n / secs
        print(f"(a) limit, pure stages over {args.workers} processes: {a:,.0f} articles/s ({secs:.1f}s)")
        first = Path(tmp) / "one"
        first.mkdir()
        (first / "one.txt").write_bytes(Path(paths[0]).read_bytes().split(b"\n=====\n", 1)[0])  # one post
        startup, _, _ = pipeline(str(first / "*.txt"), Path(tmp) / "out1", args.workers)
        wall, peak, manifest = pipeline(str(root / "*.txt"), Path(tmp) / "out", args.workers)
        c = manifest["counts"]
        b = c["read"] / max(wall - startup, 1e-9)
        print(f"(b) pipeline end to end, multi_processing x{args.workers}: wall {wall:.1f}s, start-up {startup:.1f}s "
              f"(one-post run), {b:,.0f} articles/s after start-up ({c['read'] / wall:,.0f}/s with it), "
              f"{size / 1e6 / wall:.1f} MB/s")  # fmt: skip
        print(
            f"    b/a = {b / a:.2f}; peak RSS of the process tree {peak / 2**30:.2f} GiB; "
            f"written {c['written']}, rejected {c['rejected']} {c['rejected_by_reason']}, skipped {c['skipped']}"
        )


if __name__ == "__main__":
    main()
