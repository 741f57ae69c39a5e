"""The small record types that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class RawRecord:
    """One article's raw bytes as a reader found them, with where they came from."""

    source_uri: str
    rel_path: str  # file name relative to the input root: what doc_id is derived from
    locator: str
    input_format: str
    raw: bytes | None  # None once cleaned: left in the input, read again by locator for a later reject (beam_safe.reject_of)
    raw_sha: str
    doc_id: str


@dataclass
class Removed:
    """One span stripped from the body, and the rule that stripped it."""

    rule_id: str
    kind: str
    text: str
    position: int  # index of the paragraph it was in (or stood as), in the parsed body
    score: float | None = None  # the segment classifier's score, for a model removal

    def as_row(self) -> dict:
        return {"rule_id": self.rule_id, "kind": self.kind, "text": self.text, "position": self.position, "score": self.score}


@dataclass
class ParsedArticle:
    """An article split into its parts by a format parser, before boilerplate cleaning."""

    record: RawRecord
    title: str | None = None
    standfirst: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    published_tz_assumed: bool | None = None
    dateline_city: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    publisher: str | None = None
    byline: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)  # person names only; byline keeps the credits as printed
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    content_kind: str = "full"
    removed: list[Removed] = field(default_factory=list)  # parts the parser itself consumed


# The articles-row key (not a column) that hands CleanArticle.text_before_model from the rows stage to
# dedup, which drops it before its join of the rows.
ROW_TEXT_BEFORE_MODEL = "text_before_model"


@dataclass
class CleanArticle:
    """A parsed article after boilerplate cleaning, with what the removed lines revealed."""

    parsed: ParsedArticle
    paragraphs: list[str]
    removed: list[Removed]
    publisher: str | None = None
    origin_agency: str | None = None
    syndicated: bool | None = None
    license: str | None = None
    tags: list[str] = field(default_factory=list)
    origin_agency_rule: str | None = None  # the rule (or "dateline") that decided origin_agency
    republished_from: str | None = None  # the outlet a republish note names ("originally appeared in X"), when no agency
    byline: list[str] = field(default_factory=list)  # the parser's bylines plus those the cleaner found
    dateline_city: str | None = None  # the parser's, else the one the cleaner read off the first paragraph
    title: str | None = None  # the parser's, else a headline the cleaner took off the top of the text
    # The kept paragraphs with the segment model's removals put back in place (None when it removed
    # none): what dedup compares, so that a page's clusters do not hang on the model's statistical calls.
    text_before_model: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class Reject:
    """A record that failed at some stage; it goes to the rejects table, never silently away."""

    source_uri: str
    locator: str
    stage: str
    error_type: str
    message: str
    raw: bytes | None
    input_format: str | None = None
    doc_id: str | None = None
    raw_size: int | None = None
    raw_sha: str | None = None

    @classmethod
    def of(cls, record: RawRecord, stage: str, error_type: str, message: str) -> Reject:
        """A reject for a record that was read successfully but failed later."""
        return cls(
            source_uri=record.source_uri,
            locator=record.locator,
            stage=stage,
            error_type=error_type,
            message=message,
            raw=record.raw,
            input_format=record.input_format,
            doc_id=record.doc_id,
            raw_size=len(record.raw) if record.raw is not None else None,
            raw_sha=record.raw_sha,
        )


class RecordError(ValueError):
    """A record-level failure with a machine-readable reason; becomes a reject."""

    def __init__(self, error_type: str, message: str):
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def raw_record_of(element: Any) -> RawRecord:
    """The raw record behind a stage's element (RawRecord, ParsedArticle or CleanArticle)."""
    if isinstance(element, RawRecord):
        return element
    if isinstance(element, ParsedArticle):
        return element.record
    if isinstance(element, CleanArticle):
        return element.parsed.record
    raise TypeError(f"no raw record behind a {type(element).__name__}")
