"""Pure functions (parsing, cleaning, fingerprinting) and the thin Beam transforms around them."""

from transforms import _quiet  # noqa: F401  (before anything imports Beam)
