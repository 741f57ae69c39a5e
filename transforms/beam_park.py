"""Parking a PCollection on disk until a later stage reads it: its elements are written as Parquet
files of coded values (`Park`), and read back by a step that depends only on the files' names
(`Unpark`).

Why: the local runner (FnApiRunner) holds a stage's output in memory until every stage that reads
it has run, and while the reading stage runs it holds its input three to four times over
(docs/runners.md, "Memory grows with the batch"). The cleaned articles (read again once the learned
lines are known) and the articles rows (which meet their clusters only after dedup) were each
~3.8 KB an article at that point: at 1,000,000 articles, over 20 GiB. Parked, the runner holds a
list of file names; a distributed runner pays one write and one read of the compressed elements,
about what shuffling them would cost. The files live in the run's staging folder, which the run
removes (pipeline/run.py), whatever the runner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

_SCHEMA = pa.schema([("v", pa.binary())])
_READ_ROWS = 1024  # elements decoded per Arrow batch read back: a few MB at a time
_WRITE_ROWS = 1024  # coded elements per Parquet row group written: a few MB held per bundle


class _WriteBundles(beam.DoFn):
    """Elements -> one zstd Parquet file of coded elements per bundle, under `directory`; its path
    is output once the bundle's file is closed, stamped with a batch element's time (the start of
    time: a later step with side inputs runs on it on every runner).

    A retried bundle writes another file (uuid4 names) and only the attempt that commits outputs
    its path, so no element is read back twice; a failed attempt's file stays unread in the run's
    staging folder, which the run removes. No finalize step, no shuffle: one step in the
    producer's stage (Beam's file sinks add four stages and a GroupByKey per collection)."""

    def __init__(self, directory: str, coder: beam.coders.Coder):
        self.directory, self.coder = directory, coder

    def setup(self):
        self.impl = self.coder.get_impl()

    def start_bundle(self):
        self._pending: list[bytes] = []
        self._file = self._writer = self._path = None

    def process(self, element):
        self._pending.append(self.impl.encode(element))
        if len(self._pending) >= _WRITE_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._writer is None:
            self._path = FileSystems.join(self.directory, f"part-{uuid.uuid4().hex}.parquet")
            self._file = FileSystems.create(self._path, mime_type="application/octet-stream", compression_type="uncompressed")
            self._writer = pq.ParquetWriter(self._file, _SCHEMA, compression="zstd")
        self._writer.write_table(pa.table({"v": pa.array(self._pending, pa.binary())}, schema=_SCHEMA))
        self._pending = []

    def finish_bundle(self):
        if self._pending:
            self._flush()
        if self._writer is None:  # an empty bundle: no file
            return
        self._writer.close()
        self._file.close()
        yield WindowedValue(self._path, MIN_TIMESTAMP, [GlobalWindow()])


class _ReadBack(beam.DoFn):
    """A parked file's path -> its elements, decoded, in the order they were written (with the
    path's timestamp: Park gives it a batch element's)."""

    def __init__(self, coder: beam.coders.Coder):
        self.coder = coder

    def setup(self):
        self.impl = self.coder.get_impl()

    def process(self, path: str, *unused_waits) -> Iterator:
        decode = self.impl.decode
        with FileSystems.open(path, mime_type="application/octet-stream", compression_type="uncompressed") as f:
            for batch in pq.ParquetFile(f).iter_batches(batch_size=_READ_ROWS, columns=["v"]):
                for value in batch.column(0).to_pylist():
                    yield decode(value)


class Park(beam.PTransform):
    """PCollection -> the names of zstd Parquet files under `directory` holding its elements, for
    `Unpark` to read back in the stage that consumes them (the runner holds only the names).

    `coder`: how an element is written; Unpark must be given the same (default, for both: Beam's
    FastPrimitivesCoder, what a dict or an untyped object gets)."""

    def __init__(self, directory: str, coder: beam.coders.Coder | None = None):
        super().__init__()
        self.directory, self.coder = directory, coder or beam.coders.FastPrimitivesCoder()

    def expand(self, pcoll):
        return pcoll | "WriteFiles" >> beam.ParDo(_WriteBundles(self.directory, self.coder))


class Unpark(beam.PTransform):
    """Parked files' names -> their elements, decoded with `coder` (Park's).

    `wait_on`: collections that must be complete before the files are read: side inputs of the
    read, never iterated (a side input is complete before a step that reads it starts, on every
    runner; Beam's WaitOn does the same through one more GroupByKey).
    Without it the runner may read the files in the stage that writes them (it fuses the readers
    of one collection) and hold the elements until their consumer runs, which is what parking
    avoids; read the files again for each consumer, each after what that consumer waits for."""

    def __init__(self, coder: beam.coders.Coder | None = None, wait_on: tuple = ()):
        super().__init__()
        self.coder, self.wait_on = coder or beam.coders.FastPrimitivesCoder(), tuple(wait_on)

    def expand(self, files):
        waits = [beam.pvalue.AsIter(pc) for pc in self.wait_on]
        return files | "ReadBack" >> beam.ParDo(_ReadBack(self.coder), *waits)
