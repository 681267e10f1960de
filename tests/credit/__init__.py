"""Tests: credit."""
