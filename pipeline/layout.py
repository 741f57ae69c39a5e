"""Where a run's tables live under the output root, and where it stages them before commit.

    OUT/articles/ingest_date=D/part-*.parquet
    OUT/rejects/ingest_date=D/part-*.parquet
    OUT/_manifests/<run_id>.json
    OUT/_staging/<run_id>/...        same tree, written by the run, renamed into place at commit

Names starting with '_' are skipped by Spark, pyarrow.dataset and DuckDB's hive partitioning
globs over `OUT/articles/**`, so staging never shows through to readers.
"""

from __future__ import annotations

from dataclasses import dataclass

from apache_beam.io.filesystems import FileSystems

TABLES = ("articles", "rejects", "learned")  # learned: corpus-learned boilerplate lines (JSON Lines)


@dataclass(frozen=True)
class Layout:
    """Paths of one output root."""

    root: str

    def table(self, name: str) -> str:
        return FileSystems.join(self.root, name)

    def partition(self, table: str, ingest_date: str) -> str:
        return FileSystems.join(self.root, table, f"ingest_date={ingest_date}")

    @property
    def manifests(self) -> str:
        return FileSystems.join(self.root, "_manifests")

    def manifest(self, run_id: str) -> str:
        return FileSystems.join(self.manifests, f"{run_id}.json")

    def staging(self, run_id: str) -> Layout:
        """The same layout rooted in this run's private staging folder."""
        return Layout(FileSystems.join(self.root, "_staging", run_id))

    def trash(self, run_id: str) -> str:
        return FileSystems.join(self.root, "_staging", f"{run_id}.replaced")

    @property
    def file_info(self) -> str:
        return FileSystems.join(self.root, "_files")
