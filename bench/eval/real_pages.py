"""The real-pages corpora (../shared/corpora/real-pages): loading, site groups, folds, labels and
the segment-level metrics shared by `make fit-segments` and `make eval-real`.

Each page is a dict {"corpus", "page_id", "site", "segments": [{"text", "label", ...}], "group"}.
Positive class = a segment labelled anything but `body` or `headline` (boilerplate, supplemental,
comments, related). Site groups are rebuilt as the corpus README describes them (two pages are in
one group when they share a registrable domain, the same first+last segment pair, the same footer,
or 5 or more long segment texts), so that held-out folds never share a site or a template with
their training folds. Nothing here holds corpus text; it is read from ../shared at run time.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.shared import SHARED

ROOT = SHARED / "corpora" / "real-pages"
CORPORA = ("l3s-gn1", "dragnet")
LABELS = ("body", "headline", "supplemental", "comments", "related", "boilerplate")
KEEP_LABELS = frozenset({"body", "headline"})
POSITIVE_LABELS = tuple(lab for lab in LABELS if lab not in KEEP_LABELS)
LONG_WORDS = 12  # a "long" segment for the shared-long-segments group rule
SHARED_LONG = 5  # pages sharing this many long segment texts are one group (sister sites, syndicated copies)
_MAX_PAGES_PER_TEXT = 50  # a long text on more pages than this only links its first 50 (bounds the pair count)
# second-level labels under a country code that registries sell names below (an approximation of the PSL)
_SLD = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go", "gc", "nic"})
SPLIT_RULE = (
    "site-grouped K-fold: groups = union of pages sharing a registrable domain, the same first+last segment pair, "
    f"the same footer or >= {SHARED_LONG} long (>= {LONG_WORDS}-word) segment texts, per corpus; "
    "groups of both corpora assigned greedily, largest first (by segments), to the fold with fewest segments"
)


def available() -> bool:
    """Both corpora's segment files are present."""
    return all((ROOT / f"{name}.segments.jsonl.gz").exists() for name in CORPORA)


def registrable(host: str | None) -> str | None:
    """'www.news.example.co.uk' -> 'example.co.uk' (approximate public-suffix rule); None for no host."""
    if not host:
        return None
    parts = host.lower().rstrip(".").split(".")
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in _SLD:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def load_corpus(name: str, root: Path = ROOT) -> list[dict]:
    """One corpus's pages in file order, each with its site `group` (an int unique across corpora)."""
    pages = []
    with gzip.open(root / f"{name}.segments.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            pages.append({"corpus": name, "page_id": p["page_id"], "site": p.get("site"), "segments": p["segments"]})
    offset = CORPORA.index(name) * 1_000_000 if name in CORPORA else 0
    for p, g in zip(pages, site_groups(pages), strict=True):
        p["group"] = offset + g
    return pages


def load_all(root: Path = ROOT) -> list[dict]:
    """Both corpora, L3S-GN1 first."""
    return [p for name in CORPORA for p in load_corpus(name, root)]


def site_groups(pages: Sequence[dict]) -> list[int]:
    """Each page's group: the lowest page index of its connected component (deterministic)."""
    parent = list(range(len(pages)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first: dict[tuple, int] = {}
    long_seen: dict[str, list[int]] = {}
    for i, p in enumerate(pages):
        texts = [s["text"] for s in p["segments"]]
        keys: list[tuple] = []
        domain = registrable(p.get("site"))
        if domain:
            keys.append(("domain", domain))
        if texts:
            keys.append(("first_last", texts[0], texts[-1]))
            keys.append(("footer", texts[-1]))
        for k in keys:
            if k in first:
                union(i, first[k])
            else:
                first[k] = i
        for t in sorted({t for t in texts if len(t.split()) >= LONG_WORDS}):
            long_seen.setdefault(t, []).append(i)
    pairs: dict[tuple[int, int], int] = {}
    for ids in long_seen.values():
        ids = sorted(set(ids))[:_MAX_PAGES_PER_TEXT]
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                pairs[(ids[a], ids[b])] = pairs.get((ids[a], ids[b]), 0) + 1
    for (a, b), n in sorted(pairs.items()):
        if n >= SHARED_LONG:
            union(a, b)
    return [find(i) for i in range(len(pages))]


def group_folds(groups: Sequence[int], sizes: Sequence[int], k: int = 5) -> list[int]:
    """Fold (0..k-1) of each item: whole groups, largest group first (by total size, then group id)
    to the fold with the smallest total so far (lowest fold on ties); scikit-learn's GroupKFold rule."""
    total: dict[int, int] = {}
    for g, s in zip(groups, sizes, strict=True):
        total[g] = total.get(g, 0) + int(s)
    load = [0] * k
    fold_of: dict[int, int] = {}
    for g in sorted(total, key=lambda g: (-total[g], g)):
        f = min(range(k), key=lambda j: (load[j], j))
        fold_of[g] = f
        load[f] += total[g]
    return [fold_of[g] for g in groups]


def page_folds(pages: Sequence[dict], k: int = 5) -> list[int]:
    """Each page's site-grouped fold, balanced by segment count."""
    return group_folds([p["group"] for p in pages], [len(p["segments"]) for p in pages], k)


def texts(page: dict) -> list[str]:
    return [s["text"] for s in page["segments"]]


def labels(page: dict) -> list[str]:
    return [s["label"] for s in page["segments"]]


def positive(page: dict) -> np.ndarray:
    """1 for a segment that should go (not body or headline), else 0."""
    return np.array([0 if s["label"] in KEEP_LABELS else 1 for s in page["segments"]], dtype=np.int8)


def data_hash(pages: Sequence[dict]) -> str:
    """Short hash of the training data's ids (corpus/page_id, in order) and segment counts."""
    h = hashlib.sha256()
    for p in pages:
        h.update(f"{p['corpus']}/{p['page_id']}/{len(p['segments'])}\n".encode())
    return h.hexdigest()[:10]


def dragnet_marker_pages(root: Path = ROOT) -> set[str] | None:
    """Ids of the Dragnet pages whose gold text has a comments marker (their comments are labelled
    `comments`); on the others a comment thread, if any, is in the gold content and labelled `body`
    (README). None when dragnet/ground-truth.json is absent."""
    path = root / "dragnet" / "ground-truth.json"
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as f:
        return {page_id for page_id, g in json.load(f).items() if g.get("comments")}


def counts(pages: Sequence[dict]) -> dict[str, dict[str, int]]:
    """Per corpus: pages, segments, groups."""
    out: dict[str, dict[str, int]] = {}
    for p in pages:
        c = out.setdefault(p["corpus"], {"pages": 0, "segments": 0, "groups": set()})  # type: ignore[dict-item]
        c["pages"] += 1
        c["segments"] += len(p["segments"])
        c["groups"].add(p["group"])  # type: ignore[union-attr]
    return {name: {**c, "groups": len(c["groups"])} for name, c in out.items()}  # type: ignore[arg-type]


def threshold_for_precision(scores: np.ndarray, y: np.ndarray, target: float = 0.99) -> float:
    """The lowest score t whose removals (every segment scoring >= t, ties included) reach
    precision >= target; 1.0 when no t does."""
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if not len(scores):
        return 1.0
    levels, inverse = np.unique(-scores, return_inverse=True)  # distinct scores, highest first
    tp = np.cumsum(np.bincount(inverse, weights=y, minlength=len(levels)))
    n = np.cumsum(np.bincount(inverse, minlength=len(levels)))
    ok = np.flatnonzero(tp / n >= target)
    return float(-levels[ok[-1]]) if len(ok) else 1.0


def metrics(removed: np.ndarray, label: Sequence[str]) -> dict[str, float]:
    """Segment-level figures of one removal decision over labelled segments.

    P: share of removed segments that are positives (a removed headline or body counts against);
    R: share of positives removed; body_lost: share of `body` segments removed; headline_removed:
    share of `headline` segments removed (nan without headlines); R_<label> per positive label (nan
    when absent); n / removed: segment counts.
    """
    removed = np.asarray(removed, dtype=bool)
    lab = np.asarray(label, dtype=object)
    pos = ~np.isin(lab, list(KEEP_LABELS))
    nan = float("nan")

    def share(mask: np.ndarray) -> float:
        return float((removed & mask).sum() / mask.sum()) if mask.any() else nan

    out = {
        "P": float((removed & pos).sum() / removed.sum()) if removed.any() else nan,
        "R": share(pos),
        "body_lost": share(lab == "body"),
        "headline_removed": share(lab == "headline"),
    }
    for name in POSITIVE_LABELS:
        out[f"R_{name}"] = share(lab == name)
    out["n"] = len(lab)
    out["removed"] = int(removed.sum())
    return out
