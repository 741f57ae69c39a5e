"""The bench's own tests: its metrics, corpus generators and runner hooks are right (run by `make test`).

They import bench; the product tests in tests/ never do.
"""
