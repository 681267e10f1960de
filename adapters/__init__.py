"""Adapters: statement parsers, bureau clients and ERP sources, each a plug-in at the edge."""
