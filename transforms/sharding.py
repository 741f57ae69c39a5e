"""Deterministic sharding of string keys: the same key lands in the same shard in every process and
on every run (Python's hash() is salted per process)."""

from __future__ import annotations

import xxhash


def shard_of(key: str, shards: int) -> int:
    """The shard of `key` among `shards`; xxh3's low bits are uniform, so a modulo spreads evenly."""
    return xxhash.xxh3_64_intdigest(key.encode("utf-8", "surrogatepass")) % shards if shards > 1 else 0
