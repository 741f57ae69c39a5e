"""Dedup benchmarks: MinHash signature speed (`make bench`) and the whole dedup stage (`make bench-dedup`).

python -m bench.perf.dedup_bench signatures [--docs N] [--repeat R]
    MinHash signatures from raw clean text (~2 KB: BBC article bodies, or generated text when
    ../shared is absent), docs/s on ONE core (the process is pinned to one CPU): ours
    (shingle_hashes + minhash; and the full fingerprint: + SimHash + LSH lead keys) and
    datasketch (MinHash.bulk over the same texts' word 3-gram byte strings, and one MinHash per
    text with update_batch) in the same run, best of R repeats. Target: ours >= 2,500 docs/s.

python -m bench.perf.dedup_bench per-doc [--repeat R]
    The stage's pure work per document, in CPU time (time.process_time, so another busy process
    barely moves it): `doc_fp` of every real text (the BBC corpus and the L3S-GN1 pages as dumped,
    chrome included), then `verify` of every LSH candidate pair among them (buckets over
    hot_bucket skipped, as the stage does), best of R repeats. The figure to compare across
    versions for "no slower per document" (docs/dedup.md); needs ../shared.

python -m bench.perf.dedup_bench stage [--docs N] [--workers W]
    The whole dedup stage (wirestrip.transforms.dedup.beam_dedup.Dedup) on the local runner (pipeline.runners, as
    pipeline/run.py runs it) for N generated article rows and for N/10: wall time, peak RSS of the
    process tree and of its largest single process (the controller; each SDK worker), and the Beam
    counters and distributions of the stage. Rows are generated inside the pipeline from shard
    numbers (deterministic: BBC sentences when ../shared is present, ~30% stories with copies), so
    the figure is the dedup stage, with the generation timed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpora.scale_corpus import story_sentence, vocabulary
from bench.shared import SHARED

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
        from bench.corpora.synth import sentence

        rng = random.Random(7)
        bodies = ["\n\n".join(" ".join(sentence(rng, rng.randint(12, 28)) for _ in range(3)) for _ in range(5)) for _ in range(500)]
        source = "generated text (bench.corpora.synth; ../shared absent)"
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
    from wirestrip.transforms.dedup.fingerprint import words

    ws = words(text)
    return [" ".join(ws[i : i + k]).encode() for i in range(max(1, len(ws) - k + 1))]


def signatures(n: int, repeat: int) -> int:
    """Print docs/s of our signatures and datasketch's on the same texts, on one core, and PASS/FAIL against the target."""
    from wirestrip.transforms.dedup.fingerprint import DedupParams, fingerprint, minhash, shingle_hashes

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


# ---------------------------------------------------------------- the dedup stage

STAGE_SEED = 5
SHARD_DOCS = 1000  # rows per generated shard: 100 shards at 100k spread over the workers
SYNDICATED_SHARE = 0.30  # the mix: ~30% of stories carry copies
MAX_COPIES = 5  # 1-5 copies each (mean 3): about 1 in 2 rows is a copy


def _sentence_pool() -> list[str]:
    from bench.corpora.scale_corpus import BBC, _bbc_sentences

    if BBC.exists():
        return _bbc_sentences()
    from bench.corpora.synth import sentence

    rng = random.Random(STAGE_SEED)
    return [sentence(rng, rng.randint(12, 28)) for _ in range(40000)]


def _blank_row() -> dict:
    from wirestrip.schemas import ARTICLES_SCHEMA

    return dict.fromkeys(ARTICLES_SCHEMA.names)


def shard_rows(pool: list[str], shard: int, n: int, seed: int = STAGE_SEED) -> Iterator[dict]:
    """`n` article rows of one shard, deterministic in (pool, shard, n, seed): stories of ~2 KB
    of sentences from the pool, half their words redrawn (`story_sentence`), ~30% with 1-5 copies (trimmed 0-70% from the end, one word in
    fifty dropped or replaced, later published_at, another publisher). Copies never cross shards."""
    from wirestrip.transforms.normalize import NORMALIZATION_VERSION
    from wirestrip.transforms.write.table_rows import content_hash

    rng = random.Random(f"{seed}:{shard}")
    vocab = vocabulary(pool)
    base = _blank_row()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    made = 0
    story = 0
    while made < n:
        paras, size = [], 0
        while size < 2000:
            p = " ".join(story_sentence(rng, pool, vocab) for _ in range(rng.randint(2, 4)))
            paras.append(p)
            size += len(p) + 2
        when = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        copies = rng.randint(1, MAX_COPIES) if rng.random() < SYNDICATED_SHARE else 0
        for c in range(min(1 + copies, n - made)):
            body = paras
            if c:
                keep = max(1, round(len(paras) * (1 - rng.uniform(0.0, 0.7))))
                body = [" ".join(_edit(rng, w) for w in p.split(" ")) for p in paras[:keep]]
            text = "\n\n".join(body)
            doc = f"bench-{seed}-{shard:05d}-{story:05d}-{c}"
            row = dict(base)
            row.update(
                doc_id=xxhash_hex(doc),
                source_uri=f"bench://{shard:05d}.jsonl",
                locator=f"story={story};copy={c}",
                input_format="jsonl",
                url=f"https://outlet{rng.randrange(40)}.example/{doc}",
                title=f"Story {story} of shard {shard}",
                text=text,
                published_at=when + timedelta(minutes=c * rng.randint(5, 600)),
                publisher=f"Outlet {rng.randrange(40)}",
                content_hash=content_hash(text),
                normalization_version=NORMALIZATION_VERSION,
                language="en",
            )
            yield row
            made += 1
        story += 1


def _edit(rng: random.Random, word: str) -> str:
    """One word in fifty dropped or replaced (copy-editing), the others kept."""
    r = rng.random()
    if r >= 0.02:
        return word
    return "" if r < 0.01 else rng.choice(("said", "also", "now", "the", "report"))


def xxhash_hex(s: str) -> str:
    import xxhash

    return xxhash.xxh3_128_hexdigest(s.encode())


def _proc_tree(pid: int) -> dict[int, int]:
    """Resident bytes of a process and each of its descendants (from /proc)."""
    page = os.sysconf("SC_PAGE_SIZE")
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * page
    tree, todo = {}, [pid]
    while todo:
        p = todo.pop()
        if p in rss:
            tree[p] = rss[p]
        todo += [c for c, pp in parent.items() if pp == p]
    return tree


def stage_child(docs: int, mode: str, workers: int) -> None:
    """(In the child process) generate timing apart, then the dedup stage; print one JSON line."""
    import apache_beam as beam
    from apache_beam.metrics.metric import MetricsFilter
    from apache_beam.options.pipeline_options import PipelineOptions
    from wirestrip.pipeline.runners import OfflineDirectRunner, with_quiet_workers
    from wirestrip.transforms.dedup.beam_dedup import Dedup
    from wirestrip.transforms.dedup.fingerprint import DedupParams

    from bench.eval.eval_dedup import adjusted_rand_index, pairwise_prf

    pool = _sentence_pool()
    shards = [(s, min(SHARD_DOCS, docs - s * SHARD_DOCS)) for s in range((docs + SHARD_DOCS - 1) // SHARD_DOCS)]
    t = time.perf_counter()
    total_bytes = 0
    for s, n in shards:
        total_bytes += sum(len(r["text"].encode()) for r in shard_rows(pool, s, n))
    gen_seconds = time.perf_counter() - t

    class GenerateShard(beam.DoFn):
        def setup(self) -> None:
            self.pool = _sentence_pool()

        def process(self, shard: tuple[int, int]):
            yield from shard_rows(self.pool, *shard)

    argv = [f"--direct_running_mode={mode}", f"--direct_num_workers={workers}"]
    options = PipelineOptions(with_quiet_workers(argv))
    tmp = tempfile.mkdtemp(prefix="bench-dedup-")
    t = time.perf_counter()
    with beam.Pipeline(runner=OfflineDirectRunner(), options=options) as p:
        rows = p | "shards" >> beam.Create(shards) | "rows" >> beam.Reshuffle() | "generate" >> beam.ParDo(GenerateShard())
        out = rows | "dedup" >> Dedup(DedupParams())
        for name in sorted(out):
            _ = out[name] | f"count {name}" >> beam.Map(_count_output, name)
        _ = (
            out["rows"]
            | "labels" >> beam.Map(lambda r: f"{r['source_uri']}#{r['locator'].split(';')[0]}\t{r['cluster_id']}")
            | "write labels" >> beam.io.WriteToText(f"{tmp}/labels")
        )
    wall = time.perf_counter() - t
    truth, pred = [], []
    for f in sorted(Path(tmp).glob("labels*")):
        for line in f.read_text().splitlines():
            story, cluster = line.split("\t")
            truth.append(story)
            pred.append(cluster)
    quality = dict(zip(("P", "R", "F1"), pairwise_prf(truth, pred), strict=True), ARI=adjusted_rand_index(truth, pred), rows=len(truth))
    metrics = p.result.metrics().query(MetricsFilter())
    counters = {c.key.metric.name: c.committed for c in metrics["counters"]}
    dists = {
        d.key.metric.name: {"max": d.committed.max, "mean": round(d.committed.mean, 2), "count": d.committed.count}
        for d in metrics["distributions"]
        if d.committed
    }
    gauges = {g.key.metric.name: g.committed.value for g in metrics["gauges"] if g.committed}
    import resource

    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"docs": docs, "bytes": total_bytes, "quality": quality, "gen_seconds": gen_seconds, "wall": wall, "counters": counters,
                      "distributions": dists, "gauges": gauges, "self_maxrss": self_rss, "children_maxrss": child_rss}))  # fmt: skip


def _count_output(_row, name: str) -> None:
    from wirestrip.transforms.beam_safe import count

    count(f"bench.out.{name}")


def stage_run(docs: int, mode: str, workers: int) -> dict:
    """One size in a child process, its process tree sampled every 0.2 s for resident memory."""
    cmd = [sys.executable, "-m", "bench.perf.dedup_bench", "stage-child", "--docs", str(docs), "--mode", mode, "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = {"tree": 0, "root": 0, "other": 0}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            tree = _proc_tree(proc.pid)
            peak["tree"] = max(peak["tree"], sum(tree.values()))
            peak["root"] = max(peak["root"], tree.get(proc.pid, 0))
            peak["other"] = max([peak["other"], *(v for k, v in tree.items() if k != proc.pid)])
            done.wait(0.2)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    if proc.returncode != 0:
        raise SystemExit(f"dedup stage bench failed ({proc.returncode}):\n{err[-4000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak"] = peak
    return res


def stage(docs: int, mode: str, workers: int) -> int:
    """Print the dedup stage's time and memory at docs/10 and docs."""
    from bench.corpora.scale_corpus import source

    print(
        f"dedup stage (wirestrip.transforms.dedup.beam_dedup.Dedup, default DedupParams) on the local runner, {mode}"
        f"{f' x{workers} workers' if mode == 'multi_processing' else ''}; rows generated in the pipeline from {source()}, "
        f"~{SYNDICATED_SHARE:.0%} stories with 1-{MAX_COPIES} copies, seed {STAGE_SEED}"
    )
    results = []
    for n in (max(1, docs // 10), docs):
        r = stage_run(n, mode, workers)
        results.append(r)
        pk = r["peak"]
        print(
            f"  N={n:>7,}: {r['bytes'] / n:,.0f} bytes/doc; wall {r['wall']:.1f}s ({n / r['wall']:,.0f} docs/s; generating the rows alone: "
            f"{r['gen_seconds']:.1f}s); peak RSS: process tree {pk['tree'] / 2**20:,.0f} MiB, controller {pk['root'] / 2**20:,.0f} MiB, "
            f"largest worker {pk['other'] / 2**20:,.0f} MiB (getrusage: self {r['self_maxrss'] / 2**20:,.0f} MiB, children {r['children_maxrss'] / 2**20:,.0f} MiB)"
        )
        q = r["quality"]
        print(
            f"    clusters vs the generated stories ({q['rows']:,} rows): pairwise P {q['P']:.4f} R {q['R']:.4f} F1 {q['F1']:.4f}, ARI {q['ARI']:.4f}"
        )
        keys = sorted(k for k in r["counters"] if "dedup" in k or k.startswith("bench."))
        print("    counters: " + ", ".join(f"{k}={r['counters'][k]:,}" for k in keys))
        for k, v in sorted(r["distributions"].items()):
            print(f"    distribution {k}: {v}")
        for k, v in sorted(r["gauges"].items()):
            print(f"    gauge {k}: {v}")
    small, big = results
    grow = lambda key: big["peak"][key] / max(1, small["peak"][key])  # noqa: E731
    print(
        f"  growth x{big['docs'] / small['docs']:.0f} docs: wall x{big['wall'] / small['wall']:.1f}, process tree RSS x{grow('tree'):.2f}, "
        f"controller x{grow('root'):.2f}, largest worker x{grow('other'):.2f}"
    )
    return 0


def per_doc(repeat: int) -> int:
    """Print the CPU microseconds per document of fingerprinting and of verifying LSH candidates on real texts."""
    import gzip
    from collections import defaultdict

    from wirestrip.transforms.dedup.candidates import verify
    from wirestrip.transforms.dedup.documents import doc_fp
    from wirestrip.transforms.dedup.fingerprint import FINGERPRINT_VERSION, DedupParams, rejection

    bbc, pages = SHARED / "corpora" / "bbc", SHARED / "corpora" / "real-pages" / "l3s-gn1.segments.jsonl.gz"
    if not bbc.is_dir() or not pages.exists():
        print(f"per-doc: skipped, {bbc} or {pages} is absent")
        return 0
    texts = [f.read_text(encoding="latin-1").partition("\n")[2].strip() for f in sorted(bbc.glob("*/*.txt"))]
    with gzip.open(pages, "rt", encoding="utf-8") as fh:
        texts += ["\n\n".join(s["text"] for s in json.loads(line)["segments"]) for line in fh]
    params = DedupParams()
    best = {"fingerprint": float("inf"), "verify": float("inf")}
    for _ in range(repeat):
        t0 = time.process_time()
        fps = [doc_fp({"doc_id": f"{i:06d}", "text": t, "content_hash": str(i)}, params, "2026-01-01") for i, t in enumerate(texts)]
        t1 = time.process_time()
        buckets: dict[int, list[str]] = defaultdict(list)
        for d in fps:
            for k in d.keys:
                buckets[k].append(d.doc_id)
        pairs = sorted({(a, b) for ids in buckets.values() if len(ids) <= params.hot_bucket for a in ids for b in ids if a < b})
        by_id = {d.doc_id: d.pair_fp(params) for d in fps}
        t2 = time.process_time()
        edges = sum(1 for a, b in pairs if rejection(verify(by_id[a], by_id[b], params), params) is None)
        t3 = time.process_time()
        best = {"fingerprint": min(best["fingerprint"], t1 - t0), "verify": min(best["verify"], t3 - t2)}
    n = len(texts)
    print(
        f"per-doc ({FINGERPRINT_VERSION}): {n} real texts (BBC + L3S-GN1 pages), {len(pairs)} candidate pairs, {edges} edges; "
        f"CPU best of {repeat}: fingerprint {best['fingerprint'] / n * 1e6:.0f} us/doc, verify {best['verify'] / n * 1e6:.0f} us/doc, "
        f"total {(best['fingerprint'] + best['verify']) / n * 1e6:.0f} us/doc"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="dedup_bench", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("signatures")
    s.add_argument("--docs", type=int, default=3000)
    s.add_argument("--repeat", type=int, default=3)
    pd = sub.add_parser("per-doc")
    pd.add_argument("--repeat", type=int, default=3)
    for name in ("stage", "stage-child"):
        st = sub.add_parser(name)
        st.add_argument("--docs", type=int, default=100_000)
        st.add_argument("--mode", choices=("in_memory", "multi_processing"), default="multi_processing")
        st.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if args.cmd == "signatures":
        return signatures(args.docs, args.repeat)
    if args.cmd == "per-doc":
        return per_doc(args.repeat)
    if args.cmd == "stage":
        return stage(args.docs, args.mode, args.workers)
    if args.cmd == "stage-child":
        stage_child(args.docs, args.mode, args.workers)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
