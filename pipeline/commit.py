"""Committing a staged partition into the dataset.

Local disk: the old partition directory is renamed aside and the staged one renamed into place
(two directory renames on one filesystem; readers see the old or the new partition, never a
half-written file). Object stores have no directory rename: files are copied then the old ones
deleted, which is not atomic; versioned folders with a _SUCCESS pointer replace this there.
"""

from __future__ import annotations

import os
import shutil

from apache_beam.io.filesystems import FileSystems


def is_local(path: str) -> bool:
    return FileSystems.get_scheme(path) in (None, "file")


def _local(path: str) -> str:
    return path[len("file://") :] if path.startswith("file://") else path


def commit_partition(staged: str, final: str, trash: str) -> None:
    """Replace the partition `final` by the directory `staged` (which may be absent: an empty table)."""
    if is_local(final):
        staged, final, trash = _local(staged), _local(final), _local(trash)
        if not os.path.isdir(staged):
            os.makedirs(staged)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        if os.path.exists(final):
            os.makedirs(os.path.dirname(trash), exist_ok=True)
            os.rename(final, trash)
        os.rename(staged, final)
        shutil.rmtree(trash, ignore_errors=True)
        return
    old = [m.path for m in FileSystems.match([FileSystems.join(final, "*")])[0].metadata_list]
    new = [m.path for m in FileSystems.match([FileSystems.join(staged, "*")])[0].metadata_list]
    FileSystems.copy(new, [FileSystems.join(final, p.rsplit("/", 1)[-1]) for p in new])
    stale = [p for p in old if p.rsplit("/", 1)[-1] not in {q.rsplit("/", 1)[-1] for q in new}]
    if stale:
        FileSystems.delete(stale)


def remove_tree(path: str) -> None:
    """Delete a staging tree, wherever it is."""
    if is_local(path):
        shutil.rmtree(_local(path), ignore_errors=True)
    else:
        matches = FileSystems.match([FileSystems.join(path, "**")])[0].metadata_list
        if matches:
            FileSystems.delete([m.path for m in matches])
