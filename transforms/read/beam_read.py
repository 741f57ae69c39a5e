"""Reading inputs: expand globs into files, read each file's bytes (bounded), split it into raw
records. Works on any Beam filesystem (local, gs://, s3://...)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import apache_beam as beam
import xxhash
from apache_beam.io.filesystems import FileSystems
from apache_beam.pvalue import TaggedOutput
from wirestrip.transforms.beam_safe import REJECTS, SafeDoFn, count
from wirestrip.transforms.errors import short_traceback
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read.beam_files import is_local, open_regular, unlisted_entries
from wirestrip.transforms.read.csv_dump import split_csv
from wirestrip.transforms.read.decompress import CorruptInput, DecodedStream, DecompressedTooLarge, TruncatedInput, detect_compression
from wirestrip.transforms.read.feeds import split_feed
from wirestrip.transforms.read.formats import FORMATS, Bad, FormatRecord, Piece, ReaderConfig, Skip, Splitter, detect_format
from wirestrip.transforms.read.json_lines import split_jsonl
from wirestrip.transforms.read.post_text import split_posts
from wirestrip.transforms.read.warc import split_warc
from wirestrip.transforms.read.warc_gz import HashingReader, is_member_per_record, split_warc_members
from wirestrip.transforms.record_types import RecordError, Reject

FILES = "files"  # tagged output: one JSON line per pattern and per file, for the manifest
_GLOB_CHARS = "*?[{"


@dataclass(frozen=True)
class FileToRead:
    """A matched file, with its name relative to the root of the pattern that matched it."""

    path: str
    rel_path: str
    size: int
    start: int = 0  # a region [start, end) of a large splittable file; end None = the whole file
    end: int | None = None
    region_format: str = "jsonl"  # what a region holds: JSON Lines, or WARC.gz members ("warc")


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
        try:
            metadata = FileSystems.match([pattern])[0].metadata_list
        except Exception as exc:  # noqa: BLE001 - Beam wraps every listing failure in its own error types
            if "No files found" in str(exc):
                metadata = []
            else:
                raise RecordError("match_failed", f"cannot list {pattern!r}: {exc}") from None
        files = [FileToRead(m.path, relative_name(m.path, root), m.size_in_bytes) for m in metadata if not m.path.endswith("/")]
        # Entries Beam's local listing drops silently (broken symlinks, unlistable folders): ReadFile rejects them.
        listed = {f.path for f in files}
        files += [FileToRead(p, relative_name(p, root), 0) for p in unlisted_entries(pattern, listed)]
        files.sort(key=lambda f: f.path)
        count("files.matched", len(files))
        yield TaggedOutput(FILES, json.dumps({"kind": "pattern", "pattern": pattern, "matched": len(files)}))
        yield from files


class SplitFiles(beam.DoFn):
    """Large files that can be cut safely -> byte regions read in parallel: uncompressed JSON Lines
    (cut at any newline) and WARC.gz written one gzip member per record (cut at member starts).
    CSV (quoted newlines), other compressed streams and plain WARC stay whole and stream record by
    record."""

    def __init__(self, config: ReaderConfig):
        self.config = config

    def process(self, element: FileToRead) -> Iterable[FileToRead]:
        step = self.config.split_bytes
        if element.size <= step or self.config.input_format not in ("auto", "jsonl"):
            yield element
            return
        try:
            with FileSystems.open(element.path, compression_type="uncompressed") as f:
                head = f.read(_SNIFF_BYTES)
        except Exception:  # noqa: BLE001 - the reader reports an unreadable file with its reason
            yield element
            return
        fmt = self.config.input_format if self.config.input_format != "auto" else detect_format(element.rel_path, head)
        codec = detect_compression(head)
        if fmt == "warc" and codec == "gzip":
            try:
                with FileSystems.open(element.path, compression_type="uncompressed") as f:
                    per_record = is_member_per_record(f, self.config.max_record_bytes)
            except Exception:  # noqa: BLE001 - the reader reports it
                per_record = False
            if not per_record:
                yield element
                return
        elif codec or fmt != "jsonl":
            yield element
            return
        count("files.split")
        for start in range(0, element.size, step):
            yield FileToRead(element.path, element.rel_path, element.size, start, min(start + step, element.size), fmt)


def _split_whole(fmt: str, data: bytes) -> Splitter:
    """Splitters of the formats read whole (bounded by --max-file-bytes)."""
    if fmt == "txt":
        for n, (start, end) in enumerate(split_posts(data)):
            yield Piece(f"post={n};bytes={start}-{end}", data[start:end])
    elif fmt == "html":
        yield Piece(f"page=0;bytes=0-{len(data)}", data)
    elif fmt == "rss":
        yield from split_feed(data)
    else:  # pragma: no cover - guarded by WHOLE_FILE_FORMATS
        raise ValueError(fmt)


class FileTooLarge(RecordError):
    """A whole-read file over --max-file-bytes: its full size and hash, and a bounded prefix."""

    def __init__(self, message: str, prefix: bytes, size: int, digest: str | None):
        super().__init__("file_too_large", message)
        self.prefix, self.size, self.digest = prefix, size, digest


def _too_large(fmt: str, data: bytes, stream: DecodedStream, cfg: ReaderConfig) -> FileTooLarge:
    """Hash the rest of an oversized file in 1 MiB chunks (bounded by the decompression cap) so the
    reject names its whole size and hash; only a --max-record-bytes prefix travels on."""
    digest = xxhash.xxh3_128(data)
    size = len(data)
    try:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
        exact = ""
    except tuple(_STREAM_ERRORS) as exc:  # past the decompression cap or damaged: the size is a lower bound
        exact = f"; at least: {exc}"
    message = f"{fmt} file is {size} bytes, over --max-file-bytes={cfg.max_file_bytes} (decompressed){exact}"
    return FileTooLarge(message, data[: min(cfg.max_record_bytes, cfg.max_file_bytes)], size, digest.hexdigest() if not exact else None)


WHOLE_FILE_FORMATS = ("txt", "html", "rss")  # one post file, one page, one feed: read whole, bounded
_SNIFF_BYTES = 8192  # enough to see a WARC/XML/HTML signature or a first JSON line
_STREAM_ERRORS = {TruncatedInput: "truncated_input", CorruptInput: "corrupt_input", DecompressedTooLarge: "decompressed_too_large"}


class ReadFile(beam.DoFn):
    """One file -> its raw records, streamed record by record, plus a JSON line describing the file.

    The format is detected per file (content signature, then extension) unless --format names it;
    compression by magic bytes. Records are emitted as they are read, so a multi-GB CSV, JSONL or
    WARC file is never held whole. A failure part-way (a truncated gzip, a corrupt stream, the
    decompressed-size bound) keeps every record read before it and rejects the rest with its offset.
    """

    stage = "read"

    def __init__(self, input_format: str, max_file_bytes: int, max_record_bytes: int, config: ReaderConfig | None = None):
        self.config = config or ReaderConfig(input_format, max_file_bytes, max_record_bytes)

    def format_of(self, element: FileToRead, head: bytes = b"") -> str | None:
        """The reader for this file: --format when given, else detected from its first bytes and name."""
        if self.config.input_format != "auto":
            return "csv" if self.config.input_format == "tsv" else self.config.input_format
        return detect_format(element.rel_path, head)

    def _events(self, fmt: str, stream: DecodedStream, element: FileToRead) -> Splitter:
        cfg = self.config
        if fmt in WHOLE_FILE_FORMATS:
            data = stream.read(cfg.max_file_bytes + 1)
            if len(data) > cfg.max_file_bytes:
                raise _too_large(fmt, data, stream, cfg)
            return _split_whole(fmt, data)
        if fmt == "csv":
            return split_csv(stream, element.rel_path, cfg)
        if fmt == "jsonl":
            return split_jsonl(stream, cfg)
        if fmt == "warc":
            return split_warc(stream, cfg)
        raise RecordError("no_reader", f"no reader for format {fmt!r}")

    def _reject(
        self,
        element: FileToRead,
        fmt: str | None,
        info: dict,
        locator: str,
        error_type: str,
        message: str,
        raw: bytes | None,
        raw_size: int | None = None,
        digest: str | None = None,
    ) -> TaggedOutput:
        """A read-stage reject, counted in the file's JSON line."""
        count(f"rejected.read.{error_type}")
        info["rejected"] += 1
        size = raw_size if raw_size is not None else (len(raw) if raw is not None else None)
        if digest is None and raw is not None and size == len(raw):
            digest = raw_sha(raw)
        # Only a bounded prefix travels through the shuffle (the rejects table keeps
        # --max-reject-raw-bytes of it); size and hash describe the whole record.
        kept = raw[: self.config.max_record_bytes] if raw is not None else None
        return TaggedOutput(
            REJECTS,
            Reject(
                source_uri=element.path,
                locator=locator,
                stage=self.stage,
                error_type=error_type,
                message=message,
                raw=kept,
                input_format=fmt,
                doc_id=doc_id(element.rel_path, locator, digest) if digest else None,
                raw_size=size,
                raw_sha=digest,
            ),
        )

    def _emit(self, events: Splitter, element: FileToRead, fmt: str, info: dict) -> Iterable:
        """Reader events -> records (RawRecord), rejects, and skips counted per reason in `info`."""
        for event in events:
            if isinstance(event, Skip):
                info["skipped"] += 1
                by = info.setdefault("skipped_by_reason", {})
                by[event.reason] = by.get(event.reason, 0) + 1
                count(f"skipped.read.{event.reason}")
            elif isinstance(event, Bad):
                yield self._reject(element, fmt, info, event.locator, event.error_type, event.message, event.raw, event.raw_size)
            elif len(event.raw) > self.config.max_record_bytes:
                message = f"record is {len(event.raw)} bytes, over --max-record-bytes={self.config.max_record_bytes}"
                yield self._reject(element, fmt, info, event.locator, "record_too_large", message, event.raw)
            else:
                digest = raw_sha(event.raw)
                info["records"] += 1
                count("records.read")
                yield FormatRecord(
                    element.path,
                    element.rel_path,
                    event.locator,
                    fmt,
                    event.raw,
                    digest,
                    doc_id(element.rel_path, event.locator, digest),
                    dict(event.meta),
                )

    def _read_region(self, element: FileToRead, handle, info: dict) -> Iterable:
        """One region of a large plain JSONL file (the lines that start in [start, end)) or of a
        member-per-record WARC.gz (the members that start in it)."""
        info.update(format=element.region_format, region=[element.start, element.end], size=element.size if element.start == 0 else 0)
        if element.region_format == "warc":
            info["compression"] = "gzip"
            events = split_warc_members(handle, self.config, element.start, element.end)
            yield from self._emit(events, element, "warc", info)
            yield TaggedOutput(FILES, json.dumps(info))
            return
        if element.start:
            handle.seek(element.start - 1)
        stream = DecodedStream(handle, self.config.max_decompressed_bytes, detect=False, start=max(element.start - 1, 0))
        if element.start:  # the line running into this region belongs to the previous one: skip it, bounded
            while (part := stream.readline(1 << 20)) and not part.endswith(b"\n"):
                pass
        yield from self._emit(split_jsonl(stream, self.config, element.end), element, "jsonl", info)
        yield TaggedOutput(FILES, json.dumps(info))

    def process(self, element: FileToRead) -> Iterable:
        info = {
            "kind": "file",
            "source_uri": element.path,
            "rel_path": element.rel_path,
            "size": element.size,
            "xxh3_128": None,
            "format": None,
            "compression": None,
            "records": 0,
            "rejected": 0,
            "skipped": 0,
        }
        fmt = None
        head = b""

        def reject(locator: str, error_type: str, message: str, raw: bytes | None, raw_size: int | None = None, digest: str | None = None):
            return self._reject(element, fmt, info, locator, error_type, message, raw, raw_size, digest)

        try:
            # Local inputs: regular files only (a FIFO or /dev/zero behind a symlink would never end).
            handle = (
                open_regular(element.path) if is_local(element.path) else FileSystems.open(element.path, compression_type="uncompressed")
            )
        except RecordError as exc:  # not a regular file, a broken link: open_regular says which
            yield reject("file", exc.error_type, exc.message, None)
            yield TaggedOutput(FILES, json.dumps(info))
            return
        except Exception as exc:  # noqa: BLE001 - any failure to open is this file's reject, not the run's crash
            yield reject("file", "unreadable_file", f"cannot open {element.path}: {exc!r}", None)
            yield TaggedOutput(FILES, json.dumps(info))
            return
        with handle:
            stream = None
            try:
                if element.end is not None:
                    yield from self._read_region(element, handle, info)
                    return
                stream = DecodedStream(handle, self.config.max_decompressed_bytes)
                info["compression"] = stream.codec
                head = stream.peek(_SNIFF_BYTES)
                fmt = info["format"] = self.format_of(element, head)
                if fmt is None:
                    raise RecordError("unknown_format", f"no reader accepts this file (binary content, first bytes {head[:16]!r})")
                if fmt not in FORMATS:
                    raise RecordError("no_reader", f"no reader for format {fmt!r}")
                if fmt == "warc" and stream.codec == "gzip":
                    handle.seek(0)
                    if is_member_per_record(handle, self.config.max_record_bytes):
                        # Member-per-record WARC.gz: locators name each record's member (the same
                        # whether the file is read whole or in regions); hashed on the way.
                        handle.seek(0)
                        hashing = HashingReader(handle)
                        stream = None
                        yield from self._emit(split_warc_members(hashing, self.config), element, fmt, info)
                        info["size"], info["xxh3_128"] = hashing.drain()
                        yield TaggedOutput(FILES, json.dumps(info))
                        return
                    handle.seek(0)
                    stream = DecodedStream(handle, self.config.max_decompressed_bytes)
                yield from self._emit(self._events(fmt, stream, element), element, fmt, info)
            except tuple(_STREAM_ERRORS) as exc:
                start = stream.pos if stream is not None else 0  # where the unfinished record starts
                partial = stream.take_buffer() if stream is not None else b""
                yield reject(
                    f"bytes={start}-", _STREAM_ERRORS[type(exc)], f"{exc}; the records before byte {start} were kept", partial or None
                )
            except FileTooLarge as exc:
                yield reject("file", exc.error_type, exc.message, exc.prefix, exc.size, exc.digest)
            except RecordError as exc:
                # Before any record: the whole file is the reject (its first bytes kept); after: the rest of it.
                whole = info["records"] + info["rejected"] + info["skipped"] == 0
                pos = stream.pos if stream is not None else 0
                yield reject("file" if whole else f"bytes={pos}-", exc.error_type, exc.message, head or None if whole else None)
            except Exception as exc:  # noqa: BLE001 - a reader bug on one file becomes that file's reject
                pos = stream.pos if stream is not None else 0
                yield reject("file" if pos == 0 else f"bytes={pos}-", "exception", short_traceback(exc), None)
            try:
                if stream is not None:
                    info["size"], info["xxh3_128"] = stream.drain()
            except OSError:
                pass
        yield TaggedOutput(FILES, json.dumps(info))


class ReadInputs(beam.PTransform):
    """Globs -> raw records, with tagged outputs `rejects` (Reject) and `files` (JSON lines)."""

    def __init__(
        self, patterns: list[str], input_format: str, max_file_bytes: int, max_record_bytes: int, config: ReaderConfig | None = None
    ):
        super().__init__()
        self.patterns = patterns
        self.reader = ReadFile(input_format, max_file_bytes, max_record_bytes, config)

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
        # One file's records would otherwise be parsed on the worker that read it (fusion): a single
        # large WARC or JSONL file would keep one worker busy with HTML extraction. Spread them out.
        records = read.records | "SpreadRecords" >> beam.Reshuffle()
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
    if fmt == "tsv" and not delimiter:
        delimiter = "\t"
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
    )


def _unescape(value: str) -> str:
    """'\\n' and '\\t' typed on a command line mean a newline and a tab."""
    return value.replace("\\n", "\n").replace("\\t", "\t")
