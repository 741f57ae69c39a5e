"""The reader's side of the output: which files are committed, on any filesystem.

Local disk: every Parquet file under `OUT/<table>/` (staging lives elsewhere, so a plain glob is
safe). Object stores: only the files listed by the pointers `OUT/_current/ingest_date=*.json`
whose run folder holds `_SUCCESS`; run folders of failed, killed or replaced runs are ignored.
`wirestrip report` reads through this module, and so can any Python reader (see docs/output.md).
"""

from __future__ import annotations

import logging
import os

from apache_beam.io.filesystems import FileSystems
from wirestrip.pipeline.commit import list_files, read_json
from wirestrip.pipeline.layout import Layout, is_local

log = logging.getLogger("wirestrip")


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
    """Every committed Parquet file of `table` under the output root `root`."""
    out = Layout(root)
    if is_local(root):
        return list_files(out.table(table))
    files = []
    for p in pointers(out):
        folder = FileSystems.join(out.root, p["run_folder"])
        files += [FileSystems.join(folder, rel) for rel in p["files"].get(table, [])]
    return sorted(files)


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
