"""The documents of the dedup stage, pure: a document's fingerprint and the facts that pick an
original (DocFp, order_key), a cluster assignment, and the cross-batch index rows (to and from,
with the retention rule). The Beam composite that uses them: transforms/dedup/beam_dedup.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from wirestrip.transforms.dedup.candidates import PairFp
from wirestrip.transforms.dedup.facts import fact_tokens
from wirestrip.transforms.dedup.fingerprint import SHINGLE_DTYPE, DedupParams, fingerprint, fingerprint_of_word_hashes
from wirestrip.transforms.dedup.story import prose_keys, story_of, without_site_chrome
from wirestrip.transforms.hashing import text_hash
from wirestrip.transforms.normalize import normalise
from wirestrip.transforms.read.publishers import site_of as site_of_url
from wirestrip.transforms.record_types import ROW_TEXT_BEFORE_MODEL

_NO_TIME = 1 << 62  # sorts after every real timestamp: unknown publication times come last


# slots: the local runner holds shuffled values decoded, and a __dict__ doubles a small record
# (a slim Member: ~0.8 instead of ~1.7 KB in Python objects; 1,000,000 of them cross ExactGroup).
@dataclass(frozen=True, slots=True)
class DocFp:
    """One document as the dedup stage sees it: fingerprints and the facts that pick an original."""

    doc_id: str
    content_hash: str | None
    published_at: datetime | None
    names_origin: bool
    text_chars: int
    size: int
    signature: bytes  # uint32 LE (num_perm,)
    shingles: bytes  # uint32 LE (SHINGLE_DTYPE), in text order
    keys: tuple[int, ...]
    simhash: int
    publisher: str | None
    in_batch: bool
    first_seen_run_date: str
    last_run_date: str
    prev_cluster_id: str | None = None
    compared_as: str = "whole"  # story.story_of: 'story' (prose paragraphs), 'list' (not compared) or 'whole'
    facts: bytes = b""  # facts.fact_tokens of the compared text when it is short (not kept in the index)
    site_chrome: int = 0  # prose paragraphs left out as the site's chrome (story.without_site_chrome)

    source_pos: str = ""  # source_position(row): where the dump holds it (the undated original's tie-break)

    @property
    def order(self) -> tuple:
        return order_key(self.published_at, self.names_origin, self.text_chars, self.doc_id, self.first_seen_run_date, self.source_pos)

    def pair_fp(self, params: DedupParams) -> PairFp:
        """What verification reads, and only that: the shingles in exact mode, the signature in
        estimated mode (each pair's shuffle carries two of these; the signature is 512 of ~4,100 bytes)."""
        if params.verify == "exact":
            return PairFp(self.content_hash, self.size, b"", self.shingles, self.facts)
        return PairFp(self.content_hash, self.size, self.signature, None, self.facts)

    def member(self, rep_id: str, fp: PairFp | None) -> Member:
        """The slim record this doc carries from its exact-copy group (represented by `rep_id`) to its
        cluster assignment; `fp` is its PairFp, or None when it equals the representative's."""
        return Member(
            doc_id=self.doc_id,
            rep_id=rep_id,
            content_hash=self.content_hash,
            size=self.size,
            fp=fp,
            published_at=self.published_at,
            names_origin=self.names_origin,
            text_chars=self.text_chars,
            first_seen_run_date=self.first_seen_run_date,
            source_pos=self.source_pos,
            publisher=self.publisher,
            in_batch=self.in_batch,
            simhash=self.simhash,
        )


@dataclass(frozen=True, slots=True)  # slots: held decoded in shuffles (see DocFp)
class Member:
    """What a document carries from its exact-copy group to its cluster assignment (components, the
    original, the chaining rule, the clusters row): no band keys, no signature in exact mode, no
    index fields. `fp` (what verification reads) is None for an exact copy whose PairFp equals its
    representative's: verified against any original, it gives the representative's result."""

    doc_id: str
    rep_id: str  # the representative of its exact copies (itself for a representative)
    content_hash: str | None
    size: int
    fp: PairFp | None
    published_at: datetime | None
    names_origin: bool
    text_chars: int
    first_seen_run_date: str
    source_pos: str
    publisher: str | None
    in_batch: bool
    simhash: int

    @property
    def order(self) -> tuple:
        """The DocFp's order key: the original of a component is its member with the smallest."""
        return order_key(self.published_at, self.names_origin, self.text_chars, self.doc_id, self.first_seen_run_date, self.source_pos)


def order_key(
    published_at: datetime | None, names_origin: bool, text_chars: int, doc_id: str, first_seen_run_date: str = "", source_pos: str = ""
) -> tuple:
    """The original of a cluster is the doc with the smallest key: earliest published_at (unknown
    last), then the earliest run that saw it (an index doc before today's copies), then a copy naming
    the agency as its own origin, then the longest text, then the earlier place in the dumps (a wire
    dump holds filings in the order they came: without dates a re-filing or an exact re-send comes
    after its original), then doc_id."""
    if published_at is None:
        t = _NO_TIME
    else:
        if published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
        t = int(published_at.timestamp() * 1_000_000)
    return (t, first_seen_run_date, 0 if names_origin else 1, -int(text_chars), source_pos, doc_id)


_DIGITS = re.compile(r"\d+")
_POS_DIGITS = 20  # offsets and line numbers zero-padded so that "bytes=9-" sorts before "bytes=10-"


def source_position(row: dict) -> str:
    """Where the dump holds a row, as a string that sorts in file order: its source URI, then its
    locator with every number zero-padded ("bytes=1830-3432", "member=2/line=7")."""
    locator = _DIGITS.sub(lambda m: m.group().zfill(_POS_DIGITS), row.get("locator") or "")
    return f"{row.get('source_uri') or ''}\n{locator}"


def names_origin(row: dict) -> bool:
    """The copy names the agency as its own origin: its dateline credits the agency, or its
    publisher is the origin agency itself."""
    agency = row.get("origin_agency")
    if not agency:
        return False
    if row.get("origin_agency_rule") == "dateline":
        return True
    publisher = row.get("publisher")
    return bool(publisher) and publisher.strip().casefold() == agency.strip().casefold()


def site_of(row: dict) -> str | None:
    """The site whose pages share chrome: the publisher, else the url's host; None when neither is known."""
    publisher = (row.get("publisher") or "").strip()
    if publisher:
        return publisher.casefold()
    url = row.get("url") or ""
    host = site_of_url(url) if "://" in url else None
    return host.casefold() if host else None


def compared_text(row: dict) -> str:
    """The text dedup compares: the row's text, or, where the segment model removed paragraphs, the
    text with them put back (ROW_TEXT_BEFORE_MODEL, not a column): the model's statistical calls on a
    page's edges must not decide its clusters. Without them, two near-empty posts of one blog kept only
    their shared sidebar and were merged (eval-dedup real pairs: 3 false merges)."""
    return row.get(ROW_TEXT_BEFORE_MODEL) or row.get("text") or ""


def exact_key(row: dict) -> str | None:
    """The row's exact-copy key: its content_hash, or for a page the segment model cleaned the same
    hash of the compared text (two pages whose model-cleaned texts are equal are not copies because
    of it)."""
    before = row.get(ROW_TEXT_BEFORE_MODEL)
    return text_hash(normalise(before)) if before else row.get("content_hash")


def site_paragraphs(row: dict) -> tuple[str, list[int]] | None:
    """(site, keys of the row's prose paragraphs): what the batch counts to find a site's chrome."""
    site = site_of(row)
    return (site, prose_keys(compared_text(row))) if site else None


@dataclass(frozen=True)
class TextFp:
    """The part of a DocFp that depends only on the text and the site's chrome (what doc_fp computes
    from them): exact copies on one site share it, so it can be computed once per distinct text."""

    size: int
    signature: bytes
    shingles: bytes
    keys: tuple[int, ...]
    simhash: int
    compared_as: str
    facts: bytes
    site_chrome: int


def text_fp(full: str, params: DedupParams, chrome: frozenset[int] | set[int] = frozenset()) -> TextFp:
    """The fingerprints of a text (pure): the site's chrome left out, the story chosen, fingerprinted."""
    text, dropped = without_site_chrome(full, chrome)
    story = story_of(text)
    fp = fingerprint(story.text, params) if story.word_hashes is None else fingerprint_of_word_hashes(story.word_hashes, params)
    return TextFp(
        size=fp.size,
        signature=fp.signature.astype("<u4").tobytes(),
        shingles=fp.sequence.astype(SHINGLE_DTYPE).tobytes(),  # the low 32 bits of each shingle hash
        keys=tuple(fp.keys(params)),
        simhash=fp.simhash,
        compared_as=story.compared_as,
        facts=fact_tokens(story.text),
        site_chrome=dropped,
    )


def doc_fp(
    row: dict, params: DedupParams, run_date: str, chrome: frozenset[int] | set[int] = frozenset(), tfp: TextFp | None = None
) -> DocFp:
    """The DocFp of an articles row (pure). `chrome`: prose paragraphs repeated on the row's site in
    this batch (left out when the text has prose of its own). `tfp`: text_fp of the row's text and
    chrome when already computed (an exact copy's)."""
    t = tfp if tfp is not None else text_fp(compared_text(row), params, chrome)
    return DocFp(
        doc_id=row["doc_id"],
        content_hash=exact_key(row),
        published_at=row.get("published_at"),
        names_origin=names_origin(row),
        text_chars=len(row.get("text") or ""),  # the original is the longest clean text, not the most chrome
        size=t.size,
        signature=t.signature,
        shingles=t.shingles,
        keys=t.keys,
        simhash=t.simhash,
        publisher=row.get("publisher"),
        in_batch=True,
        first_seen_run_date=run_date,
        last_run_date=run_date,
        compared_as=t.compared_as,
        facts=t.facts,
        site_chrome=t.site_chrome,
        source_pos=source_position(row),
    )


@dataclass(frozen=True, slots=True)  # slots: held decoded in shuffles (see DocFp)
class Assignment:
    """A doc's cluster as decided by this run."""

    doc_id: str
    cluster_id: str
    similarity: float
    containment: float
    method: str
    cluster_size: int = 1

    @property
    def is_canonical(self) -> bool:
        return self.cluster_id == self.doc_id

    def fields(self) -> dict:
        """The articles/clusters columns of the assignment."""
        return {
            "cluster_id": self.cluster_id,
            "is_canonical": self.is_canonical,
            "duplicate_of": None if self.is_canonical else self.cluster_id,
            "similarity": float(self.similarity),
            "containment": float(self.containment),
            "similarity_method": self.method,
            "cluster_size": int(self.cluster_size),
        }


def self_assignment(doc_id: str) -> Assignment:
    """A doc alone in its own cluster."""
    return Assignment(doc_id, doc_id, 1.0, 1.0, "exact")


def index_row(d: DocFp, cluster_id: str) -> dict:
    """The index row of a doc (schemas/index.py)."""
    return {
        "doc_id": d.doc_id,
        "published_at": d.published_at,
        "content_hash": d.content_hash,
        "band_keys": list(d.keys),
        "signature": np.frombuffer(d.signature, dtype="<u4").astype(np.int64).tolist(),
        "shingles": np.frombuffer(d.shingles, dtype=SHINGLE_DTYPE).astype(np.int64).tolist(),
        "size": d.size,
        "simhash": d.simhash,
        "text_chars": d.text_chars,
        "names_origin": d.names_origin,
        "cluster_id": cluster_id,
        "publisher": d.publisher,
        "first_seen_run_date": d.first_seen_run_date,
        "last_run_date": d.last_run_date,
        "source_pos": d.source_pos,
    }


def doc_from_index_row(row: dict) -> DocFp:
    """The DocFp of an index row written by an earlier run."""
    return DocFp(
        doc_id=row["doc_id"],
        content_hash=row.get("content_hash"),
        published_at=row.get("published_at"),
        names_origin=bool(row.get("names_origin")),
        text_chars=int(row.get("text_chars") or 0),
        size=int(row.get("size") or 0),
        signature=np.asarray(row.get("signature") or [], dtype=np.int64).astype("<u4").tobytes(),
        # An index written before 2026-12-05 holds the whole 64-bit hashes: their low 32 bits are ours.
        shingles=np.asarray(row.get("shingles") or [], dtype=np.int64).astype(SHINGLE_DTYPE).tobytes(),
        keys=tuple(row.get("band_keys") or ()),
        simhash=int(row.get("simhash") or 0),
        publisher=row.get("publisher"),
        in_batch=False,
        first_seen_run_date=row["first_seen_run_date"],
        last_run_date=row["last_run_date"],
        prev_cluster_id=row.get("cluster_id"),
        source_pos=row.get("source_pos") or "",  # indexes before 1.1.0 have none: then doc_id decides, as it did
    )


def retention_cutoff(run_date: str, retention_days: int) -> str | None:
    """Entries whose last date (publication or first sighting, whichever is later) is before this are pruned."""
    if retention_days <= 0:
        return None
    return (date.fromisoformat(run_date) - timedelta(days=retention_days)).isoformat()


def keep_entry(row: dict, cutoff: str | None) -> bool:
    """Retention test of one index row."""
    if cutoff is None:
        return True
    published = row.get("published_at")
    if isinstance(published, datetime):
        published = (published if published.tzinfo else published.replace(tzinfo=UTC)).astimezone(UTC).date().isoformat()
    latest = max(d for d in (published, row.get("first_seen_run_date"), "0000-00-00") if d)
    return latest >= cutoff
