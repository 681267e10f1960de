"""Benchmarks of the credit manager's desk (``python -m bench.desk.ageing``)."""
