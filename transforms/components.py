"""Connected components in Beam: large-star / small-star rounds (Kiveris et al., "Connected
Components in MapReduce and Beyond", SoCC 2014), unrolled in the graph.

Each round groups edges by node (GroupByKey) and relinks neighbours to the smallest node seen; no
step holds more than one node's neighbours, and a node's neighbours are streamed twice (min, then
emit), never collected. The graph converges to a star forest: every component a star centred on
its smallest node. Convergence is checked, never assumed: a node is *settled* when all its
neighbours are larger (a centre) or it has exactly one neighbour and that one is smaller (a leaf);
every round counts the unsettled nodes (Beam counter `dedup.cc.round_NN.unsettled`), and after the
last round a check raises ComponentsNotConverged if any node is unsettled: the run fails loudly.

Node ids are strings (doc_ids); the label of a component is its smallest id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

import apache_beam as beam

from transforms.safe import count

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


class _Star(beam.DoFn):
    """(node, neighbours) -> relinked edges; counts the unsettled nodes of the round."""

    def __init__(self, star: Callable[[str, Iterable[str]], Iterator[Edge]], counter: str | None):
        self.star, self.counter = star, counter

    def process(self, element):
        u, neighbours = element
        if self.counter and not settled(u, neighbours):
            count(self.counter)
        yield from self.star(u, neighbours)


class _CheckConverged(beam.DoFn):
    def __init__(self, rounds: int):
        self.rounds = rounds

    def process(self, element):
        u, neighbours = element
        if not settled(u, neighbours):
            count("dedup.cc.not_converged")
            raise ComponentsNotConverged(
                f"connected components did not converge in {self.rounds} rounds (node {u} unsettled); "
                "raise the round bound (--dedup-max-rounds) or look for a giant chain of near-duplicates"
            )
        m = u
        for v in neighbours:
            m = min(m, v)
        yield u, m


def _both_directions(e: Edge) -> Iterator[Edge]:
    yield e
    yield e[1], e[0]


def _normal(e: Edge) -> tuple[Edge, None]:
    a, b = e
    return ((a, b) if a < b else (b, a)), None


class ConnectedComponents(beam.PTransform):
    """Edges (a, b) -> (node, label) for every node that has an edge; label = smallest node of its
    component. `max_rounds` large-star + small-star rounds are unrolled; the result is checked."""

    def __init__(self, max_rounds: int = 12):
        super().__init__()
        self.max_rounds = max_rounds

    def _star(self, edges, name: str, star, counter: str | None):
        return (
            edges
            | f"{name}Both" >> beam.FlatMap(_both_directions)
            | f"{name}Group" >> beam.GroupByKey()
            | f"{name}Relink" >> beam.ParDo(_Star(star, counter))
        )

    def expand(self, edges):
        current = (
            edges
            | "DropLoops" >> beam.Filter(lambda e: e[0] != e[1])
            | "Normal0" >> beam.Map(_normal)
            | "Distinct0" >> beam.CombinePerKey(lambda _: None)
            | "Edges0" >> beam.Keys()
        )
        for r in range(1, self.max_rounds + 1):
            current = self._star(current, f"Large{r:02d}", large_star, f"dedup.cc.round_{r:02d}.unsettled")
            # No Distinct between steps: a step emits at most one edge per input edge (plus one per
            # node), so repeated edges cannot multiply, and each step tolerates repeats.
            current = self._star(current, f"Small{r:02d}", small_star, None)
        return (
            current
            | "FinalBoth" >> beam.FlatMap(_both_directions)
            | "FinalGroup" >> beam.GroupByKey()
            | "CheckConverged" >> beam.ParDo(_CheckConverged(self.max_rounds))
        )
