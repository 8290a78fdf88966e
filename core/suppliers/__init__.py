"""Suppliers and merchants, their contacts, finance details and per-SKU prices."""
