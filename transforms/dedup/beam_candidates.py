"""Candidate pairs and their verification in Beam: LSH keys sharded, buckets to pairs, pairs grouped
by their left doc and verified against the thresholds with each doc's fingerprint looked up in a
multimap side input (the pure steps: candidates.py)."""

from __future__ import annotations

import struct

import apache_beam as beam
from apache_beam.typehints import List, Tuple
from wirestrip.transforms.beam_safe import count
from wirestrip.transforms.dedup.candidates import PairFp, keys_by_shard, shard_pairs, verify
from wirestrip.transforms.dedup.fingerprint import DedupParams, rejection

_PAIR_HEAD = struct.Struct("<BqIIII")  # flags, size, lengths of content_hash, signature, shingles, facts
_NO_HASH, _NO_SHINGLES = 1, 2


def pack_text(x: str | None) -> bytes:
    """A string field as UTF-8 bytes (None as b"": a flag says which); surrogates kept as they are."""
    return b"" if x is None else x.encode("utf-8", "surrogatepass")


def unpack_text(b: bytes) -> str:
    return b.decode("utf-8", "surrogatepass")


def split_fields(b: bytes, start: int, lengths) -> list[bytes]:
    """The variable-length fields that follow a packed header, by their lengths."""
    out = []
    for n in lengths:
        out.append(b[start : start + n])
        start += n
    return out


def pack_pair_fp(p: PairFp) -> bytes:
    """A PairFp as bytes: one header (None flags, size, lengths), then the fields as they are."""
    ch = pack_text(p.content_hash)
    sh = b"" if p.shingles is None else p.shingles
    flags = (p.content_hash is None) * _NO_HASH | (p.shingles is None) * _NO_SHINGLES
    return b"".join((_PAIR_HEAD.pack(flags, p.size, len(ch), len(p.signature), len(sh), len(p.facts)), ch, p.signature, sh, p.facts))


def unpack_pair_fp(b: bytes) -> PairFp:
    flags, size, *lengths = _PAIR_HEAD.unpack_from(b)
    ch, sig, sh, facts = split_fields(b, _PAIR_HEAD.size, lengths)
    return PairFp(None if flags & _NO_HASH else unpack_text(ch), size, sig, None if flags & _NO_SHINGLES else sh, facts)


class PairFpCoder(beam.coders.Coder):
    """PairFp packed (bytes as they are, no pickle): it crosses the verification joins and rides with
    every representative to its component. Deterministic: equal PairFps have equal fields, and every
    field has one encoding."""

    def encode(self, value: PairFp) -> bytes:
        return pack_pair_fp(value)

    def decode(self, encoded: bytes) -> PairFp:
        return unpack_pair_fp(encoded)

    def is_deterministic(self) -> bool:
        return True

    def estimate_size(self, value: PairFp) -> int:
        return _PAIR_HEAD.size + len(value.signature) + len(value.shingles or b"") + len(value.facts) + 32

    def to_type_hint(self):
        return PairFp


beam.coders.registry.register_coder(PairFp, PairFpCoder)


class _DistinctRight(beam.CombineFn):
    """Per left doc a: the distinct right docs b of its candidate pairs. Combiner-lifted, so a pair
    found in several buckets collapses before the shuffle."""

    def create_accumulator(self) -> set:
        return set()

    def add_input(self, acc: set, b: str) -> set:
        acc.add(b)
        return acc

    def merge_accumulators(self, accs) -> set:
        out: set = set()
        for acc in accs:
            out |= acc
        return out

    def extract_output(self, acc: set) -> list[str]:
        return sorted(acc)


class CandidatePairs(beam.PTransform):
    """(doc_id, [lsh keys]) -> candidate pairs (a, b), a < b, once per bucket holding both (VerifyPairs
    drops the repeats before its shuffle and verifies each distinct pair once).

    Buckets are found per shard with numpy: docs are batched, each batch's keys split into `shards`
    arrays by key, a GroupByKey brings one shard's arrays together, and a sort finds the keys held by
    two or more docs. One shuffled element per (batch, shard) instead of one per (key, doc): with ~48
    keys per doc that was 480,000 elements for 10,000 docs, the largest element count of a run. A
    shard holds 1/shards of all keys (12 bytes each) and its batches' doc ids.
    """

    def __init__(self, hot_bucket: int, shards: int):
        super().__init__()
        self.hot_bucket, self.shards = hot_bucket, shards

    def expand(self, keyed):
        hot, shards = self.hot_bucket, self.shards
        return (
            keyed
            # Batches only carry keys to shards: any batching gives the same buckets and pairs.
            | "BatchDocs" >> beam.BatchElements(min_batch_size=256, max_batch_size=4096)
            | "KeysByShard" >> beam.FlatMap(keys_by_shard, shards)
            | "Shards" >> beam.GroupByKey()
            | "BucketPairs" >> beam.FlatMap(lambda shard: shard_pairs(shard[1], hot, count))
        )


class VerifyPairs(beam.PTransform):
    """Pairs (a, b), repeats allowed + fingerprints (doc_id, PairFp) -> (a, b, Overlap, is_edge) for
    every distinct pair.

    The pairs are grouped by their left doc (a combine that also drops repeated pairs: ids only)
    and each doc's PairFp is looked up by id in a multimap side input (`AsMultiMap`: read key by
    key from the runner's state, never loaded whole). Joining the fingerprints onto the pairs
    instead (two GroupByKeys) moved one PairFp per distinct pair through a shuffle, ~1.7 KB each,
    which the local runner held decoded all at once: the largest buffer of a 1,000,000-article
    run. `tag` names counters (pairs verified by the LSH step or against an original)."""

    def __init__(self, params: DedupParams, tag: str):
        super().__init__()
        self.params, self.tag = params, tag

    def expand(self, pcolls):
        pairs, fps = pcolls
        return (
            pairs
            | "ByLeft" >> beam.Map(lambda p: (p[0], p[1])).with_output_types(Tuple[str, str])
            | "DistinctPairs" >> beam.CombinePerKey(_DistinctRight()).with_output_types(Tuple[str, List[str]])
            | "Verify" >> beam.ParDo(_VerifyLeft(self.params, self.tag), beam.pvalue.AsMultiMap(fps))
        )


class _VerifyLeft(beam.DoFn):
    """(a, [b...]) -> (a, b, Overlap, is_edge) per pair, the fingerprints looked up by doc id in the
    side input {doc_id: [PairFp]}; counts edges, rejections and why."""

    def __init__(self, params: DedupParams, tag: str):
        self.params, self.tag = params, tag

    def process(self, element, fps):
        a, bs = element
        params, tag = self.params, self.tag
        fa = next(iter(fps[a]), None)
        if fa is None:
            count("dedup.pairs_missing_fingerprint", len(bs))
            return
        for b in bs:
            fb = next(iter(fps[b]), None)
            if fb is None:
                count(f"dedup.{tag}.missing_fingerprint")
                continue
            o = verify(fa, fb, params)
            why = rejection(o, params)
            edge = why is None
            count(f"dedup.{tag}.{'edges' if edge else 'rejected'}")
            if why in ("template", "fact_mismatch", "lead_missing", "out_of_order"):  # the guards' own counters
                count(f"dedup.{tag}.rejected.{why}")
            elif edge and o.facts_checked and o.gap_rate > params.max_gap_rate:
                count(f"dedup.{tag}.gap_waived_short")  # two short texts: the fact check, not the gap rule
            yield a, b, o, edge
