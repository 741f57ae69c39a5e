"""Fitted model files (data, no code): segments.json, the segment classifier (docs/segment_model.md)."""
