"""Learned-line files of earlier runs (`--learned-lines`), read from any Beam filesystem."""

from __future__ import annotations

from apache_beam.io.filesystems import FileSystems
from wirestrip.transforms.clean.learned import parse_learned_lines


def load_learned_files(patterns: list[str] | None) -> list[dict]:
    """Learned-line records from earlier runs' OUT/learned files (globs, any Beam filesystem).

    Raises ValueError naming the file when a pattern matches nothing or a file is not such records.
    """
    records: list[dict] = []
    for pattern in patterns or []:
        matched = FileSystems.match([pattern])[0].metadata_list
        if not matched:
            raise ValueError(f"--learned-lines {pattern}: no file matches")
        for meta in sorted(matched, key=lambda m: m.path):
            with FileSystems.open(meta.path, compression_type="uncompressed") as f:
                records += parse_learned_lines(f.read().decode("utf-8"), meta.path)
    return records
