"""Where a run's tables live under the output root, how partitions are named, and where a run
stages its files before commit. Paths are built with Beam's FileSystems, never os.path, so the
same code serves local disk, gs:// and s3://.

Local disk (commit by directory rename):

    OUT/articles/ingest_date=D/part-*.parquet                      --partition-by ingest_date (default)
    OUT/articles/published_date=P/ingest_date=D/part-*.parquet     --partition-by published_date
    OUT/rejects/ingest_date=D/part-*.parquet                       rejects have no publication date
    OUT/clusters/ingest_date=D/part-*.parquet                      near-duplicate clusters as of run date D
    OUT/_manifests/<run_id>.json
    OUT/_lock.json                     the running run's lock: owner and heartbeat (pipeline/lock.py)
    OUT/_staging/<run_id>/...          the same tree, written by the run, renamed into place at commit
    OUT/_staging/<run_id>/_manifest.json  the success manifest, renamed into _manifests/ first at commit
    OUT/_staging/<run_id>.commit.json  commit journal: rolled forward by the next run if a commit was killed

Object stores (no atomic directory rename; commit by one atomic object write):

    OUT/_runs/<run_id>/articles/...    versioned run folder: the same tree as above, written in place
    OUT/_runs/<run_id>/_SUCCESS        the run finished and its counts reconciled
    OUT/_current/ingest_date=D.json    pointer to the committed run of D and its files: the commit itself
    OUT/_staging/<run_id>.commit.json  journal (pointer + manifest): rolled forward by the next run
    OUT/_lock.json                     the running run's lease (advisory: no create-only write here)

Staging never sits inside a table root (OUT/articles, OUT/rejects), so `OUT/articles/**/*.parquet`
never meets a hidden temp folder or a half-written file. Names starting with '_' are also skipped
by Spark and pyarrow.dataset. Staging stays under OUT because a rename only works on one filesystem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from apache_beam.io.filesystems import FileSystems

# learned: corpus-learned boilerplate lines (JSON Lines); clusters: doc_id -> cluster as of each run
TABLES = ("articles", "rejects", "learned", "clusters")
TABLE_SUFFIX = {"articles": ".parquet", "rejects": ".parquet", "learned": ".jsonl", "clusters": ".parquet"}
# Hive's, Spark's, pyarrow's and DuckDB's spelling of a null partition value.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_SAFE = re.compile(r"[A-Za-z0-9_.\-]+")
_MAX_VALUE_CHARS = 100  # directory names have length limits (255 bytes); partition values are short


def is_local(path: str) -> bool:
    """Local disk (plain path or file://): directory renames are atomic there."""
    return FileSystems.get_scheme(path) in (None, "file")


def sanitise_partition_value(value: object) -> str:
    """A partition value safe as one path segment on every filesystem: no '/', no '..', no control
    or odd characters. Characters outside [A-Za-z0-9_.-] are percent-encoded (Hive's escaping, which
    Spark and DuckDB decode); null and empty become Hive's default partition."""
    if value is None:
        return NULL_PARTITION
    text = str(value).strip()
    if not text:
        return NULL_PARTITION
    if not _SAFE.fullmatch(text):
        text = quote(text, safe="_.-")
    if set(text) <= {"."}:  # '.' and '..' name the directory itself or its parent
        text = text.replace(".", "%2E")
    return text[:_MAX_VALUE_CHARS]


def published_date(published_at: datetime | None) -> str:
    """The published_date partition value of a row: the UTC calendar date, or the null partition."""
    if published_at is None:
        return NULL_PARTITION
    if published_at.tzinfo is not None:
        published_at = published_at.astimezone(UTC)
    return sanitise_partition_value(published_at.date().isoformat())


@dataclass(frozen=True)
class Layout:
    """Paths of one output root."""

    root: str

    def table(self, name: str) -> str:
        return FileSystems.join(self.root, name)

    def partition(self, table: str, ingest_date: str) -> str:
        """The ingest_date partition of a table (articles under --partition-by ingest_date, rejects always)."""
        return FileSystems.join(self.root, table, f"ingest_date={sanitise_partition_value(ingest_date)}")

    @property
    def parked(self) -> str:
        """Where a run's collections wait on disk between stages (transforms/beam_park.py); in the
        staging layout only, removed when the pipeline ends."""
        return FileSystems.join(self.root, "_parked")

    @property
    def manifests(self) -> str:
        return FileSystems.join(self.root, "_manifests")

    def manifest(self, run_id: str) -> str:
        return FileSystems.join(self.manifests, f"{run_id}.json")

    def staging(self, run_id: str) -> Layout:
        """The same layout rooted in this run's private folder: staging on local disk, the versioned
        run folder on object stores."""
        if is_local(self.root):
            return Layout(FileSystems.join(self.root, "_staging", run_id))
        return Layout(FileSystems.join(self.root, "_runs", run_id))

    def trash(self, run_id: str) -> str:
        return FileSystems.join(self.root, "_staging", f"{run_id}.replaced")

    def journal(self, run_id: str) -> str:
        return FileSystems.join(self.root, "_staging", f"{run_id}.commit.json")

    @property
    def staging_root(self) -> str:
        return FileSystems.join(self.root, "_staging")

    @property
    def runs(self) -> str:
        return FileSystems.join(self.root, "_runs")

    def success(self, run_id: str) -> str:
        return FileSystems.join(self.runs, run_id, "_SUCCESS")

    @property
    def pointers(self) -> str:
        return FileSystems.join(self.root, "_current")

    def pointer(self, ingest_date: str) -> str:
        return FileSystems.join(self.pointers, f"ingest_date={sanitise_partition_value(ingest_date)}.json")

    @property
    def file_info(self) -> str:
        return FileSystems.join(self.root, "_files")
