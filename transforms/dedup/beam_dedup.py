"""Near-duplicate clusters and the original of each story, as one composite Beam transform.

    rows ──(site, prose paragraph keys)──> CombinePerKey(site): paragraphs on >= SITE_REPEATED_DOCS
      pages of the site (its chrome) ──side input──┐
    rows ──fingerprint (the site's chrome left out; an exact copy's reused)──> DocFp (doc_id, hashes,
      signature, keys, order key; no text)
      [+ index docs of earlier runs]  merged by doc_id (a doc of this batch replaces its index entry)
    exact duplicates: GroupByKey by content_hash of slim entries (a Member and its PairFp's digest,
      no fingerprints); the doc with the smallest order key represents its copies: only it goes on
      to LSH (if it has >= min_shingles shingles) and into components; every doc goes on as a slim
      Member (no keys, no index fields), and only the representative and a copy whose PairFp
      differs from it read theirs back from their DocFp (AttachFp; the DocFps wait for the groups)
    LSH: (band_key, doc_id) -> buckets -> candidate pairs (star to the minimum in hot buckets) ->
      grouped by left doc (a combine that also drops repeated pairs) -> verified edges, each
      PairFp looked up by doc_id in a multimap side input
    connected components of the representatives (large-star/small-star, convergence checked);
      every doc joins its representative's label (JoinLabels); a representative with no near
      duplicate is resolved there, the others' members are grouped by label (JoinOriginal)
    original per component: its member with the smallest order key (earliest published_at, then a
      copy naming its agency as its own origin, then the longest text, then doc_id)
    chaining rule: every member re-verified against its original in the same group; failures split
      off (grouped by content hash: exact copies of a split member stay together)
    cluster sizes and `clusters` rows; the assignments (~100 bytes a doc) reach the full rows as a
    side input (a dict by doc_id), so the texts are never shuffled: the rows wait, for the site
    chrome and for their clusters, parked on disk (beam_park.Park) with `park_dir`, or in the
    runner; with the index, the DocFps meet the assignments the same way for their index rows.

What crosses a shuffle has a packed coder (DocFpCoder, MemberCoder, AssignmentCoder; PairFpCoder
in beam_candidates.py), never pickle. The pure steps: transforms/dedup/documents.py,
fingerprint.py, candidates.py, components.py.
"""

from __future__ import annotations

import pickle
import struct
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import apache_beam as beam
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.typehints import Any, Optional, Tuple
from wirestrip.transforms.beam_park import Park, Unpark
from wirestrip.transforms.beam_safe import count
from wirestrip.transforms.dedup.beam_candidates import (
    CandidatePairs,
    VerifyPairs,
    pack_pair_fp,
    pack_text,
    split_fields,
    unpack_pair_fp,
    unpack_text,
)
from wirestrip.transforms.dedup.beam_components import ConnectedComponents
from wirestrip.transforms.dedup.candidates import PairFp, verify
from wirestrip.transforms.dedup.documents import (
    Assignment,
    DocFp,
    Member,
    TextFp,
    compared_text,
    doc_fp,
    doc_from_index_row,
    index_row,
    keep_entry,
    names_origin,
    order_key,
    retention_cutoff,
    self_assignment,
    site_of,
    site_paragraphs,
    text_fp,
)
from wirestrip.transforms.dedup.fingerprint import DedupParams, Overlap, is_edge
from wirestrip.transforms.dedup.story import SITE_REPEATED_DOCS
from wirestrip.transforms.record_types import ROW_TEXT_BEFORE_MODEL

# ---------------------------------------------------------------- packed coders
# What crosses dedup's shuffles is written field by field (bytes as they are, ints fixed width,
# datetimes as microseconds), never pickled: Beam falls back to pickle for a type it has no coder
# for, which cost ~38 µs per DocFp. A coder applies where a PCollection's type says DocFp, Member,
# Assignment or PairFp (with_output_types below); the joins' values are one tuple type per join so
# that every input keeps its coder.

_EPOCH_ORDINAL = datetime(1970, 1, 1).toordinal()
# How a datetime is written: its wall clock in microseconds since 1970-01-01, its fold, and its zone:
# none, datetime.UTC, a ZoneInfo by key, another tzinfo pickled; a datetime subclass is pickled whole.
_T_NONE, _T_NAIVE, _T_UTC, _T_ZONEINFO, _T_TZ, _T_PICKLED = range(6)


def _pack_time(t: datetime | None) -> tuple[int, int, bytes]:
    """(kind | fold << 4, wall-clock microseconds, zone bytes) of a datetime or None, exactly."""
    if t is None:
        return _T_NONE, 0, b""
    if type(t) is not datetime:
        return _T_PICKLED, 0, pickle.dumps(t, protocol=5)
    micros = ((t.toordinal() - _EPOCH_ORDINAL) * 86400 + t.hour * 3600 + t.minute * 60 + t.second) * 1_000_000 + t.microsecond
    tz = t.tzinfo
    if tz is None:
        kind, zone = _T_NAIVE, b""
    elif tz is UTC:
        kind, zone = _T_UTC, b""
    elif type(tz) is ZoneInfo and tz.key is not None:
        kind, zone = _T_ZONEINFO, tz.key.encode()
    else:
        kind, zone = _T_TZ, pickle.dumps(tz, protocol=5)
    return kind | t.fold << 4, micros, zone


_EPOCHS: dict[tuple[int, bytes], datetime] = {}  # 1970-01-01 00:00 in each zone seen: the wall clock counts from it


def _epoch(kind: int, zone: bytes) -> datetime:
    epoch = _EPOCHS.get((kind, zone))
    if epoch is None:
        tz = None if kind == _T_NAIVE else UTC if kind == _T_UTC else ZoneInfo(zone.decode()) if kind == _T_ZONEINFO else pickle.loads(zone)
        epoch = datetime(1970, 1, 1, tzinfo=tz)
        if len(_EPOCHS) < 1024:
            _EPOCHS[kind, zone] = epoch
    return epoch


def _unpack_time(kind: int, micros: int, zone: bytes) -> datetime | None:
    k = kind & 15
    if k == _T_NONE:
        return None
    if k == _T_PICKLED:
        return pickle.loads(zone)
    t = _epoch(k, zone) + timedelta(microseconds=micros)  # wall-clock arithmetic: the zone is kept, fold is 0
    return t.replace(fold=1) if kind >> 4 else t


# DocFp: flags, time kind, then published_at (µs), text_chars, size, simhash, site_chrome, then the
# lengths of doc_id, content_hash, signature, shingles, keys (int64 each), publisher,
# first_seen_run_date, last_run_date, prev_cluster_id, compared_as, facts, source_pos, zone.
_DOC_HEAD = struct.Struct("<BBqqqqq13I")
_NO_HASH, _NO_PUBLISHER, _NO_PREV, _ORIGIN, _IN_BATCH, _NO_FP, _REP_SELF = 1, 2, 4, 8, 16, 32, 64


class DocFpCoder(beam.coders.Coder):
    """DocFp packed: ~4 KB (keys as int64, signature and shingles as they are) instead of a pickle.
    Not deterministic: published_at keeps its zone, so one instant in two zones (equal datetimes)
    encodes two ways. DocFp is never a key."""

    def encode(self, d: DocFp) -> bytes:
        kind, micros, zone = _pack_time(d.published_at)
        parts = (
            pack_text(d.doc_id),
            pack_text(d.content_hash),
            d.signature,
            d.shingles,
            struct.pack(f"<{len(d.keys)}q", *d.keys),
            pack_text(d.publisher),
            pack_text(d.first_seen_run_date),
            pack_text(d.last_run_date),
            pack_text(d.prev_cluster_id),
            pack_text(d.compared_as),
            d.facts,
            pack_text(d.source_pos),
            zone,
        )
        flags = (
            (d.content_hash is None) * _NO_HASH
            | (d.publisher is None) * _NO_PUBLISHER
            | (d.prev_cluster_id is None) * _NO_PREV
            | bool(d.names_origin) * _ORIGIN
            | bool(d.in_batch) * _IN_BATCH
        )
        head = _DOC_HEAD.pack(flags, kind, micros, d.text_chars, d.size, d.simhash, d.site_chrome, *map(len, parts))
        return head + b"".join(parts)

    def decode(self, b: bytes) -> DocFp:
        flags, kind, micros, text_chars, size, simhash, site_chrome, *lengths = _DOC_HEAD.unpack_from(b)
        doc_id, ch, sig, sh, keys, pub, first, last, prev, compared, facts, pos, zone = split_fields(b, _DOC_HEAD.size, lengths)
        return DocFp(
            doc_id=unpack_text(doc_id),
            content_hash=None if flags & _NO_HASH else unpack_text(ch),
            published_at=_unpack_time(kind, micros, zone),
            names_origin=bool(flags & _ORIGIN),
            text_chars=text_chars,
            size=size,
            signature=sig,
            shingles=sh,
            keys=struct.unpack(f"<{len(keys) // 8}q", keys),
            simhash=simhash,
            publisher=None if flags & _NO_PUBLISHER else unpack_text(pub),
            in_batch=bool(flags & _IN_BATCH),
            first_seen_run_date=unpack_text(first),
            last_run_date=unpack_text(last),
            prev_cluster_id=None if flags & _NO_PREV else unpack_text(prev),
            compared_as=unpack_text(compared),
            facts=facts,
            site_chrome=site_chrome,
            source_pos=unpack_text(pos),
        )

    def is_deterministic(self) -> bool:
        return False

    def estimate_size(self, d: DocFp) -> int:
        return _DOC_HEAD.size + len(d.signature) + len(d.shingles) + 8 * len(d.keys) + len(d.facts) + len(d.source_pos) + 120

    def to_type_hint(self):
        return DocFp


# Member: flags, time kind, then published_at (µs), size, text_chars, simhash, then the lengths of
# doc_id, rep_id (empty for a representative: flag _REP_SELF), content_hash, the packed PairFp,
# first_seen_run_date, source_pos, publisher, zone.
_MEMBER_HEAD = struct.Struct("<BBqqqq8I")


class MemberCoder(beam.coders.Coder):
    """Member packed: ~250 bytes, plus its PairFp when it carries one (a representative, or an exact
    copy whose text compares otherwise). Not deterministic, for the same reason as DocFpCoder."""

    def encode(self, m: Member) -> bytes:
        kind, micros, zone = _pack_time(m.published_at)
        rep_self = m.rep_id == m.doc_id
        parts = (
            pack_text(m.doc_id),
            b"" if rep_self else pack_text(m.rep_id),
            pack_text(m.content_hash),
            b"" if m.fp is None else pack_pair_fp(m.fp),
            pack_text(m.first_seen_run_date),
            pack_text(m.source_pos),
            pack_text(m.publisher),
            zone,
        )
        flags = (
            (m.content_hash is None) * _NO_HASH
            | (m.publisher is None) * _NO_PUBLISHER
            | (m.fp is None) * _NO_FP
            | bool(m.names_origin) * _ORIGIN
            | bool(m.in_batch) * _IN_BATCH
            | rep_self * _REP_SELF
        )
        return _MEMBER_HEAD.pack(flags, kind, micros, m.size, m.text_chars, m.simhash, *map(len, parts)) + b"".join(parts)

    def decode(self, b: bytes) -> Member:
        flags, kind, micros, size, text_chars, simhash, *lengths = _MEMBER_HEAD.unpack_from(b)
        doc_id, rep_id, ch, fp, first, pos, pub, zone = split_fields(b, _MEMBER_HEAD.size, lengths)
        doc_id = unpack_text(doc_id)
        return Member(
            doc_id=doc_id,
            rep_id=doc_id if flags & _REP_SELF else unpack_text(rep_id),
            content_hash=None if flags & _NO_HASH else unpack_text(ch),
            size=size,
            fp=None if flags & _NO_FP else unpack_pair_fp(fp),
            published_at=_unpack_time(kind, micros, zone),
            names_origin=bool(flags & _ORIGIN),
            text_chars=text_chars,
            first_seen_run_date=unpack_text(first),
            source_pos=unpack_text(pos),
            publisher=None if flags & _NO_PUBLISHER else unpack_text(pub),
            in_batch=bool(flags & _IN_BATCH),
            simhash=simhash,
        )

    def is_deterministic(self) -> bool:
        return False

    def estimate_size(self, m: Member) -> int:
        fp = m.fp
        return _MEMBER_HEAD.size + 200 + (0 if fp is None else len(fp.signature) + len(fp.shingles or b"") + len(fp.facts) + 60)

    def to_type_hint(self):
        return Member


# Assignment: similarity, containment (IEEE doubles), cluster_size, lengths of doc_id, cluster_id, method.
_ASSIGN_HEAD = struct.Struct("<ddq3I")


class AssignmentCoder(beam.coders.Coder):
    """Assignment packed. Deterministic: strings and ints have one encoding, and the floats are
    written as doubles with -0.0 folded into 0.0 (the one pair of equal doubles with two bit patterns)."""

    def encode(self, a: Assignment) -> bytes:
        parts = (pack_text(a.doc_id), pack_text(a.cluster_id), pack_text(a.method))
        return _ASSIGN_HEAD.pack(a.similarity + 0.0, a.containment + 0.0, a.cluster_size, *map(len, parts)) + b"".join(parts)

    def decode(self, b: bytes) -> Assignment:
        similarity, containment, size, *lengths = _ASSIGN_HEAD.unpack_from(b)
        doc_id, cluster_id, method = split_fields(b, _ASSIGN_HEAD.size, lengths)
        return Assignment(unpack_text(doc_id), unpack_text(cluster_id), similarity, containment, unpack_text(method), size)

    def is_deterministic(self) -> bool:
        return True

    def estimate_size(self, a: Assignment) -> int:
        return _ASSIGN_HEAD.size + len(a.doc_id) + len(a.cluster_id) + len(a.method)

    def to_type_hint(self):
        return Assignment


beam.coders.registry.register_coder(DocFp, DocFpCoder)
beam.coders.registry.register_coder(Member, MemberCoder)
beam.coders.registry.register_coder(Assignment, AssignmentCoder)

# The values of the joins, one tuple type per join (each slot a coder; one slot set per element):
# JoinLabels (by representative): a member of its exact copies, or the representative's component label.
LabelValue = Tuple[Optional[Member], Optional[str]]
# What the article and index rows need of a doc's assignment: (Assignment, simhash, in_batch,
# verified: a member kept by the chaining rule, for the dedup.original.verified counter).
Decided = Tuple[Assignment, int, bool, bool]


def _row_only(row: dict) -> dict:
    """An articles row without dedup's compared text (dedup's input only, never a column)."""
    if ROW_TEXT_BEFORE_MODEL in row:
        return {k: v for k, v in row.items() if k != ROW_TEXT_BEFORE_MODEL}
    return row


class _SiteChrome(beam.CombineFn):
    """Per site: documents holding each prose paragraph key -> the keys held by >= `min_docs`
    documents (the site's chrome). The accumulator is one site's distinct prose paragraphs."""

    def __init__(self, min_docs: int):
        self.min_docs = min_docs

    def create_accumulator(self) -> dict[int, int]:
        return {}

    def add_input(self, acc: dict[int, int], keys: list[int]) -> dict[int, int]:
        for k in keys:
            acc[k] = acc.get(k, 0) + 1
        return acc

    def merge_accumulators(self, accs):
        it = iter(accs)
        out = next(it, None)
        if out is None:
            return {}
        for acc in it:
            for k, n in acc.items():
                out[k] = out.get(k, 0) + n
        return out

    def extract_output(self, acc: dict[int, int]) -> frozenset[int]:
        return frozenset(k for k, n in acc.items() if n >= self.min_docs)


def _site_paragraphs(row: dict) -> Iterator[tuple[str, list[int]]]:
    sp = site_paragraphs(row)
    if sp is not None and sp[1]:
        yield sp


# Distinct (text, site chrome) fingerprints one _Fingerprint instance remembers: copies of a wire
# story sit near each other in a dump; 1,024 texts of <= ~50 KB bound the memory to tens of MB.
FINGERPRINT_MEMO = 1024


class _Fingerprint(beam.DoFn):
    """Rows -> DocFp. text_fp is pure (text and chrome in, fingerprints out), so an exact copy reuses
    the fingerprints of an earlier copy seen by this instance (a bounded LRU memo keyed by its exact
    inputs): the same DocFp as computing it again, only cheaper."""

    def __init__(self, params: DedupParams, run_date: str):
        self.params, self.run_date = params, run_date
        self._memo: OrderedDict[tuple[str, frozenset[int]], TextFp] | None = None

    def setup(self):
        self._memo = OrderedDict()

    def _text_fp(self, text: str, chrome: frozenset[int]) -> TextFp:
        memo = self._memo
        if memo is None:
            memo = self._memo = OrderedDict()
        key = (text, chrome)
        t = memo.get(key)
        if t is not None:
            memo.move_to_end(key)
            count("dedup.fingerprint_reused")
            return t
        t = memo[key] = text_fp(text, self.params, chrome)
        if len(memo) > FINGERPRINT_MEMO:
            memo.popitem(last=False)
        return t

    def process(self, row: dict, chrome: dict) -> Iterator[DocFp]:
        try:
            site = site_of(row)
            site_chrome = chrome.get(site, frozenset()) if site else frozenset()
            d = doc_fp(row, self.params, self.run_date, site_chrome, self._text_fp(compared_text(row), site_chrome))
        except Exception:  # noqa: BLE001 - a doc that cannot be fingerprinted stays its own cluster, never lost
            count("dedup.fingerprint_failed")
            return
        count("dedup.docs_in_batch")
        if d.compared_as != "whole":
            count(f"dedup.compared_as_{d.compared_as}")  # story: chrome lines left out; list: not compared
        if d.site_chrome:
            count("dedup.site_chrome_docs")  # prose paragraphs repeated on the site's pages left out
            count("dedup.site_chrome_paragraphs", d.site_chrome)
        yield d


def _merge_by_doc_id(element) -> Iterator[DocFp]:
    """This batch's doc replaces the index entry of the same doc_id (a rerun does not double count);
    the first run that saw it is kept."""
    _, group = element
    new = next((d for d in group if d.in_batch), None)
    old = next((d for d in group if not d.in_batch), None)
    if new and old:
        count("dedup.index_replaced")
        first = min(new.first_seen_run_date, old.first_seen_run_date)
        yield replace(new, first_seen_run_date=first)
    elif new:
        yield new
    elif old:
        count("dedup.index_docs")
        yield old


def _exact_key(d: DocFp | Member) -> str:
    return d.content_hash or f"doc:{d.doc_id}"


def _exact_entry(d: DocFp, params: DedupParams) -> tuple[str, tuple[Member, bytes]]:
    """A doc -> (its exact key, (its Member without a PairFp, the digest of its PairFp)): what
    ExactGroup moves, ~250 bytes instead of the ~4 KB DocFp. Two PairFps with one 64-bit digest are
    taken as equal (odds ~2^-64 a pair); equal ones verify alike against any original."""
    return _exact_key(d), (d.member(d.doc_id, None), xxhash.xxh3_64_digest(pack_pair_fp(d.pair_fp(params))))


class _SplitExact(beam.DoFn):
    """(exact key, [(Member, PairFp digest)]) -> the exact copies' representative, the doc with the
    smallest order key (the best original candidate), and what each doc needs next:
    - main: (rep_id, (Member, None)) for a copy whose PairFp equals the representative's (the
      JoinLabels value; it verifies as the representative does, so it goes on without one);
    - `needs_fp`: (doc_id, "") for the representative, (doc_id, rep_id) for a copy whose PairFp
      differs: _AttachFp reads their fingerprints from the docs themselves.
    Fingerprints never cross this shuffle; two passes over the group, which is never held whole."""

    def process(self, element):
        _, group = element
        rep, rep_digest = min(group, key=lambda md: md[0].order)  # order ends with doc_id: unique
        rep_id = rep.doc_id
        for m, digest in group:
            if m.doc_id == rep_id:
                yield beam.pvalue.TaggedOutput("needs_fp", (rep_id, ""))
                continue
            count("dedup.exact_duplicates")
            if digest == rep_digest:
                yield rep_id, (replace(m, rep_id=rep_id), None)
            else:
                yield beam.pvalue.TaggedOutput("needs_fp", (m.doc_id, rep_id))


class _AttachFp(beam.DoFn):
    """A DocFp named in the side input {doc_id: "" for a representative, else its rep_id} -> its
    Member with its PairFp (the JoinLabels value); a representative also gives its LSH keys on `lsh`
    and its PairFp on `fps` (only representatives are ever compared pairwise). Other docs: nothing
    (SplitExact sent them on)."""

    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, d: DocFp, needs: dict):
        role = needs.get(d.doc_id)
        if role is None:
            return
        fp = d.pair_fp(self.params)
        yield (role or d.doc_id), (d.member(role or d.doc_id, fp), None)
        if role:
            return
        if d.size < self.params.min_shingles:
            count("dedup.below_min_shingles")
        else:
            yield beam.pvalue.TaggedOutput("lsh", (d.doc_id, list(d.keys)))
            yield beam.pvalue.TaggedOutput("fps", (d.doc_id, fp))


def _prior_left(element):
    """(doc_id, {rep: [rep_id], e: [p...]}) -> (p, rep of doc_id): a prior edge's doc side to its representative."""
    _, group = element
    for rep_id in list(group["rep"])[:1]:
        for p in group["e"]:
            yield p, rep_id


def _prior_right(element):
    """(p, {rep: [rep_id], e: [rep of the other side...]}) -> edge between representatives; p stays
    itself when it is no doc (an old cluster id whose doc was pruned: a connector)."""
    p, group = element
    reps = list(group["rep"])[:1]
    rp = reps[0] if reps else p
    for rd in group["e"]:
        yield rd, rp


class _Members:
    """The members in a JoinLabels group's values, re-iterable (each pass reads the group again)."""

    def __init__(self, values):
        self.values = values

    def __iter__(self) -> Iterator[Member]:
        return (m for m, _ in self.values if m is not None)


class _LabelMembers(beam.DoFn):
    """(rep_id, [(Member of the rep's exact copies, None)..., (None, label)]) -> (label, Member) on
    `linked` for a representative in a component of several (its copies join it); a representative
    with no near duplicate (no label) is a component of its own and its exact copies, which this group
    already holds whole: it is resolved here (_resolve's outputs), without a second shuffle. A node only
    known from an old cluster id (its doc was pruned) has no member: a connector, not a member."""

    def __init__(self, params: DedupParams, run_id: str):
        self.params, self.run_id = params, run_id

    def process(self, element):
        _, values = element
        label = next((label for _, label in values if label is not None), None)
        if label is None:
            yield from _resolve(_Members(values), self.params, self.run_id)
            return
        for m, _ in values:
            if m is not None:
                yield beam.pvalue.TaggedOutput("linked", (label, m))


def _decided(m: Member, a: Assignment, run_id: str, verified: bool = False):
    """A member's assignment -> (doc_id, Decided) for its article row and index row (main; a doc
    outside the batch only has an index row) and its clusters row."""
    yield m.doc_id, (a, m.simhash, m.in_batch, verified)
    yield beam.pvalue.TaggedOutput(
        "clusters",
        {
            "doc_id": m.doc_id,
            **a.fields(),
            "content_hash": m.content_hash,
            "published_at": m.published_at,
            "publisher": m.publisher,
            "first_seen_run_date": m.first_seen_run_date,
            "in_batch": m.in_batch,
            "run_id": run_id,
        },
    )


def _resolve(members, params: DedupParams, run_id: str):
    """One component's members (re-iterable) -> the assignment of the original (the member with the
    smallest order key: a representative, as every representative has the smallest key of its
    copies) and of every member that verifies against it (the chaining rule), as _decided outputs;
    members that do not go to `split` keyed by (original, content hash). Three passes over the
    members (the original, the size, the assignments): what is held is one check result per member
    that carries a PairFp (a representative, or a copy that compares otherwise), which its exact
    copies also use."""
    best = min(members, key=lambda m: m.order)
    orig_id, orig_fp = best.doc_id, best.fp
    checked: dict[str, Overlap | None] = {}

    def check(m: Member):
        """None for the original itself; its Overlap with the original otherwise."""
        if m.doc_id == orig_id:
            return None
        if m.content_hash is not None and m.content_hash == orig_fp.content_hash:  # what verify returns, without a PairFp
            return Overlap(1.0, 1.0, max(m.size, orig_fp.size), "exact")
        if m.fp is None:  # an exact copy with its representative's PairFp: the representative's result
            return checked[m.rep_id]
        if m.doc_id not in checked:
            checked[m.doc_id] = verify(m.fp, orig_fp, params)
        return checked[m.doc_id]

    def kept(o: Overlap | None) -> bool:
        return o is None or is_edge(o, params)

    # The size: members with a PairFp first (their results are what their copies use), then their copies.
    copies: Counter[str] = Counter()
    size = 0
    for m in members:
        if m.fp is None and m.content_hash != orig_fp.content_hash:
            copies[m.rep_id] += 1
        else:
            size += kept(check(m))
    size += sum(n for rep_id, n in copies.items() if kept(checked[rep_id]))

    for m in members:
        # dedup.original.verified and dedup.chain_splits are counted by FillRows and ResolveSplit: this
        # runs in two steps, and the manifest keeps one value per counter name.
        o = check(m)
        if o is None:
            yield from _decided(m, Assignment(m.doc_id, orig_id, 1.0, 1.0, "exact", size), run_id)
        elif is_edge(o, params):
            yield from _decided(m, Assignment(m.doc_id, orig_id, o.jaccard, o.containment, o.method, size), run_id, verified=True)
        else:
            yield beam.pvalue.TaggedOutput("split", (("split", orig_id, _exact_key(m)), replace(m, fp=None)))


class _ResolveComponent(beam.DoFn):
    """(component, [Member]) -> _resolve's outputs: a component of several representatives."""

    def __init__(self, params: DedupParams, run_id: str):
        self.params, self.run_id = params, run_id

    def process(self, element):
        yield from _resolve(element[1], self.params, self.run_id)


class _ResolveSplit(beam.DoFn):
    """(key, [Member]) -> _decided outputs: split-off members with one content hash form one cluster
    around the one with the smallest order key (exact copies: similarity 1)."""

    def __init__(self, run_id: str):
        self.run_id = run_id

    def process(self, element):
        _, members = element
        orig_id = min(members, key=lambda m: m.order).doc_id
        size = sum(1 for _ in members)
        for m in members:
            count("dedup.chain_splits")  # every member split off its component by the chaining rule comes here once
            yield from _decided(m, Assignment(m.doc_id, orig_id, 1.0, 1.0, "exact", size), self.run_id)


class ReadIndex(beam.PTransform):
    """The index version a run reads, as a PCollection of DocFp (never a side input). The driver
    picks the version and lists its files (pipeline/index_store.py); this reads them."""

    def __init__(self, files: list[str], run_date: str, retention_days: int = 0):
        super().__init__()
        self.files, self.run_date, self.retention_days = list(files), run_date, retention_days

    def expand(self, pbegin):
        if not self.files:
            return pbegin | "EmptyIndex" >> beam.Create([]).with_output_types(DocFp)
        cutoff = retention_cutoff(self.run_date, self.retention_days)

        def keep(row: dict) -> bool:
            if keep_entry(row, cutoff):
                return True
            count("dedup.index_pruned")
            return False

        return (
            pbegin
            | "IndexFiles" >> beam.Create(self.files)
            | "ReadIndexParquet" >> beam.io.ReadAllFromParquet()
            | "Retention" >> beam.Filter(keep)
            | "IndexDocs" >> beam.Map(doc_from_index_row).with_output_types(DocFp)
        )


class Dedup(beam.PTransform):
    """Articles rows -> {"rows": rows with cluster fields, "clusters": clusters-table rows,
    "index": updated index rows (only with index_dir)}.

    `index_files`: the Parquet files of the cross-batch index version this run reads (None: no
    index; see pipeline/index_store.py for versions and commits). `park_dir`: where the rows wait
    for the site chrome and for their clusters, and the DocFps for their exact-copy groups and
    (with the index) their clusters (beam_park.Park; None: in the runner's memory).
    """

    def __init__(
        self,
        params: DedupParams | None = None,
        index_files: list[str] | None = None,
        run_date: str | None = None,
        run_id: str = "",
        retention_days: int = 0,
        park_dir: str | None = None,
    ):
        super().__init__()
        self.params = params or DedupParams()
        self.index_files, self.run_id, self.retention_days = index_files, run_id, retention_days
        self.park_dir = park_dir
        self.run_date = run_date or datetime.now(UTC).date().isoformat()

    def expand(self, rows):
        params, run_date, run_id = self.params, self.run_date, self.run_id
        with_index = self.index_files is not None
        # The site's chrome: prose paragraphs on >= SITE_REPEATED_DOCS of its pages in this batch
        # (one element per doc, combined per site; only the repeated keys go to the side input).
        chrome = (
            rows
            | "SiteParagraphs" >> beam.FlatMap(_site_paragraphs)
            | "SiteChrome" >> beam.CombinePerKey(_SiteChrome(SITE_REPEATED_DOCS))
            | "RepeatedOnly" >> beam.Filter(lambda kv: bool(kv[1]))
        )
        # The rows wait twice: for the site chrome (Fingerprint) and for their clusters (FillRows);
        # parked once and read back by each (park_dir), or held by the runner.
        parked = rows | "ParkRows" >> Park(FileSystems.join(self.park_dir, "rows")) if self.park_dir else None
        to_fingerprint = parked | "RowsForFingerprint" >> Unpark() if parked is not None else rows
        new = to_fingerprint | "Fingerprint" >> beam.ParDo(
            _Fingerprint(params, run_date), chrome=beam.pvalue.AsDict(chrome)
        ).with_output_types(DocFp)
        if with_index:
            old = rows.pipeline | "ReadIndex" >> ReadIndex(self.index_files, run_date, self.retention_days)
            by_id = Tuple[str, DocFp]
            docs = (
                (
                    new | "NewById" >> beam.Map(lambda d: (d.doc_id, d)).with_output_types(by_id),
                    old | "OldById" >> beam.Map(lambda d: (d.doc_id, d)).with_output_types(by_id),
                )
                | "BatchAndIndex" >> beam.Flatten()
                | "MergeById" >> beam.GroupByKey()
                | "Merged" >> beam.FlatMap(_merge_by_doc_id).with_output_types(DocFp)
            )
        else:  # doc_ids are unique within a batch (ids hash path, locator and bytes): nothing to merge
            docs = new
        # Exact duplicates: one representative per content hash (the best original candidate); only
        # it is compared (LSH) and only it is a node of the components graph: an exact copy is in
        # its representative's component, so the copies' edges would only repeat it. The groups are
        # formed from slim entries (no fingerprints); the docs wait (parked, or in the runner) until
        # the groups say which of them must carry their fingerprints on.
        parked_docs = docs | "ParkDocs" >> Park(FileSystems.join(self.park_dir, "docs"), DocFpCoder()) if self.park_dir else None
        exact = (
            docs
            | "ExactKey" >> beam.Map(_exact_entry, params).with_output_types(Tuple[str, Tuple[Member, bytes]])
            | "ExactGroup" >> beam.GroupByKey()
            | "SplitExact"
            >> beam.ParDo(_SplitExact())
            .with_output_types(Tuple[str, LabelValue], needs_fp=Tuple[str, str])
            .with_outputs("needs_fp", main="copies")
        )
        needs_fp = beam.pvalue.AsDict(exact.needs_fp)
        to_attach = parked_docs | "DocsForFp" >> Unpark(DocFpCoder(), wait_on=(exact.needs_fp,)) if parked_docs is not None else docs
        reps = to_attach | "AttachFp" >> beam.ParDo(_AttachFp(params), needs_fp).with_output_types(
            Tuple[str, LabelValue], lsh=Any, fps=Tuple[str, PairFp]
        ).with_outputs("lsh", "fps", main="members")
        by_rep = (exact.copies, reps.members) | "ByRep" >> beam.Flatten()

        # Near duplicates: LSH candidates (representatives only), verified.
        pairs = reps.lsh | "Candidates" >> CandidatePairs(params.hot_bucket, params.shards)
        verified = (pairs, reps.fps) | "VerifyCandidates" >> VerifyPairs(params, "lsh")
        near = verified | "Edges" >> beam.FlatMap(lambda v: [(v[0], v[1])] if v[3] else [])
        edges = [near]
        if with_index:
            # Clusters of earlier runs stay linked (their members are re-verified against the original
            # below); only index docs have a previous cluster. Each side of such an edge goes to its
            # representative (an id that is no doc, an old cluster id, stays itself).
            prior = docs | "PriorEdges" >> beam.FlatMap(
                lambda d: [(d.doc_id, d.prev_cluster_id)] if d.prev_cluster_id and d.prev_cluster_id != d.doc_id else []
            )
            rep_of = by_rep | "RepOf" >> beam.MapTuple(lambda rep_id, v: (v[0].doc_id, rep_id))
            prior_left = {"rep": rep_of, "e": prior} | "PriorRepLeft" >> beam.CoGroupByKey() | "PriorLeft" >> beam.FlatMap(_prior_left)
            edges.append(
                {"rep": rep_of, "e": prior_left} | "PriorRepRight" >> beam.CoGroupByKey() | "PriorRight" >> beam.FlatMap(_prior_right)
            )
        labels = tuple(edges) | "AllEdges" >> beam.Flatten() | "Components" >> ConnectedComponents(params.max_rounds, params.shards)

        # Members reach their component through their representative's label; the original of every
        # component is its member with the smallest order key, and every member is verified against
        # it (the chaining rule) in the same group. A representative without a near duplicate is
        # resolved in its JoinLabels group (its component is its exact copies).
        resolve_types = {"split": Tuple[Tuple[str, str, str], Member], "clusters": Any}
        labelled = (
            (
                by_rep,
                labels
                | "LabelValues" >> beam.MapTuple(lambda node, label: (node, (None, label))).with_output_types(Tuple[str, LabelValue]),
            )
            | "LabelInputs" >> beam.Flatten()
            | "JoinLabels" >> beam.GroupByKey()
            | "ByComponent"
            >> beam.ParDo(_LabelMembers(params, run_id))
            .with_output_types(Tuple[str, Decided], linked=Tuple[str, Member], **resolve_types)
            .with_outputs("linked", "split", "clusters", main="decided")
        )
        resolved = (
            labelled.linked
            | "JoinOriginal" >> beam.GroupByKey()
            | "Resolve"
            >> beam.ParDo(_ResolveComponent(params, run_id))
            .with_output_types(Tuple[str, Decided], **resolve_types)
            .with_outputs("split", "clusters", main="decided")
        )
        split = (
            (labelled.split, resolved.split)
            | "SplitInputs" >> beam.Flatten()
            | "JoinSplit" >> beam.GroupByKey()
            | "ResolveSplit"
            >> beam.ParDo(_ResolveSplit(run_id))
            .with_output_types(Tuple[str, Decided], clusters=Any)
            .with_outputs("clusters", main="decided")
        )
        clusters = (labelled.clusters, resolved.clusters, split.clusters) | "Clusters" >> beam.Flatten()

        # Every doc's assignment, once (counted here: the manifest keeps one value per counter name).
        decided = (
            (labelled.decided, resolved.decided, split.decided)
            | "Decisions" >> beam.Flatten()
            | "CountDecided" >> beam.Map(_counted).with_output_types(Tuple[str, Decided])
        )
        # The article rows meet their assignment as a side input: the rows (texts) are never shuffled.
        to_fill = parked | "RowsForFill" >> Unpark(wait_on=(decided,)) if parked is not None else rows
        filled = to_fill | "RowOnly" >> beam.Map(_row_only) | "FillRows" >> beam.ParDo(_FillRows(), beam.pvalue.AsDict(decided))
        out = {"rows": filled, "clusters": clusters}
        if with_index:  # every doc's index row: its DocFp meets its assignment (side input), as the rows do
            to_index = parked_docs | "DocsForIndex" >> Unpark(DocFpCoder(), wait_on=(decided,)) if parked_docs is not None else docs
            out["index"] = to_index | "IndexRows" >> beam.ParDo(_IndexRows(), beam.pvalue.AsDict(decided))
        return out


def _counted(kv: tuple[str, tuple]) -> tuple[str, tuple]:
    """A doc's (doc_id, Decided), counted: dedup.duplicates, dedup.original.verified."""
    dec = kv[1]
    if not dec[0].is_canonical:
        count("dedup.duplicates")
    if dec[3]:
        count("dedup.original.verified")
    return kv


class _FillRows(beam.DoFn):
    """An articles row -> the row with its cluster fields, from the side input {doc_id: Decided}. A
    row is never dropped: a row without its batch doc's assignment is its own cluster."""

    def process(self, row: dict, decided: dict):
        dec = decided.get(row["doc_id"])
        if dec is not None and dec[2]:  # the assignment of this batch's doc
            fields = {**dec[0].fields(), "simhash": dec[1]}
        else:
            count("dedup.rows_without_fingerprint")
            fields = {**self_assignment(row["doc_id"]).fields(), "simhash": None}
        yield {**row, **fields}


class _IndexRows(beam.DoFn):
    """A DocFp -> its index row, with the cluster of its assignment (side input {doc_id: Decided});
    a doc without one (it could not be decided) has no index row, as before."""

    def process(self, d: DocFp, decided: dict):
        dec = decided.get(d.doc_id)
        if dec is not None:
            yield index_row(d, dec[0].cluster_id)


__all__ = [
    "Assignment",
    "AssignmentCoder",
    "Dedup",
    "DedupParams",
    "DocFp",
    "DocFpCoder",
    "Member",
    "MemberCoder",
    "Overlap",
    "doc_fp",
    "names_origin",
    "order_key",
]
