"""`make bench-scale`'s batch sizes (10k -> 100k -> 1M for N=1,000,000) and its memory cap."""

from __future__ import annotations

from bench.perf.scale import growth_sizes, memory_cap


def test_growth_sizes():
    assert growth_sizes(100_000) == [10_000, 100_000]
    assert growth_sizes(1_000_000) == [10_000, 100_000, 1_000_000]
    assert growth_sizes(100_000, growth=False) == [100_000]
    assert growth_sizes(500) == [500]


def test_memory_cap_leaves_the_machine_room():
    cap = memory_cap()
    assert cap is None or 0 < cap < 2**50
