"""Output table schemas of wirestrip, declared once and versioned."""

from schemas.articles import ARTICLES_SCHEMA, ARTICLES_SCHEMA_VERSION, REMOVED_SPAN
from schemas.clusters import CLUSTERS_SCHEMA, CLUSTERS_SCHEMA_VERSION
from schemas.index import INDEX_SCHEMA, INDEX_SCHEMA_VERSION
from schemas.rejects import REJECTS_SCHEMA, REJECTS_SCHEMA_VERSION

__all__ = [
    "ARTICLES_SCHEMA",
    "ARTICLES_SCHEMA_VERSION",
    "CLUSTERS_SCHEMA",
    "CLUSTERS_SCHEMA_VERSION",
    "INDEX_SCHEMA",
    "INDEX_SCHEMA_VERSION",
    "REJECTS_SCHEMA",
    "REJECTS_SCHEMA_VERSION",
    "REMOVED_SPAN",
]
