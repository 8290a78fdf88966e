"""Channel sync: orders in from every channel connection, shipments and stock back out (docs/sync.md)."""
