"""Other Beam engines on this machine: `make prism-check`, `make flink-check`, `make bench-engines` (docs/runners.md)."""
