"""Deterministic synthetic scraped posts for benchmarks (no external data needed)."""

from __future__ import annotations

import random

_WORDS = (
    "minister council port harbour union workers said on monday tuesday city officials police rain "
    "market prices rose fell percent government talks strike court ruling election vote school "
    "hospital doctors patients flood river bridge road tunnel trains buses airport flights company "
    "shares profit quarter bank rates inflation farmers crops drought heat storm coast fishermen "
    "museum library fire festival team coach match season league players fans stadium report"
).split()
_CITIES = ("Paris", "New Delhi", "Lisbon", "Nairobi", "Lima", "Osaka", "Cairo", "Oslo")
_DISCLAIMERS = (
    "(Except for the headline, this story has not been edited by NDTV staff and is published from a syndicated feed.)",
    "(Only the headline and picture of this report may have been reworked by the Business Standard staff; the rest of the content is auto-generated from a syndicated feed.)",
    "Copyright 2025 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
)


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def post(rng: random.Random, target_bytes: int = 3000) -> str:
    """One post in the seed layout, about `target_bytes` long."""
    title = sentence(rng, 8)[:-1].title()
    paras, size = [], 0
    while size < target_bytes:
        p = " ".join(sentence(rng, rng.randint(12, 28)) for _ in range(rng.randint(2, 4)))
        paras.append(p)
        size += len(p)
    tags = ",".join(rng.choice(_WORDS).title() for _ in range(4))
    return "\n\n".join(
        [
            title,
            f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 0{rng.randint(0, 9)}:15:00",
            title,
            sentence(rng, 14),
            f"{rng.choice(_CITIES)}:",
            *paras,
            rng.choice(_DISCLAIMERS),
            tags,
            "Source link",
            "Loading",
        ]
    )


def posts(n: int, seed: int = 7, target_bytes: int = 3000) -> list[str]:
    """`n` posts from a fixed seed: the same list on every machine."""
    rng = random.Random(seed)
    return [post(rng, target_bytes) for _ in range(n)]
