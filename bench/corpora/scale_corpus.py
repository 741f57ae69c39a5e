"""A deterministic corpus of N syndicated-news posts for the scale benchmark.

Stories are built from real sentences when ../shared/corpora/bbc is present (sentences drawn at
random from the whole pool; the lead paragraph's with half their words redrawn, so that unrelated
stories do not open alike), else from bench.corpora.synth's generator. About 30% of stories are
syndicated: 1-20 copies, each re-headlined, trimmed from the end and wrapped in a different
outlet's boilerplate, as wire copies are.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

from bench.corpora.synth import sentence

BBC = Path(__file__).resolve().parents[2].parent / "shared" / "corpora" / "bbc"
SYNDICATED_SHARE = 0.30  # the mix: ~30% of stories carry copies
MAX_COPIES = 20
_OUTLETS = (
    ("NDTV", "(Except for the headline, this story has not been edited by NDTV staff and is published from a syndicated feed.)"),
    (
        "Business Standard",
        "(Only the headline and picture of this report may have been reworked by the Business Standard staff; the rest of the content is auto-generated from a syndicated feed.)",
    ),
    (
        "AP member",
        "Copyright 2025 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
    ),
)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def _bbc_sentences() -> list[str]:
    out: list[str] = []
    for path in sorted(BBC.glob("*/*.txt")):
        body = path.read_text(encoding="latin-1").split("\n", 1)[-1]
        out.extend(s.strip() for s in _SENT.split(" ".join(body.split())) if 40 <= len(s) <= 400)
    return out


def vocabulary(pool: list[str]) -> list[str]:
    """The words of the pool's first 2,000 sentences, repeats kept: drawing from it follows the word
    frequencies of real text (Zipf-like)."""
    return [w for sent in pool[:2000] for w in sent.split(" ")]


def story_sentence(rng: random.Random, pool: list[str], vocab: list[str]) -> str:
    """A pool sentence with half its words replaced by words drawn from real text: unrelated stories
    then share about as few word 3-grams as real ones do, however many documents are generated (a
    fixed pool of whole sentences would make spurious candidate pairs grow with the square of N)."""
    return " ".join(w if rng.random() < 0.5 else rng.choice(vocab) for w in rng.choice(pool).split(" "))


def _story(rng: random.Random, pool: list[str] | None, vocab: list[str], target_bytes: int) -> tuple[str, list[str]]:
    draw = (lambda: rng.choice(pool)) if pool else (lambda: sentence(rng, rng.randint(12, 28)))
    # Dedup's lead bands hash a story's first words: whole pool sentences there would make every
    # two stories that open with the same sentence a candidate pair (9,000 story pairs at 100k).
    lead = (lambda: story_sentence(rng, pool, vocab)) if pool else draw
    title = (draw()[:70].rsplit(" ", 1)[0]).rstrip(",;:")
    paras, size = [], 0
    while size < target_bytes:
        p = " ".join((lead if not paras else draw)() for _ in range(rng.randint(2, 4)))
        paras.append(p)
        size += len(p)
    return title, paras


def _post(rng: random.Random, title: str, stamp: str, city: str, paras: list[str], outlet: int | None) -> str:
    blocks = [title, stamp, title, f"{city}:", *paras]
    if outlet is not None:
        blocks += [_OUTLETS[outlet][1], "World,News,Wire", "Source link", "Loading"]
    return "\n\n".join(blocks)


def generate(n: int, seed: int = 11, target_bytes: int = 3000) -> Iterator[str]:
    """Yield exactly `n` posts, deterministically for a given seed."""
    rng = random.Random(seed)
    pool = _bbc_sentences() if BBC.exists() else None
    vocab = vocabulary(pool or [])
    made = 0
    while made < n:
        title, paras = _story(rng, pool, vocab, target_bytes)
        stamp = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00"
        city = rng.choice(("Paris", "London", "New Delhi", "Nairobi", "Lima", "Tokyo"))
        syndicated = rng.random() < SYNDICATED_SHARE
        yield _post(rng, title, stamp, city, paras, rng.randrange(len(_OUTLETS)) if syndicated else None)
        made += 1
        copies = rng.randint(1, MAX_COPIES) if syndicated else 0
        for _ in range(min(copies, n - made)):
            keep = max(1, round(len(paras) * rng.uniform(0.3, 1.0)))  # trimmed from the end
            headline = rng.choice((title, title.upper(), "Update: " + title, title + " - report"))
            yield _post(rng, headline, stamp, city, paras[:keep], rng.randrange(len(_OUTLETS)))
            made += 1


def source() -> str:
    return f"sentences of {BBC}" if BBC.exists() else "bench.corpora.synth's built-in generator (../shared absent)"
