"""Purchasing pages: purchase orders, stocking requests, replenishment, receiving with QC, returns,
scorecards, settings."""
