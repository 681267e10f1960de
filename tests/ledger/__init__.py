"""Tests: ledger."""
