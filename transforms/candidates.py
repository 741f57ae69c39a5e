"""Candidate pairs from LSH buckets, and their verification against the thresholds.

Only (band_key, doc_id) is shuffled to build buckets; fingerprints join onto the (deduplicated)
candidate pairs afterwards, by doc_id, in two CoGroupByKeys (left id, then right id). A bucket
holding more than `hot_bucket` docs (template text, a stock paragraph) yields a star to its
smallest doc_id instead of all pairs: n-1 pairs instead of n(n-1)/2, and no bucket is ever held
in memory (two passes over Beam's re-iterable group).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import apache_beam as beam
import numpy as np

from transforms.fingerprint import DedupParams, Overlap, estimated_overlap, is_edge, sequence_overlap
from transforms.safe import count


@dataclass(frozen=True)
class PairFp:
    """What verification needs of one doc: its content hash, shingle set (exact) or signature and size (estimated)."""

    content_hash: str | None
    size: int
    signature: bytes  # uint32 little-endian
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


class CandidatePairs(beam.PTransform):
    """(doc_id, [lsh keys]) -> distinct candidate pairs (a, b), a < b."""

    def __init__(self, hot_bucket: int):
        super().__init__()
        self.hot_bucket = hot_bucket

    def expand(self, keyed):
        hot = self.hot_bucket

        def explode(item: tuple[str, list[int]]) -> Iterator[tuple[int, str]]:
            doc_id, keys = item
            for k in keys:
                yield k, doc_id

        def pairs(bucket: tuple[int, Iterable[str]]) -> Iterator[tuple[tuple[str, str], None]]:
            for pair in bucket_pairs(bucket[1], hot):
                yield pair, None

        return (
            keyed
            | "BandKeys" >> beam.FlatMap(explode)
            | "Buckets" >> beam.GroupByKey()
            | "BucketPairs" >> beam.FlatMap(pairs)
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
