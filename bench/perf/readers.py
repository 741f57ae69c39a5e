"""Throughput of each input reader (split into records) and its parser, on generated dumps.

python -m bench.perf.readers [N]    N generated articles per format (default 2000; HTML-based formats use N/4)

Inputs are written to a temporary directory from bench.corpora.synth (seed 7) in each format; the reader
is the real files.read_file (what the ReadFile DoFn runs, no runner), the parser the real PARSERS entry, both on
one core. MB are the bytes of the file as stored (compressed where it is).
"""

from __future__ import annotations

import bz2
import gzip
import random
import sys
import tempfile
import time
from pathlib import Path

import zstandard
from wirestrip.transforms.read import html_page as htmlpage
from wirestrip.transforms.read import language
from wirestrip.transforms.read.beam_parse import PARSERS
from wirestrip.transforms.read.files import FileToRead, read_file
from wirestrip.transforms.read.formats import FormatRecord, ReaderConfig

from bench.corpora import formats
from bench.corpora.synth import post


def _articles(n: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(7)
    out = []
    for _ in range(n):
        lines = [ln for ln in post(rng).split("\n") if ln.strip()]
        out.append((lines[0], lines[3:]))
    return out


def _write_inputs(d: Path, n: int) -> dict[str, Path]:
    arts = _articles(n)
    few = arts[: max(1, n // 4)]
    rows = [{"id": str(i), "title": t, "publisher": "Bench", "text": " ### ".join(p)} for i, (t, p) in enumerate(arts)]
    jsonl = formats.jsonl_dump([{"url": f"https://example.org/{i}", "title": t, "text": "\n\n".join(p)} for i, (t, p) in enumerate(arts)])
    files = {
        "csv": ("dump.csv", formats.csv_dump(rows)),
        "jsonl": ("dump.jsonl", jsonl),
        "jsonl.gz": ("dump.jsonl.gz", gzip.compress(jsonl, 6)),
        "jsonl.bz2": ("dump.jsonl.bz2", bz2.compress(jsonl)),
        "jsonl.zst": ("dump.jsonl.zst", zstandard.ZstdCompressor().compress(jsonl)),
        "txt": ("posts.txt", "\n=====\n".join(post(random.Random(i)) for i in range(n)).encode()),
        "warc.gz": (
            "crawl.warc.gz",
            formats.warc_dump(
                [(f"https://example.org/{i}", formats.page(t, p).encode()) for i, (t, p) in enumerate(few)],
                gzip=True,
            ),
        ),
        "rss": ("feed.rss", formats.rss_dump([formats.rss_item(t, "".join(f"<p>{x}</p>" for x in p)) for t, p in few])),
        "html": ("page.html", formats.page(*few[0]).encode()),
    }
    out = {}
    for key, (name, data) in files.items():
        (d / name).write_bytes(data)
        out[key] = d / name
    return out


def main(n: int = 2000) -> None:
    htmlpage.setup()
    language.setup()
    cfg = ReaderConfig(max_file_bytes=1 << 30, max_record_bytes=8 << 20)
    print(f"inputs: {n} generated articles per format (bench.corpora.synth, seed 7); warc/rss pages: {max(1, n // 4)}; one core, no runner")
    print("read = split the file into records (decompression included); parse = the format's parser (HTML extraction")
    print("where it applies); language = the offline detector on the parsed text. Parse/language on up to 300 records.")
    print(
        f"{'format':>10} {'file MB':>8} {'records':>8} | {'read rec/s':>10} {'read MB/s':>9} | {'parse rec/s':>11} | {'language rec/s':>14}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for key, path in _write_inputs(Path(tmp), n).items():
            size = path.stat().st_size
            reps = 30 if key == "html" else 1
            t = time.perf_counter()
            for _ in range(reps):
                records = [o for o in read_file(FileToRead(str(path), path.name, size), cfg) if isinstance(o, FormatRecord)]
            read_s = (time.perf_counter() - t) / reps
            sample = records[: min(len(records), 300)]
            t = time.perf_counter()
            parsed = [PARSERS[r.input_format](r, "UTC") for r in sample]
            parse_s = time.perf_counter() - t
            t = time.perf_counter()
            for a in parsed:
                language.detect_language(a.paragraphs, a.language)
            lang_s = time.perf_counter() - t
            print(
                f"{key:>10} {size / 1e6:8.2f} {len(records):8d} | {len(records) / read_s:10.0f} {size / 1e6 / read_s:9.1f} | "
                f"{len(sample) / parse_s:11.0f} | {len(sample) / lang_s:14.0f}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
