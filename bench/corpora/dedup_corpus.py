"""A labelled near-duplicate corpus, generated deterministically (fixed seed) at eval time from
../shared/corpora/bbc (real article bodies) and ../shared/reference (real boilerplate lines).

Nothing here is copied into the project: the generator reads ../shared when it runs.

1. The BBC corpus has exact and near duplicates of its own. They are dropped first: by the hash
   of the normalised text, then by word-5-gram overlap (`NEAR_DUP_CONTAINMENT` of the shorter
   article's 5-grams found in the other), keeping one article (the smallest id) per group.
2. Stories: for `stories` articles, the original (the earliest published_at) and 1..`MAX_COPIES`
   syndicated copies at other publishers with the edits real copies show: trimmed 5-70% of
   paragraphs from the end, teasers of the first one or two paragraphs, re-headlined, the
   agency's credit line kept or dropped and the republisher's own disclaimer / widgets added,
   1-3% word edits (copy-editing: said/says, spellings, numbers, dropped or doubled words),
   and lead rewrites as updated wire versions do them (a new top paragraph, the old lead
   reworded below it, or the lead itself reworded).
3. Hard negatives: other BBC articles of the same categories (same topic: business, politics...),
   each a singleton, published by the same outlets with the same templates (footer and widgets)
   as the copies, so a site's boilerplate that the cleaner misses would glue them.

Each document is a JSON Lines record (url, title, text, published_at, publisher). The label
travels only in a side mapping (url -> story, role, edits): the url itself is a salted hash.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import xxhash

from bench.corpora.cleangen import RefLine, _expand_junk, _fill, _vary, load_reference

SEED = 20261127
STORIES = 600  # the "~600 stories with copies"
NEGATIVES = 1400  # the "~1,400 unrelated same-topic singletons"
MAX_COPIES = 4  # 1-4 copies per story: a wire story is picked up by a handful of outlets here
NEAR_DUP_K = 5  # word 5-grams: the unit of the real-copy measurements
# BBC pairs sharing a fifth of the shorter article's 5-grams are follow-ups that reuse whole
# paragraphs: no label could call them different stories, so one of them is dropped.
NEAR_DUP_CONTAINMENT = 0.2
COMMON_SHINGLE_DOCS = 50  # 5-grams in more than 50 articles are stock phrases: left out of the overlap count
_WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"\W+")
_DATELINE_BODY = re.compile(r"\((?:AP|Reuters|AFP|PTI|ANI|IANS|PRWEB)\)")  # reference lines that carry body text

# Invented outlets (our own names). Each prints its own footer (a real phrasing) and widgets.
PUBLISHERS = (
    "Harbour Gazette",
    "Northern Courier",
    "Valley Ledger",
    "Metro Daily Wire",
    "Coastline Herald",
    "The Evening Lantern",
    "Capital Briefing",
    "Riverside Chronicle",
    "Prairie Sentinel",
    "Summit Observer",
    "Lakeshore Times",
    "Granite Post",
    "Market Street Journal",
    "Eastbridge News",
    "Westfield Bulletin",
    "Orchard Tribune",
    "Highland Dispatch",
    "Bayview Record",
    "Crossroads Report",
    "Union Square Daily",
    "newsfeed-aggregator.example",
    "dailydigest.example",
    "wirecopy.example",
    "headlinehub.example",
)

# Copy-editing substitutions seen between wire versions (both directions are applied).
EDIT_PAIRS = (
    ("said", "says"),
    ("per cent", "%"),
    ("percent", "per cent"),
    ("organisation", "organization"),
    ("realise", "realize"),
    ("favour", "favor"),
    ("programme", "program"),
    ("colour", "color"),
    ("centre", "center"),
    ("on Monday", "on Tuesday"),
    ("million", "m"),
    ("billion", "bn"),
    ("However,", "But"),
    ("also", ""),
    ("the firm", "the company"),
    ("government", "Government"),
    ("UK", "Britain"),
    ("US", "United States"),
    ("minister", "Minister"),
    ("about", "around"),
)
FILLER_WORDS = ("also", "now", "still", "just", "already", "reportedly", "however", "indeed")
UPDATE_LEADS = (
    "Officials confirmed the details later on {day}, adding that further announcements were expected within days.",
    "The latest figures, released on {day}, put the developments described below into sharper focus.",
    "Fresh comments emerged on {day} as the story continued to develop, with several parties responding.",
    "More details became available on {day}, according to people familiar with the matter.",
    "Updates throughout the day on {day} added reaction from those involved and from outside observers.",
    "Reaction continued to come in on {day}, while those at the centre of the story declined to say more.",
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HEADLINE_PREFIX = ("", "", "UPDATE 1-", "Update: ", "Watch: ", "Analysis: ", "Explained: ")
HEADLINE_SUFFIX = ("", "", " - report", " as talks go on", ": what we know", " (update)", " - sources")

# Structural edit of a copy and its weight: the mix aims at the real-copy Jaccard
# distribution (median ~0.68, a quarter below ~0.42, a tenth below ~0.23); eval-dedup prints ours.
STRUCTURE = (("full", 45), ("trim", 37), ("teaser", 8), ("trim_extend", 10))


@dataclass(frozen=True)
class BBCArticle:
    """One BBC article: id (category/NNN), title, body paragraphs."""

    sid: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def category(self) -> str:
        return self.sid.split("/")[0]


@dataclass
class Doc:
    """One generated JSONL record and its label."""

    url: str
    title: str
    text: str
    published_at: str
    publisher: str
    story: str  # the BBC id of the story; every document of one story is one true cluster
    role: str  # original | copy | negative
    edits: list[str] = field(default_factory=list)

    def record(self) -> dict:
        """The JSONL record: what the pipeline sees (no label)."""
        return {"url": self.url, "title": self.title, "text": self.text, "published_at": self.published_at, "publisher": self.publisher}


@dataclass
class Corpus:
    """The generated documents and what went into them."""

    docs: list[Doc]
    seed: int
    bbc_total: int
    bbc_exact_dropped: int
    bbc_near_dropped: int
    stories: int
    negatives: int

    def label_of(self) -> dict[str, Doc]:
        return {d.url: d for d in self.docs}


def load_bbc(root: Path) -> list[BBCArticle]:
    """Every BBC article (latin-1 text files: title line, then paragraphs), sorted by id."""
    out = []
    for f in sorted(root.glob("*/*.txt")):
        lines = f.read_bytes().decode("latin-1").splitlines()
        paras = tuple(ln.strip() for ln in lines[1:] if ln.strip())
        if paras:
            out.append(BBCArticle(f"{f.parent.name}/{f.stem}", lines[0].strip(), paras))
    return out


def exact_key(text: str) -> str:
    """Hash of the text with case, punctuation and whitespace folded away."""
    return xxhash.xxh3_128_hexdigest(_NON_WORD.sub(" ", text.casefold()).strip().encode())


def word_shingles(text: str, k: int = NEAR_DUP_K) -> set[int]:
    """Hashes of the casefolded word k-grams of a text (one shingle for texts shorter than k words)."""
    words = _WORD.findall(text.casefold())
    return {xxhash.xxh3_64_intdigest(" ".join(words[i : i + k]).encode()) for i in range(max(1, len(words) - k + 1))}


class _UnionFind:
    def __init__(self, items: list[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the smallest id is the root


def dedup_bbc(articles: list[BBCArticle]) -> tuple[list[BBCArticle], int, int]:
    """(kept articles, dropped as exact duplicates, dropped as near duplicates).

    Exact: equal `exact_key`. Near: the shorter article's 5-grams found in the other at least
    `NEAR_DUP_CONTAINMENT` (counted through an inverted index of the 5-grams, stock phrases left
    out). Groups are transitive; each keeps its smallest id.
    """
    by_key: dict[str, str] = {}
    exact_dropped = 0
    unique = []
    for a in articles:
        key = exact_key(" ".join(a.paragraphs))
        if key in by_key:
            exact_dropped += 1
            continue
        by_key[key] = a.sid
        unique.append(a)
    shingles = {a.sid: word_shingles(" ".join(a.paragraphs)) for a in unique}
    postings: dict[int, list[str]] = defaultdict(list)
    for sid, s in shingles.items():
        for h in s:
            postings[h].append(sid)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for ids in postings.values():
        if 1 < len(ids) <= COMMON_SHINGLE_DOCS:
            for a, b in combinations(ids, 2):
                shared[(a, b)] += 1
    uf = _UnionFind([a.sid for a in unique])
    for (a, b), n in shared.items():
        if n / min(len(shingles[a]), len(shingles[b])) >= NEAR_DUP_CONTAINMENT:
            uf.union(a, b)
    kept = [a for a in unique if uf.find(a.sid) == a.sid]
    return kept, exact_dropped, len(unique) - len(kept)


def edit_words(rng: random.Random, text: str, rate: float) -> str:
    """Copy-editing at `rate` of the words: substitutions from EDIT_PAIRS, dropped, doubled or inserted words."""
    words = text.split(" ")
    out: list[str] = []
    for w in words:
        if rng.random() >= rate:
            out.append(w)
            continue
        op = rng.random()
        if op < 0.35:
            pairs = [(a, b) for a, b in EDIT_PAIRS if " " not in a and w.strip(",.") == a] + [
                (b, a) for a, b in EDIT_PAIRS if b and " " not in b and w.strip(",.") == b
            ]
            if pairs:
                a, b = rng.choice(pairs)
                out.append(w.replace(a, b) if b else "")
            elif re.fullmatch(r"\d+", w.strip(",.")):
                out.append(w.replace(w.strip(",."), str(int(w.strip(",.")) + rng.choice((-1, 1, 10)))))
            else:
                out.append(w.upper() if len(w) < 4 else w[:-1] + w[-1].upper())  # a changed letter case (a typo fix)
        elif op < 0.6:
            continue  # a dropped word
        elif op < 0.8:
            out += [w, rng.choice(FILLER_WORDS)]  # an inserted word
        else:
            out += [w, w]  # a doubled word (typo)
    text = " ".join(x for x in out if x)
    for a, b in EDIT_PAIRS:  # phrase edits (two-word pairs), one occurrence at most
        if " " in a and a in text and rng.random() < rate * 10:
            text = text.replace(a, b, 1)
    return text


def rewrite_lead(rng: random.Random, paras: list[str]) -> tuple[list[str], str]:
    """An updated wire version: a new top paragraph above the reworded old lead, or the lead reworded."""
    day = rng.choice(DAYS)
    lead = paras[0]
    sentences = re.split(r"(?<=[.!?])\s+", lead)
    if len(sentences) > 1 and rng.random() < 0.5:
        sentences = sentences[1:] + sentences[:1]  # the lead's sentences in another order
    reworded = edit_words(rng, " ".join(sentences), 0.12)
    if rng.random() < 0.5:
        return [rng.choice(UPDATE_LEADS).format(day=day), reworded, *paras[1:]], "lead_new_top"
    return [reworded, *paras[1:]], "lead_reworded"


def structure(rng: random.Random, paras: list[str]) -> tuple[list[str], str]:
    """The structural edit of one copy (STRUCTURE weights)."""
    kind = rng.choices([k for k, _ in STRUCTURE], [w for _, w in STRUCTURE])[0]
    n = len(paras)
    if kind == "full" or n == 1:
        return list(paras), "full"
    if kind == "teaser":
        k = 1 if rng.random() < 0.5 else 2
        return list(paras[: min(k, n)]), f"teaser{k}"
    share = rng.uniform(0.05, 0.70)  # of the paragraphs cut from the end
    keep = max(1, min(n - 1, round(n * (1 - share))))
    if kind == "trim_extend":  # trimmed, and the outlet's own context paragraph added
        return [*paras[:keep], _context_paragraph(rng)], f"trim{share:.2f}+context"
    return list(paras[:keep]), f"trim{share:.2f}"


def _context_paragraph(rng: random.Random) -> str:
    """A paragraph an outlet adds for its readers (our own words)."""
    return rng.choice(
        (
            "Our reporters will follow the story and update this page as more information becomes available.",
            "Readers in the region have been asked to share their views through the usual channels.",
            "The issue has been debated locally for several months, with residents divided over the best way forward.",
            "Analysts contacted by this newspaper said it was too early to judge the longer-term effects.",
        )
    )


def _template_lines(refs: list[RefLine]) -> tuple[list[RefLine], list[RefLine], list[RefLine]]:
    """(publisher footers, agency credit lines, widget lines) from the reference files; lines that carry body text are left out."""
    usable = [r for r in refs if r.role == "line" and not _DATELINE_BODY.search(r.text) and len(r.text) < 400]
    footers = [r for r in usable if not r.junk_file and r.kind in ("disclaimer", "copyright", "republish_note")]
    credits = [r for r in usable if not r.junk_file and r.kind in ("reporting_credit", "agency_credit", "photo_credit")]
    widgets = [r for r in usable if r.junk_file]
    return footers, credits, widgets


def _url(seed: int, publisher: str, i: int) -> str:
    """A unique url with no label in it: a salted hash of (seed, running number)."""
    domain = publisher if "." in publisher else re.sub(r"[^a-z]+", "", publisher.casefold()) + ".example"
    return f"https://{domain}/news/{xxhash.xxh3_64_hexdigest(f'dedup-eval:{seed}:{i}'.encode())}"


def generate(shared: Path, stories: int = STORIES, negatives: int = NEGATIVES, seed: int = SEED) -> Corpus:
    """The labelled corpus. Deterministic in (the files under `shared`, stories, negatives, seed)."""
    rng = random.Random(seed)
    bbc = load_bbc(shared / "corpora" / "bbc")
    kept, exact_dropped, near_dropped = dedup_bbc(bbc)
    footers, credits, widgets = _template_lines(load_reference(shared / "reference"))
    # Each outlet: a footer (or none) and up to three widgets, printed on most of its posts.
    outlets = {
        p: (rng.choice([*footers, None]) if i % 5 else None, rng.sample(widgets, 3) if i % 4 else []) for i, p in enumerate(PUBLISHERS)
    }
    picked = rng.sample(kept, min(len(kept), stories + negatives))
    story_arts = sorted(picked[:stories], key=lambda a: a.sid)
    # Negatives: the rest of the same seeded sample, so they come from the same five topics in about the stories' proportions.
    negative_arts = sorted(picked[stories:], key=lambda a: a.sid)
    start = datetime(2005, 1, 1, tzinfo=UTC)
    docs: list[Doc] = []

    def emit(title: str, paras: list[str], when: datetime, publisher: str, story: str, role: str, edits: list[str], credit: str | None):
        footer, outlet_widgets = outlets[publisher]
        head: list[str] = []
        tail: list[str] = []
        if credit:
            tail.append(credit)
        if footer is not None and rng.random() < 0.85:
            tail += _fill(rng, _vary(rng, footer.text)).split("\\n")
        for w in outlet_widgets:
            if rng.random() < 0.6:
                (head if rng.random() < 0.3 else tail).extend(_expand_junk(rng, w))
        text = "\n\n".join([*head, *paras, *tail])
        url = _url(seed, publisher, len(docs))
        docs.append(Doc(url, title, text, when.isoformat().replace("+00:00", "Z"), publisher, story, role, edits))

    for art in story_arts:
        when = start + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
        publishers = rng.sample(PUBLISHERS, 1 + rng.randint(1, MAX_COPIES))
        credit_line = _fill(rng, _vary(rng, rng.choice(credits).text)) if rng.random() < 0.5 else None
        emit(art.title, list(art.paragraphs), when, publishers[0], art.sid, "original", [], credit_line)
        offsets = sorted(rng.sample(range(5, 72 * 60), len(publishers) - 1))  # copies 5 min to 3 days later
        for publisher, minutes in zip(publishers[1:], offsets, strict=True):
            paras, kind = structure(rng, list(art.paragraphs))
            edits = [kind]
            if rng.random() < 0.3 and len(paras) > 1:
                paras, lead = rewrite_lead(rng, paras)
                edits.append(lead)
            if rng.random() < 0.7:
                rate = rng.uniform(0.01, 0.03)
                paras = [edit_words(rng, p, rate) for p in paras]
                edits.append(f"words{rate:.3f}")
            title = art.title
            if rng.random() < 0.7:
                title = rng.choice(HEADLINE_PREFIX) + edit_words(rng, art.title, 0.1) + rng.choice(HEADLINE_SUFFIX)
                edits.append("headline")
            credit = credit_line if credit_line and rng.random() < 0.5 else None  # the agency's credit kept or dropped
            if credit_line and credit is None:
                edits.append("credit_dropped")
            emit(title, paras, when + timedelta(minutes=minutes), publisher, art.sid, "copy", edits, credit)
    for art in negative_arts:
        when = start + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
        emit(art.title, list(art.paragraphs), when, rng.choice(PUBLISHERS), art.sid, "negative", [], None)
    return Corpus(docs, seed, len(bbc), exact_dropped, near_dropped, len(story_arts), len(negative_arts))


def write(corpus: Corpus, folder: Path, per_file: int = 1000) -> tuple[list[Path], Path]:
    """The JSONL input files (shuffled by a seeded order, so input order does not reveal stories) and labels.json."""
    folder.mkdir(parents=True, exist_ok=True)
    order = sorted(corpus.docs, key=lambda d: zlib.crc32(d.url.encode()))
    files = []
    for n, i in enumerate(range(0, len(order), per_file)):
        path = folder / f"docs-{n:03d}.jsonl"
        path.write_text("".join(json.dumps(d.record(), ensure_ascii=False) + "\n" for d in order[i : i + per_file]), encoding="utf-8")
        files.append(path)
    labels = folder.parent / f"{folder.name}.labels.json"
    labels.write_text(json.dumps({d.url: {k: v for k, v in asdict(d).items() if k in ("story", "role", "edits")} for d in corpus.docs}))
    return files, labels
