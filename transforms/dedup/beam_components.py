"""Connected components in Beam: large-star / small-star rounds (Kiveris et al., "Connected
Components in MapReduce and Beyond", SoCC 2014), unrolled in the graph.

Each step groups half-edges by the shard of their node (GroupByKey over `shards` keys) and relinks
every node's neighbours to the smallest node seen; a shard holds 1/shards of the edges. The graph
converges to a star forest: every component a star centred on its smallest node. Convergence is
checked, never assumed: a node is *settled* when all its neighbours are larger (a centre) or it
has exactly one neighbour and that one is smaller (a leaf); every round counts the unsettled nodes (Beam counter `dedup.cc.round_NN.unsettled`), and after the
last round a check raises ComponentsNotConverged if any node is unsettled: the run fails loudly.

Node ids are strings (doc_ids); the label of a component is its smallest id.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

import apache_beam as beam
from wirestrip.transforms.beam_safe import count

Edge = tuple[str, str]


class ComponentsNotConverged(RuntimeError):
    """Connected components did not converge within the unrolled rounds."""


def large_star(u: str, neighbours: Iterable[str]) -> Iterator[Edge]:
    """Link every neighbour larger than u to the smallest of u and its neighbours."""
    m = min(neighbours, default=u)
    m = min(m, u)
    for v in neighbours:
        if v > u and v != m:
            yield (m, v)


def small_star(u: str, neighbours: Iterable[str]) -> Iterator[Edge]:
    """Link u and its neighbours not larger than u to the smallest of them."""
    m = u
    for v in neighbours:
        if v < m:
            m = v
    if m == u:  # no smaller neighbour: u's larger neighbours link to u through their own small-star
        return
    yield (m, u)
    for v in neighbours:
        if v < u and v != m:
            yield (m, v)


def settled(u: str, neighbours: Iterable[str]) -> bool:
    """u is a star centre (all neighbours larger) or a leaf (one distinct neighbour, smaller).
    Repeated edges are tolerated (rounds do not deduplicate them)."""
    smaller, larger = None, False
    for v in neighbours:
        if v > u:
            larger = True
        elif v < u:
            if smaller is not None and v != smaller:
                return False
            smaller = v
    return smaller is None or not larger


def _both_ways(edges: Iterable[Edge]) -> dict[str, set[str]]:
    adj: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    return adj


def _step(edges: Iterable[Edge], star: Callable[[str, Iterable[str]], Iterator[Edge]]) -> set[Edge]:
    return {e for u, ns in _both_ways(edges).items() for e in star(u, sorted(ns))}


def components_local(edges: Iterable[Edge], max_rounds: int = 12) -> dict[str, str]:
    """The same algorithm without Beam (tests, small graphs): node -> smallest node of its component.
    Raises ComponentsNotConverged like the Beam version."""
    current = {(min(a, b), max(a, b)) for a, b in edges if a != b}
    for _ in range(max_rounds):
        current = _step(_step(current, large_star), small_star)
    adj = _both_ways(current)
    if not all(settled(u, ns) for u, ns in adj.items()):
        raise ComponentsNotConverged(f"connected components did not converge in {max_rounds} rounds")
    labels = {}
    for u, ns in adj.items():
        labels[u] = min(min(ns), u)
    return labels


def shard_of(node: str, shards: int) -> int:
    """The shard of a node: the same in every process (Python's hash() is salted per process)."""
    return zlib.crc32(node.encode("utf-8", "surrogatepass")) % shards


def route(edges: Iterable[Edge], shards: int) -> Iterator[tuple[int, list[Edge]]]:
    """Edges -> (shard, [(u, v)...]): every edge both ways, each half in the shard of its first node."""
    out: dict[int, list[Edge]] = defaultdict(list)
    for a, b in edges:
        out[shard_of(a, shards)].append((a, b))
        out[shard_of(b, shards)].append((b, a))
    yield from sorted(out.items())


def neighbours_of(lists: Iterable[list[Edge]]) -> dict[str, list[str]]:
    """One shard's half-edges -> node -> neighbours (repeats kept: the steps tolerate them)."""
    adj: dict[str, list[str]] = defaultdict(list)
    for half_edges in lists:
        for u, v in half_edges:
            adj[u].append(v)
    return adj


class _ShardStar(beam.DoFn):
    """(shard, [half-edges...]) -> the shard's nodes relinked by one star step, routed to the shards
    of the next step; counts the unsettled nodes of the round."""

    def __init__(self, star: Callable[[str, Iterable[str]], Iterator[Edge]], counter: str | None, shards: int):
        self.star, self.counter, self.shards = star, counter, shards

    def process(self, element):
        _, lists = element
        unsettled = 0
        relinked: list[Edge] = []
        for u, neighbours in neighbours_of(lists).items():
            if self.counter and not settled(u, neighbours):
                unsettled += 1
            relinked.extend(self.star(u, neighbours))
        if unsettled:
            count(self.counter, unsettled)
        yield from route(relinked, self.shards)


class _CheckConverged(beam.DoFn):
    def __init__(self, rounds: int):
        self.rounds = rounds

    def process(self, element):
        _, lists = element
        for u, neighbours in sorted(neighbours_of(lists).items()):
            if not settled(u, neighbours):
                count("dedup.cc.not_converged")
                raise ComponentsNotConverged(
                    f"connected components did not converge in {self.rounds} rounds (node {u} unsettled); "
                    "raise the round bound (--dedup-max-rounds) or look for a giant chain of near-duplicates"
                )
            yield u, min(u, *neighbours)


def _normal(e: Edge) -> tuple[Edge, None]:
    a, b = e
    return ((a, b) if a < b else (b, a)), None


class ConnectedComponents(beam.PTransform):
    """Edges (a, b) -> (node, label) for every node that has an edge; label = smallest node of its
    component. `max_rounds` large-star + small-star rounds are unrolled; the result is checked.

    Each step groups half-edges by the shard of their node (`shards` groups, each a list) rather
    than by node: the same algorithm, one shuffled element per (bundle, shard) instead of two per
    edge in each of the 24 steps (on the local runner every shuffled element costs encoding,
    grouping and decoding in Python). A shard holds 1/shards of the edges."""

    def __init__(self, max_rounds: int = 12, shards: int = 32):
        super().__init__()
        self.max_rounds, self.shards = max_rounds, shards

    def expand(self, edges):
        shards = self.shards
        current = (
            edges
            | "DropLoops" >> beam.Filter(lambda e: e[0] != e[1])
            | "Normal0" >> beam.Map(_normal)
            | "Distinct0" >> beam.CombinePerKey(lambda _: None)
            | "Edges0" >> beam.Keys()
            | "Batch0" >> beam.BatchElements(min_batch_size=1024, max_batch_size=16384)
            | "Route0" >> beam.FlatMap(route, shards)
        )
        for r in range(1, self.max_rounds + 1):
            # No Distinct between steps: a step emits at most one edge per input edge (plus one per
            # node), so repeated edges cannot multiply, and each step tolerates repeats.
            current = (
                current
                | f"Large{r:02d}Group" >> beam.GroupByKey()
                | f"Large{r:02d}Relink" >> beam.ParDo(_ShardStar(large_star, f"dedup.cc.round_{r:02d}.unsettled", shards))
                | f"Small{r:02d}Group" >> beam.GroupByKey()
                | f"Small{r:02d}Relink" >> beam.ParDo(_ShardStar(small_star, None, shards))
            )
        return current | "FinalGroup" >> beam.GroupByKey() | "CheckConverged" >> beam.ParDo(_CheckConverged(self.max_rounds))
