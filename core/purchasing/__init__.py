"""Stocking requests, replenishment suggestions, purchase orders, receiving with QC, returns
to suppliers and supplier scorecards (docs/purchasing.md)."""
