"""`make eval-meta`: the HTML path's metadata on real pages, beside bare trafilatura's.

Inputs: ../shared/eval/readability-pages (130 real pages with Readability's expected title,
byline, site name, published time and language) and ../shared/eval/article-extraction (181 real
news pages with their expected body: characters kept, and whether the lead is kept).

Per field, agreement after normalisation (case, whitespace, entities, quotes and dashes), over the
pages that expect a value:
- title: equal, or equal once a site name after the title (" | eHow") is cut from one side;
- authors: the expected byline's names (its first line, a leading "By", separators ", and & |"
  split) equal ours as sets; a byline Readability gives that names no person (an organisation, a
  date line; NOT_PERSON_BYLINES, judged by hand) is listed, not scored;
- site name / publisher: equal, or one is the other plus a " – tagline" / " | section" suffix;
- published time: the same UTC day (pages whose expected time has no zone: the same printed day);
- language: the primary subtag equal (en-US = en).
A value of ours where none is expected is counted apart (it may be right: the expected values are
Readability's output). Disagreements are listed per field with both values.

python -m bench.eval.eval_meta [--quiet]
"""

from __future__ import annotations

import gzip
import html as htmllib
import json
import os
import re
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from wirestrip.transforms.clean.cleaner import clean_article
from wirestrip.transforms.clean.rules import load_rules
from wirestrip.transforms.clean.segment_model import SegmentModel
from wirestrip.transforms.hashing import raw_sha
from wirestrip.transforms.read.registry import parse_record
from wirestrip.transforms.record_types import RawRecord, RecordError

SHARED = Path(os.environ.get("WIRESTRIP_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
READABILITY = SHARED / "eval" / "readability-pages" / "pages"
EXTRACTION = SHARED / "eval" / "article-extraction"
FIELDS = ("title", "authors", "publisher", "published", "language")
TARGETS = {"title": 0.95, "authors": 0.93, "publisher": 0.90, "published": 0.97, "language": 0.99}
_BY = re.compile(r"^\s*(?:written\s+)?(?:by|von|par|por|di)\s+", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\bavec\b)\s*", re.IGNORECASE)
_SUFFIX = re.compile(r"\s+[-–—|:·»]\s+.*$")
_SITE_SUFFIX = re.compile(r"\s+[-–—|·»]\s+[^-–—|·»]{1,40}$")  # " | eHow", " - Wikipedia": a site name after the title
_URL_IN_PARENS = re.compile(r"\(\s*https?://[^)]*\)")
# Pages whose expected byline names no person (judged by hand on the page): Readability took an
# organisation, a date line, a widget or a magazine name for it. Scored apart, not as our misses.
NOT_PERSON_BYLINES = {
    "archive-of-our-own": "an organisation (Organization for Transformative Works)",
    "bbc-1": "an organisation (BBC News)",
    "wikipedia-2": "an organisation (Contributors to Wikimedia projects)",
    "wikipedia-3": "an organisation (Contributors to Wikimedia projects)",
    "wikipedia-4": "an organisation (Contributors to Wikimedia projects)",
    "heise": "the magazine's name (Mac & i)",
    "seattletimes-1": "a date line (April 28, 2019 at 6:01 am Updated ...)",
    "spiceworks": "a date line (Last Updated: January 7, 2025)",
    "royal-road": "a widget (Follow Author)",
    "yahoo-4": "a word, 'individual' (個人)",
    "breitbart": "the name glued to a date and a comment count (Lucas Nolan22 Dec 2016651)",
    "webmd-1": "a degree split off as a second name (Brenda Goodman, MA)",
}

SHIPPED_MODEL = SegmentModel.load()  # as a run's defaults: --segment-model builtin, on records that look like a page


def norm(text: str | None) -> str:
    """Case, whitespace, entities, typographic quotes and dashes folded."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", htmllib.unescape(text))
    text = text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "}))
    return " ".join(text.split()).strip(" \"'").casefold()


def names_of(byline: str | list[str] | None) -> set[str]:
    """A byline string (its first line: Readability keeps the date lines below it) or a list of
    names, as a set of normalised names."""
    if not byline:
        return set()
    if isinstance(byline, str):
        byline = _BY.sub("", _URL_IN_PARENS.sub("", byline).strip()).split("\n")[0].replace("(", " ").replace(")", " ")
    parts = [p.replace("(", " ").replace(")", " ") for p in byline] if isinstance(byline, list) else _NAME_SPLIT.split(_BY.sub("", byline))
    return {norm(_BY.sub("", p)) for p in parts if norm(p)}


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value.strip()[:10]
    return (dt.astimezone(UTC) if dt.tzinfo else dt).date().isoformat()


def agree(name: str, expected, ours) -> bool:
    """Whether our value agrees with the expected one for field `name` (rules in the module doc)."""
    if name == "authors":
        return names_of(expected) == names_of(ours)
    if name == "published":
        return _day(expected) == _day(ours)
    if name == "language":
        return norm(expected).split("-")[0] == norm(ours).split("-")[0]
    a, b = norm(expected), norm(ours)
    if name == "title" and a and b:  # the same title with or without the site's name after it
        return a == b or norm(_SITE_SUFFIX.sub("", expected)) == b or norm(_SITE_SUFFIX.sub("", ours)) == a
    if name == "publisher" and a and b:
        return a == b or norm(_SUFFIX.sub("", expected)) == b or norm(_SUFFIX.sub("", ours)) == a
    return a == b


def expected_of(meta: dict) -> dict:
    """The expected values of our fields from Readability's expected-metadata.json."""
    return {
        "title": meta.get("title"),
        "authors": meta.get("byline"),
        "publisher": meta.get("siteName"),
        "published": meta.get("publishedTime"),
        "language": meta.get("lang"),
    }


def ours_of(name: str, html: bytes, rules) -> dict:
    """Our pipeline's values for one page: the HTML reader, the language stage, the cleaner."""
    record = RawRecord(name, name, "page=0", "html", html, raw_sha(html), name)
    parsed = parse_record(record, "UTC")
    clean = clean_article(parsed, rules, model=SHIPPED_MODEL)
    return {
        "title": parsed.title,
        "authors": parsed.authors,
        "publisher": clean.publisher,
        "published": parsed.published_at.isoformat() if parsed.published_at else None,
        "language": parsed.language,
        "standfirst": parsed.standfirst,
        "text": "\n".join(clean.paragraphs),
    }


def trafilatura_of(html: bytes, config) -> dict:
    """Bare trafilatura's metadata for the same page (its defaults, our no-timeout config)."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, config=config)
    if doc is None:
        return dict.fromkeys(FIELDS)
    author = doc.author
    return {
        "title": doc.title,
        "authors": [a.strip() for a in author.split(";")] if author else None,
        "publisher": doc.sitename,
        "published": doc.date,
        "language": doc.language,
    }


def _score(rows: list[tuple[dict, dict]], name: str) -> tuple[float, int, list]:
    scored = [(e, o) for e, o in rows if e.get(name) and not (name == "authors" and e.get("case") in NOT_PERSON_BYLINES)]
    wrong = [(e[name], o.get(name)) for e, o in scored if not agree(name, e[name], o.get(name))]
    return (1 - len(wrong) / len(scored) if scored else float("nan")), len(scored), wrong


def readability_pages(quiet: bool) -> dict[str, float]:
    """Score both extractors on the Readability pages; print the table and the disagreements."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    rules = load_rules()
    cases = sorted(p for p in READABILITY.iterdir() if (p / "source.html.gz").exists())
    print(f"inputs: {READABILITY} ({len(cases)} pages), rules {rules.version}")
    ours_rows, bare_rows, failed = [], [], []
    ours_extra: dict[str, list] = defaultdict(list)
    t0 = time.perf_counter()
    for case in cases:
        html = gzip.decompress((case / "source.html.gz").read_bytes())
        expected = expected_of(json.loads((case / "expected-metadata.json").read_text(encoding="utf-8")))
        try:
            ours = ours_of(case.name, html, rules)
        except RecordError as exc:
            failed.append((case.name, exc.error_type))
            ours = dict.fromkeys(FIELDS)
        for name in FIELDS:
            if not expected.get(name) and ours.get(name):
                ours_extra[name].append((case.name, ours[name]))
        ours_rows.append((expected | {"case": case.name}, ours))
        bare_rows.append((expected | {"case": case.name}, trafilatura_of(html, config)))
    seconds = time.perf_counter() - t0
    figures: dict[str, float] = {}
    print(f"{'field':<11} {'pages':>5} {'wirestrip':>9} {'trafilatura':>11} {'target':>7}")
    for name in FIELDS:
        ours_score, n, _ = _score(ours_rows, name)
        bare_score, _, _ = _score(bare_rows, name)
        figures[name] = ours_score
        met = "met" if ours_score >= TARGETS[name] else "NOT met"
        bare = f"{bare_score:11.3f}" if any(o.get(name) for _, o in bare_rows) else f"{'n/a':>11}"  # no guess without a target language
        print(f"{name:<11} {n:5d} {ours_score:9.3f} {bare} {TARGETS[name]:7.2f} {met}")
    print(f"({len(cases)} pages in {seconds:.1f} s, both extractors; pages we rejected: {failed or 'none'})")
    print(f"authors: {len(NOT_PERSON_BYLINES)} pages whose expected byline names no person are left out (listed below)")
    for name in FIELDS:
        extra = ours_extra[name]
        print(f"{name}: ours filled where none is expected on {len(extra)} pages")
    if not quiet:
        for name in FIELDS:
            scored = [(e, o) for e, o in ours_rows if e.get(name)]
            wrong = [(e["case"], e[name], o.get(name)) for e, o in scored if not agree(name, e[name], o.get(name))]
            print(f"\n{name}: {len(wrong)} disagreements (case: expected | ours)")
            for case, e, o in wrong:
                apart = f"  [left out: {NOT_PERSON_BYLINES[case]}]" if name == "authors" and case in NOT_PERSON_BYLINES else ""
                print(f"  {case}: {str(e)[:80]!r} | {str(o)[:80]!r}{apart}")
    return figures


def extraction_pages() -> None:
    """Characters kept against the reference body on the article-extraction pages (truncation)."""
    truth = json.loads((EXTRACTION / "ground-truth.json").read_text(encoding="utf-8"))
    rules = load_rules()
    ratios, short, lead_lost = [], [], 0
    for sha in sorted(truth):
        html = gzip.decompress((EXTRACTION / "html" / f"{sha}.html.gz").read_bytes())
        true = truth[sha].get("articleBody") or ""
        if not true.strip():
            continue
        try:
            ours = ours_of(sha, html, rules)
        except RecordError:
            ours = {"text": "", "standfirst": None}
        kept = "\n".join(x for x in (ours.get("standfirst"), ours["text"]) if x)
        ratio = len(kept) / len(true)
        ratios.append(ratio)
        if ratio < 0.8:
            short.append((sha, len(true), len(kept)))
        first = norm(true.split("\n")[0])[:60]
        if len(first) >= 40 and first not in norm(kept):
            lead_lost += 1
    print(f"\ninputs: {EXTRACTION} ({len(ratios)} pages with a body)")
    print(f"characters kept / expected: median {statistics.median(ratios):.3f}, pages under 0.8: {len(short)}")
    print(f"pages whose expected first paragraph (>= 40 chars) is not in our standfirst + text: {lead_lost}")
    for sha, n_true, n_ours in sorted(short, key=lambda s: s[2] / s[1])[:15]:
        print(f"  {sha[:12]} expected {n_true} chars, kept {n_ours}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not READABILITY.exists():
        print(f"eval-meta: skipped, {READABILITY} is absent (the pages live in ../shared beside the project)")
        return 0
    readability_pages("--quiet" in argv)
    if EXTRACTION.exists():
        extraction_pages()
    return 0


if __name__ == "__main__":
    sys.exit(main())
