"""Table rows in Beam: clean articles to `articles` rows, rejects to `rejects` rows."""

from __future__ import annotations

from collections.abc import Iterable

import apache_beam as beam
from wirestrip.transforms.beam_safe import SafeDoFn, count
from wirestrip.transforms.record_types import CleanArticle, Reject
from wirestrip.transforms.write.table_rows import RunContext, article_row, reject_row


class ToArticleRows(SafeDoFn):
    """CleanArticle -> `articles` row, with its content hash."""

    stage = "fingerprint"

    def __init__(self, ctx: RunContext):
        self.ctx = ctx

    def process_one(self, clean: CleanArticle) -> Iterable[dict]:
        count("articles.written")
        yield article_row(clean, self.ctx)


class ToRejectRows(beam.PTransform):
    """Reject objects -> `rejects` rows."""

    def __init__(self, ctx: RunContext):
        super().__init__()
        self.ctx = ctx

    def expand(self, rejects):
        ctx = self.ctx

        def to_row(rej: Reject) -> dict:
            return reject_row(rej, ctx)

        return rejects | "RejectRow" >> beam.Map(to_row)
