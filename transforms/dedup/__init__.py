"""Dedup: fingerprints, candidate pairs, connected components, the original of each cluster and
the cross-batch index entries. Pure except the `beam_*` modules."""
