"""`make eval-html`: our HTML path on the public article-extraction benchmark (../shared/eval/
article-extraction: 181 real pages with ground truth), against bare trafilatura on the same pages.

The benchmark's published metric: tokens are `\\w+` matches; shingles of 4 consecutive tokens;
per page, multiset TP/FP/FN of shingles normalised by their sum; precision and recall are the
means over pages (pages with no predicted / no true shingles left out of that mean); F1 from
those means. Our path = the HTML reader's extraction (trafilatura with our settings on our safe
parse tree) followed by the boilerplate cleaner. Pages whose F1 our cleaning changed are listed,
credit-line pages (where the ground truth keeps "(Reporting by ...)" lines we strip) apart.

python -m bench.eval.eval_html [--quiet]
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.clean.segment_model import SegmentModel
from wirestrip.transforms.hashing import raw_sha
from wirestrip.transforms.read.html_page import article_from_page, extract_page
from wirestrip.transforms.record_types import RawRecord

# ../shared beside the project; WIRESTRIP_SHARED points elsewhere (e.g. from a git worktree).
SHARED = Path(os.environ.get("WIRESTRIP_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
BENCH = SHARED / "eval" / "article-extraction"
_TOKEN = re.compile(r"\w+", re.UNICODE)
_NGRAM = 4

SHIPPED_MODEL = SegmentModel.load()  # as a run's defaults: --segment-model builtin, on records that look like a page


def shingles(text: str) -> Counter:
    """Multiset of 4-token shingles (a text shorter than 4 tokens is one shorter shingle)."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + _NGRAM]) for i in range(max(1, len(tokens) - _NGRAM + 1)) if tokens[i : i + _NGRAM])


def page_counts(true: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of shingles, normalised by their sum, for one page."""
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def score(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(precision, recall, F1) as the benchmark computes them."""
    precision = statistics.mean(tp / (tp + fp) for tp, fp, fn in counts if tp + fp > 0)
    recall = statistics.mean(tp / (tp + fn) for tp, fp, fn in counts if tp + fn > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


def page_f1(c: tuple[float, float, float]) -> float:
    tp, fp, fn = c
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    truth_path = BENCH / "ground-truth.json"
    if not truth_path.exists():
        print(f"eval-html: skipped, {BENCH} is absent (the benchmark lives in ../shared beside the project)")
        return 0
    import trafilatura
    from trafilatura.settings import use_config

    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    rules = load_rules()
    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    print(f"inputs: {BENCH} ({len(truth)} pages), trafilatura {trafilatura.__version__}, rules {rules.version}")
    runs: dict[str, list] = {
        "trafilatura default": [],
        "trafilatura favor_precision": [],
        "trafilatura our settings": [],  # favor_precision, no comments: what our HTML path asks of it
        "wirestrip extract only": [],  # + our parse tree, the headline dropped from the body
        "wirestrip HTML path": [],  # + the boilerplate cleaner
    }
    changed = []
    t_ours = 0.0
    for sha in sorted(truth):
        html = gzip.decompress((BENCH / "html" / f"{sha}.html.gz").read_bytes())
        true = truth[sha].get("articleBody", "")
        url = truth[sha].get("url")
        runs["trafilatura default"].append(page_counts(true, trafilatura.extract(html, url=url, config=config) or ""))
        runs["trafilatura our settings"].append(
            page_counts(true, trafilatura.extract(html, url=url, favor_precision=True, include_comments=False, config=config) or "")
        )
        runs["trafilatura favor_precision"].append(
            page_counts(true, trafilatura.extract(html, url=url, favor_precision=True, config=config) or "")
        )
        t = time.perf_counter()
        record = RawRecord(str(sha), sha, "page=0", "html", html, raw_sha(html), sha)
        try:
            page = extract_page(html, url=url)
            article = article_from_page(record, page, "UTC")
            lead = [article.standfirst] if article.standfirst else []  # the lead is the article's text too
            extracted = "\n".join(lead + article.paragraphs)
            clean = clean_article(article, rules, model=SHIPPED_MODEL)
            ours = "\n".join(lead + clean.paragraphs)
            removed = [(r.rule_id, r.text) for r in clean.removed]
        except Exception as exc:  # noqa: BLE001 - a page we cannot read scores as empty, and is reported
            print(f"  page {sha[:12]} failed: {exc!r}")
            extracted, ours, removed = "", "", []
        t_ours += time.perf_counter() - t
        before, after = page_counts(true, extracted), page_counts(true, ours)
        runs["wirestrip extract only"].append(before)
        runs["wirestrip HTML path"].append(after)
        if abs(page_f1(before) - page_f1(after)) > 1e-9:
            # The benchmark's truth sometimes keeps boilerplate (credit lines, copyright footers).
            credit = any(shingles(text) & shingles(true) for _, text in removed)
            changed.append((sha, page_f1(before), page_f1(after), credit, removed))
    print(f"{'extractor':<30} {'precision':>9} {'recall':>7} {'F1':>7}")
    for name, counts in runs.items():
        p, r, f = score(counts)
        print(f"{name:<30} {p:9.4f} {r:7.4f} {f:7.4f}")
    print(f"our HTML path: {len(truth) / t_ours:.1f} pages/s on one core (extraction + cleaning)")
    f1 = score(runs["wirestrip HTML path"])[2]
    print(f"target F1 >= 0.962: {'met' if f1 >= 0.962 else 'NOT met'} ({f1:.4f})")
    for title, group in (
        ("pages where cleaning changed F1", [c for c in changed if not c[3]]),
        ("pages whose ground truth keeps a line we strip (credit / copyright lines)", [c for c in changed if c[3]]),
    ):
        print(f"{title}: {len(group)}")
        for sha, b, a, _, removed in sorted(group, key=lambda c: c[2] - c[1]):
            print(f"  {sha[:12]} F1 {b:.4f} -> {a:.4f} ({a - b:+.4f})")
            if "--quiet" not in argv:
                for rid, text in removed[:6]:
                    print(f"      {rid}: {text[:110]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
