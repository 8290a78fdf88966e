"""Shipping's business events (contracts: docs/events.md, "shipping")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.event_types import Payload, declare


@dataclass(frozen=True, kw_only=True)
class LabelBought(Payload):
    """A carrier label was bought for a shipment: `amount` in `currency` is its cost."""

    shipment_id: uuid.UUID
    number: str
    order_id: uuid.UUID
    carrier: str | None
    service: str | None
    tracking_number: str | None
    amount: Decimal | None
    currency: str | None
    warehouse_id: uuid.UUID | None
    # The order's number and shop, so finance books the freight per shop and order (added
    # with defaults: events stored before read back as None).
    order_number: str | None = None
    shop_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class LabelVoided(Payload):
    """A label was voided at the carrier; `amount` in `currency` is the cost it had."""

    shipment_id: uuid.UUID
    order_id: uuid.UUID
    carrier: str | None
    tracking_number: str | None
    amount: Decimal | None
    currency: str | None
    number: str | None = None
    order_number: str | None = None
    shop_id: uuid.UUID | None = None
    warehouse_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True)
class ShipmentShipped(Payload):
    shipment_id: uuid.UUID
    order_id: uuid.UUID
    tracking_number: str | None


@dataclass(frozen=True, kw_only=True)
class ShipmentException(Payload):
    """The carrier reports a problem (`status` exception) or the parcel coming back (returned)."""

    shipment_id: uuid.UUID
    order_id: uuid.UUID
    status: str
    description: str | None
    tracking_number: str | None


@dataclass(frozen=True, kw_only=True)
class ShipmentDelivered(Payload):
    shipment_id: uuid.UUID
    order_id: uuid.UUID
    delivered_at: datetime | None


declare("shipment.label_bought", LabelBought, "A carrier label was bought for a shipment (a shipping cost).")
declare("shipment.voided", LabelVoided, "A shipment's label was voided at the carrier.")
declare("shipment.shipped", ShipmentShipped, "A shipment was handed over to the carrier (its order shipped).")
declare("shipment.exception", ShipmentException, "The carrier reported an exception or a return for a shipment.")
declare("shipment.delivered", ShipmentDelivered, "The carrier delivered a shipment.")
