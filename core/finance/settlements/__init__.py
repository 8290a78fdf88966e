"""Settlements and reconciliation: what Amazon, Shopify Payments and PayPal paid out, line by
line, matched to the orders, refunds and fees it covers, and booked through the ledger's
rules (docs/finance.md, "Settlements"; reference finance.md §3)."""
