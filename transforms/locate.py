"""Re-reading one record from its source by its locator (for `wirestrip explain`).

This branch supports the scraped-post text format only (locators `post=N;bytes=START-END`, byte
offsets into the file as read, uncompressed); the readers' owner extends it to every format.
"""

from __future__ import annotations

import re

from apache_beam.io.filesystems import FileSystems

_TXT_LOCATOR = re.compile(r"^post=(\d+);bytes=(\d+)-(\d+)$")


class LocateError(ValueError):
    """The record cannot be re-read: unknown format, bad locator, or the source changed or vanished."""


def reread_record(source_uri: str, locator: str, input_format: str) -> bytes:
    """The raw bytes of one record, read again from `source_uri` at `locator`."""
    if input_format != "txt":
        raise LocateError(f"re-reading {input_format!r} records is not supported here (only txt)")
    m = _TXT_LOCATOR.match(locator)
    if m is None:
        raise LocateError(f"locator {locator!r} is not post=N;bytes=START-END")
    start, end = int(m.group(2)), int(m.group(3))
    if end < start:
        raise LocateError(f"locator {locator!r} has its end before its start")
    try:
        with FileSystems.open(source_uri, compression_type="uncompressed") as f:
            f.seek(start)
            data = f.read(end - start)
    except OSError as exc:
        raise LocateError(f"cannot read {source_uri}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - Beam filesystems raise their own types (BeamIOError)
        raise LocateError(f"cannot read {source_uri}: {exc}") from None
    if len(data) != end - start:
        raise LocateError(f"{source_uri} is shorter than the locator {locator!r}: the file changed since the run")
    return data
