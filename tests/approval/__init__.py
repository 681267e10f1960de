"""Tests: approval."""
