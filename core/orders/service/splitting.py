"""Split and merge, before shipment.

A split turns an order into child orders: each child line points at the parent line it came
from, the children's quantities add up to the parent's line by line, and every amount of a
parent line (goods, tax, shipping, discount, promotion) is divided by largest remainder in
proportion to the units, so the children add up to the parent to the cent. The parent keeps
its lines and amounts and becomes `split`. Stock the parent held moves to the children in
the same warehouse.

A merge turns pending orders of one buyer, one address and one connection into a new order
that ships as one parcel; the sources become `merged` and point at it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from core import validation as f
from core.db import session, uuid7
from core.errors import Conflict, InvalidTransition, ValidationError
from core.inventory import service as inventory
from core.messages import Msg
from core.money import RateNotFound, allocate
from core.orders.events import MergedSource, OrderMerged, OrderSplit
from core.orders.models import LINE_AMOUNTS, Order, OrderLine
from core.orders.service.base import (
    add,
    emit,
    live_amounts,
    lock_order,
    lock_orders,
    order_payload,
    recompute_totals,
    record,
    require_status,
    set_status,
    stock_doc,
    stock_key,
)
from core.orders.service.settings import get_settings, order_rate

SPLITTABLE = ("pending_review", "approved", "allocated")
MERGEABLE = ("pending_review", "approved")

# Columns a child or merged order takes over from its parent or first source.
INHERITED = (
    "channel",
    "connection_id",
    "marketplace",
    "external_order_id",
    "external_number",
    "external_status",
    "channel_status",
    "channel_updated_at",
    "purchased_at",
    "fulfilment",
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "ship_name",
    "ship_company",
    "ship_line1",
    "ship_line2",
    "ship_line3",
    "ship_city",
    "ship_state",
    "ship_postal_code",
    "ship_country",
    "ship_phone",
    "ship_email",
    "address_source",
    "shipping_service",
    "currency",
    "prices_include_tax",
    "buyer_remarks",
    "seller_note",
    "review_note",
)
LINE_INHERITED = (
    "external_order_id",
    "external_line_id",
    "seller_sku",
    "title",
    "sku_id",
    "sku_code",
    "kit_type",
    "units_per_item",
    "unit_price",
    "origin_line_id",
)


def _new_line(
    source: OrderLine, order_id: uuid.UUID, position: int, quantity: int, amounts: dict[str, Decimal]
) -> OrderLine:
    # An id now, not at flush: the line's id is its reference in the stock reservations.
    return OrderLine(
        id=uuid7(),
        order_id=order_id,
        position=position,
        parent_line_id=source.id,
        quantity=quantity,
        quantity_cancelled=0,
        quantity_shipped=0,
        quantity_returned=0,
        quantity_refunded=0,
        refunded=Decimal(0),
        cost_value=Decimal(0),
        **amounts,
        **{k: getattr(source, k) for k in LINE_INHERITED},
    )


def split_order(order: Order, parts: Sequence[dict[uuid.UUID, int]], *, reason: str, kind: str) -> list[Order]:
    """Split `order` into one child per part ({parent line id: units}). Every unit still to
    ship must be in exactly one part."""
    require_status(order, SPLITTABLE, "split")
    if order.fulfilment == "platform":
        raise InvalidTransition(
            Msg("entity.order", ref=order.number), order.status, "split", Msg("orders.platform_ships")
        )
    lines = {ln.id: ln for ln in order.lines if ln.open_quantity > 0}
    for line_id, line in lines.items():
        given = sum(part.get(line_id, 0) for part in parts)
        if given != line.open_quantity:
            raise ValidationError.field(
                "parts",
                Msg(
                    "orders.line_has_units_ship",
                    position=line.position,
                    value=line.sku_code or line.seller_sku,
                    open_quantity=line.open_quantity,
                    given=given,
                ),
            )
    if len(parts) < 2 or any(not any(q > 0 for q in part.values()) for part in parts):
        raise ValidationError.field("parts", Msg("orders.split_two_parts"))
    held_in = order.warehouse_id if order.stock_reserved else None
    if order.stock_reserved:
        inventory.release(stock_doc(order), key=stock_key(order, "release-for-split"))
        order.stock_reserved = False
    # Each parent line's amounts (without cancelled units) divided by the units each child takes.
    shares: dict[uuid.UUID, dict[str, list[Decimal]]] = {}
    for line_id, line in lines.items():
        weights = [part.get(line_id, 0) for part in parts]
        shares[line_id] = {
            name: allocate(value, weights, order.currency) for name, value in live_amounts(line, order.currency).items()
        }
    children = []
    # Children of an allocated order are approved until they hold their own stock again.
    child_status = "approved" if held_in is not None else order.status
    for i, part in enumerate(parts):
        child = Order(
            id=uuid7(),
            number=f"{order.number}-{i + 1}",
            parent_id=order.id,
            status=child_status,
            tags=list(order.tags or []),
            **{k: getattr(order, k) for k in INHERITED},
        )
        position = 0
        for line in sorted(lines.values(), key=lambda ln: ln.position):
            qty = part.get(line.id, 0)
            if qty > 0:
                position += 1
                child.lines.append(
                    _new_line(line, child.id, position, qty, {name: shares[line.id][name][i] for name in LINE_AMOUNTS})
                )
        recompute_totals(child)
        add(child)
        message = Msg("order.split_from", parent=order.number, reason=reason)
        record(child, "split_from", message, to_status=child.status, parent=order.number)
        children.append(child)
    set_status(
        order,
        "split",
        "split",
        Msg("order.split_into", children=[c.number for c in children], reason=reason),
        kind=kind,
        children=[c.number for c in children],
    )
    if held_in is not None:
        from core.orders.service.reserving import reserve

        code = inventory.warehouse_codes([held_in])[held_in]
        for child in children:
            reserve(child, held_in, code, Msg("order.reserved_after_split", parent=order.number, warehouse=code))
    emit("order.split", order, OrderSplit, kind=kind, reason=reason, children=tuple(order_payload(c) for c in children))
    return children


def split(order_id: uuid.UUID, parts: Sequence[Sequence[dict[str, Any]]], reason: str = "") -> list[Order]:
    """Staff split an order: each part lists {line_id, quantity}; units not listed form one
    more child. Allowed while pending review, approved or allocated."""
    order = lock_order(order_id)
    require_status(order, SPLITTABLE, "split")
    lines = {str(ln.id): ln for ln in order.lines if ln.open_quantity > 0}
    errors = f.Errors()
    taken: dict[uuid.UUID, int] = {}
    clean: list[dict[uuid.UUID, int]] = []
    if not parts:
        errors.add("parts", Msg("orders.split_parts_shape"))
    for i, part in enumerate(parts or []):
        chosen: dict[uuid.UUID, int] = {}
        for j, item in enumerate(part or []):
            path = f"parts.{i}.{j}"
            line = lines.get(str(item.get("line_id")))
            qty = f.integer(errors, f"{path}.quantity", item.get("quantity"), minimum=1, required=True)
            if line is None:
                errors.add(f"{path}.line_id", Msg("orders.not_line_to_ship"))
                continue
            if qty:
                chosen[line.id] = chosen.get(line.id, 0) + qty
                taken[line.id] = taken.get(line.id, 0) + qty
                if taken[line.id] > line.open_quantity:
                    errors.add(
                        f"{path}.quantity",
                        Msg("orders.line_has_only_units_2", position=line.position, open_quantity=line.open_quantity),
                    )
        if not chosen and not errors:
            errors.add(f"parts.{i}", Msg("orders.part_empty"))
        clean.append(chosen)
    errors.raise_if_any()
    rest = {
        ln.id: ln.open_quantity - taken.get(ln.id, 0)
        for ln in lines.values()
        if ln.open_quantity - taken.get(ln.id, 0) > 0
    }
    if rest:
        clean.append(rest)
    if len(clean) < 2:
        raise ValidationError.field("parts", Msg("orders.split_leave_units"))
    return split_order(order, clean, reason=reason.strip() or Msg("orders.split_by_staff"), kind="manual")


def apply_rules(order: Order) -> list[Order]:
    """The tenant's split rules (attributes, package limits, value limit per destination) for
    an approved order; returns the children, or the order itself when it stays whole."""
    from core.orders.service.parcels import Item, planner
    from core.orders.service.skus import physical

    settings = get_settings()
    value_limit = settings.value_limit(order.ship_country)
    open_lines = [ln for ln in order.lines if ln.open_quantity > 0 and ln.sku_id is not None]
    if sum(ln.open_quantity for ln in open_lines) < 2:
        return [order]
    notes = []
    max_value = None
    if value_limit is not None:
        amount, currency = value_limit
        try:
            max_value = amount * order_rate(order, currency, order.currency)
        except RateNotFound as missing:
            notes.append(
                Msg("orders.value_limit_not_applied", amount=amount, currency=currency, detail=missing.message)
            )
    # Package limits are shipping's: those of the services the tenant ships with, tightened by
    # the tenant's own (docs/decisions/0013-shipping-owns-parcels.md).
    limits = planner().limits(order.ship_country, settings.package_limits, max_value)
    if not (settings.split_attributes or limits.any or notes):
        return [order]
    facts = physical({ln.sku_id for ln in open_lines})  # type: ignore[misc]
    items = []
    for ln in open_lines:
        fact = facts[ln.sku_id]  # type: ignore[index]
        goods = live_amounts(ln, order.currency)["item_amount"]
        items.append(
            Item(
                ln.id,
                ln.open_quantity,
                fact.weight_g * ln.units_per_item,
                fact.dims_cm,
                goods / ln.live_quantity if ln.live_quantity else Decimal(0),
                planner().group(fact.attributes, settings.split_attributes),
            )
        )
    parcels, pack_notes = planner().pack(items, limits)
    for note in [*notes, *dict.fromkeys(pack_notes)]:
        record(order, "split_rules", note)
    if len(parcels) < 2:
        return [order]
    why = []
    if len({i.group for i in items}) > 1:
        why.append(Msg("orders.kept_apart", groups=", ".join(sorted({i.group for i in items if i.group}))))
    if limits.any:
        why.append(
            Msg("orders.parcel_limits_from", source=limits.source) if limits.source else Msg("orders.parcel_limits")
        )
    return split_order(order, parcels, reason=Msg("orders.split_rules", why=why), kind="rules")


# ---------------------------------------------------------------------------------------------
# Merging


def _buyer_key(order: Order) -> tuple:
    return (order.buyer_name.strip().lower(), order.buyer_email.strip().lower())


def _address_key(order: Order) -> tuple:
    return tuple(
        " ".join(str(getattr(order, c) or "").lower().split())
        for c in (
            "ship_name",
            "ship_line1",
            "ship_line2",
            "ship_line3",
            "ship_city",
            "ship_state",
            "ship_postal_code",
            "ship_country",
        )
    )


def merge(order_ids: Sequence[uuid.UUID | str], note: str = "") -> Order:
    """Merge pending orders (pending review or approved, holding no stock) of the same buyer,
    address, connection and currency into one new order (the pipeline's `merge` then takes an
    approved one on)."""
    ids = list(dict.fromkeys(str(i) for i in order_ids))
    if len(ids) < 2:
        raise ValidationError.field("order_ids", Msg("orders.merge_two"))
    sources = lock_orders(ids)
    first = sources[0]
    for o in sources:
        require_status(o, MERGEABLE, "merge", Msg("orders.merge_only_open"))
        if o.fulfilment != "merchant":
            raise Conflict(
                Msg("orders.order_fulfilled_by_platform", number=o.number),
                {"order_ids": [Msg("orders.is_platform_fulfilled", number=o.number)]},
            )
        for what, same in (
            ("connection", o.connection_id == first.connection_id and o.channel == first.channel),
            ("currency", o.currency == first.currency),
            ("buyer", _buyer_key(o) == _buyer_key(first)),
            ("address", _address_key(o) == _address_key(first)),
        ):
            if not same:
                raise Conflict(
                    Msg("orders.orders_and_have_different", number=first.number, number_2=o.number, what=what),
                    {"order_ids": [Msg("orders.different", what=what)]},
                )
    status = "approved" if all(o.status == "approved" for o in sources) else "pending_review"
    from core.numbering import next_values_apart
    from core.orders.service.base import NUMBER_PREFIX, NUMBER_SEQUENCE

    # Apart, as intake takes them: no transaction holds the order numbers' row to its end.
    number = f"{NUMBER_PREFIX}-{next_values_apart(NUMBER_SEQUENCE, 1)[0]:06d}"
    merged = Order(
        id=uuid7(),
        number=number,
        status=status,
        tags=sorted({t for o in sources for t in (o.tags or [])}),
        **{k: getattr(first, k) for k in INHERITED},
    )
    merged.external_order_id = None  # several channel orders: each line keeps its own
    merged.external_number = ", ".join(o.external_number or o.external_order_id or o.number for o in sources)[:100]
    merged.purchased_at = min(o.purchased_at for o in sources)
    merged.buyer_remarks = "\n".join(o.buyer_remarks for o in sources if o.buyer_remarks.strip())
    merged.seller_note = "\n".join(o.seller_note for o in sources if o.seller_note.strip())
    position = 0
    for o in sources:
        for line in o.lines:
            if line.open_quantity > 0:
                position += 1
                new = _new_line(line, merged.id, position, line.open_quantity, live_amounts(line, o.currency))
                new.external_order_id = line.external_order_id or o.external_order_id
                merged.lines.append(new)
    recompute_totals(merged)
    add(merged)
    session.flush()  # the sources point at it (a plain column, so the flush order is ours to keep)
    numbers = [o.number for o in sources]
    record(
        merged,
        "merged_from",
        Msg("order.merged_from_note", sources=numbers, note=note.strip())
        if note.strip()
        else Msg("order.merged_from", sources=numbers),
        to_status=status,
        sources=[o.number for o in sources],
    )
    for o in sources:
        o.merged_into_id = merged.id
        set_status(o, "merged", "merged", Msg("order.merged_into", order=merged.number), into=merged.number)
    emit(
        "order.merged",
        merged,
        OrderMerged,
        sources=tuple(
            MergedSource(order_id=o.id, number=o.number, external_order_id=o.external_order_id) for o in sources
        ),
        note=note,
    )
    return merged


def _merge_key() -> tuple:
    """The SQL key of a merge group (coarse: the first address line); `_buyer_key` and
    `_address_key` decide."""
    return (
        Order.connection_id,
        Order.channel,
        Order.currency,
        func.lower(Order.buyer_name),
        func.lower(Order.buyer_email),
        func.lower(Order.ship_line1),
        Order.ship_postal_code,
        Order.ship_country,
    )


def _mergeable() -> Any:
    return and_(Order.status.in_(MERGEABLE), Order.fulfilment == "merchant", Order.stock_reserved.is_(False))


def _members(key: tuple, row: Sequence[Any]) -> list[Order]:
    conds = [_mergeable()]
    for col, value in zip(key, row):
        conds.append(col.is_(None) if value is None else col == value)
    return list(session.execute(select(Order).where(*conds).order_by(Order.purchased_at)).scalars())


def merge_candidates(limit: int = 50) -> list[list[Order]]:
    """Groups of pending merchant orders that share buyer, address and connection."""
    key = _merge_key()
    groups = session.execute(
        select(*key).where(_mergeable()).group_by(*key).having(func.count() > 1).limit(limit)
    ).all()
    out = []
    for row in groups:
        # The SQL key is coarse (first address line); the full comparison decides.
        by_full: dict[tuple, list[Order]] = {}
        for o in _members(key, row):
            by_full.setdefault((_buyer_key(o), _address_key(o)), []).append(o)
        out.extend(g for g in by_full.values() if len(g) > 1)
    return out


def merge_candidates_for(order: Order) -> list[Order]:
    """The other orders of `order`'s merge group, oldest purchase first (none unless it is
    itself pending): one query instead of every group of the tenant."""
    key = _merge_key()
    row = session.execute(select(*key).where(Order.id == order.id)).one()
    members = _members(key, row)
    if not any(o.id == order.id for o in members):
        return []
    full = (_buyer_key(order), _address_key(order))
    return [o for o in members if o.id != order.id and (_buyer_key(o), _address_key(o)) == full]
