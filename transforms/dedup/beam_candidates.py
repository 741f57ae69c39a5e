"""Candidate pairs and their verification in Beam: LSH keys sharded, buckets to pairs, each pair's
fingerprints joined on and verified against the thresholds (the pure steps: candidates.py)."""

from __future__ import annotations

import apache_beam as beam
from wirestrip.transforms.beam_safe import count
from wirestrip.transforms.dedup.candidates import keys_by_shard, shard_pairs, verify
from wirestrip.transforms.dedup.fingerprint import DedupParams, rejection


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
            | "BucketPairs" >> beam.FlatMap(lambda shard: ((pair, None) for pair in shard_pairs(shard[1], hot, count)))
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
                why = rejection(o, params)
                edge = why is None
                count(f"dedup.{tag}.{'edges' if edge else 'rejected'}")
                if why in ("template", "fact_mismatch", "lead_missing", "out_of_order"):  # the guards' own counters
                    count(f"dedup.{tag}.rejected.{why}")
                elif edge and o.facts_checked and o.gap_rate > params.max_gap_rate:
                    count(f"dedup.{tag}.gap_waived_short")  # two short texts: the fact check, not the gap rule
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
