"""Per-record failure handling in Beam: an exception on one record becomes a reject for that record,
never the loss of its bundle, never a crash of the run; and the Beam counter that pure code is given.

Records after the clean stage carry no raw bytes (`left_in_input`): a reject of a later stage reads
them again from the input by locator (`reject_of`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput
from wirestrip.transforms.errors import bounded, short_traceback
from wirestrip.transforms.hashing import raw_sha
from wirestrip.transforms.read import locate
from wirestrip.transforms.read.beam_files import open_input
from wirestrip.transforms.record_types import RawRecord, RecordError, Reject, raw_record_of

REJECTS = "rejects"
NAMESPACE = "wirestrip"


# name -> Metrics.counter handle. A handle holds no value: each inc() goes to the metrics container
# of the step running at that moment, so a cached handle counts exactly as a new one (building one
# per call cost ~6 s per 300,000 calls).
_COUNTERS: dict[str, Any] = {}


def count(name: str, n: int = 1) -> None:
    """Increment a Beam counter in the wirestrip namespace."""
    counter = _COUNTERS.get(name)
    if counter is None:
        counter = _COUNTERS[name] = Metrics.counter(NAMESPACE, name)
    counter.inc(n)


class SafeDoFn(beam.DoFn):
    """A DoFn whose `process_one` may raise: RecordError gives a reject with its reason, any
    other exception a reject of type 'exception' with a short traceback. Outputs of a record
    are emitted only when the whole record succeeded."""

    stage = "unknown"

    def process_one(self, element: Any) -> Iterable[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def reject_for(self, element: Any, error_type: str, message: str) -> Reject:
        """A reject carrying the element's raw record (its raw bytes read again when they were left in
        the input); subclasses handle other element types."""
        return reject_of(raw_record_of(element), self.stage, error_type, message)

    def on_reject(self, element: Any) -> Iterable[Any]:
        """Extra outputs when `element` is rejected (readers use it to keep the manifest's counts whole)."""
        return ()

    def process(self, element: Any) -> Iterable[Any]:
        try:
            outputs = list(self.process_one(element))
        except RecordError as exc:
            error_type, message = exc.error_type, bounded(str(exc.message))
        except Exception as exc:  # noqa: BLE001 - every failure must become a reject, not a lost bundle
            error_type, message = "exception", short_traceback(exc)
        else:
            yield from outputs
            return
        count(f"rejected.{self.stage}.{error_type}")
        yield TaggedOutput(REJECTS, self.reject_for(element, error_type, message))
        yield from self.on_reject(element)


RAW_NOT_KEPT = "raw bytes not kept"  # in the message of a reject whose raw bytes could not be read again


def left_in_input(record: RawRecord) -> RawRecord:
    """`record` without its raw bytes (raw None) and without its reader's hints: what the stages after
    cleaning carry. The bytes stay in the input file, where a reject of those stages reads them
    again (`reject_of`); source, locator, raw_sha and doc_id stay with the record."""
    return RawRecord(record.source_uri, record.rel_path, record.locator, record.input_format, None, record.raw_sha, record.doc_id)


def reject_of(record: RawRecord, stage: str, error_type: str, message: str) -> Reject:
    """Reject.of, for a record that may have left its raw bytes in the input: they are read again by
    locator, through the opener the readers use, and kept only when they still hash to the record's
    raw_sha. When the file changed since it was read, or cannot be read, the reject keeps the hash
    (no bytes, no size) and its message says why. Never raises for the input's sake."""
    if record.raw is not None:
        return Reject.of(record, stage, error_type, message)
    try:
        raw = locate.reread_record(record.source_uri, record.locator, record.input_format, opener=open_input)
    except Exception as exc:  # noqa: BLE001 - a file gone or unreadable: the reject still names the record
        why = f"the input cannot be read again: {bounded(_describe(exc), 300)}"
    else:
        if raw_sha(raw) == record.raw_sha:
            return Reject.of(dataclasses.replace(record, raw=raw), stage, error_type, message)
        why = "the input changed since it was read: the bytes at its locator no longer hash to raw_sha"
    count("rejects.raw_not_kept")
    return Reject.of(record, stage, error_type, f"{message}\n[{RAW_NOT_KEPT}: {why}]")  # raw and raw_size stay None


def _describe(exc: BaseException) -> str:
    """A short description of why a re-read failed (a RecordError's message, else the exception's repr)."""
    try:
        return exc.message if isinstance(exc, RecordError) else repr(exc)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not lose the reject
        return type(exc).__name__
