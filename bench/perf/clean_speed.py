"""The cleaner alone, one core: articles/s on ~3 KB articles (a figure of `make bench`).

Inputs: the generated scraped posts of bench/corpora/synth.py (always available), and, when
../shared is present, the labelled eval-clean corpus (real BBC bodies with real boilerplate lines:
more, shorter lines per article) and the real scraped pages of corpora/real-pages (L3S-GN1: whole
pages, where the segment model looks by default). Parsing is done beforehand and not timed; the learned-lines
pass is timed separately (it re-cleans only the articles holding a learned line).

python -m bench.perf.clean_speed [N]
"""

from __future__ import annotations

import gzip
import json
import sys
import time

from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.learned import LearnedIndex, group_of
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.clean.segment_model import SegmentModel
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read.post_text import parse_post
from wirestrip.transforms.record_types import RawRecord

from bench.corpora.synth import posts


def _records(texts: list[bytes], names: list[str]) -> list[RawRecord]:
    return [
        RawRecord("bench", n, "post=0", "txt", t, raw_sha(t), doc_id(n, "post=0", raw_sha(t))) for t, n in zip(texts, names, strict=True)
    ]


def _time(label: str, parsed: list, rules, repeat: int = 3, model: SegmentModel | None = None, model_on: str = "pages") -> list:
    best, out = float("inf"), []
    for _ in range(repeat):
        t = time.perf_counter()
        out = [clean_article(p, rules, model=model, model_on=model_on) for p in parsed]
        best = min(best, time.perf_counter() - t)
    size = sum(len(p.record.raw) for p in parsed) / len(parsed)
    print(f"  {label}: {len(parsed) / best:8.0f} articles/s  ({len(parsed)} articles, mean {size:.0f} bytes, best of {repeat}, one core)")
    return out


def main(n: int = 3000) -> None:
    rules = load_rules()
    model = SegmentModel.load()
    print(f"cleaner alone, rules {rules.version} ({len(rules.rules)} rules); with and without the segment model {model.version}:")
    texts = [p.encode() for p in posts(n, target_bytes=2600)]
    parsed = [parse_post(r) for r in _records(texts, [f"s/{i}.txt" for i in range(n)])]
    _time("generated posts (bench/corpora/synth.py, seed 7), rules only (--segment-model off)", parsed, rules)
    _time("generated posts, default (model on pages: none of these is one)", parsed, rules, model=model)
    _time("generated posts, rules + model on every record (--segment-model-on all)", parsed, rules, model=model, model_on="all")
    from bench.shared import SHARED

    if not (SHARED / "corpora" / "bbc").is_dir():
        print(f"  eval-clean corpus: skipped, {SHARED}/corpora/bbc is absent")
        return
    from bench.corpora.cleangen import generate

    arts, _ = generate(SHARED, 900)
    texts = [a.text().encode() for a in arts]
    parsed = [parse_post(r) for r in _records(texts, [f"{a.doc}.txt" for a in arts])]
    _time("eval-clean corpus (BBC bodies + real boilerplate), rules + model on every record", parsed, rules, model=model, model_on="all")
    first = _time("eval-clean corpus, rules only", parsed, rules)
    pages = SHARED / "corpora" / "real-pages" / "l3s-gn1.segments.jsonl.gz"
    if pages.exists():
        with gzip.open(pages, "rt", encoding="utf-8") as f:
            segs = [[s["text"] for s in json.loads(line)["segments"]] for line in f]
        texts = ["\n\n".join(s).encode() for s in segs]
        real = [parse_post(r) for r in _records(texts, [f"l3s/{i}.txt" for i in range(len(texts))])]
        _time("real pages (L3S-GN1, whole scraped pages), rules only", real, rules, repeat=1)
        _time("real pages (L3S-GN1), default (model on pages)", real, rules, repeat=1, model=model)
    index = LearnedIndex.learn(first)
    t = time.perf_counter()
    for p, c in zip(parsed, first, strict=True):
        g = group_of(c)
        if index.has_group(g):
            clean_article(p, rules, learned=index.lookup_for(g))
    secs = time.perf_counter() - t
    print(
        f"  learned second pass (re-clean of articles whose group has learned lines, over all articles): {len(parsed) / secs:8.0f} articles/s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
