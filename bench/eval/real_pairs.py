"""Real near-duplicate pairs: the documents of ../shared, candidate mining, and the labels file.

The labelled dev set (bench/eval/labels/real_pairs.jsonl) holds ids and hashes only, never text:
the corpora's licences forbid committing it. At eval time every label is resolved to its texts
here, by id, and checked against the hash of the normalised text the judge read.

Documents, as the pipeline gets them (`Doc.record()`):
- `reuters:<NEWID>`: Reuters-21578 (reut2-000.sgm), title, dateline + body as paragraphs (the
  wire's indented lines start paragraphs), the DATE as published_at, publisher Reuters;
- `bbc:<topic>/<nnn>`: the BBC corpus, first line the title, the rest the text;
- `l3s-gn1:<page_id>`, `dragnet:<page_id>`: the real pages as a scraper dumps them (every segment,
  chrome included, joined by ` ### ` as in the corpus's CSV dumps), publisher = site.

Mining (`mine`): within one source, pairs of documents that share word 3-grams of their story text
(Reuters/BBC: the text; real pages: the segments labelled body), found through an inverted index
that skips 3-grams in more than `STOCK_DF` documents, kept when Jaccard >= `MIN_JACCARD` or
containment >= `MIN_CONTAINMENT`; real pages also when their whole dumps (chrome included) overlap
(Jaccard >= `MIN_CHROME_JACCARD`: pages that share a site's chrome, whatever their stories); and
Reuters briefs whose 3-grams match once numbers are masked (Jaccard >= `MIN_MASKED_JACCARD`:
templated earnings, dividend and fund notices that differ only in figures and names). The judge
reads each pair (`show`) and writes the label.

    python -m bench.eval.real_pairs mine [--out FILE]          candidates, JSON Lines (ids and measures)
    python -m bench.eval.real_pairs show A B [A B ...]          both texts of pairs, with what differs
    python -m bench.eval.real_pairs check                       every label resolves and its hashes match
"""

from __future__ import annotations

import argparse
import difflib
import gzip
import hashlib
import html
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from wirestrip.transforms.normalize import normalise

from bench.shared import SHARED

LABELS = Path(__file__).resolve().parent / "labels" / "real_pairs.jsonl"
SOURCES = ("reuters", "bbc", "l3s-gn1", "dragnet")
KINDS = (  # a label's kind: what makes the pair a copy, or what makes it a near miss
    "exact",  # the same text (re-sent, re-posted): positive
    "refiling",  # re-sent or re-headlined with small edits: positive
    "correction",  # a "CORRECTED -" re-filing: positive
    "update",  # the same story text, updated in places (new lead or figures, same body): positive
    "trim",  # one is the other's first paragraphs (or the other with paragraphs cut): positive
    "agency_copy",  # one agency/press-release text on different publishers' pages: positive
    "templated_brief",  # same template, different company / fund / figures: negative
    "follow_up",  # same topic, a later or parallel story that reuses some paragraphs: negative
    "shared_chrome",  # pages of one site sharing navigation/footer, different stories: negative
    "hard_negative",  # same topic or wording, different story: negative
)
STOCK_DF = 30  # a 3-gram in more than 30 documents of a source is a stock phrase (sign-off, chrome): not a link
MIN_SHARED = 3  # fewer shared rare 3-grams than this is a coincidence, not a candidate
MIN_JACCARD = 0.1  # low on purpose: the judge wants the near misses, not only the copies
MIN_CONTAINMENT = 0.3  # a trim or teaser has low Jaccard but most of it inside the longer text
MIN_CHROME_JACCARD = 0.3  # whole dumps this close share a site's chrome (measured: body Jaccard 0 for most)
MIN_MASKED_JACCARD = 0.5  # briefs this close once numbers are masked share a template
_WORD = re.compile(r"\w+")
_NUM = re.compile(r"\d[\d,.]*")
SEGMENT_SEP = " ### "


@dataclass(frozen=True)
class Doc:
    source: str
    doc_id: str
    title: str
    text: str  # what the pipeline reads (real pages: the whole dump, segments joined by SEGMENT_SEP)
    story: str  # the story text for mining and judging (real pages: the body-labelled segments)
    publisher: str | None = None
    published_at: str | None = None

    @property
    def site_host(self) -> str:
        if self.source in ("l3s-gn1", "dragnet") and self.publisher:
            return self.publisher
        return f"{self.source}.dev.invalid" if self.source in ("reuters", "bbc") else f"{self.doc_id.replace(':', '-')}.dev.invalid"

    @property
    def sha(self) -> str:
        return text_sha(self.text)

    def record(self) -> dict:
        """The JSON Lines record of this document (real pages: the CSV row's fields)."""
        return {
            "id": self.doc_id,
            # A page's url is on its site's host, as in a real dump (the site is what its chrome is
            # counted by); documents of no known site get a host of their own.
            "url": f"https://{self.site_host}/{self.doc_id.replace(':', '/')}",
            "title": self.title,
            "text": self.text,
            "publisher": self.publisher,
            "published_at": self.published_at,
        }


def text_sha(text: str) -> str:
    """sha256 (first 16 hex digits) of the normalised text: what a label's hash is checked against."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


# ----------------------------------------------------------------------------- loading


def _reuters(root: Path) -> Iterable[Doc]:
    raw = gzip.open(root / "reuters-21578" / "reut2-000.sgm.gz", "rt", encoding="latin-1").read()
    for m in re.finditer(r'<REUTERS[^>]*NEWID="(\d+)"[^>]*>(.*?)</REUTERS>', raw, re.S):
        nid, block = m.groups()

        def tag(name: str, block: str = block) -> str:
            t = re.search(rf"<{name}>(.*?)</{name}>", block, re.S)
            return html.unescape(t.group(1)) if t else ""

        body = tag("BODY").replace("\x03", "").strip()
        unproc = re.search(r'<TEXT TYPE="UNPROC">(.*?)</TEXT>', block, re.S)
        if not body and unproc:  # unprocessed items: the text without BODY markup
            body = html.unescape(unproc.group(1)).replace("\x02", "").replace("\x03", "").strip()
        if not body:  # TYPE="BRIEF": a headline flash, no story text ("Blah blah blah.")
            continue
        # The wire indents a paragraph's first line; other newlines are line wraps.
        paras = [" ".join(p.split()) for p in re.split(r"\n(?= {2,}|\t)", body) if p.strip()]
        dateline = " ".join(tag("DATELINE").split())
        if dateline and paras:
            paras[0] = f"{dateline} {paras[0]}"
        when = tag("DATE").strip()  # "26-FEB-1987 15:01:01.79", " 2-MAR-1987 09:27:18.82": the day may have one digit
        try:
            published = datetime.strptime(when.split(".")[0], "%d-%b-%Y %H:%M:%S").isoformat() + "Z"
        except ValueError:
            published = None
        yield Doc("reuters", f"reuters:{nid}", " ".join(tag("TITLE").split()), "\n\n".join(paras), "\n\n".join(paras), "Reuters", published)


def _bbc(root: Path) -> Iterable[Doc]:
    for topic in sorted(p for p in (root / "bbc").iterdir() if p.is_dir()):
        for f in sorted(topic.glob("*.txt")):
            title, _, rest = f.read_text(encoding="latin-1").partition("\n")
            text = rest.strip()
            yield Doc("bbc", f"bbc:{topic.name}/{f.stem}", title.strip(), text, text, "BBC News", None)


def _real_pages(root: Path, name: str) -> Iterable[Doc]:
    with gzip.open(root / "real-pages" / f"{name}.segments.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            segs = p["segments"]
            story = "\n\n".join(s["text"] for s in segs if s["label"] == "body")
            text = SEGMENT_SEP.join(s["text"] for s in segs)
            yield Doc(name, f"{name}:{p['page_id']}", "", text, story, p.get("site"), None)


@lru_cache(maxsize=1)
def _all_docs(root: str) -> dict[str, Doc]:
    base = Path(root)
    docs: dict[str, Doc] = {}
    for it in (_reuters(base), _bbc(base), _real_pages(base, "l3s-gn1"), _real_pages(base, "dragnet")):
        for d in it:
            docs[d.doc_id] = d
    return docs


def corpora_root(shared: Path = SHARED) -> Path:
    return shared / "corpora"


def available(shared: Path = SHARED) -> bool:
    """Every source the labels use is present."""
    r = corpora_root(shared)
    return (
        (r / "reuters-21578" / "reut2-000.sgm.gz").exists()
        and (r / "bbc").is_dir()
        and all((r / "real-pages" / f"{n}.segments.jsonl.gz").exists() for n in ("l3s-gn1", "dragnet"))
    )


def load_docs(shared: Path = SHARED) -> dict[str, Doc]:
    """Every document of the four sources by id (read once per process)."""
    return _all_docs(str(corpora_root(shared)))


# ----------------------------------------------------------------------------- labels


def read_labels(path: Path = LABELS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def resolve(labels: list[dict], docs: dict[str, Doc]) -> tuple[list[dict], list[str]]:
    """(labels whose two documents exist and whose hashes match, a problem line for each other one).
    A mismatch is reported, never silently dropped: the caller prints every problem."""
    ok, problems = [], []
    for lab in labels:
        bad = []
        for side in ("a", "b"):
            d = docs.get(lab[side])
            if d is None:
                bad.append(f"{lab[side]} not found")
            elif d.sha != lab[f"sha_{side}"]:
                bad.append(f"{lab[side]} hash {d.sha} != label {lab[f'sha_{side}']}")
        if bad:
            problems.append(f"{lab['a']} ~ {lab['b']}: " + "; ".join(bad))
        else:
            ok.append(lab)
    return ok, problems


# ----------------------------------------------------------------------------- mining


def shingles(text: str, k: int = 3, mask_numbers: bool = False) -> set[str]:
    t = _NUM.sub("0", text.lower()) if mask_numbers else text.lower()
    w = _WORD.findall(t)
    if len(w) < k:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}


def _pairs(sets: dict[str, set[str]]) -> Counter:
    """Shared rare 3-grams per pair (ids sorted), through an inverted index."""
    df = Counter(s for v in sets.values() for s in v)
    inv = defaultdict(list)
    for i in sorted(sets):
        for s in sets[i]:
            if df[s] <= STOCK_DF:
                inv[s].append(i)
    pc: Counter = Counter()
    for ids in inv.values():
        for n, a in enumerate(ids):
            for b in ids[n + 1 :]:
                pc[(a, b)] += 1
    return pc


def _measures(a: set, b: set) -> tuple[float, float, int]:
    inter = len(a & b)
    if not inter:
        return 0.0, 0.0, 0
    return inter / len(a | b), inter / min(len(a), len(b)), inter


def mine(docs: dict[str, Doc]) -> list[dict]:
    """Candidate pairs of every source, sorted by (source, -jaccard, a, b): deterministic."""
    out = []
    for src in SOURCES:
        ids = [i for i, d in docs.items() if d.source == src]
        story = {i: shingles(docs[i].story) for i in ids}
        found: dict[tuple[str, str], set[str]] = defaultdict(set)
        for pair, n in _pairs(story).items():
            j, c, _ = _measures(story[pair[0]], story[pair[1]])
            if n >= MIN_SHARED and (j >= MIN_JACCARD or c >= MIN_CONTAINMENT):
                found[pair].add("story")
        full = masked = None
        if src in ("l3s-gn1", "dragnet"):
            full = {i: shingles(docs[i].text) for i in ids}
            for pair, n in _pairs(full).items():
                if n >= MIN_SHARED and _measures(full[pair[0]], full[pair[1]])[0] >= MIN_CHROME_JACCARD:
                    found[pair].add("chrome")
        if src == "reuters":
            masked = {i: shingles(docs[i].story, mask_numbers=True) for i in ids}
            for pair, n in _pairs(masked).items():
                if n >= MIN_SHARED and _measures(masked[pair[0]], masked[pair[1]])[0] >= MIN_MASKED_JACCARD:
                    found[pair].add("template")
        for (a, b), why in found.items():
            j, c, n = _measures(story[a], story[b])
            row = {"source": src, "a": a, "b": b, "jaccard": round(j, 4), "containment": round(c, 4), "shared": n, "found_by": sorted(why)}
            if full is not None:
                row["dump_jaccard"] = round(_measures(full[a], full[b])[0], 4)
            if masked is not None:
                row["masked_jaccard"] = round(_measures(masked[a], masked[b])[0], 4)
            out.append(row)
    out.sort(key=lambda r: (SOURCES.index(r["source"]), -r["jaccard"], r["a"], r["b"]))
    return out


# ----------------------------------------------------------------------------- judging aid


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?\"'])\s+|\n+", text) if s.strip()]


def show(a: Doc, b: Doc, width: int = 240) -> str:
    """Both documents' story text as the judge reads them: titles, sizes, and the sentences only one has."""
    sa, sb = _sentences(a.story), _sentences(b.story)
    j, c, n = _measures(shingles(a.story), shingles(b.story))
    lines = [
        f"== {a.doc_id} ~ {b.doc_id}  J {j:.2f} C {c:.2f} shared {n}  words {len(_WORD.findall(a.story))}/{len(_WORD.findall(b.story))}",
        f"   A title: {a.title!r}  B title: {b.title!r}",
    ]
    sm = difflib.SequenceMatcher(a=sa, b=sb, autojunk=False)
    same = sum(bl.size for bl in sm.get_matching_blocks())
    lines.append(f"   sentences A {len(sa)} B {len(sb)} equal {same}")
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            lines.append(f"   = [{i2 - i1} equal] {sa[i1][:80]!r}")
            continue
        for s in sa[i1:i2]:
            lines.append(f"   A- {s[:width]}")
        for s in sb[j1:j2]:
            lines.append(f"   B+ {s[:width]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="real-pairs", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("mine")
    m.add_argument("--out", type=Path)
    s = sub.add_parser("show")
    s.add_argument("ids", nargs="+")
    sub.add_parser("check")
    args = ap.parse_args(argv)
    if not available():
        print(f"real-pairs: {corpora_root()} is absent (needs reuters-21578, bbc, real-pages)")
        return 0
    docs = load_docs()
    if args.cmd == "mine":
        rows = mine(docs)
        text = "".join(json.dumps(r) + "\n" for r in rows)
        if args.out:
            args.out.write_text(text)
        else:
            sys.stdout.write(text)
        print(f"{len(rows)} candidates: {dict(Counter(r['source'] for r in rows))}", file=sys.stderr)
    elif args.cmd == "show":
        for a, b in zip(args.ids[::2], args.ids[1::2], strict=True):
            print(show(docs[a], docs[b]))
    else:
        ok, problems = resolve(read_labels(), docs)
        for p in problems:
            print("MISMATCH", p)
        print(f"{len(ok)} labels resolved, {len(problems)} problems")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
