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

from collections.abc import Callable, Iterable, Iterator

import apache_beam as beam
from wirestrip.transforms.beam_safe import count
from wirestrip.transforms.dedup.components import ComponentsNotConverged, Edge, large_star, neighbours_of, route, settled, small_star


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
