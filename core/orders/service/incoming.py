"""A channel order validated and shaped into order and line columns (`normalise`), before
intake decides whether it is new, a re-delivery or a later version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from core import validation as f
from core.errors import ValidationError
from core.jsonutil import jsonable
from core.messages import Msg
from core.money import is_currency, round_money
from core.ports import ORDER_STATUSES, Address, ChannelOrder, ChannelOrderLine
from core.validation import COUNTRIES

GONE = ("cancelled", "refunded")


@dataclass
class Incoming:
    """A channel order, validated and shaped into order and line columns."""

    source: ChannelOrder
    fields: dict[str, Any]
    lines: list[dict[str, Any]]
    digest: str
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.source.status

    @property
    def external_order_id(self) -> str:
        return self.source.external_order_id


# ---------------------------------------------------------------------------------------------
# Normalising


def _clip(value: Any, size: int) -> str:
    return ("" if value is None else str(value)).strip()[:size]


def _aware(errors: f.Errors, name: str, value: Any) -> datetime | None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors.add(name, "must be a timezone-aware datetime")
        return None
    return value


def _amount(errors: f.Errors, name: str, value: Any, currency: str | None, *, negative: bool = False) -> Decimal:
    if value is None:
        return Decimal(0)
    if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
        errors.add(name, "must be a Decimal amount")
        return Decimal(0)
    number = Decimal(value)
    if not number.is_finite() or (number < 0 and not negative):
        errors.add(name, Msg("orders.finite_amount"))
        return Decimal(0)
    return round_money(number, currency) if currency else number


def address_fields(address: Address | None, notes: list[str] | None = None) -> dict[str, str]:
    a = address or Address()
    country = _clip(a.country, 2).upper()
    if country and country not in COUNTRIES:
        if notes is not None:
            notes.append(Msg("order.unknown_country", value=repr(a.country)))
        country = ""
    return {
        "ship_name": _clip(a.name, 200),
        "ship_company": _clip(a.company, 200),
        "ship_line1": _clip(a.line1, 300),
        "ship_line2": _clip(a.line2, 300),
        "ship_line3": _clip(a.line3, 300),
        "ship_city": _clip(a.city, 100),
        "ship_state": _clip(a.state, 100),
        "ship_postal_code": _clip(a.postal_code, 20),
        "ship_country": country,
        "ship_phone": _clip(a.phone, 50),
        "ship_email": _clip(a.email, 200),
    }


ADDRESS_COLUMNS = tuple(address_fields(None))
BUYER_COLUMNS = ("buyer_name", "buyer_email", "buyer_phone")


def normalise(order: ChannelOrder) -> Incoming:
    """Validate a channel order and shape it into columns; ValidationError names each bad field."""
    errors = f.Errors()
    if not isinstance(order, ChannelOrder):
        raise ValidationError.field("order", "give a core.ports.ChannelOrder")
    external_id = _clip(order.external_order_id, 101)
    if not external_id:
        errors.add("external_order_id", Msg("required"))
    elif len(external_id) > 100:
        errors.add("external_order_id", Msg("too_long", max_len=100))
    if order.status not in ORDER_STATUSES:
        errors.add("status", Msg("one_of", choices=", ".join(ORDER_STATUSES)))
    currency = (order.currency or "").upper()
    if not is_currency(currency):
        errors.add("currency", Msg("orders.not_iso_currency_code", currency=repr(order.currency)))
        currency = None  # type: ignore[assignment]
    purchased_at = _aware(errors, "purchased_at", order.purchased_at)
    _aware(errors, "updated_at", order.updated_at)
    if order.fulfilment not in ("merchant", "platform"):
        errors.add("fulfilment", Msg("orders.fulfilment_kind"))
    if not order.lines and order.status not in GONE:
        errors.add(
            "lines",
            Msg("orders.lines_not_complete") if not order.lines_complete else Msg("lines_required"),
        )
    lines = []
    seen: set[str] = set()
    for i, ln in enumerate(order.lines):
        path = f"lines.{i}"
        if not isinstance(ln, ChannelOrderLine):
            errors.add(path, "give a core.ports.ChannelOrderLine")
            continue
        if isinstance(ln.quantity, bool) or not isinstance(ln.quantity, int) or ln.quantity <= 0:
            errors.add(f"{path}.quantity", Msg("positive_whole_number"))
        if not (ln.seller_sku or "").strip():
            errors.add(f"{path}.seller_sku", Msg("required"))
        line_id = _clip(ln.external_line_id, 101) or str(i + 1)
        if len(line_id) > 100:
            errors.add(f"{path}.external_line_id", Msg("too_long", max_len=100))
        if line_id in seen:
            errors.add(f"{path}.external_line_id", Msg("orders.line_twice"))
        seen.add(line_id)
        unit_price = _amount(errors, f"{path}.unit_price", ln.unit_price, None)
        amount = ln.line_total if ln.line_total is not None else unit_price * (ln.quantity or 0)
        lines.append(
            {
                "external_line_id": line_id[:100],
                "seller_sku": _clip(ln.seller_sku, 200),
                "title": _clip(ln.title, 500),
                "quantity": ln.quantity,
                "unit_price": unit_price.quantize(Decimal("0.000001")),
                "item_amount": _amount(errors, f"{path}.line_total", amount, currency),
                "item_tax": _amount(errors, f"{path}.item_tax", ln.item_tax, currency),
                "shipping": _amount(errors, f"{path}.shipping_price", ln.shipping_price, currency),
                "shipping_tax": _amount(errors, f"{path}.shipping_tax", ln.shipping_tax, currency),
                "discount": _amount(errors, f"{path}.discount", ln.discount, currency),
                "promotion": Decimal(0),
            }
        )
    reported = None
    if order.total is not None:
        reported = _amount(errors, "total", order.total, currency)
    errors.raise_if_any()
    notes: list[str] = []
    fields = {
        "marketplace": _clip(order.marketplace, 32),
        "external_order_id": external_id,
        "external_number": _clip(order.order_number, 100),
        "external_status": _clip(order.external_status, 64),
        "channel_status": order.status,
        "channel_updated_at": order.updated_at,
        "purchased_at": purchased_at,
        "fulfilment": order.fulfilment,
        "buyer_name": _clip(order.buyer_name, 200),
        "buyer_email": _clip(order.buyer_email, 200),
        "buyer_phone": _clip(order.buyer_phone, 50),
        **address_fields(order.shipping_address, notes),
        "shipping_service": _clip(order.shipping_service, 100),
        "currency": currency,
        "prices_include_tax": bool(order.prices_include_tax),
        "reported_total": reported,
        "buyer_remarks": (order.buyer_remarks or "").strip(),
    }
    owned = {k: v for k, v in fields.items() if k != "channel_updated_at"}
    digest = hashlib.sha256(json.dumps(jsonable({"order": owned, "lines": lines}), sort_keys=True).encode()).hexdigest()
    return Incoming(order, fields, lines, digest, notes)


# ---------------------------------------------------------------------------------------------
# Creating
