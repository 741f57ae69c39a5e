"""Candidate pairs from LSH buckets, and their verification against the thresholds.

Only band keys and doc ids are shuffled to build buckets (numpy arrays per shard, see
CandidatePairs); fingerprints join onto the (deduplicated) candidate pairs afterwards, by doc_id,
in two CoGroupByKeys (left id, then right id). A bucket holding more than `hot_bucket` docs
(template text, a stock paragraph) yields a star to its smallest doc_id instead of all pairs: n-1
pairs instead of n(n-1)/2.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import apache_beam as beam
import numpy as np
from wirestrip.transforms.beam_safe import count
from wirestrip.transforms.dedup.fingerprint import DedupParams, Overlap, estimated_overlap, is_edge, sequence_overlap


@dataclass(frozen=True)
class PairFp:
    """What verification needs of one doc: its content hash, shingle set (exact) or signature and size (estimated)."""

    content_hash: str | None
    size: int
    signature: bytes  # uint32 little-endian; empty in exact mode (not read there)
    shingles: bytes | None  # uint64 little-endian, in text order; None in estimated mode


def bucket_pairs(doc_ids: Iterable[str], hot_bucket: int) -> Iterator[tuple[str, str]]:
    """Candidate pairs (a < b) of one LSH bucket: every pair, or for a bucket of more than
    `hot_bucket` docs a star to its minimum. Iterates `doc_ids` at most three times, holding at
    most `hot_bucket` ids."""
    first: list[str] = []
    hot = False
    for d in doc_ids:
        first.append(d)
        if len(first) > hot_bucket:
            hot = True
            break
    if not hot:
        ids = sorted(set(first))
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                yield a, b
        return
    count("dedup.hot_buckets")
    centre = min(doc_ids)
    for d in doc_ids:
        if d != centre:
            yield centre, d


def verify(a: PairFp, b: PairFp, params: DedupParams) -> Overlap:
    """Jaccard and containment of two docs: exact on shingle sets, or estimated from signatures.
    Equal content hashes are exact duplicates: 1.0 without looking further."""
    if a.content_hash is not None and a.content_hash == b.content_hash:
        return Overlap(1.0, 1.0, max(a.size, b.size), "exact")
    if params.verify == "exact" and a.shingles is not None and b.shingles is not None:
        return sequence_overlap(np.frombuffer(a.shingles, dtype="<u8"), np.frombuffer(b.shingles, dtype="<u8"))
    return estimated_overlap(np.frombuffer(a.signature, dtype="<u4"), np.frombuffer(b.signature, dtype="<u4"), a.size, b.size)


def shard_of_keys(keys: np.ndarray, shards: int) -> np.ndarray:
    """Shard of each LSH key (keys are xxh3 values: their low bits are already uniform)."""
    return (keys.view(np.uint64) % np.uint64(shards)).astype(np.int64)


def keys_by_shard(batch: list[tuple[str, list[int]]], shards: int) -> Iterator[tuple[int, tuple[list[str], bytes, bytes]]]:
    """A batch of (doc_id, keys) -> (shard, (doc ids, keys int64 bytes, doc positions int32 bytes)) per
    shard holding one of its keys: the batch's ids travel once per shard, the keys as arrays."""
    counts = [len(keys) for _, keys in batch]
    if not sum(counts):
        return
    keys = np.fromiter((k for _, ks in batch for k in ks), dtype=np.int64, count=sum(counts))
    docs = np.repeat(np.arange(len(batch), dtype=np.int32), counts)
    ids = [d for d, _ in batch]
    where = shard_of_keys(keys, shards)
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(shards + 1))
    for s in range(shards):
        part = order[bounds[s] : bounds[s + 1]]
        if len(part):
            yield s, (ids, keys[part].tobytes(), docs[part].tobytes())


def shard_pairs(parts: Iterable[tuple[list[str], bytes, bytes]], hot_bucket: int) -> Iterator[tuple[str, str]]:
    """One shard's (ids, keys, positions) parts -> candidate pairs of every bucket (a key held by two
    or more docs), through bucket_pairs. A sort finds the buckets; singletons (most keys) cost nothing."""
    ids: list[str] = []
    key_parts, doc_parts = [], []
    for part_ids, keys, docs in parts:
        key_parts.append(np.frombuffer(keys, dtype=np.int64))
        doc_parts.append(np.frombuffer(docs, dtype=np.int32).astype(np.int64) + len(ids))
        ids.extend(part_ids)
    if not key_parts:
        return
    keys, docs = np.concatenate(key_parts), np.concatenate(doc_parts)
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    for a, b in zip(starts[ends - starts > 1].tolist(), ends[ends - starts > 1].tolist(), strict=True):
        yield from bucket_pairs(sorted({ids[i] for i in docs[a:b].tolist()}), hot_bucket)


class CandidatePairs(beam.PTransform):
    """(doc_id, [lsh keys]) -> distinct candidate pairs (a, b), a < b.

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
            | "BucketPairs" >> beam.FlatMap(lambda shard: ((pair, None) for pair in shard_pairs(shard[1], hot)))
            | "DistinctPairs" >> beam.CombinePerKey(lambda _: None)  # combiner-lifted: duplicates collapse before the shuffle
            | "PairKeys" >> beam.Keys()
        )


class VerifyPairs(beam.PTransform):
    """Pairs (a, b) + fingerprints (doc_id, PairFp) -> (a, b, Overlap, is_edge) for every pair.

    Two joins: the left doc's fingerprint travels to the right doc's key; the right doc's worker
    verifies. `tag` names counters (pairs verified by the LSH step or against an original)."""

    def __init__(self, params: DedupParams, tag: str):
        super().__init__()
        self.params, self.tag = params, tag

    def expand(self, pcolls):
        pairs, fps = pcolls
        params, tag = self.params, self.tag
        by_left = pairs | "ByLeft" >> beam.Map(lambda p: (p[0], p))
        left = {"pairs": by_left, "fp": fps} | "JoinLeft" >> beam.CoGroupByKey() | "AttachLeft" >> beam.ParDo(_AttachLeftPair())
        right = {"left": left, "fp": fps} | "JoinRight" >> beam.CoGroupByKey()

        def check(element):
            b, group = element
            fps_b = list(group["fp"])
            for (a, _b), fa in group["left"]:
                if not fps_b:
                    count(f"dedup.{tag}.missing_fingerprint")
                    continue
                o = verify(fa, fps_b[0], params)
                edge = is_edge(o, params)
                count(f"dedup.{tag}.{'edges' if edge else 'rejected'}")
                yield a, b, o, edge

        return right | "Verify" >> beam.FlatMap(check)


class _AttachLeftPair(beam.DoFn):
    """(a, {pairs: [(a, b)...], fp: [fp_a]}) -> (b, ((a, b), fp_a))."""

    def process(self, element):
        _, group = element
        fps = list(group["fp"])
        for pair in group["pairs"]:
            if not fps:
                count("dedup.pairs_missing_fingerprint")
                continue
            yield pair[1], (pair, fps[0])
