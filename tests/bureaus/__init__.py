"""Tests: bureaus."""
