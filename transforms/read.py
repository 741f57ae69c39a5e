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

from transforms.hashing import doc_id, raw_sha
from transforms.localfiles import is_local, open_regular, unlisted_entries
from transforms.posttext import split_posts
from transforms.records import RawRecord, RecordError, Reject
from transforms.safe import REJECTS, SafeDoFn, count

FILES = "files"  # tagged output: one JSON line per pattern and per file, for the manifest
_GLOB_CHARS = "*?[{"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileToRead:
    """A matched file, with its name relative to the root of the pattern that matched it."""

    path: str
    rel_path: str
    size: int


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


class ReadFile(SafeDoFn):
    """One file -> its raw records (bounded in size), plus a JSON line describing the file."""

    stage = "read"

    def __init__(self, input_format: str, max_file_bytes: int, max_record_bytes: int):
        self.input_format = input_format
        self.max_file_bytes = max_file_bytes
        self.max_record_bytes = max_record_bytes

    def reject_for(self, element: FileToRead, error_type: str, message: str) -> Reject:
        return Reject(
            source_uri=element.path,
            locator="file",
            stage=self.stage,
            error_type=error_type,
            message=message,
            raw=None,
            input_format=self.format_of(element),
        )

    def on_reject(self, element: FileToRead) -> Iterable:
        info = {
            "kind": "file",
            "source_uri": element.path,
            "rel_path": element.rel_path,
            "size": element.size,
            "xxh3_128": None,
            "format": self.format_of(element),
            "records": 0,
            "rejected": 1,
            "skipped": 0,
        }
        yield TaggedOutput(FILES, json.dumps(info))

    def format_of(self, element: FileToRead) -> str:
        # Only the scraped-post text reader exists so far; every file is read as one.
        return "txt"

    def _read_bounded(self, path: str) -> tuple[bytearray, int, str]:
        """First max_file_bytes (+1) bytes, the full size and the xxh3-128 of the whole file.

        The buffer is returned as is (no bytes() copy): records are cut from it by memoryview,
        so a file costs about its size once, not two or three times."""
        digest = xxhash.xxh3_128()
        kept = bytearray()
        size = 0
        # Local inputs: regular files only (a FIFO or /dev/zero behind a symlink would never end).
        opened = open_regular(path) if is_local(path) else FileSystems.open(path, compression_type="uncompressed")
        with opened as f:
            while chunk := f.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if len(kept) <= self.max_file_bytes:
                    kept.extend(chunk[: self.max_file_bytes + 1 - len(kept)])
        return kept, size, digest.hexdigest()

    def process_one(self, element: FileToRead) -> Iterable:
        fmt = self.format_of(element)
        try:
            data, size, sha = self._read_bounded(element.path)
        except OSError as exc:
            raise RecordError("unreadable_file", f"cannot read {element.path}: {exc!r}") from None
        info = {
            "kind": "file",
            "source_uri": element.path,
            "rel_path": element.rel_path,
            "size": size,
            "xxh3_128": sha,
            "format": fmt,
            "records": 0,
            "rejected": 0,
            "skipped": 0,
        }
        if size > self.max_file_bytes:
            count("rejected.read.file_too_large")
            info["rejected"] = 1
            yield TaggedOutput(FILES, json.dumps(info))
            yield TaggedOutput(
                REJECTS,
                Reject(
                    source_uri=element.path,
                    locator="file",
                    stage=self.stage,
                    error_type="file_too_large",
                    message=f"file is {size} bytes, over --max-file-bytes={self.max_file_bytes}",
                    # Never carry more than one record's worth through the pipeline; size and hash stay whole.
                    raw=bytes(memoryview(data)[: min(self.max_record_bytes, self.max_file_bytes)]),
                    input_format=fmt,
                    raw_size=size,
                    raw_sha=sha,
                ),
            )
            return
        view = memoryview(data)
        for n, (start, end) in enumerate(split_posts(data)):
            locator = f"post={n};bytes={start}-{end}"
            digest = raw_sha(view[start:end])
            rid = doc_id(element.rel_path, locator, digest)
            if end - start > self.max_record_bytes:
                count("rejected.read.record_too_large")
                info["rejected"] += 1
                yield TaggedOutput(
                    REJECTS,
                    Reject(
                        source_uri=element.path,
                        locator=locator,
                        stage=self.stage,
                        error_type="record_too_large",
                        message=f"record is {end - start} bytes, over --max-record-bytes={self.max_record_bytes}",
                        # Only the first max_record_bytes travel on: a 100 MB line must not be copied through every stage.
                        raw=bytes(view[start : start + self.max_record_bytes]),
                        input_format=fmt,
                        doc_id=rid,
                        raw_size=end - start,
                        raw_sha=digest,
                    ),
                )
                continue
            record = RawRecord(element.path, element.rel_path, locator, fmt, bytes(view[start:end]), digest, rid)
            info["records"] += 1
            count("records.read")
            yield record
        yield TaggedOutput(FILES, json.dumps(info))


class ReadInputs(beam.PTransform):
    """Globs -> raw records, with tagged outputs `rejects` (Reject) and `files` (JSON lines)."""

    def __init__(self, patterns: list[str], input_format: str, max_file_bytes: int, max_record_bytes: int):
        super().__init__()
        self.patterns = patterns
        self.reader = ReadFile(input_format, max_file_bytes, max_record_bytes)

    def expand(self, pbegin):
        matched = (
            pbegin
            | "Patterns" >> beam.Create(self.patterns)
            | "Match" >> beam.ParDo(ExpandGlobs()).with_outputs(REJECTS, FILES, main="files_to_read")
        )
        read = (
            matched.files_to_read
            # MatchFiles-style expansion leaves all files on one worker: spread them out.
            | "SpreadFiles" >> beam.Reshuffle()
            | "Read" >> beam.ParDo(self.reader).with_outputs(REJECTS, FILES, main="records")
        )
        rejects = (matched[REJECTS], read[REJECTS]) | "ReadRejects" >> beam.Flatten()
        files = (matched[FILES], read[FILES]) | "FileInfo" >> beam.Flatten()
        return {"records": read.records, REJECTS: rejects, FILES: files}
