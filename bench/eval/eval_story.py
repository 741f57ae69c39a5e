"""`make eval-story`: which block of a real page the dedup stage compares, against the page's labels.

The real pages of ../shared/corpora/real-pages (README there) go through the pipeline as CSV dumps
(default options, as `make eval-real` runs them); each page's clean text is then split the way
transforms/dedup/story.py splits it, and each paragraph takes the label of its segment. Printed per
corpus: how the pages are compared (story, list, whole), and for the story pages how often the
chosen block is mostly body (>= half its words), with the previous rule (the largest prose block)
on the same texts beside it; then how much the blocks of story size repeat their own 5-grams
(`repeated_share`), body blocks against the others, which is what LIST_REPEAT_SHARE is set from.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
from wirestrip.transforms.dedup import story as st
from wirestrip.transforms.dedup.fingerprint import word_hashes, words

from bench.eval.eval_real import paragraph_map, read_csv_pages, read_outputs, run_pipeline
from bench.eval.real_pages import ROOT, load_all, texts

CORPORA = ("l3s-gn1", "dragnet")


def _blocks_of(paragraphs: list[str]) -> tuple[list[tuple[list[str], int]], bool]:
    """The prose blocks of a clean text and whether it is a page (story.py's definitions)."""
    n_words = [st._n_words(p) for p in paragraphs]
    flags = [st._is_prose(p, n) for p, n in zip(paragraphs, n_words, strict=True)]
    return st._blocks(paragraphs, n_words, flags), len(paragraphs) - sum(flags) >= st.LIST_PAGE_LINES


def _largest_rule(blocks: list[tuple[list[str], int]], is_page: bool) -> list[str] | None:
    """The f4 rule on the same text: the largest block, on a page only if it has a story's size."""
    if not blocks:
        return None
    block, n = max(blocks, key=lambda b: b[1])
    return block if not is_page or st._has_story_size(block, n) else None


def _mostly_body(block: list[str], label_of: dict[str, str]) -> bool:
    body = sum(st._n_words(p) for p in block if label_of.get(" ".join(p.split())) == "body")
    return body * 2 >= sum(st._n_words(p) for p in block)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="eval-story", description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="keep the pipeline's input and output in this folder")
    args = ap.parse_args(argv)
    if not all((ROOT / f"{c}.csv").exists() for c in CORPORA):
        print(f"eval-story: skipped, {ROOT} lacks {', '.join(f'{c}.csv' for c in CORPORA)}")
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="eval-story-"))
    (work / "input").mkdir(parents=True, exist_ok=True)
    for c in CORPORA:
        shutil.copy(ROOT / f"{c}.csv", work / "input" / f"{c}.csv")
    seconds = run_pipeline(work / "input", work / "out", None)
    articles, rejects, problems = read_outputs(work / "out")
    pages = {(p["corpus"], p["page_id"]): p for p in load_all()}
    print(f"eval-story: {ROOT} ({', '.join(CORPORA)}), pipeline {seconds:.0f}s, {len(articles)} articles, {len(rejects)} rejects")
    for c in CORPORA:
        how: Counter = Counter()
        good = Counter()
        shares: dict[str, list[float]] = {"body": [], "other": []}
        for row_n, csv_row in enumerate(read_csv_pages(ROOT / f"{c}.csv"), 1):
            row = articles.get((f"{c}.csv", row_n))
            page = pages.get((c, csv_row["id"]))
            if row is None or page is None:
                continue
            paras, seg_of = paragraph_map(texts(page))
            label_of = {p: page["segments"][i]["label"] for p, i in zip(paras, seg_of, strict=True)}
            text = row.get("text") or ""
            story = st.story_of(text)
            how[story.compared_as] += 1
            paragraphs = [p for p in st._PARAGRAPHS.split(text) if p.strip()]
            blocks, is_page = _blocks_of(paragraphs)
            if sum(len(b) for b, _ in blocks) < len(paragraphs):  # some paragraph is not prose: a block is chosen
                for rule, block in (
                    ("now", story.text.split("\n\n") if story.compared_as == "story" else None),
                    ("f4", _largest_rule(blocks, is_page)),
                ):
                    if block is not None:
                        good[rule] += _mostly_body(block, label_of)
                        good[f"{rule}_n"] += 1
            for block, n in blocks:
                if st._has_story_size(block, n):
                    distinct = list(dict.fromkeys(block))
                    share = st.repeated_share(word_hashes(words("\n\n".join(distinct))))
                    shares["body" if _mostly_body(block, label_of) else "other"].append(share)
        print(f"\n{c}: compared as {dict(how)}")
        print(
            f"  story block mostly body: first story-like block (now) {good['now']}/{good['now_n']}; "
            f"largest block (f4) {good['f4']}/{good['f4_n']}"
        )
        for kind, v in shares.items():
            a = np.array(v) if v else np.zeros(1)
            q = np.quantile(a, [0.5, 0.9, 0.99])
            print(
                f"  repeated_share of story-size blocks, {kind:>5}: n {len(v)}, median {q[0]:.3f}, p90 {q[1]:.3f}, "
                f"p99 {q[2]:.3f}, above {st.LIST_REPEAT_SHARE}: {int((a > st.LIST_REPEAT_SHARE).sum())}"
            )
    for p in problems[:5]:
        print(f"  problem: {p}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
