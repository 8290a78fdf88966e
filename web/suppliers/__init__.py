"""Portal pages of suppliers: list, form, review queue, contacts and per-SKU prices."""
