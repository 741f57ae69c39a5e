"""Connected components (large-star / small-star) against a plain union-find."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wirestrip.transforms.dedup.beam_components import ConnectedComponents
from wirestrip.transforms.dedup.components import ComponentsNotConverged, components_local, large_star, settled, small_star


def union_find(edges: list[tuple[str, str]]) -> dict[str, str]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in list(parent)}


def _only_edged(edges, labels):
    nodes = {n for e in edges if e[0] != e[1] for n in e}
    return {n: labels[n] for n in nodes}


node = st.integers(0, 60).map(lambda i: f"d{i:03d}")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(node, node), max_size=120))
def test_components_equal_union_find_on_random_graphs(edges):
    assert components_local(edges) == _only_edged(edges, union_find(edges))


def test_long_sorted_chain_converges_and_a_too_small_bound_fails_loudly():
    chain = [(f"n{i:04d}", f"n{i + 1:04d}") for i in range(500)]
    labels = components_local(chain)
    assert set(labels.values()) == {"n0000"} and len(labels) == 501
    with pytest.raises(ComponentsNotConverged):
        components_local(chain, max_rounds=2)


def test_star_steps_and_settled():
    assert sorted(large_star("b", ["a", "c", "d"])) == [("a", "c"), ("a", "d")]
    assert sorted(small_star("c", ["a", "b", "d"])) == [("a", "b"), ("a", "c")]
    assert list(small_star("a", ["b"])) == []
    assert settled("a", ["b", "c"]) and settled("c", ["a"]) and not settled("b", ["a", "c"]) and not settled("c", ["a", "b"])


@pytest.mark.parametrize("shards", [1, 3, 32])
def test_beam_components_equal_union_find_and_fail_loudly_when_not_converged(shards):
    import random

    import apache_beam as beam
    from apache_beam.testing.util import assert_that, equal_to
    from wirestrip.pipeline.runners import OfflineDirectRunner

    rng = random.Random(5)
    edges = [(f"x{rng.randrange(80):02d}", f"x{rng.randrange(80):02d}") for _ in range(70)]
    edges += [(f"c{i:03d}", f"c{i + 1:03d}") for i in range(40)]  # a chain needs several rounds
    expected = sorted(_only_edged(edges, union_find(edges)).items())
    with beam.Pipeline(runner=OfflineDirectRunner()) as p:
        got = p | beam.Create(edges) | ConnectedComponents(max_rounds=6, shards=shards)
        assert_that(got, equal_to(expected))
    chain = [(f"n{i:03d}", f"n{i + 1:03d}") for i in range(300)]
    with pytest.raises(Exception, match="did not converge"):
        with beam.Pipeline(runner=OfflineDirectRunner()) as p:
            _ = p | beam.Create(chain) | ConnectedComponents(max_rounds=1, shards=shards)
