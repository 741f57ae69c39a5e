"""The reader's side of the output: which files are committed, on any filesystem.

Local disk: every Parquet file under `OUT/<table>/` (staging lives elsewhere, so a plain glob is
safe). Object stores: only the files listed by the pointers `OUT/_current/ingest_date=*.json`
whose run folder holds `_SUCCESS`; run folders of failed, killed or replaced runs are ignored.
Files are found under either partition layout (`ingest_date=D/` or `published_date=P/ingest_date=D/`)
and read with their partition columns. `wirestrip report` and `wirestrip explain` read through this
module, and so can any Python reader (see docs/output.md); no other reader lists table files.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.commit import list_files, read_json
from wirestrip.pipeline.layout import NULL_PARTITION, TABLE_SUFFIX, Layout, is_local

log = logging.getLogger("wirestrip")
# The Hive keys pipeline/layout.py writes; a '=' in any other path segment (the root's own name) is not one.
PARTITION_KEYS = ("published_date", "ingest_date")


def pointers(out: Layout) -> list[dict]:
    """The committed pointers of an object-store output, one per ingest date, sorted by date."""
    found = []
    for path in list_files(out.pointers, ".json"):
        p = read_json(path)
        if p is None:
            continue
        if not FileSystems.exists(out.success(p["run_id"])):
            log.warning("pointer %s names run %s without _SUCCESS: ignored", path, p["run_id"])
            continue
        found.append(p)
    return sorted(found, key=lambda p: p["ingest_date"])


def committed_files(root: str, table: str) -> list[str]:
    """Every committed file of `table` (Parquet; JSON Lines for `learned`) under the output root `root`."""
    out = Layout(root)
    if is_local(root):
        return list_files(out.table(table), TABLE_SUFFIX.get(table, ".parquet"))
    files = []
    for p in pointers(out):
        folder = FileSystems.join(out.root, p["run_folder"])
        files += [FileSystems.join(folder, rel) for rel in p["files"].get(table, [])]
    return sorted(files)


def partition_values(path: str) -> dict[str, str | None]:
    """The Hive partition columns named by a file's path (`published_date=P/ingest_date=D/part-0.parquet`),
    decoded as Hive readers do: percent-escapes undone, the default partition read as null."""
    segments = (seg.split("=", 1) for seg in path.split("/")[:-1] if "=" in seg)
    return {key: None if value == NULL_PARTITION else unquote(value) for key, value in segments if key in PARTITION_KEYS}


def read_parquet(path: str, where: pc.Expression | None = None) -> pa.Table:
    """One committed Parquet file (any Beam filesystem), its partition columns appended, optionally
    only the rows matching `where` (pushed down to the row groups)."""
    if is_local(path):  # a plain path lets pyarrow use native, multi-threaded reads
        table = pq.read_table(path.removeprefix("file://"), filters=where)
    else:
        with FileSystems.open(path, compression_type="uncompressed") as f:
            table = pq.read_table(f, filters=where)
    for key, value in partition_values(path).items():
        if key not in table.column_names:
            table = table.append_column(key, pa.array([value] * table.num_rows, pa.string()))
    return table


def rows_with_doc_id(root: str, table: str, doc_id: str) -> list[dict]:
    """Every committed row of `table` whose doc_id is `doc_id` (one per ingest date that holds it)."""
    where = pc.field("doc_id") == doc_id
    return [row for path in committed_files(root, table) for row in read_parquet(path, where).to_pylist()]


def partition_scheme(root: str) -> str | None:
    """`ingest_date` or `published_date`: how the articles already committed under `root` are
    partitioned (None when there are none)."""
    if is_local(root):  # the first partition directory says it; no need to list every file
        table = Layout(root).table("articles")
        table = table[len("file://") :] if table.startswith("file://") else table
        names = sorted(n for n in os.listdir(table) if "=" in n and not n.startswith(("_", "."))) if os.path.isdir(table) else []
        return names[0].split("=", 1)[0] if names else None
    for path in committed_files(root, "articles"):
        rel = path.split("/articles/", 1)[-1]
        return rel.split("=", 1)[0] if "=" in rel else None
    return None


def interrupted_commits(root: str) -> list[str]:
    """Local commit journals left by a killed run (the next run rolls them forward)."""
    if not is_local(root):
        return []
    return list_files(Layout(root).staging_root, ".commit.json")
