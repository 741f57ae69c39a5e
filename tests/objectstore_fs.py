"""A Beam filesystem with object-store semantics, for tests: scheme `memfs://`, a flat map of keys
to bytes, no directories, "rename" is copy + delete, an object becomes visible only when its writer
closes it (as on GCS and S3). Beam 2.77's Python SDK has no in-memory filesystem of its own.

Importing this module registers the scheme (Beam finds FileSystem subclasses by scheme). It lives
in one process: use it with the in-process runner (the default, in_memory mode).
"""

from __future__ import annotations

import fnmatch
import io
import re
import threading
import time

from apache_beam.io.filesystem import BeamIOError, CompressedFile, CompressionTypes, FileMetadata, FileSystem, MatchResult

_OBJECTS: dict[str, bytes] = {}
_LOCK = threading.Lock()


def objects() -> dict[str, bytes]:
    """A snapshot of every object stored."""
    with _LOCK:
        return dict(_OBJECTS)


def clear() -> None:
    with _LOCK:
        _OBJECTS.clear()


class _Upload(io.BytesIO):
    """Buffered upload: the object appears whole on close, like a GCS/S3 PUT."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def close(self):
        if not self.closed:
            with _LOCK:
                _OBJECTS[self.path] = self.getvalue()
        super().close()


class MemObjectStore(FileSystem):
    """Object-store semantics in memory (see module doc)."""

    @classmethod
    def scheme(cls):
        return "memfs"

    def join(self, basepath, *paths):
        out = basepath.rstrip("/")
        for p in paths:
            out += "/" + p.strip("/")
        return out

    def split(self, path):
        head, _, tail = path.rstrip("/").rpartition("/")
        return head, tail

    def mkdirs(self, path):
        pass  # no directories on an object store

    def has_dirs(self):
        return False

    def _list(self, dir_or_prefix):
        for key, data in objects().items():
            if key.startswith(dir_or_prefix):
                yield FileMetadata(key, len(data), time.time())

    def match(self, patterns, limits=None):
        results = []
        for pattern in patterns:
            if not any(c in pattern for c in "*?["):
                found = [
                    FileMetadata(k, len(v), time.time())
                    for k, v in objects().items()
                    if k == pattern or k.startswith(pattern.rstrip("/") + "/")
                ]
            else:
                regex = re.compile(fnmatch.translate(pattern.replace("**", "*")))
                found = [FileMetadata(k, len(v), time.time()) for k, v in sorted(objects().items()) if regex.match(k)]
            results.append(MatchResult(pattern, found))
        return results

    def create(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        raw = _Upload(path)
        if compression_type == CompressionTypes.AUTO:
            compression_type = CompressionTypes.detect_compression_type(path)
        if compression_type == CompressionTypes.UNCOMPRESSED:
            return raw
        return CompressedFile(raw, compression_type)

    def open(self, path, mime_type="application/octet-stream", compression_type=CompressionTypes.AUTO):
        with _LOCK:
            if path not in _OBJECTS:
                raise BeamIOError(f"no such object: {path}")
            raw = io.BytesIO(_OBJECTS[path])
        if compression_type == CompressionTypes.AUTO:
            compression_type = CompressionTypes.detect_compression_type(path)
        if compression_type == CompressionTypes.UNCOMPRESSED:
            return raw
        return CompressedFile(raw, compression_type)

    def _copy_tree_or_files(self, sources, destinations):
        with _LOCK:
            for src, dst in zip(sources, destinations, strict=True):
                if src in _OBJECTS:
                    _OBJECTS[dst] = _OBJECTS[src]
                else:  # a "directory": every key below it
                    prefix = src.rstrip("/") + "/"
                    for key in [k for k in _OBJECTS if k.startswith(prefix)]:
                        _OBJECTS[dst.rstrip("/") + "/" + key[len(prefix) :]] = _OBJECTS[key]

    def copy(self, source_file_names, destination_file_names):
        self._copy_tree_or_files(source_file_names, destination_file_names)

    def rename(self, source_file_names, destination_file_names):
        self._copy_tree_or_files(source_file_names, destination_file_names)  # not atomic: copy, then delete
        self.delete(source_file_names)

    def exists(self, path):
        with _LOCK:
            return path in _OBJECTS or any(k.startswith(path.rstrip("/") + "/") for k in _OBJECTS)

    def size(self, path):
        return len(objects()[path])

    def last_updated(self, path):
        return time.time()

    def checksum(self, path):
        return str(hash(objects()[path]))

    def metadata(self, path):
        return FileMetadata(path, self.size(path), time.time())

    def delete(self, paths):
        with _LOCK:
            for path in paths:
                prefix = path.rstrip("/") + "/"
                for key in [k for k in _OBJECTS if k == path or k.startswith(prefix)]:
                    del _OBJECTS[key]
