"""Writing table rows as zstd Parquet shards into a staging directory (committed later by the driver)."""

from __future__ import annotations

import apache_beam as beam
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems

# 64 MiB of buffered rows per row group: large enough for column pruning and fast scans in
# DuckDB/Spark/BigQuery, small enough for a worker to hold while writing.
ROW_GROUP_BYTES = 64 << 20


class WriteTable(beam.PTransform):
    """Rows (dicts) -> `<directory>/part-SSSSS-of-NNNNN.parquet`, typed by `schema`."""

    def __init__(self, directory: str, schema: pa.Schema, num_shards: int = 0):
        super().__init__()
        self.directory, self.schema, self.num_shards = directory, schema, num_shards

    def expand(self, rows):
        return rows | "WriteParquet" >> beam.io.WriteToParquet(
            FileSystems.join(self.directory, "part"),
            schema=self.schema,
            codec="zstd",
            file_name_suffix=".parquet",
            num_shards=self.num_shards,
            row_group_buffer_size=ROW_GROUP_BYTES,
        )


class WriteJsonLines(beam.PTransform):
    """JSON strings -> `<directory>/part-*.jsonl` (small run-side tables such as file info)."""

    def __init__(self, directory: str):
        super().__init__()
        self.directory = directory

    def expand(self, lines):
        return lines | "WriteJsonl" >> beam.io.WriteToText(FileSystems.join(self.directory, "part"), file_name_suffix=".jsonl")
