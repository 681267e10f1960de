"""Benchmarks; the statement parsing one is ``python -m bench.parse`` (see bench/README.md)."""
