"""Output table schemas of wirestrip, declared once and versioned."""

from schemas.articles import ARTICLES_SCHEMA, ARTICLES_SCHEMA_VERSION, REMOVED_SPAN
from schemas.rejects import REJECTS_SCHEMA, REJECTS_SCHEMA_VERSION

__all__ = [
    "ARTICLES_SCHEMA",
    "ARTICLES_SCHEMA_VERSION",
    "REJECTS_SCHEMA",
    "REJECTS_SCHEMA_VERSION",
    "REMOVED_SPAN",
]
