"""Inventory: warehouses and bins, the stock ledger and balances, reservations, transfers and
first-leg shipments, stocktakes and kits. Other capabilities use `core.inventory.service`."""
