"""Portal pages of the catalogue: products, review, SKUs, kits, listing mappings, categories."""
