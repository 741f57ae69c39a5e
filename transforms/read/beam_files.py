"""Input files on any Beam filesystem: the openers the Beam wrappers give the pure readers, the
re-reading of one record from any Beam path, and local-disk safety: what Beam's local listing
silently leaves out, and opening only regular files (files.open_regular).

Beam's LocalFileSystem lists with os.walk and drops every entry it cannot stat (broken symlinks,
symlink loops) and every directory it cannot list, without a word: those inputs would vanish from
the manifest. And it opens whatever matched: a FIFO blocks the run forever, a symlink to
/dev/zero never ends. Object stores (gs://, s3://) have neither, so this only acts on local paths.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import BinaryIO

from apache_beam.io.filesystem import FileSystem
from apache_beam.io.filesystems import FileSystems
from wirestrip.transforms.read import locate
from wirestrip.transforms.read.files import open_regular

_GLOB_START = re.compile(r"^[^[*?]*")  # the part of a pattern before its first glob character, as Beam cuts it


def is_local(path: str) -> bool:
    """True for plain local paths (Beam's local filesystem without a scheme)."""
    return FileSystems.get_scheme(path) is None


def unlisted_entries(pattern: str, listed: set[str]) -> list[str]:
    """Local entries matching `pattern` that Beam's listing dropped: broken symlinks, symlink loops,
    vanished files, and directories that could not be listed. Sorted; empty for non-local patterns."""
    if not is_local(pattern):
        return []
    prefix = _GLOB_START.match(pattern).group(0)
    if prefix == pattern:  # no glob: a single path, a broken symlink among them
        return [pattern] if os.path.islink(pattern) and not os.path.exists(pattern) and pattern not in listed else []
    root = os.path.dirname(prefix)
    if not os.path.isdir(root):
        return []
    match = re.compile(FileSystem.translate_pattern(pattern)).match
    errors: list[OSError] = []
    found = []
    for dirpath, _, files in os.walk(root, onerror=errors.append):  # symlinked directories are not followed: no loops
        for name in files:
            path = os.path.join(dirpath, name)
            if path not in listed and match(path) and not os.path.exists(path):
                found.append(path)
    # A directory that could not be listed (the root included) may hold matching files: surface it so it is rejected, not forgotten.
    found.extend(e.filename for e in errors if isinstance(e.filename, str) and _may_hold_matches(e.filename, pattern))
    return sorted(set(found))


def _may_hold_matches(directory: str, pattern: str) -> bool:
    """Whether files below `directory` could match `pattern` (component by component, up to a '**')."""
    parts = pattern.split("/")
    for i, name in enumerate(directory.rstrip("/").split("/")):
        if "**" in parts[i]:
            return True
        if i >= len(parts) - 1 or not fnmatch.fnmatchcase(name, parts[i]):
            return False  # past the pattern's last folder, or a folder the pattern does not name
    return True


def open_any(path: str) -> BinaryIO:
    """The raw bytes of a file on any Beam filesystem (Beam must not decompress: readers detect it)."""
    return FileSystems.open(path, compression_type="uncompressed")


def open_input(path: str) -> BinaryIO:
    """An input file to read: local inputs only when regular (a FIFO or /dev/zero behind a symlink
    would never end), any other Beam path as it is."""
    return open_regular(path) if is_local(path) else open_any(path)


def reread_record(source_uri: str, locator: str, input_format: str) -> bytes:
    """locate.reread_record on any Beam filesystem (local, gs://, s3://...): a record's raw bytes again."""
    return locate.reread_record(source_uri, locator, input_format, opener=open_any)
