"""Tests of the credit manager's desk."""
