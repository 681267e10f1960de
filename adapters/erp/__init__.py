"""Adapters for what the ERP knows: open invoices and customers (today from CSV exports)."""
