"""The cleaner alone, one core: articles/s on ~3 KB articles (a figure of `make bench`).

Two inputs: the generated scraped posts of bench/corpora/synth.py (always available), and, when
../shared is present, the labelled eval-clean corpus (real BBC bodies with real boilerplate lines:
more, shorter lines per article). Parsing is done beforehand and not timed; the learned-lines
pass is timed separately (it re-cleans only the articles holding a learned line).

python -m bench.perf.clean_speed [N]
"""

from __future__ import annotations

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


def _time(label: str, parsed: list, rules, repeat: int = 3, model: SegmentModel | None = None) -> list:
    best, out = float("inf"), []
    for _ in range(repeat):
        t = time.perf_counter()
        out = [clean_article(p, rules, model=model) for p in parsed]
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
    _time("generated posts (bench/corpora/synth.py, seed 7), rules only (default)", parsed, rules)
    _time("generated posts, rules + model (--segment-model builtin)", parsed, rules, model=model)
    from bench.shared import SHARED

    if not (SHARED / "corpora" / "bbc").is_dir():
        print(f"  eval-clean corpus: skipped, {SHARED}/corpora/bbc is absent")
        return
    from bench.corpora.cleangen import generate

    arts, _ = generate(SHARED, 900)
    texts = [a.text().encode() for a in arts]
    parsed = [parse_post(r) for r in _records(texts, [f"{a.doc}.txt" for a in arts])]
    _time("eval-clean corpus (BBC bodies + real boilerplate), rules + model", parsed, rules, model=model)
    first = _time("eval-clean corpus, rules only", parsed, rules)
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
