"""Helpers shared by the test modules: paths, the in-process CLI, Parquet readers, in-memory records,
generated posts. Test modules import from here (or tests/dumps.py, tests/objectstore_fs.py), never
from one another; nothing here or in the test modules imports the bench package."""

from __future__ import annotations

import glob
import os
import random
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.record_types import RawRecord
from wirestrip.transforms.write.table_rows import RunContext

from tests import dumps

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "dumps"
SHARED = ROOT.parent / "shared"
SEED = SHARED / "reference" / "000_7cc50bb4219283b2.txt"


def read_table(out: Path, table: str) -> list[dict]:
    """All rows of one output table, every partition, sorted by doc_id / locator."""
    files = sorted(glob.glob(os.path.join(out, table, "*", "*.parquet")))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    return sorted(rows, key=lambda r: (r.get("doc_id") or "", r["source_uri"], r["locator"]))


def run_cli(*args: str) -> int:
    """Run `wirestrip run ARGS` in-process; return the exit code."""
    from wirestrip.pipeline.cli import main

    return main(["run", *args])


# --- in-memory records ----------------------------------------------------------------------------

SEED_LAYOUT = """Harbour Cranes Idle As Dockers Strike “Indefinitely”

2024-04-08 22:51:46

Harbour Cranes Idle As Dockers Strike 'Indefinitely'

Ships queued outside the port for a third day.

Rotterdam:

Dockers at the main container terminal walked out on Monday, union officials said.

“We will stay out until the talks restart,” one organiser said.

(Except for the headline, this story has not been edited by NDTV staff and is published from a syndicated feed.)

Netherlands,Rotterdam,Port Strike

Source link

Loading"""


def record(text: str | bytes, locator: str = "post=0") -> RawRecord:
    """One txt record of file mem://x.txt, as the reader would emit it."""
    raw = text.encode() if isinstance(text, str) else text
    sha = raw_sha(raw)
    return RawRecord("mem://x.txt", "x.txt", locator, "txt", raw, sha, doc_id("x.txt", locator, sha))


CTX = RunContext("run-test", "0.0.0", "test", datetime(2025, 1, 1, tzinfo=UTC), 1 << 20)


# --- WARC dumps -----------------------------------------------------------------------------------

WARC_RECORDS = [
    ("response", "https://example.org/a", 200, "text/html; charset=utf-8", dumps.page("A", dumps.PARAS).encode()),
    ("request", "https://example.org/a", 0, "", b""),
    ("response", "https://example.org/missing", 404, "text/html", b"<html><body>Not found</body></html>"),
    ("response", "https://example.org/logo.png", 200, "image/png", b"\x89PNG..."),
    ("response", "https://example.org/b", 200, "text/html", dumps.page("B", dumps.GERMAN, lang="de").encode()),
]


def member_per_record_warc(n: int) -> bytes:
    """A .warc.gz of `n` HTML responses (every fifth a 404), one gzip member per record."""
    recs = [
        ("response", f"https://example.org/{i}", 200 if i % 5 else 404, "text/html", dumps.page(f"P{i}", dumps.PARAS).encode())
        for i in range(n)
    ]
    return dumps.warc_dump(recs, gzip=True)


# --- generated scraped posts (seeded: the same list on every machine) ----------------------------

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


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(n)).capitalize() + "."


def _post(rng: random.Random, target_bytes: int) -> str:
    title = _sentence(rng, 8)[:-1].title()
    paras, size = [], 0
    while size < target_bytes:
        p = " ".join(_sentence(rng, rng.randint(12, 28)) for _ in range(rng.randint(2, 4)))
        paras.append(p)
        size += len(p)
    tags = ",".join(rng.choice(_WORDS).title() for _ in range(4))
    stamp = f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)} 0{rng.randint(0, 9)}:15:00"
    lede = _sentence(rng, 14)
    city = rng.choice(_CITIES)
    disclaimer = rng.choice(_DISCLAIMERS)
    return "\n\n".join([title, stamp, title, lede, f"{city}:", *paras, disclaimer, tags, "Source link", "Loading"])


def posts(n: int, seed: int = 7, target_bytes: int = 3000) -> list[str]:
    """`n` scraped posts in the seed layout, each about `target_bytes` long, from a fixed seed."""
    rng = random.Random(seed)
    return [_post(rng, target_bytes) for _ in range(n)]
