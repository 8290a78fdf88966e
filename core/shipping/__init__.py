"""Shipping: shipments, parcels, rate quotes, labels, customs documents and tracking
(docs/shipping.md). Orders keep the order's status; shipping calls the orders service to mark
an order shipped or delivered (docs/decisions/0013-shipping-owns-parcels.md)."""
