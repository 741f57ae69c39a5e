"""Candidate pairs from LSH buckets, and their verification against the thresholds.

Only band keys and doc ids are shuffled to build buckets (numpy arrays per shard, see
CandidatePairs); the pairs are then grouped by their left doc (which drops repeated pairs) and
each doc's fingerprint is looked up by doc_id in a side input (VerifyPairs). A bucket holding more than `hot_bucket` docs
(template text, a stock paragraph) yields a star to its smallest doc_id instead of all pairs: n-1
pairs instead of n(n-1)/2.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.dedup.facts import fact_mismatch
from wirestrip.transforms.dedup.fingerprint import SHINGLE_DTYPE, DedupParams, Overlap, estimated_overlap, sequence_overlap, shared_order


@dataclass(frozen=True, slots=True)  # slots: held decoded in shuffles (documents.DocFp)
class PairFp:
    """What verification needs of one doc: its content hash, shingle set (exact) or signature and size (estimated)."""

    content_hash: str | None
    size: int
    signature: bytes  # uint32 little-endian; empty in exact mode (not read there)
    shingles: bytes | None  # uint32 little-endian (SHINGLE_DTYPE), in text order; None in estimated mode
    facts: bytes = b""  # facts.fact_tokens of a short text (b"" for a longer one, or an index doc)


def bucket_pairs(doc_ids: Iterable[str], hot_bucket: int, count: Count = no_count) -> Iterator[tuple[str, str]]:
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
    """Jaccard and containment of two docs: exact on shingle sequences, or estimated from signatures;
    for two short texts also whether they state different facts (facts.py). Equal content hashes
    are exact duplicates: 1.0 without looking further."""
    if a.content_hash is not None and a.content_hash == b.content_hash:
        return Overlap(1.0, 1.0, max(a.size, b.size), "exact")
    if params.verify == "exact" and a.shingles is not None and b.shingles is not None:
        seq_a, seq_b = np.frombuffer(a.shingles, dtype=SHINGLE_DTYPE), np.frombuffer(b.shingles, dtype=SHINGLE_DTYPE)
        o = sequence_overlap(seq_a, seq_b)
        # The order check costs a Python loop: only for an edge that containment, not Jaccard, would make.
        if o.jaccard < params.jaccard_threshold and o.containment >= min(params.containment_threshold, params.short_containment):
            o = replace(o, order=shared_order(seq_a, seq_b))
    else:
        o = estimated_overlap(np.frombuffer(a.signature, dtype="<u4"), np.frombuffer(b.signature, dtype="<u4"), a.size, b.size)
    # The fact check aligns words: only for two short texts, and only when the overlap would be an edge.
    if a.facts and b.facts and o.shared:
        return replace(o, fact_mismatch=True) if fact_mismatch(a.facts, b.facts) else replace(o, facts_checked=True)
    return o


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


def shard_pairs(parts: Iterable[tuple[list[str], bytes, bytes]], hot_bucket: int, count: Count = no_count) -> Iterator[tuple[str, str]]:
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
        yield from bucket_pairs(sorted({ids[i] for i in docs[a:b].tolist()}), hot_bucket, count)
