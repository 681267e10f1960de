"""Matching benchmark: a generated EU B2B world (customers, invoices, bank statements with labelled
payments), a scorer for ``gateway reconcile`` against the labels, and a scale run."""
