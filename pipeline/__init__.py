"""wirestrip: syndication-provenance and boilerplate cleaning for news dumps, on Apache Beam."""

from transforms import _quiet  # noqa: F401  (before anything imports Beam)

__version__ = "0.1.0"
