"""Reading inputs: expand globs into files, read each file's bytes (bounded), split it into raw
records. Works on any Beam filesystem (local, gs://, s3://...)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue
from wirestrip.transforms.beam_safe import REJECTS, SafeDoFn, count
from wirestrip.transforms.read.beam_files import is_local, open_any, open_input, unlisted_entries
from wirestrip.transforms.read.files import FileInfo, FileToRead, plan_regions, read_file
from wirestrip.transforms.read.formats import ReaderConfig
from wirestrip.transforms.read.registry import alias_settings
from wirestrip.transforms.record_types import RecordError, Reject

FILES = "files"  # tagged output: one JSON line per pattern and per file, for the manifest
_GLOB_CHARS = "*?[{"


def input_root(pattern: str) -> str:
    """The directory part of a pattern before its first glob character (ends with '/')."""
    cut = min((pattern.index(c) for c in _GLOB_CHARS if c in pattern), default=len(pattern))
    head = pattern[:cut]
    slash = head.rfind("/")
    return head[: slash + 1] if slash >= 0 else ""


def expand_pattern(pattern: str) -> str:
    """A directory given as input means every file below it."""
    return pattern + "**" if pattern.endswith("/") else pattern


def relative_name(path: str, root: str) -> str:
    """File name relative to the pattern root: what doc_id derives from, so moving the dump keeps ids."""
    return path[len(root) :] if root and path.startswith(root) else path.rsplit("/", 1)[-1]


def match_files(pattern: str, limit: int | None = None) -> list[tuple[str, int]]:
    """(path, size) of the files Beam lists for an expanded pattern (folder markers left out), at
    most `limit` listed; RecordError match_failed when the listing itself fails."""
    try:
        metadata = FileSystems.match([pattern], limits=[limit] if limit else None)[0].metadata_list
    except Exception as exc:  # noqa: BLE001 - Beam wraps every listing failure in its own error types
        if "No files found" in str(exc):
            return []
        raise RecordError("match_failed", f"cannot list {pattern!r}: {exc}") from None
    return [(m.path, m.size_in_bytes) for m in metadata if not m.path.endswith("/")]


def list_entries(pattern: str) -> list[tuple[str, int]]:
    """Every entry the reader sees for an expanded pattern: the files Beam lists, and the local
    entries its listing drops silently (broken symlinks, unlistable folders; size 0), which
    ReadFile rejects with their reason."""
    found = match_files(pattern)
    return found + [(p, 0) for p in unlisted_entries(pattern, {p for p, _ in found})]


class ExpandGlobs(SafeDoFn):
    """Pattern -> the files it matches, sorted; a pattern that cannot be listed becomes a reject."""

    stage = "match"

    def reject_for(self, element: str, error_type: str, message: str) -> Reject:
        return Reject(source_uri=element, locator="pattern", stage=self.stage, error_type=error_type, message=message, raw=None)

    def on_reject(self, element: str) -> Iterable:
        yield TaggedOutput(FILES, json.dumps({"kind": "pattern", "pattern": element, "matched": 0, "rejected": 1}))

    def process_one(self, pattern: str) -> Iterable:
        pattern = expand_pattern(pattern)
        root = input_root(pattern)
        found = list_entries(pattern)
        local = is_local(pattern)
        # Links in a local dump must not lead out of the folder the glob searched (a file the user
        # named itself is read wherever it points): ReadFile checks against this root.
        link_root = os.path.abspath(root or ".") + "/" if local and any(c in pattern for c in _GLOB_CHARS) else None
        # A local file's source_uri is absolute (explain and audits re-read it from any folder); its
        # relative name, and so its doc_id, still comes from the path as matched.
        files = [FileToRead(os.path.abspath(p) if local else p, relative_name(p, root), size, root=link_root) for p, size in found]
        files.sort(key=lambda f: f.path)
        count("files.matched", len(files))
        yield TaggedOutput(FILES, json.dumps({"kind": "pattern", "pattern": pattern, "matched": len(files)}))
        yield from files


class SplitFiles(beam.DoFn):
    """Large files that can be cut safely -> byte regions read in parallel (files.plan_regions):
    uncompressed JSON Lines (cut at any newline) and WARC.gz written one gzip member per record
    (cut at member starts). CSV (quoted newlines), other compressed streams and plain WARC stay
    whole and stream record by record."""

    def __init__(self, config: ReaderConfig):
        self.config = config

    def process(self, element: FileToRead) -> Iterable[FileToRead]:
        yield from plan_regions(element, self.config, open_any, count)


class ReadFile(beam.DoFn):
    """One file -> its raw records (main output), its rejects (tagged `rejects`) and a JSON line
    describing it (tagged `files`): files.read_file, on any Beam filesystem, with Beam's counters."""

    def __init__(self, input_format: str, max_file_bytes: int, max_record_bytes: int, config: ReaderConfig | None = None):
        self.config = config or ReaderConfig(input_format, max_file_bytes, max_record_bytes)

    def process(self, element: FileToRead) -> Iterable:
        for out in read_file(element, self.config, open_input, count):
            if isinstance(out, FileInfo):
                yield TaggedOutput(FILES, json.dumps(out.fields))
            elif isinstance(out, Reject):
                yield TaggedOutput(REJECTS, out)
            else:
                yield out


class BatchRecords(beam.DoFn):
    """Records -> lists of them (up to RECORDS_PER_BATCH records or BATCH_BYTES raw bytes), so
    that a reshuffle moves one element per batch: a file of 200,000 tiny records costs 200,000
    random keys, groups and pickled objects through a per-record Reshuffle."""

    def start_bundle(self) -> None:
        self._batch: list = []
        self._bytes = 0

    def process(self, record) -> Iterable[list]:
        self._batch.append(record)
        self._bytes += len(record.raw)
        if len(self._batch) >= RECORDS_PER_BATCH or self._bytes >= BATCH_BYTES:
            yield self._batch
            self.start_bundle()

    def finish_bundle(self) -> Iterable[WindowedValue]:
        if self._batch:
            yield WindowedValue(self._batch, MIN_TIMESTAMP, [GlobalWindow()])
            self.start_bundle()


# 256 records or 1 MiB: tiny records travel a few hundred at a time, while records with real pages
# (tens of KB, ~17 ms of HTML extraction each) still spread over workers a few dozen at a time.
RECORDS_PER_BATCH = 256
BATCH_BYTES = 1 << 20


class ReadInputs(beam.PTransform):
    """Globs -> raw records, with tagged outputs `rejects` (Reject) and `files` (JSON lines).

    `spread_records`: reshuffle the records (in batches) so that one large file's records are
    parsed by many workers; pointless with one in-process worker, where it only copies them."""

    def __init__(
        self,
        patterns: list[str],
        input_format: str,
        max_file_bytes: int,
        max_record_bytes: int,
        config: ReaderConfig | None = None,
        spread_records: bool = True,
    ):
        super().__init__()
        self.patterns = patterns
        self.reader = ReadFile(input_format, max_file_bytes, max_record_bytes, config)
        self.spread_records = spread_records

    def expand(self, pbegin):
        matched = (
            pbegin
            | "Patterns" >> beam.Create(self.patterns)
            | "Match" >> beam.ParDo(ExpandGlobs()).with_outputs(REJECTS, FILES, main="files_to_read")
        )
        read = (
            matched.files_to_read
            # A file matched by two patterns is read once (doc_ids stay unique within a run): the
            # shortest relative name wins, so the choice does not depend on pattern order.
            | "ByPath" >> beam.Map(lambda f: (f.path.encode("utf-8", "surrogatepass"), f))  # names need not be UTF-8
            | "OncePerPath" >> beam.CombinePerKey(_first_name)
            | "Files" >> beam.Values()
            | "SplitLargeFiles" >> beam.ParDo(SplitFiles(self.reader.config))
            # MatchFiles-style expansion leaves all files on one worker: spread them (and regions) out.
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(self.reader).with_outputs(REJECTS, FILES, main="records")
        )
        rejects = (matched[REJECTS], read[REJECTS]) | "ReadRejects" >> beam.Flatten()
        files = (matched[FILES], read[FILES]) | "FileInfo" >> beam.Flatten()
        records = read.records
        if self.spread_records:
            # One file's records would otherwise be parsed on the worker that read it (fusion): a
            # single large WARC or JSONL file would keep one worker busy with HTML extraction.
            records = (
                records
                | "BatchRecords" >> beam.ParDo(BatchRecords())
                | "SpreadRecords" >> beam.Reshuffle()
                | "Unbatch" >> beam.FlatMap(lambda batch: batch)
            )
        return {"records": records, REJECTS: rejects, FILES: files}


def _first_name(files: Iterable[FileToRead]) -> FileToRead:
    """The match of a file kept when several patterns list it."""
    return min(files, key=lambda f: (len(f.rel_path), f.rel_path))


def config_from_options(opts) -> ReaderConfig:
    """ReaderConfig from WirestripOptions (the reader options appended in pipeline/options.py)."""

    def pairs(values) -> tuple[tuple[str, str], ...]:
        out = []
        for v in values or []:
            role, _, name = v.partition("=")
            out.append((role.strip(), name.strip()))
        return tuple(out)

    sep = getattr(opts, "paragraph_separator", None)
    delimiter = getattr(opts, "csv_delimiter", None)
    fmt = opts.input_format
    delimiter = delimiter or alias_settings(fmt).get("csv_delimiter")  # --format tsv: a tab unless --csv-delimiter says
    return ReaderConfig(
        input_format=fmt,
        max_file_bytes=opts.max_file_bytes,
        max_record_bytes=opts.max_record_bytes,
        max_decompressed_bytes=getattr(opts, "max_decompressed_bytes", None) or ReaderConfig.max_decompressed_bytes,
        csv_columns=pairs(getattr(opts, "csv_column", None)),
        csv_delimiter=_unescape(delimiter) if delimiter else None,
        paragraph_separator=_unescape(sep) if sep and sep != "auto" else None,
        jsonl_fields=pairs(getattr(opts, "jsonl_field", None)),
        split_bytes=getattr(opts, "split_bytes", None) or ReaderConfig.split_bytes,
        follow_symlinks=bool(getattr(opts, "follow_symlinks", False)),
        max_records_per_file=getattr(opts, "max_records_per_file", None) or ReaderConfig.max_records_per_file,
    )


def _unescape(value: str) -> str:
    """'\\n' and '\\t' typed on a command line mean a newline and a tab."""
    return value.replace("\\n", "\n").replace("\\t", "\t")
