"""Near-duplicate clusters and the original of each story, as one composite Beam transform.

    rows ──(site, prose paragraph keys)──> CombinePerKey(site): paragraphs on >= SITE_REPEATED_DOCS
      pages of the site (its chrome) ──side input──┐
    rows ──fingerprint (the site's chrome left out; an exact copy's reused)──> DocFp (doc_id, hashes,
      signature, keys, order key; no text)
      [+ index docs of earlier runs]  merged by doc_id (a doc of this batch replaces its index entry)
    exact duplicates: GroupByKey by content_hash; the doc with the smallest order key represents
      its copies: only it goes on to LSH (if it has >= min_shingles shingles) and into components
    LSH: (band_key, doc_id) -> buckets -> candidate pairs (star to the minimum in hot buckets) ->
      fingerprints joined onto pairs (left, then right) -> verified edges
    connected components of the representatives (large-star/small-star, convergence checked);
      every doc joins its representative's label (one join)
    original per component: earliest published_at, then a copy naming its agency as its own origin,
      then the longest text, then doc_id (CombinePerKey(min order key))
    chaining rule: every member re-verified against its original; failures split off (grouped
      by content hash: exact copies of a split member stay together)
    cluster sizes; then the assignment joins back onto the full rows by doc_id (texts are shuffled
    only there), onto `clusters` rows and onto the updated index rows.

The pure steps: transforms/dedup/documents.py, fingerprint.py, candidates.py, components.py.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import apache_beam as beam
from wirestrip.transforms.beam_safe import count
from wirestrip.transforms.dedup.beam_candidates import CandidatePairs, VerifyPairs
from wirestrip.transforms.dedup.beam_components import ConnectedComponents
from wirestrip.transforms.dedup.candidates import verify
from wirestrip.transforms.dedup.documents import (
    Assignment,
    DocFp,
    TextFp,
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
            d = doc_fp(row, self.params, self.run_date, site_chrome, self._text_fp(row.get("text") or "", site_chrome))
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
    new, old = list(group["new"])[:1], list(group["old"])[:1]
    if new and old:
        count("dedup.index_replaced")
        first = min(new[0].first_seen_run_date, old[0].first_seen_run_date)
        yield replace(new[0], first_seen_run_date=first)
    elif new:
        yield new[0]
    elif old:
        count("dedup.index_docs")
        yield old[0]


def _exact_key(d: DocFp) -> str:
    return d.content_hash or f"doc:{d.doc_id}"


class _SplitExact(beam.DoFn):
    """(content_hash, [DocFp]) -> (rep_id, DocFp) for every doc of the hash on the main output, the
    representative being the doc with the smallest order key (the best original candidate); the
    representative's LSH keys on `lsh` and its PairFp on `fps` (only LSH docs are ever verified
    pairwise). Two passes over the docs: a hash's copies never sit in memory together."""

    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, element):
        _, docs = element
        rep = min(docs, key=lambda d: d.order)  # order ends with doc_id: unique
        rep_id = rep.doc_id
        for d in docs:
            if d.doc_id != rep_id:
                count("dedup.exact_duplicates")
            yield rep_id, d
        if rep.size < self.params.min_shingles:
            count("dedup.below_min_shingles")
        else:
            yield beam.pvalue.TaggedOutput("lsh", (rep_id, list(rep.keys)))
            yield beam.pvalue.TaggedOutput("fps", (rep_id, rep.pair_fp(self.params)))


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


class _LabelMembers(beam.DoFn):
    """(rep_id, {doc: [DocFp of the rep's exact copies], label: [label]}) -> (label or rep_id, DocFp):
    every exact copy joins its representative's component; an unlinked rep's copies are one component.
    The representative's (order, doc_id, PairFp) also goes to `rep`: it has the smallest order key
    of its copies, so the component's original is the minimum over representatives only."""

    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, element):
        rep_id, group = element
        labels = list(group["label"])
        # A node only known from an old cluster id (its doc was pruned) has no doc: a connector, not a member.
        key = labels[0] if labels else rep_id
        for d in group["doc"]:
            if d.doc_id == rep_id:
                yield beam.pvalue.TaggedOutput("rep", (key, (d.order, d.doc_id, d.pair_fp(self.params))))
            yield key, d


class _ResolveComponent(beam.DoFn):
    """(component, {m: [DocFp], best: [(order, doc_id, PairFp)]}) -> (DocFp, Assignment) of the
    original and of every member that verifies against it (the chaining rule); members that do not
    go to the `split` output keyed by (original, content hash). Two passes over the members (count,
    then emit) instead of holding them: a component's size never sits in memory."""

    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, element):
        _, group = element
        best = next(iter(group["best"]), None)
        if best is None:  # cannot happen: every component has a minimum
            count("dedup.component_without_original")
            return
        _, orig_id, orig_fp = best
        params = self.params

        def check(d: DocFp):
            if d.doc_id == orig_id:
                return None
            if d.content_hash is not None and d.content_hash == orig_fp.content_hash:  # what verify returns, without a PairFp
                return Overlap(1.0, 1.0, max(d.size, orig_fp.size), "exact")
            return verify(d.pair_fp(params), orig_fp, params)

        size = sum(1 for d in group["m"] if d.doc_id == orig_id or is_edge(check(d), params))
        for d in group["m"]:
            o = check(d)
            if o is None:
                yield d, Assignment(d.doc_id, orig_id, 1.0, 1.0, "exact", size)
            elif is_edge(o, params):
                count("dedup.original.verified")
                yield d, Assignment(d.doc_id, orig_id, o.jaccard, o.containment, o.method, size)
            else:
                count("dedup.chain_splits")
                yield beam.pvalue.TaggedOutput("split", (("split", orig_id, _exact_key(d)), d))


def _resolve_split(element):
    """(key, {m: [DocFp], best: [(order, doc_id)]}) -> (DocFp, Assignment): split-off members with
    one content hash form one cluster around their best original (exact copies: similarity 1)."""
    _, group = element
    for _, orig_id in list(group["best"])[:1]:
        size = sum(1 for _ in group["m"])
        for d in group["m"]:
            yield d, Assignment(d.doc_id, orig_id, 1.0, 1.0, "exact", size)


class ReadIndex(beam.PTransform):
    """The index version a run reads, as a PCollection of DocFp (never a side input). The driver
    picks the version and lists its files (pipeline/index_store.py); this reads them."""

    def __init__(self, files: list[str], run_date: str, retention_days: int = 0):
        super().__init__()
        self.files, self.run_date, self.retention_days = list(files), run_date, retention_days

    def expand(self, pbegin):
        if not self.files:
            return pbegin | "EmptyIndex" >> beam.Create([])
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
            | "IndexDocs" >> beam.Map(doc_from_index_row)
        )


class Dedup(beam.PTransform):
    """Articles rows -> {"rows": rows with cluster fields, "clusters": clusters-table rows,
    "index": updated index rows (only with index_dir)}.

    `index_files`: the Parquet files of the cross-batch index version this run reads (None: no
    index; see pipeline/index_store.py for versions and commits).
    """

    def __init__(
        self,
        params: DedupParams | None = None,
        index_files: list[str] | None = None,
        run_date: str | None = None,
        run_id: str = "",
        retention_days: int = 0,
    ):
        super().__init__()
        self.params = params or DedupParams()
        self.index_files, self.run_id, self.retention_days = index_files, run_id, retention_days
        self.run_date = run_date or datetime.now(UTC).date().isoformat()

    def expand(self, rows):
        params, run_date, run_id = self.params, self.run_date, self.run_id
        # The site's chrome: prose paragraphs on >= SITE_REPEATED_DOCS of its pages in this batch
        # (one element per doc, combined per site; only the repeated keys go to the side input).
        chrome = (
            rows
            | "SiteParagraphs" >> beam.FlatMap(_site_paragraphs)
            | "SiteChrome" >> beam.CombinePerKey(_SiteChrome(SITE_REPEATED_DOCS))
            | "RepeatedOnly" >> beam.Filter(lambda kv: bool(kv[1]))
        )
        new = rows | "Fingerprint" >> beam.ParDo(_Fingerprint(params, run_date), chrome=beam.pvalue.AsDict(chrome))
        if self.index_files is not None:
            old = rows.pipeline | "ReadIndex" >> ReadIndex(self.index_files, run_date, self.retention_days)
            docs = (
                {"new": new | "NewById" >> beam.Map(lambda d: (d.doc_id, d)), "old": old | "OldById" >> beam.Map(lambda d: (d.doc_id, d))}
                | "MergeById" >> beam.CoGroupByKey()
                | "Merged" >> beam.FlatMap(_merge_by_doc_id)
            )
        else:  # doc_ids are unique within a batch (ids hash path, locator and bytes): nothing to merge
            docs = new
        # Exact duplicates: one representative per content hash (the best original candidate); only
        # it is compared (LSH) and only it is a node of the components graph: an exact copy is
        # in its representative's component, so the copies' edges would only repeat it.
        exact = (
            docs
            | "ExactKey" >> beam.Map(lambda d: (_exact_key(d), d))
            | "ExactGroup" >> beam.GroupByKey()
            | "SplitExact" >> beam.ParDo(_SplitExact(params)).with_outputs("lsh", "fps", main="by_rep")
        )

        # Near duplicates: LSH candidates (representatives only), verified.
        pairs = exact.lsh | "Candidates" >> CandidatePairs(params.hot_bucket, params.shards)
        verified = (pairs, exact.fps) | "VerifyCandidates" >> VerifyPairs(params, "lsh")
        near = verified | "Edges" >> beam.FlatMap(lambda v: [(v[0], v[1])] if v[3] else [])
        edges = [near]
        if self.index_files is not None:
            # Clusters of earlier runs stay linked (their members are re-verified against the original
            # below); only index docs have a previous cluster. Each side of such an edge goes to its
            # representative (an id that is no doc, an old cluster id, stays itself).
            prior = docs | "PriorEdges" >> beam.FlatMap(
                lambda d: [(d.doc_id, d.prev_cluster_id)] if d.prev_cluster_id and d.prev_cluster_id != d.doc_id else []
            )
            rep_of = exact.by_rep | "RepOf" >> beam.MapTuple(lambda rep_id, d: (d.doc_id, rep_id))
            prior_left = {"rep": rep_of, "e": prior} | "PriorRepLeft" >> beam.CoGroupByKey() | "PriorLeft" >> beam.FlatMap(_prior_left)
            edges.append(
                {"rep": rep_of, "e": prior_left} | "PriorRepRight" >> beam.CoGroupByKey() | "PriorRight" >> beam.FlatMap(_prior_right)
            )
        labels = tuple(edges) | "AllEdges" >> beam.Flatten() | "Components" >> ConnectedComponents(params.max_rounds, params.shards)

        # The original of every component (smallest order key; its fingerprint rides along in the
        # combiner), then every member verified against it: the chaining rule. Members reach their
        # component through their representative's label.
        labelled = (
            {"doc": exact.by_rep, "label": labels}
            | "JoinLabels" >> beam.CoGroupByKey()
            | "ByComponent" >> beam.ParDo(_LabelMembers(params)).with_outputs("rep", main="members")
        )
        members = labelled.members
        best = labelled.rep | "Original" >> beam.CombinePerKey(min)
        resolved = (
            {"m": members, "best": best}
            | "JoinOriginal" >> beam.CoGroupByKey()
            | "Resolve" >> beam.ParDo(_ResolveComponent(params)).with_outputs("split", main="kept")
        )
        split_best = (
            resolved.split
            | "SplitOrder" >> beam.MapTuple(lambda k, d: (k, (d.order, d.doc_id)))
            | "SplitOriginal" >> beam.CombinePerKey(min)
        )
        split = (
            {"m": resolved.split, "best": split_best} | "JoinSplit" >> beam.CoGroupByKey() | "ResolveSplit" >> beam.FlatMap(_resolve_split)
        )
        assigned = (resolved.kept, split) | "Assignments" >> beam.Flatten()
        outputs = assigned | "DocOutputs" >> beam.ParDo(_DocOutputs(run_id, self.index_files is not None)).with_outputs(
            "clusters", "index", main="batch"
        )

        article_rows = (
            {"row": rows | "RowById" >> beam.Map(lambda r: (r["doc_id"], r)), "a": outputs.batch}
            | "JoinRows" >> beam.CoGroupByKey()
            | "FillRows" >> beam.FlatMap(_fill_rows)
        )
        out = {"rows": article_rows, "clusters": outputs.clusters}
        if self.index_files is not None:
            out["index"] = outputs.index
        return out


class _DocOutputs(beam.DoFn):
    """(DocFp, Assignment) -> the batch docs' cluster fields (main), a clusters row and an index row for every doc."""

    def __init__(self, run_id: str, with_index: bool):
        self.run_id, self.with_index = run_id, with_index

    def process(self, element):
        d, a = element
        doc_id = d.doc_id
        fields = a.fields()
        if d.in_batch:
            yield doc_id, {**fields, "simhash": d.simhash}
        if not a.is_canonical:
            count("dedup.duplicates")
        yield beam.pvalue.TaggedOutput(
            "clusters",
            {
                "doc_id": doc_id,
                **fields,
                "content_hash": d.content_hash,
                "published_at": d.published_at,
                "publisher": d.publisher,
                "first_seen_run_date": d.first_seen_run_date,
                "in_batch": d.in_batch,
                "run_id": self.run_id,
            },
        )
        if self.with_index:
            yield beam.pvalue.TaggedOutput("index", index_row(d, a.cluster_id))


def _fill_rows(element):
    """(doc_id, {row: [rows], a: [fields]}) -> rows with the cluster fields; a row is never dropped."""
    doc_id, group = element
    fields = next(iter(group["a"]), None)
    if fields is None:
        count("dedup.rows_without_fingerprint")
        fields = {**self_assignment(doc_id).fields(), "simhash": None}
    for row in group["row"]:
        yield {**row, **fields}


__all__ = ["Assignment", "Dedup", "DedupParams", "DocFp", "Overlap", "doc_fp", "names_origin", "order_key"]
