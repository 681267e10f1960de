"""Corpus files where we believe the manifest's expectation is wrong, with the reason.

Each entry: corpus path -> why our reading differs. The conformance test expects these to differ
(strict xfail), so a change in either the manifest or our parser shows up.
"""

DISPUTES: dict[str, str] = {}
