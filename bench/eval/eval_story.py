"""`make eval-story`: which block of a real page the dedup stage compares, against the page's labels.

The real pages of ../shared/corpora/real-pages (README there) go through the pipeline as CSV dumps
(default options but `--segment-model off`: dedup compares a page with the model's removals put
back, documents.compared_text). Each page's clean text then loses its site's
prose chrome as the dedup stage takes it out (its own site key and count: prose paragraphs held by
SITE_REPEATED_DOCS pages of the site in the batch), and is split the way transforms/dedup/story.py splits it; each paragraph
takes the label of its segment. Printed per corpus: how the pages are compared (story, list,
whole); on the pages where a block is chosen by either rule (some paragraph is not prose), how often
the compared block is mostly body (>= half its words) with today's rule (`story_of`) and with f4's
(the largest prose block, on a page only when it has a story's size), and the pages that flip
either way; then how much the blocks of story size repeat their own 5-grams (`repeated_share`),
body blocks against the others, which is what LIST_REPEAT_SHARE is set from.
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
from wirestrip.transforms.dedup.beam_dedup import _SiteChrome
from wirestrip.transforms.dedup.documents import site_of, site_paragraphs
from wirestrip.transforms.dedup.fingerprint import word_hashes, words

from bench.eval.eval_real import paragraph_map, read_csv_pages, read_outputs, run_pipeline
from bench.eval.real_pages import ROOT, load_all, texts

CORPORA = ("l3s-gn1", "dragnet")


def f4_block(paragraphs: list[str], n_words: list[int], flags: list[bool]) -> list[str] | None:
    """The block f4's story_text compared in a text split by story.split_prose (its whole gate: prose
    share, page, story size), or None when it compared no block (the whole text, or nothing: a list)."""
    if all(flags):
        return None
    prose_words = sum(n for n, f in zip(n_words, flags, strict=True) if f)
    is_page = len(paragraphs) - sum(flags) >= st.LIST_PAGE_LINES
    if not (prose_words * 2 > sum(n_words) or (prose_words >= st.MIN_STORY_WORDS and is_page)):
        return None
    block, n = max(st._blocks(paragraphs, n_words, flags), key=lambda b: b[1], default=([], 0))
    return block if not is_page or st._has_story_size(block, n) else None


def f5_block(story: st.Story, flags: list[bool]) -> list[str] | None:
    """The block story_of compared (`story`, of a text whose prose flags are `flags`), or None when it
    compared the whole text or nothing."""
    if story.compared_as != "story" or all(flags):
        return None
    return story.text.split("\n\n")


def _mostly_body(block: list[str], label_of: dict[str, str]) -> bool:
    body = sum(st._n_words(p) for p in block if label_of.get(" ".join(p.split())) == "body")
    return body * 2 >= sum(st._n_words(p) for p in block)


def _site_chrome(rows: list[dict]) -> dict[str, frozenset[int]]:
    """Per site, the prose paragraph keys the dedup stage leaves out of its pages: the stage's own
    site key and count (documents.site_paragraphs, beam_dedup._SiteChrome), run over the batch's rows."""
    combine = _SiteChrome(st.SITE_REPEATED_DOCS)
    held: dict[str, dict[int, int]] = {}
    for row in rows:
        sp = site_paragraphs(row)
        if sp is not None:
            held[sp[0]] = combine.add_input(held.get(sp[0]) or combine.create_accumulator(), sp[1])
    return {site: combine.extract_output(acc) for site, acc in held.items()}


def evaluate(corpus: str, articles: dict, pages: dict) -> list[str]:
    """The printed lines of one corpus."""
    rows = []
    for row_n, csv_row in enumerate(read_csv_pages(ROOT / f"{corpus}.csv"), 1):
        row = articles.get((f"{corpus}.csv", row_n))
        page = pages.get((corpus, csv_row["id"]))
        if row is not None and page is not None:
            rows.append((csv_row, row, page))
    chrome = _site_chrome([row for _, row, _ in rows])
    how: Counter = Counter()
    good: Counter = Counter()
    flips: dict[str, list[str]] = {"f4 body, now not": [], "now body, f4 not": []}
    shares: dict[str, list[float]] = {"body": [], "other": []}
    for csv_row, row, page in rows:
        paras, seg_of = paragraph_map(texts(page))
        label_of = {p: page["segments"][i]["label"] for p, i in zip(paras, seg_of, strict=True)}
        text, _ = st.without_site_chrome(row.get("text") or "", chrome.get(site_of(row) or "", frozenset()))
        story = st.story_of(text)
        paragraphs, n_words, flags = st.split_prose(text)
        how[story.compared_as] += 1
        now, f4 = f5_block(story, flags), f4_block(paragraphs, n_words, flags)
        if now is not None or f4 is not None:
            good["pages"] += 1
            ok_now = now is not None and _mostly_body(now, label_of)
            ok_f4 = f4 is not None and _mostly_body(f4, label_of)
            good["now"] += ok_now
            good["f4"] += ok_f4
            if ok_f4 and not ok_now:
                flips["f4 body, now not"].append(csv_row["id"])
            elif ok_now and not ok_f4:
                flips["now body, f4 not"].append(csv_row["id"])
        for block, _ in st._blocks(paragraphs, n_words, flags):
            distinct = list(dict.fromkeys(block))
            if st._has_story_size(distinct, sum(st._n_words(p) for p in distinct)):
                share = st.repeated_share(word_hashes(words("\n\n".join(distinct))))
                shares["body" if _mostly_body(distinct, label_of) else "other"].append(share)
    out = [f"\n{corpus}: {len(rows)} pages, compared as {dict(how)}"]
    out.append(
        f"  of {good['pages']} pages where a block is chosen, compared block mostly body: now {good['now']}, "
        f"f4 (largest block) {good['f4']}"
    )
    for what, ids in flips.items():
        out.append(f"    {what}: {len(ids)} {sorted(ids)[:12]}")
    for kind, v in shares.items():
        line = f"  repeated_share of story-size blocks, {kind:>5}: n {len(v)}"
        if v:
            q = np.quantile(np.array(v), [0.5, 0.9, 0.99])
            above = sum(1 for x in v if x > st.LIST_REPEAT_SHARE)
            line += f", median {q[0]:.3f}, p90 {q[1]:.3f}, p99 {q[2]:.3f}, above {st.LIST_REPEAT_SHARE}: {above}"
        out.append(line)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="eval-story", description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="keep the pipeline's input and output in this folder")
    args = ap.parse_args(argv)
    if not all((ROOT / f"{c}.csv").exists() for c in CORPORA):
        print(f"eval-story: skipped, {ROOT} lacks {', '.join(f'{c}.csv' for c in CORPORA)}")
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="eval-story-"))
    try:
        (work / "input").mkdir(parents=True, exist_ok=True)
        for c in CORPORA:
            shutil.copy(ROOT / f"{c}.csv", work / "input" / f"{c}.csv")
        # Dedup compares a page's text with the segment model's removals put back (documents.compared_text):
        # the text a run without the model writes.
        seconds = run_pipeline(work / "input", work / "out", "off")
        articles, rejects, problems = read_outputs(work / "out")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    pages = {(p["corpus"], p["page_id"]): p for p in load_all()}
    print(f"eval-story: {ROOT} ({', '.join(CORPORA)}), pipeline {seconds:.0f}s, {len(articles)} articles, {len(rejects)} rejects")
    for c in CORPORA:
        for line in evaluate(c, articles, pages):
            print(line)
    for p in problems[:5]:
        print(f"  problem: {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
