"""Speed and memory: `make bench`, `make bench-scale`, `make bench-memory`, `make bench-dedup`, `make bench-output`, `make adversarial`."""
