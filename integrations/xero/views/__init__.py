"""Xero pages and partials, one module per area; urls.py names them."""
