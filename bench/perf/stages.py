"""Throughput of the pure per-record stages (parse, clean, row + content hash) on one core.

python -m bench.perf.stages [N]
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read import language
from wirestrip.transforms.read.post_text import parse_post
from wirestrip.transforms.record_types import RawRecord
from wirestrip.transforms.write.table_rows import RunContext, article_row

from bench.corpora.synth import posts


def main(n: int = 5000) -> None:
    texts = [p.encode() for p in posts(n)]
    mb = sum(map(len, texts)) / 1e6
    rules = load_rules()
    ctx = RunContext("bench", "bench", rules.version, datetime.now(UTC), 1 << 20)
    records = [
        RawRecord("bench", f"{i}.txt", "post=0", "txt", t, raw_sha(t), doc_id(f"{i}.txt", "post=0", raw_sha(t)))
        for i, t in enumerate(texts)
    ]
    print(
        f"inputs: {n} generated posts (seed 7), {mb:.1f} MB, mean {mb * 1e6 / n:.0f} bytes; rules {rules.version} ({len(rules.rules)} rules)"
    )
    timings = {}
    t = time.perf_counter()
    parsed = [parse_post(r) for r in records]
    timings["parse"] = time.perf_counter() - t
    language.setup()
    t = time.perf_counter()
    for p in parsed:
        p.language = language.detect_language(p.paragraphs, p.language)
    timings["language"] = time.perf_counter() - t
    t = time.perf_counter()
    cleaned = [clean_article(p, rules) for p in parsed]
    timings["clean"] = time.perf_counter() - t
    t = time.perf_counter()
    for c in cleaned:
        article_row(c, ctx)
    timings["row+content_hash"] = time.perf_counter() - t
    total = sum(timings.values())
    for stage, secs in [*timings.items(), ("all stages", total)]:
        print(f"{stage:>18}: {n / secs:9.0f} articles/s  {mb / secs:7.1f} MB/s  ({secs:.2f} s, one core)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
