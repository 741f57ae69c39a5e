"""Connected components, the pure steps: large-star / small-star relinking of one node's
neighbours (Kiveris et al., "Connected Components in MapReduce and Beyond", SoCC 2014), the
settled test, a local reference implementation, and routing of half-edges to shards.
The Beam rounds that use them: transforms/dedup/beam_components.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from wirestrip.transforms.sharding import shard_of

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
