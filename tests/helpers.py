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

_VOCAB = (
    "river ferry tariff senate budget clinic nurses vaccine harvest wheat rainfall levee storm grid "
    "power outage miners union pay deal mayor council housing rents court appeal verdict judges "
    "exports freight rail strike airline pilots fares museum archive festival stadium league final "
    "coach referee police inquiry report reform pension teachers exam students bridge repairs"
).split()
_NOTES = (
    "(This story was auto-published from a syndicated feed and was not edited by our staff.)",
    "Copyright 2025 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
)


def posts(n: int, seed: int = 7, target_bytes: int = 3000) -> list[str]:
    """`n` distinct scraped posts in the seed layout (title, time, repeated title, lead, dateline,
    body, disclaimer, tag line, scraper junk), each about `target_bytes` long, from a fixed seed."""
    rng = random.Random(seed)

    def words(k: int) -> str:
        return " ".join(rng.choices(_VOCAB, k=k)).capitalize() + "."

    out = []
    for i in range(n):
        title = f"{words(6)[:-1].title()} {i}"
        body: list[str] = []
        while sum(map(len, body)) < target_bytes:
            body.append(" ".join(words(rng.randint(10, 25)) for _ in range(3)))
        stamp = f"2025-{rng.randint(1, 9):02d}-{rng.randint(10, 28)} {rng.randint(0, 9):02d}:15:00"
        tags = ",".join(w.title() for w in rng.sample(_VOCAB, 4))
        out.append("\n\n".join([title, stamp, title, words(14), "Lisbon:", *body, rng.choice(_NOTES), tags, "Source link", "Loading"]))
    return out


# --- one story as two agencies told it (dedup tests) ---------------------------------------------

FLOOD = [
    "GENEVA, March 4 (AFP) - Heavy rain swept across the western cantons of Switzerland on Tuesday, flooding "
    "the old town of a lakeside city and forcing the evacuation of about two hundred residents from low-lying streets.",
    "Emergency crews worked through the night to pump water out of cellars and shops, while the regional railway "
    "suspended services on two lines after a landslide covered the tracks near a tunnel entrance.",
    "The national weather office said more than ninety millimetres of rain had fallen in twelve hours, the highest "
    "total recorded at its station since records began in the nineteenth century.",
    "Local officials opened a sports hall as a shelter and asked drivers to avoid the lake road, which was closed "
    "in both directions after the water rose above the level of the promenade.",
    "Insurers said it was too early to estimate the cost of the damage, but shop owners described stock ruined by "
    "muddy water that had poured through doors and ventilation shafts within minutes.",
    "Forecasters expect the rain to ease on Wednesday afternoon, although they warned that rivers fed by melting "
    "snow in the mountains could keep rising until the end of the week.",
]
# Another agency's story on the same event: same facts, its own words.
FLOOD_OTHER_AGENCY = [
    "ZURICH, March 4 (Reuters) - Swiss authorities moved roughly 200 people out of their homes as torrential "
    "downpours submerged parts of a historic lakeside district in the west of the country on Tuesday.",
    "A rail operator halted trains on a pair of routes when mud and rocks slid onto the line, and firefighters "
    "spent hours clearing water from basements, a spokesman for the canton told reporters.",
    "Meteorologists measured over 90 mm of precipitation within half a day, calling it an all-time high for the "
    "gauge, which has operated for more than 150 years.",
    "A gymnasium has been turned into emergency accommodation and motorists were told to stay away from the "
    "shoreline route, now shut as the lake spilled over its banks.",
    "Damage estimates were not yet available from insurance companies; retailers said goods were destroyed as "
    "brown water flooded their premises almost instantly.",
]
