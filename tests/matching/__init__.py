"""Tests: matching."""
