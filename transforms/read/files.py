"""Reading one input file, without Beam: format and compression detection, the format's splitter,
bounds, and every failure turned into a reject with its reason.

`read_file` yields the file's records (FormatRecord), its rejects (Reject) and, last, the
manifest's line for it (FileInfo); `plan_regions` cuts a large splittable file into regions. The
file is opened by an injected opener (default: local regular files only); the Beam wrappers in
beam_read pass one that reads any Beam filesystem, and Beam's counter as `count`.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import xxhash
from wirestrip.transforms.counters import Count, no_count
from wirestrip.transforms.errors import short_traceback
from wirestrip.transforms.hashing import doc_id, raw_sha
from wirestrip.transforms.read.decompress import CorruptInput, DecodedStream, DecompressedTooLarge, TruncatedInput, detect_compression
from wirestrip.transforms.read.formats import Bad, Capped, FormatRecord, ReaderConfig, Skip, Splitter
from wirestrip.transforms.read.registry import AUTO, Format, detect_format, format_named, resolve_format
from wirestrip.transforms.read.warc_gz import HashingReader
from wirestrip.transforms.record_types import RecordError, Reject

Opener = Callable[[str], BinaryIO]  # path -> the raw (still compressed) bytes; RecordError or OSError when it cannot
STAGE = "read"
SNIFF_BYTES = 8192  # enough to see a WARC/XML/HTML signature or a first JSON line
_STREAM_ERRORS = {TruncatedInput: "truncated_input", CorruptInput: "corrupt_input", DecompressedTooLarge: "decompressed_too_large"}


@dataclass(frozen=True)
class FileToRead:
    """A matched file, with its name relative to the root of the pattern that matched it."""

    path: str
    rel_path: str
    size: int
    start: int = 0  # a region [start, end) of a large splittable file; end None = the whole file
    end: int | None = None
    region_format: str = "jsonl"  # what a region holds: JSON Lines, or WARC.gz members ("warc")
    root: str | None = None  # the local folder a glob was expanded in: links must not lead out of it (None: no check)


@dataclass(frozen=True)
class FileInfo:
    """The manifest's line for one file (or region) read: format, compression, counts, size, hash."""

    fields: dict[str, Any]


ReadOutput = FormatRecord | Reject | FileInfo


def open_regular(path: str) -> BinaryIO:
    """Open a local file for reading, only if it is a regular file; RecordError says why not.

    O_NONBLOCK keeps open() from waiting on a FIFO; fstat on the open descriptor checks the very
    file that will be read (no race between a check and the open)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        if os.path.islink(path) and not os.path.exists(path):
            raise RecordError("unreadable_file", f"broken or looping symbolic link {path} -> {os.readlink(path)}: {exc.strerror}") from None
        raise RecordError("unreadable_file", f"cannot read {path}: {exc!r}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
        hint = " (end --input with '/' to read the files below a directory)" if stat.S_ISDIR(mode) else ""
        raise RecordError("not_a_regular_file", f"{path} is {what}, not a regular file{hint}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def link_outside_root(path: str, root: str) -> str | None:
    """Where `path` really is when following its symbolic links leads out of the folder `root`
    (a link in a dump to /etc/passwd, ~/.ssh/...); None when it stays inside (or is no link)."""
    real, real_root = os.path.realpath(path), os.path.realpath(root or ".")
    if real == real_root or real.startswith(real_root.rstrip("/") + "/"):
        return None
    return real


def _link_target(path: str) -> str:
    """What a link says it points to (its first hop), for messages."""
    try:
        return os.readlink(path)
    except OSError:  # a folder link along the path, not the file itself
        return "?"


def format_of(cfg: ReaderConfig, name: str, head: bytes = b"") -> str | None:
    """The reader for a file: --format when given (aliases resolved), else detected from its first bytes and name."""
    if cfg.input_format != AUTO:
        return resolve_format(cfg.input_format)
    return detect_format(name, head)


def plan_regions(element: FileToRead, cfg: ReaderConfig, opener: Opener, count: Count = no_count) -> Iterator[FileToRead]:
    """A large file whose format can be cut (see registry.Regions) -> its byte regions, each of
    --split-bytes; any other file (or one that cannot be opened: its reader reports it) unchanged."""
    step = cfg.split_bytes
    forced = format_named(cfg.input_format) if cfg.input_format != AUTO else None
    if element.size <= step or (cfg.input_format != AUTO and (forced is None or forced.regions is None or not forced.regions.when_forced)):
        yield element
        return
    if element.root is not None and not cfg.follow_symlinks and link_outside_root(element.path, element.root) is not None:
        yield element  # not opened here: read_file rejects it once, whole
        return
    try:
        with opener(element.path) as f:
            head = f.read(SNIFF_BYTES)
    except Exception:  # noqa: BLE001 - the reader reports an unreadable file with its reason
        yield element
        return
    fmt = format_of(cfg, element.rel_path, head)
    spec = format_named(fmt)
    regions = spec.regions if spec is not None else None
    if regions is None or detect_compression(head) != regions.codec:
        yield element
        return
    if regions.qualifies is not None:
        try:
            with opener(element.path) as f:
                cut = regions.qualifies(f, cfg.max_record_bytes)
        except Exception:  # noqa: BLE001 - the reader reports it
            cut = False
        if not cut:
            yield element
            return
    count("files.split")
    for start in range(0, element.size, step):
        yield FileToRead(element.path, element.rel_path, element.size, start, min(start + step, element.size), fmt, element.root)


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


def _events(spec: Format, stream: DecodedStream, element: FileToRead, cfg: ReaderConfig, count: Count) -> Splitter:
    """The format's splitter on the (decompressed) stream; a whole-read file is bounded first."""
    if spec.split_whole is not None:
        data = stream.read(cfg.max_file_bytes + 1)
        if len(data) > cfg.max_file_bytes:
            raise _too_large(spec.name, data, stream, cfg)
        return spec.split_whole(data)
    return spec.split_stream(stream, element.rel_path, cfg, count)


class _Reading:
    """One file's reading state: the manifest line's counts, and rejects built against them."""

    def __init__(self, element: FileToRead, cfg: ReaderConfig, count: Count):
        self.element, self.cfg, self.count = element, cfg, count
        self.info: dict[str, Any] = {
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

    def reject(
        self,
        fmt: str | None,
        locator: str,
        error_type: str,
        message: str,
        raw: bytes | None,
        raw_size: int | None = None,
        digest: str | None = None,
    ) -> Reject:
        """A read-stage reject, counted in the file's line."""
        self.count(f"rejected.read.{error_type}")
        self.info["rejected"] += 1
        size = raw_size if raw_size is not None else (len(raw) if raw is not None else None)
        if digest is None and raw is not None and size == len(raw):
            digest = raw_sha(raw)
        # Only a bounded prefix travels through the shuffle (the rejects table keeps
        # --max-reject-raw-bytes of it); size and hash describe the whole record.
        kept = raw[: self.cfg.max_record_bytes] if raw is not None else None
        return Reject(
            source_uri=self.element.path,
            locator=locator,
            stage=STAGE,
            error_type=error_type,
            message=message,
            raw=kept,
            input_format=fmt,
            doc_id=doc_id(self.element.rel_path, locator, digest) if digest else None,
            raw_size=size,
            raw_sha=digest,
        )

    def emit(self, events: Splitter, fmt: str, max_records: int | None = None) -> Iterator[ReadOutput]:
        """Reader events -> records, rejects, and skips counted per reason in the file's line.

        At most `max_records` records and rejects (default --max-records-per-file); the rest is
        counted, not read: one `too_many_records` reject (the first record past the bound, so it
        can be found again) and the others as skipped `past_max_records`, so the manifest still
        reconciles. Line readers count the rest fast (a Capped event); other formats are counted
        by running their splitter on without building records."""
        element, info, max_record = self.element, self.info, self.cfg.max_record_bytes
        limit = self.cfg.max_records_per_file if max_records is None else max_records
        emitted = read = 0
        capped: list = []  # [locator, raw, count, how] once past the bound
        try:
            for event in events:
                if isinstance(event, Skip):
                    info["skipped"] += 1
                    by = info.setdefault("skipped_by_reason", {})
                    by[event.reason] = by.get(event.reason, 0) + 1
                    self.count(f"skipped.read.{event.reason}")
                    continue
                if isinstance(event, Capped):
                    capped = [event.locator, event.raw, event.count, event.how]
                    continue
                if emitted >= limit:
                    if not capped:
                        capped = [event.locator, event.raw, 0, "records"]
                    capped[2] += 1
                    continue
                emitted += 1
                if isinstance(event, Bad):
                    yield self.reject(fmt, event.locator, event.error_type, event.message, event.raw, event.raw_size)
                elif len(event.raw) > max_record:
                    message = f"record is {len(event.raw)} bytes, over --max-record-bytes={max_record}"
                    yield self.reject(fmt, event.locator, "record_too_large", message, event.raw)
                else:
                    digest = raw_sha(event.raw)
                    read += 1
                    yield FormatRecord(
                        element.path,
                        element.rel_path,
                        event.locator,
                        fmt,
                        event.raw,
                        digest,
                        doc_id(element.rel_path, event.locator, digest),
                        event.meta,  # shared by a file's records: no stage changes it
                    )
        except Exception:
            if capped:  # a stream error after the bound: the records counted so far stay accounted for
                yield self._capped(fmt, limit, *capped)
            raise
        finally:
            info["records"] += read
            if read:
                self.count("records.read", read)  # once per file: a Beam counter costs microseconds per call
        if capped:
            yield self._capped(fmt, limit, *capped)

    def _capped(self, fmt: str, limit: int, locator: str, raw: bytes | None, n: int, how: str) -> Reject:
        """The reject standing for the `n` records past --max-records-per-file (the other n-1 are skipped)."""
        if n > 1:
            info = self.info
            info["skipped"] += n - 1
            by = info.setdefault("skipped_by_reason", {})
            by["past_max_records"] = by.get("past_max_records", 0) + n - 1
            self.count("skipped.read.past_max_records", n - 1)
        share = f" (this region's share: {limit})" if self.element.end is not None else ""
        message = (
            f"over --max-records-per-file={self.cfg.max_records_per_file}{share}: {n} more {how} follow the first {limit}, "
            f"not read; this one, where they start, is the reject and the other {n - 1} are counted as skipped (past_max_records)"
        )
        return self.reject(fmt, locator, "too_many_records", message, raw)

    def region(self, handle: BinaryIO) -> Iterator[ReadOutput]:
        """One region of a large file cut by plan_regions: the records that start in [start, end)."""
        element = self.element
        spec = format_named(element.region_format)
        self.info.update(format=element.region_format, region=[element.start, element.end], size=element.size if element.start == 0 else 0)
        self.info["compression"] = spec.regions.codec
        share = region_share(self.cfg.max_records_per_file, element)
        cfg = dataclasses.replace(self.cfg, max_records_per_file=share)
        yield from self.emit(spec.regions.split(handle, cfg, element.start, element.end), element.region_format, share)
        yield FileInfo(self.info)


def region_share(max_records: int, element: FileToRead) -> int:
    """A region's part of --max-records-per-file, in proportion to its bytes (rounded up), so that
    the regions of one file together stay within the bound (plus one record per region)."""
    if element.end is None or element.size <= 0:
        return max_records
    return max(1, -(-max_records * (element.end - element.start) // element.size))


def read_file(element: FileToRead, cfg: ReaderConfig, opener: Opener = open_regular, count: Count = no_count) -> Iterator[ReadOutput]:
    """One file (or one region of it) -> its records and rejects as read, then its FileInfo.

    The format is detected per file (content signature, then extension) unless --format names it;
    compression by magic bytes. Records are yielded as they are read, so a multi-GB CSV, JSONL or
    WARC file is never held whole. A failure part-way (a truncated gzip, a corrupt stream, the
    decompressed-size bound) keeps every record read before it and rejects the rest with its offset;
    line formats step over a damaged gzip member (one reject for it) and read the members after it.
    """
    reading = _Reading(element, cfg, count)
    info = reading.info
    fmt = None
    head = b""

    def reject(locator: str, error_type: str, message: str, raw: bytes | None, raw_size: int | None = None, digest: str | None = None):
        return reading.reject(fmt, locator, error_type, message, raw, raw_size, digest)

    if element.root is not None and not cfg.follow_symlinks:
        target = link_outside_root(element.path, element.root)
        if target is not None:
            message = (
                f"{element.path} is a symbolic link to {_link_target(element.path)!r}, which resolves to {target}, "
                f"outside the input root {element.root}: not followed (--follow-symlinks reads it)"
            )
            yield reject("file", "symlink_outside_root", message, None)
            yield FileInfo(info)
            return
    try:
        handle = opener(element.path)
    except RecordError as exc:  # not a regular file, a broken link: the opener says which
        yield reject("file", exc.error_type, exc.message, None)
        yield FileInfo(info)
        return
    except Exception as exc:  # noqa: BLE001 - any failure to open is this file's reject, not the run's crash
        yield reject("file", "unreadable_file", f"cannot open {element.path}: {exc!r}", None)
        yield FileInfo(info)
        return
    with handle:
        stream = None
        try:
            if element.end is not None:
                yield from reading.region(handle)
                return
            stream = DecodedStream(handle, cfg.max_decompressed_bytes)
            info["compression"] = stream.codec
            head = stream.peek(SNIFF_BYTES)
            fmt = info["format"] = format_of(cfg, element.rel_path, head)
            if fmt is None:
                raise RecordError("unknown_format", f"no reader accepts this file (binary content, first bytes {head[:16]!r})")
            spec = format_named(fmt)
            if spec is None:
                raise RecordError("no_reader", f"no reader for format {fmt!r}")
            regions = spec.regions
            if regions is not None and regions.whole_too and stream.codec is not None and stream.codec == regions.codec:
                handle.seek(0)
                if regions.qualifies is None or regions.qualifies(handle, cfg.max_record_bytes):
                    # Read as its regions would be (member-per-record WARC.gz: locators name each
                    # record's member, whether the file is read whole or in regions); hashed on the way.
                    handle.seek(0)
                    hashing = HashingReader(handle)
                    stream = None
                    yield from reading.emit(regions.split(hashing, cfg, 0, None), fmt)
                    info["size"], info["xxh3_128"] = hashing.drain()
                    yield FileInfo(info)
                    return
                handle.seek(0)
                stream = DecodedStream(handle, cfg.max_decompressed_bytes)
            if spec.gaps:  # a damaged gzip member loses only itself: the reader goes on at the next one
                stream.resume_gzip(cfg.max_record_bytes)
            yield from reading.emit(_events(spec, stream, element, cfg, count), fmt)
        except tuple(_STREAM_ERRORS) as exc:
            start = stream.pos if stream is not None else 0  # where the unfinished record starts
            partial = stream.take_buffer() if stream is not None else b""
            yield reject(f"bytes={start}-", _STREAM_ERRORS[type(exc)], f"{exc}; the records before byte {start} were kept", partial or None)
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
    yield FileInfo(info)
