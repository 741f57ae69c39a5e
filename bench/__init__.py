"""Benchmarks and evaluations: `make bench`, `make eval`. Not installed with the package."""
