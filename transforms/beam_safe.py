"""Per-record failure handling: an exception on one record becomes a reject for that record,
never the loss of its bundle, never a crash of the run."""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.pvalue import TaggedOutput
from wirestrip.transforms.record_types import CleanArticle, ParsedArticle, RawRecord, RecordError, Reject

REJECTS = "rejects"
NAMESPACE = "wirestrip"
_TRACEBACK_FRAMES = 4  # enough to locate the failing line without bloating the rejects table


def count(name: str, n: int = 1) -> None:
    """Increment a Beam counter in the wirestrip namespace."""
    Metrics.counter(NAMESPACE, name).inc(n)


_MAX_MESSAGE_CHARS = 2000  # an exception may quote its input (a whole 8 MB line); the raw bytes are in the row already


def bounded(text: str, limit: int = _MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was cut."""
    return text if len(text) <= limit else f"{text[:limit]}… [{len(text) - limit} more characters]"


def short_traceback(exc: BaseException) -> str:
    """repr of the exception plus its last frames: exception objects themselves may not pickle."""
    try:
        head = bounded(repr(exc))
    except Exception:  # noqa: BLE001 - a broken __repr__ must not turn one reject into a lost bundle
        head = f"<{type(exc).__name__} whose repr() failed>"
    frames = traceback.format_tb(exc.__traceback__)[-_TRACEBACK_FRAMES:]
    return f"{head}\n{''.join(frames)}".strip()


def raw_record_of(element: Any) -> RawRecord:
    """The raw record behind a stage's element (RawRecord, ParsedArticle or CleanArticle)."""
    if isinstance(element, RawRecord):
        return element
    if isinstance(element, ParsedArticle):
        return element.record
    if isinstance(element, CleanArticle):
        return element.parsed.record
    raise TypeError(f"no raw record behind a {type(element).__name__}")


class SafeDoFn(beam.DoFn):
    """A DoFn whose `process_one` may raise: RecordError gives a reject with its reason, any
    other exception a reject of type 'exception' with a short traceback. Outputs of a record
    are emitted only when the whole record succeeded."""

    stage = "unknown"

    def process_one(self, element: Any) -> Iterable[Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def reject_for(self, element: Any, error_type: str, message: str) -> Reject:
        """A reject carrying the element's raw record; subclasses handle other element types."""
        return Reject.of(raw_record_of(element), self.stage, error_type, message)

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
