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

from collections.abc import Iterator

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from apache_beam.io.filesystems import FileSystems
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import MIN_TIMESTAMP

_SCHEMA = pa.schema([("v", pa.binary())])
_READ_ROWS = 1024  # elements decoded per Arrow batch read back: a few MB at a time


class _Encode(beam.DoFn):
    def __init__(self, coder: beam.coders.Coder):
        self.coder = coder

    def setup(self):
        self.impl = self.coder.get_impl()

    def process(self, element):
        yield {"v": self.impl.encode(element)}


class _ReadBack(beam.DoFn):
    """A parked file's path -> its elements, decoded, in the order they were written (with the
    file name's timestamp: Park gives it a batch element's)."""

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
        return (
            pcoll
            | "Encode" >> beam.ParDo(_Encode(self.coder))
            | "Write"
            >> beam.io.WriteToParquet(FileSystems.join(self.directory, "part"), schema=_SCHEMA, codec="zstd", file_name_suffix=".parquet")
            # A written file's name carries the end of time (Beam's finalize step), which its elements
            # would inherit; Prism then never ran a step with side inputs on it. A batch element's time:
            | "BatchTime" >> beam.Map(lambda path: TimestampedValue(path, MIN_TIMESTAMP))
        )


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
