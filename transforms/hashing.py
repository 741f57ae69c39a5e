"""Ids and content hashes. xxhash always hashes bytes (xxhash 4 rejects str)."""

from __future__ import annotations

import xxhash


def raw_sha(data: bytes) -> str:
    """xxh3-128 hex digest of raw record bytes."""
    return xxhash.xxh3_128_hexdigest(data)


def doc_id(rel_path: str, locator: str, raw_digest: str) -> str:
    """Stable record id from the path relative to the input root, the locator and the raw bytes' hash.

    No absolute path goes in, so the same dump read from another folder or bucket keeps its ids.
    """
    key = "\x1f".join((rel_path, locator, raw_digest)).encode("utf-8", "surrogatepass")
    return xxhash.xxh3_128_hexdigest(key)


def text_hash(normalised: str) -> str:
    """xxh3-128 hex digest of already-normalised text."""
    return xxhash.xxh3_128_hexdigest(normalised.encode("utf-8", "surrogatepass"))
