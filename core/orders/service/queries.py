"""Finding orders: search and filters, saved views, the timeline, and the stock of an order's
SKUs in every warehouse."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, exists, func, or_, select

from core import validation as f
from core.db import get_or_none, session
from core.errors import Conflict, NotFound, ValidationError
from core.messages import Msg
from core.orders.models import (
    HOLD_TYPES,
    PREFIX_SEARCHED,
    STATUSES,
    Order,
    OrderActivity,
    OrderHold,
    OrderLine,
    OrderView,
)

FILTERS = (
    "status",
    "channel",
    "connection_id",
    "sku",
    "country",
    "date_from",
    "date_to",
    "buyer",
    "tag",
    "hold_type",
    "q",
    "fulfilment",
    "warehouse_id",
    "order_ids",
)


def clean_filters(raw: dict[str, Any]) -> dict[str, Any]:
    """Validated filters (422 naming the field), without blanks."""
    errors = f.Errors()
    out: dict[str, Any] = {}
    for key in sorted(set(raw) - set(FILTERS)):
        errors.add(key, Msg("orders.unknown_filter"))
    statuses = raw.get("status")
    if statuses:
        values = statuses if isinstance(statuses, list) else [s for s in str(statuses).split(",") if s]
        bad = [s for s in values if s not in STATUSES]
        if bad:
            errors.add("status", Msg("orders.unknown_status_use", items=", ".join(bad), items_2=", ".join(STATUSES)))
        out["status"] = values
    for key in ("channel", "sku", "buyer", "tag", "q"):
        if raw.get(key):
            out[key] = f.text(errors, key, raw[key], max_len=200)
    if raw.get("country"):
        out["country"] = f.country(errors, "country", raw["country"])
    if raw.get("hold_type"):
        out["hold_type"] = f.choice(errors, "hold_type", raw["hold_type"], HOLD_TYPES)
    if raw.get("fulfilment"):
        out["fulfilment"] = f.choice(errors, "fulfilment", raw["fulfilment"], ("merchant", "platform"))
    for key in ("connection_id", "warehouse_id"):
        if raw.get(key):
            try:
                out[key] = uuid.UUID(str(raw[key]))
            except ValueError:
                errors.add(key, Msg("not_an_id"))
    for key in ("date_from", "date_to"):
        if raw.get(key):
            out[key] = f.a_date(errors, key, raw[key])
    if raw.get("order_ids"):
        ids = raw["order_ids"] if isinstance(raw["order_ids"], list) else str(raw["order_ids"]).split(",")
        try:
            out["order_ids"] = [uuid.UUID(str(i).strip()) for i in ids if str(i).strip()]
        except ValueError:
            errors.add("order_ids", Msg("orders.order_ids_csv"))
    errors.raise_if_any()
    return {k: v for k, v in out.items() if v not in (None, "", [])}


# The order list's sort: newest purchase first, the id (unique, and increasing with creation)
# breaking ties, so that keyset pages (core.keyset) give every order one place.
ORDER_KEYS = (Order.purchased_at.desc(), Order.id.desc())


def order_query(**filters: Any) -> Any:
    """The tenant's orders, newest purchase first, filtered by status (one or several),
    channel, shop (connection), SKU (local code or seller SKU), destination country, purchase
    date range (inclusive, UTC days), buyer e-mail (whole or its beginning, any case), tag, open hold type,
    number or channel order id (`q`), fulfilment, warehouse, and chosen ids (`order_ids`)."""
    flt = clean_filters(filters)
    stmt = select(Order)
    if "status" in flt:
        stmt = stmt.where(Order.status.in_(flt["status"]))
    if "channel" in flt:
        stmt = stmt.where(Order.channel == flt["channel"])
    if "connection_id" in flt:
        stmt = stmt.where(Order.connection_id == flt["connection_id"])
    if "warehouse_id" in flt:
        stmt = stmt.where(Order.warehouse_id == flt["warehouse_id"])
    if "fulfilment" in flt:
        stmt = stmt.where(Order.fulfilment == flt["fulfilment"])
    if "country" in flt:
        stmt = stmt.where(Order.ship_country == flt["country"])
    if "sku" in flt:
        stmt = stmt.where(
            exists().where(
                OrderLine.order_id == Order.id,
                or_(OrderLine.sku_code == flt["sku"], OrderLine.seller_sku == flt["sku"]),
            )
        )
    if "date_from" in flt:
        stmt = stmt.where(Order.purchased_at >= datetime.combine(flt["date_from"], time(), UTC))
    if "date_to" in flt:
        stmt = stmt.where(Order.purchased_at < datetime.combine(flt["date_to"] + timedelta(days=1), time(), UTC))
    if "buyer" in flt:
        stmt = stmt.where(_buyer_email(flt["buyer"]))
    if "tag" in flt:
        stmt = stmt.where(cast(Order.tags, String).like(f'%"{flt["tag"]}"%'))
    if "hold_type" in flt:
        stmt = stmt.where(
            exists().where(
                OrderHold.order_id == Order.id, OrderHold.released_at.is_(None), OrderHold.type == flt["hold_type"]
            )
        )
    if "order_ids" in flt:
        stmt = stmt.where(Order.id.in_(flt["order_ids"]))
    if "q" in flt:
        stmt = stmt.where(_id_prefix(flt["q"]))
    return stmt.order_by(*ORDER_KEYS)


def _id_prefix(text: str) -> Any:
    """Orders whose number, channel order id or channel number starts with `text` as typed,
    upper-cased or lower-cased."""
    return _prefix_ranges(PREFIX_SEARCHED, (text, text.upper(), text.lower()))


def _buyer_email(text: str) -> Any:
    """Orders whose buyer e-mail, lower-cased, is `text` lower-cased or starts with it. The
    database lower-cases the stored copy (`buyer_email_lower`): PostgreSQL by its locale
    (every letter, or only A to Z under the C locale), SQLite only A to Z; so the text is
    compared both ways, fully lower-cased and with only A to Z lower-cased."""
    ascii_lower = "".join(c.lower() if "A" <= c <= "Z" else c for c in text)
    return _prefix_ranges((Order.buyer_email_lower,), (text.lower(), ascii_lower))


def _prefix_ranges(columns: Iterable[Any], prefixes: Iterable[str]) -> Any:
    """Rows where one of `columns` starts with one of `prefixes`. Written as ranges
    (`column >= text AND column < text'`, where text' is text with its last character moved on
    one), not as LIKE or ILIKE: under the tenant's row-level security policy PostgreSQL may use
    an index only for leakproof operators, which the comparisons are and ILIKE is not, so an
    ILIKE read every order of the tenant. The ranges compare character by character (where a
    prefix's strings are exactly one range): PostgreSQL's pattern operators `~>=~` and `~<~`,
    answered by indexes with the varchar_pattern_ops class (`ix_orders_*_prefix`, orders_0003
    and orders_0006); SQLite's plain comparisons, which are so."""
    postgres = session.get_bind().dialect.name == "postgresql"
    columns = tuple(columns)
    ranges = []
    for prefix in dict.fromkeys(prefixes):
        after = _next_code_point(ord(prefix[-1]))
        for column in columns:
            if postgres:
                from_, below = column.op("~>=~")(prefix), column.op("~<~")
            else:
                from_, below = column >= prefix, column.__lt__
            ranges.append(from_ if after is None else and_(from_, below(prefix[:-1] + after)))
    return or_(*ranges)


def _next_code_point(code: int) -> str | None:
    """The character after `code` that UTF-8 can hold (surrogates are not characters), None
    after the last one."""
    code += 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return chr(code) if code <= 0x10FFFF else None


def count_orders(**filters: Any) -> int:
    from core.db import count

    return count(order_query(**filters))


def status_counts(statuses: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """{status: (number of orders, whether it is an estimate)} for those statuses (absent when
    none), for the dashboard's queues. Each is counted as the lists count (core.db.list_total):
    exactly up to 10,000 orders from the (tenant_id, status, purchased_at) index alone, the
    planner's estimate beyond, so that a queue of 100,000 orders is not counted on every view."""
    from core.db import list_total

    out = {}
    for status in dict.fromkeys(statuses):
        n, estimated = list_total(select(Order.status).where(Order.status == status))
        if n:
            out[status] = (n, estimated)
    return out


def channels_seen() -> list[str]:
    """The channels (plugin names) the tenant has orders from, for the list's filter. One
    index probe per channel (the next channel after the last one found, on
    `ix_orders_tenant_id_channel`) instead of a DISTINCT, which read every order of the
    tenant on every view of the list (68 ms at 100,000 orders)."""
    seen: list[str] = []
    while True:
        stmt = select(func.min(Order.channel))
        if seen:
            stmt = stmt.where(Order.channel > seen[-1])
        channel = session.execute(stmt).scalar()
        if channel is None:
            return seen
        seen.append(channel)


def timeline_query(order_id: uuid.UUID) -> Any:
    from core.orders.service.base import get_order

    order = get_order(order_id)
    return (
        select(OrderActivity)
        .where(OrderActivity.order_id == order.id)
        .order_by(OrderActivity.created_at, OrderActivity.id)
    )


def open_holds(order_ids: list[uuid.UUID]) -> dict[uuid.UUID, OrderHold]:
    if not order_ids:
        return {}
    rows = session.execute(
        select(OrderHold).where(OrderHold.order_id.in_(order_ids), OrderHold.released_at.is_(None))
    ).scalars()
    return {h.order_id: h for h in rows}


def children_of(order: Order) -> list[Order]:
    return list(
        session.execute(
            select(Order)
            .where(
                or_(
                    Order.parent_id == order.id,
                    and_(Order.merged_into_id.is_not(None), Order.merged_into_id == order.id),
                )
            )
            .order_by(Order.number)
        ).scalars()
    )


def stock_for(order: Order) -> list[dict[str, Any]]:
    """Stock of the order's SKUs in every warehouse that has a balance for them (a virtual
    bundle shows what its components make up)."""
    from core.inventory import service as inventory

    sku_ids = {ln.sku_id for ln in order.lines if ln.sku_id}
    if not sku_ids:
        return []
    codes = {ln.sku_id: ln.sku_code for ln in order.lines}
    buckets = inventory.list_buckets(sku_ids)
    whs = {w.id: w for w in inventory.warehouse_facts({b.warehouse_id for b in buckets})} if buckets else {}
    rows = [
        {
            "sku_id": b.sku_id,
            "sku_code": codes.get(b.sku_id, ""),
            "warehouse_id": b.warehouse_id,
            "warehouse_code": whs[b.warehouse_id].code if b.warehouse_id in whs else "",
            "warehouse_type": whs[b.warehouse_id].type if b.warehouse_id in whs else "",
            "on_hand": b.on_hand,
            "reserved": b.reserved,
            "available": b.available,
        }
        for b in buckets
    ]
    return sorted(rows, key=lambda r: (r["sku_code"], r["warehouse_code"]))


# ---------------------------------------------------------------------------------------------
# Saved views


def views_query(owner: str) -> Any:
    return select(OrderView).where(or_(OrderView.owner == owner, OrderView.owner == "")).order_by(OrderView.name)


def get_view(view_id: uuid.UUID, owner: str) -> OrderView:
    view = get_or_none(OrderView, view_id)
    if view is None or view.owner not in ("", owner):
        raise NotFound("view", view_id)
    return view


def create_view(*, owner: str, name: str, filters: dict[str, Any], shared: bool = False) -> OrderView:
    errors = f.Errors()
    name = f.text(errors, "name", name, max_len=100, required=True)
    errors.raise_if_any()
    if not isinstance(filters, dict):
        raise ValidationError.field("filters", Msg("orders.view_filters"))
    try:
        clean = clean_filters(filters)
    except ValidationError as exc:
        raise ValidationError({f"filters.{k}": v for k, v in exc.errors.items()}) from None
    who = "" if shared else owner
    if session.execute(select(OrderView.id).where(OrderView.owner == who, OrderView.name == name)).first():
        raise Conflict(Msg("orders.view_named_exists_already", name=name), {"name": [Msg("already_used")]})
    view = OrderView(
        name=name,
        owner=who,
        filters={k: (v if not isinstance(v, (date, uuid.UUID)) else str(v)) for k, v in clean.items()},
    )
    session.add(view)
    session.flush()
    return view


def delete_view(view_id: uuid.UUID, owner: str) -> None:
    session.delete(get_view(view_id, owner))
    session.flush()
