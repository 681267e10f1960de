"""Tests: erp."""
