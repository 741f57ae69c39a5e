"""Counters reach pure code as an injected callable (the TFDS c4_utils way): a pure function takes
`count: Count = no_count`, and its Beam wrapper passes `beam_safe.count` (a Beam Metrics counter).
So every pure function runs in a REPL, and imports no Beam."""

from __future__ import annotations

from typing import Protocol


class Count(Protocol):
    """Adds `n` to the counter called `name`."""

    def __call__(self, name: str, n: int = 1, /) -> None: ...


def no_count(name: str, n: int = 1, /) -> None:
    """The default counter of pure functions: counts nothing."""
