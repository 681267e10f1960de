"""Statement adapters (entry-point group ``gateway.statement_parsers``): camt.05x, OFX, MT940."""
