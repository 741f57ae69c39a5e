"""Output table schemas of wirestrip, declared once and versioned."""

from wirestrip.schemas.articles import ARTICLES_SCHEMA, ARTICLES_SCHEMA_VERSION, REMOVED_SPAN
from wirestrip.schemas.clusters import CLUSTERS_SCHEMA, CLUSTERS_SCHEMA_VERSION
from wirestrip.schemas.index import INDEX_SCHEMA, INDEX_SCHEMA_VERSION
from wirestrip.schemas.rejects import REJECTS_SCHEMA, REJECTS_SCHEMA_VERSION

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
