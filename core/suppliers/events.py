"""The suppliers' business events (contracts: docs/events.md, "suppliers")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from core.event_types import Payload, declare


@dataclass(frozen=True, kw_only=True)
class SupplierState(Payload):
    """A supplier (or forwarder) as it is after the change, with its settlement terms."""

    id: uuid.UUID
    code: str | None
    name: str
    kind: str | None
    status: str
    currency: str | None
    settlement_mode: str | None
    settlement_days: int | None


@dataclass(frozen=True, kw_only=True)
class SupplierReasoned(SupplierState):
    """A supplier rejected or disabled, and why."""

    reason: str | None


@dataclass(frozen=True, kw_only=True)
class SupplierContact(Payload):
    supplier_id: uuid.UUID
    contact_id: uuid.UUID
    name: str


@dataclass(frozen=True, kw_only=True)
class SupplierPrice(Payload):
    """A supplier's quote for a SKU: `price` in `currency` per unit, minimum order and lead time."""

    supplier_id: uuid.UUID
    supplier_code: str | None
    sku_id: uuid.UUID
    sku_code: str | None
    price: Decimal
    currency: str
    moq: int
    lead_time_days: int


declare("supplier.created", SupplierState, "A supplier was created as a draft.")
declare("supplier.updated", SupplierState, "A supplier's fields or terms changed.")
declare(
    "supplier.deleted", SupplierState, "A never-approved draft supplier was deleted; the payload is its last state."
)
declare("supplier.submitted", SupplierState, "A supplier was submitted for review.")
declare("supplier.withdrawn", SupplierState, "A submitted supplier was withdrawn from review.")
declare("supplier.approved", SupplierState, "A supplier was approved: purchase orders may be placed with it.")
declare("supplier.rejected", SupplierReasoned, "The review rejected a supplier; `reason` says why.")
declare("supplier.revised", SupplierState, "An approved supplier was reopened for changes.")
declare("supplier.disabled", SupplierReasoned, "A supplier was disabled; `reason` says why.")
declare("supplier.enabled", SupplierState, "A disabled supplier was enabled again.")
declare("supplier.contact_added", SupplierContact, "A contact person was added to a supplier.")
declare("supplier.contact_updated", SupplierContact, "A supplier's contact person changed.")
declare("supplier.contact_removed", SupplierContact, "A contact person was removed from a supplier.")
declare("supplier_price.updated", SupplierPrice, "A supplier's price for a SKU was set or replaced.")
declare(
    "supplier_price.removed", SupplierPrice, "A supplier's price for a SKU was removed; the payload is its last state."
)
