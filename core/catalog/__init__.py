"""Products (SPU), their SKUs, categories, kits and channel listing mappings."""
