"""The typed vocabulary of the inventory service: what callers pass in and get back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.errors import Conflict
from core.messages import Msg
from core.money import Money

# Stock events whose outcome is their request's lines at no value (see `Posting.stored`).
REQUEST_SHAPED = ("reserve",)


@dataclass(frozen=True)
class Doc:
    """The business document a stock event comes from: `Doc("purchase_order", po.id, "PO-000042")`."""

    type: str
    id: str | uuid.UUID
    number: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", str(self.id))


@dataclass(frozen=True)
class Line:
    """One line of a document: `quantity` units of a SKU in a warehouse. `ref` names the
    document line (its id); `unit_cost` is given where units come in at a known cost."""

    ref: str
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int
    unit_cost: Money | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", str(self.ref))
        for name in ("sku_id", "warehouse_id"):
            value = getattr(self, name)
            if not isinstance(value, uuid.UUID):
                object.__setattr__(self, name, uuid.UUID(str(value)))


@dataclass(frozen=True)
class PostedLine:
    """What one document line moved, with its book value in the functional currency."""

    ref: str
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int
    unit_cost: Decimal
    value: Decimal
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "sku_id": str(self.sku_id),
            "warehouse_id": str(self.warehouse_id),
            "quantity": self.quantity,
            "unit_cost": str(self.unit_cost),
            "value": str(self.value),
            "currency": self.currency,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PostedLine:
        return cls(
            ref=data["ref"],
            sku_id=uuid.UUID(data["sku_id"]),
            warehouse_id=uuid.UUID(data["warehouse_id"]),
            quantity=int(data["quantity"]),
            unit_cost=Decimal(data["unit_cost"]),
            value=Decimal(data["value"]),
            currency=data["currency"],
        )


@dataclass(frozen=True)
class Posting:
    """The outcome of one stock event. `replayed` is true when the idempotency key had already
    been used: nothing moved this time, and `lines` are those of the first call."""

    operation_id: uuid.UUID
    key: str
    kind: str
    lines: tuple[PostedLine, ...] = ()
    replayed: bool = False

    @property
    def value(self) -> Decimal:
        return sum((line.value for line in self.lines), Decimal(0))

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    def line(self, ref: str) -> PostedLine:
        for line in self.lines:
            if line.ref == str(ref):
                return line
        raise KeyError(ref)

    def to_json(self) -> dict[str, Any]:
        return {
            "operation_id": str(self.operation_id),
            "key": self.key,
            "kind": self.kind,
            "lines": [line.to_json() for line in self.lines],
        }

    def stored(self) -> dict[str, Any]:
        """The outcome as the operation row keeps it for replays: as small as idempotency
        needs. The row holds the id, key and kind; a reservation's lines are exactly its
        request's lines (their hash is on the row too) at no value, so it keeps only the
        currency, and a replay, whose request hash matches, rebuilds the lines from its own
        request (`from_stored`)."""
        if self.kind in REQUEST_SHAPED and all(not ln.value and not ln.unit_cost for ln in self.lines):
            currencies = {ln.currency for ln in self.lines}
            if len(currencies) <= 1:
                return {"lines": "request", "currency": next(iter(currencies), "")}
        return self.to_json()

    @classmethod
    def from_stored(
        cls,
        data: dict[str, Any],
        *,
        operation_id: uuid.UUID,
        key: str,
        kind: str,
        lines: Any = (),
        replayed: bool = False,
    ) -> Posting:
        """The Posting of a stored outcome (`stored`, or the full form `to_json` of earlier
        rows); `lines` are the replayed request's, for the outcomes that keep none."""
        if data.get("lines") != "request":
            return cls.from_json(data, replayed=replayed)
        currency = data.get("currency", "")
        return cls(
            operation_id=operation_id,
            key=key,
            kind=kind,
            lines=tuple(
                PostedLine(ln.ref, ln.sku_id, ln.warehouse_id, ln.quantity, Decimal(0), Decimal(0), currency)
                for ln in lines
            ),
            replayed=replayed,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any], replayed: bool = False) -> Posting:
        return cls(
            operation_id=uuid.UUID(data["operation_id"]),
            key=data["key"],
            kind=data["kind"],
            lines=tuple(PostedLine.from_json(x) for x in data["lines"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class Buckets:
    """Stock of one SKU in one warehouse."""

    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    on_hand: int = 0
    reserved: int = 0
    qc_pending: int = 0
    unsellable: int = 0
    inbound_ordered: int = 0
    in_transit: int = 0
    stock_value: Decimal = Decimal(0)
    currency: str = ""
    # Virtual bundles have no stock of their own; their availability comes from components.
    bundle_available: int | None = None

    @property
    def available(self) -> int:
        if self.bundle_available is not None:
            return self.bundle_available
        return self.on_hand - self.reserved

    @property
    def valued_quantity(self) -> int:
        return self.on_hand + self.qc_pending + self.unsellable + self.in_transit

    @property
    def unit_cost(self) -> Decimal:
        qty = self.valued_quantity
        return (self.stock_value / qty).quantize(Decimal("0.000001")) if qty else Decimal(0)

    @property
    def projected(self) -> int:
        return self.available + self.inbound_ordered + self.in_transit


@dataclass(frozen=True)
class Velocity:
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    shipped: int
    days: int

    @property
    def per_day(self) -> Decimal:
        return (Decimal(self.shipped) / Decimal(self.days)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Shortage:
    ref: str
    sku_id: uuid.UUID
    warehouse_id: uuid.UUID
    requested: int
    available: int


class InsufficientStock(Conflict):
    """Not enough available stock for one or more lines; nothing was held or moved."""

    def __init__(self, shortages: list[Shortage], action: str = "reserve") -> None:
        self.shortages = list(shortages)
        parts = [
            Msg("stock.line_short", ref=s.ref, requested=s.requested, available=s.available) for s in self.shortages
        ]
        super().__init__(
            Msg("stock.short", action=action, lines=parts),
            {
                f"lines.{s.ref}": [Msg("stock.needs", requested=s.requested, available=s.available)]
                for s in self.shortages
            },
        )

    def __str__(self) -> str:
        return self.message
