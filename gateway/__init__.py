"""Integration gateway for banks and credit bureaus."""

__version__ = "0.1.0"
