"""Portal pages of inventory: stock, ledgers, warehouses, transfers, first legs, stocktakes, kits."""
