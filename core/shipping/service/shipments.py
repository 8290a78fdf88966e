"""Shipments of an order: prepared from the order, rated, a label bought exactly once, voided,
packed and handed over (docs/shipping.md).

Bought once. A label purchase goes through four guards:

1. The order is locked and has at most one live shipment (a partial unique index); a shipment
   that has its label answers every later request with that label.
2. The reference sent to the carrier (its idempotency key, or what the adapter looks the label
   up by) is derived from committed state: the order's number and how many of its shipments
   were voided. A retry after a lost commit therefore sends the same reference.
3. Before the call, a claim on that reference is committed in a transaction of its own. If the
   carrier's answer or our commit is lost, the next attempt finds the claim: a carrier that
   deduplicates (`Operation.idempotency_key`) or can be asked (`Operation.lookup`) is called
   again and returns the first label; for any other carrier the attempt is refused (409) until
   someone has checked at the carrier and released the claim.
4. The runtime (core.connections) never re-sends a write that is not safe to repeat
   (docs/decisions/0009-one-retry-layer.md).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from core import connections, events, money
from core import validation as f
from core.catalog import service as catalog
from core.db import db, new_session, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.inventory.service import warehouses
from core.jsonutil import jsonable
from core.messages import Msg
from core.numbering import next_number
from core.orders import service as orders
from core.ports import (
    AdapterError,
    Address,
    AuthError,
    Customs,
    OutcomeUnknown,
    Parcel,
    RemoteRejected,
    ShipmentRequest,
)
from core.shipping.events import LabelBought, LabelVoided, ShipmentShipped
from core.shipping.models import (
    BEFORE_HANDOVER,
    CustomsDocument,
    LabelClaim,
    RateQuote,
    Shipment,
    ShipmentParcel,
    ShippingLabel,
)
from core.shipping.service import costs, customs, limits, rules
from core.shipping.service.settings import get_settings
from core.tenancy import current_tenant_id
from tenants import service as tenants

log = logging.getLogger("tradelane.shipping")

LABEL_READY = ("allocated", "awaiting_shipment")


# ---------------------------------------------------------------------------------------------
# Reading


def get_shipment(shipment_id: uuid.UUID | str) -> Shipment:
    try:
        ident = uuid.UUID(str(shipment_id))
    except ValueError:
        raise NotFound("shipment", shipment_id) from None
    row = session.get(Shipment, ident)
    if row is None:
        raise NotFound("shipment", shipment_id)
    return row


def live_shipment(order_id: uuid.UUID) -> Shipment | None:
    return session.execute(
        select(Shipment).where(Shipment.order_id == order_id, Shipment.status != "voided")
    ).scalar_one_or_none()


def shipments_of(order_id: uuid.UUID) -> list[Shipment]:
    """The order's shipments; an order that is not there (or another tenant's) is NotFound."""
    orders.get_order(order_id)
    return list(
        session.execute(select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.created_at)).scalars()
    )


def shipment_query(
    *,
    status: str | None = None,
    tracking_status: str | None = None,
    carrier: str | None = None,
    q: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> Any:
    stmt = select(Shipment).order_by(Shipment.created_at.desc(), Shipment.id.desc())
    if status:
        stmt = stmt.where(Shipment.status == status)
    if tracking_status:
        stmt = stmt.where(Shipment.tracking_status == tracking_status)
    if carrier:
        stmt = stmt.where(Shipment.carrier == carrier)
    if batch_id:
        stmt = stmt.where(Shipment.batch_id == batch_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(
            Shipment.number.ilike(like) | Shipment.order_number.ilike(like) | Shipment.tracking_number.ilike(like)
        )
    return stmt


def shipment_by_tracking(tracking_number: str) -> Shipment | None:
    """The shipment whose label has this tracking number (the newest, if a number came back
    after a void): how a carrier's invoice names what it charges for."""
    if not tracking_number:
        return None
    return session.execute(
        select(Shipment)
        .where(Shipment.tracking_number == tracking_number)
        .order_by(Shipment.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def quotes_of(shipment: Shipment) -> list[RateQuote]:
    return list(
        session.execute(
            select(RateQuote).where(RateQuote.shipment_id == shipment.id).order_by(RateQuote.created_at, RateQuote.id)
        ).scalars()
    )


def label_of(shipment: Shipment) -> ShippingLabel | None:
    return session.execute(select(ShippingLabel).where(ShippingLabel.shipment_id == shipment.id)).scalar_one_or_none()


def documents_of(shipment: Shipment) -> list[CustomsDocument]:
    return list(session.execute(select(CustomsDocument).where(CustomsDocument.shipment_id == shipment.id)).scalars())


def get_document(shipment: Shipment, kind: str) -> CustomsDocument:
    row = session.execute(
        select(CustomsDocument).where(CustomsDocument.shipment_id == shipment.id, CustomsDocument.kind == kind)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{kind.replace('_', ' ')} of shipment", shipment.number)
    return row


# ---------------------------------------------------------------------------------------------
# Preparing a shipment from its order


def _address_of_order(order: Any) -> dict[str, str]:
    return {
        "name": order.ship_name,
        "company": order.ship_company,
        "line1": order.ship_line1,
        "line2": order.ship_line2,
        "line3": order.ship_line3,
        "city": order.ship_city,
        "state": order.ship_state,
        "postal_code": order.ship_postal_code,
        "country": order.ship_country,
        "phone": order.ship_phone or order.buyer_phone,
        "email": order.buyer_email,
    }


def _address_of_warehouse(wh: Any) -> dict[str, str]:
    return {
        "name": wh.contact_name or wh.name,
        "company": wh.company,
        "line1": wh.address_line1,
        "line2": wh.address_line2,
        "city": wh.city,
        "state": wh.state,
        "postal_code": wh.postal_code,
        "country": wh.country,
        "phone": wh.phone,
        "email": wh.email,
    }


def _items(order: Any) -> list[dict[str, Any]]:
    """The order's units still to ship, with their SKU rows and per-unit value."""
    out = []
    for ln in order.lines:
        if ln.open_quantity <= 0 or ln.sku_id is None:
            continue
        sku = catalog.get_sku(ln.sku_id)
        unit_value = (ln.item_amount / ln.quantity) if ln.quantity else Decimal(0)
        out.append(
            {
                "line": ln,
                "sku": sku,
                "quantity": ln.open_quantity * ln.units_per_item,
                "unit_value": unit_value / (ln.units_per_item or 1),
                "currency": order.currency,
            }
        )
    return out


def _dims(sku: Any) -> tuple[Decimal, Decimal, Decimal]:
    dims = [sku.package_length_cm, sku.package_width_cm, sku.package_height_cm]
    if not all(dims):
        dims = [sku.length_cm, sku.width_cm, sku.height_cm]
    values = sorted((Decimal(d or 0) for d in dims), reverse=True)
    return values[0], values[1], values[2]


def _parcel(items: list[dict[str, Any]]) -> dict[str, Any]:
    """One parcel holding the items, sized the way packing stacks goods (core.shipping.service.packing)."""
    weight, length, width, height = 0, Decimal(0), Decimal(0), Decimal(0)
    contents = []
    for item in items:
        sku, qty = item["sku"], item["quantity"]
        a, b, c = _dims(sku)
        weight += int(sku.gross_weight_g or sku.net_weight_g or 0) * qty
        length, width, height = max(length, a), max(width, b), height + c * qty
        contents.append(
            {
                "line_id": str(item["line"].id),
                "sku_id": str(sku.id),
                "sku_code": sku.code or "",
                "barcode": sku.barcode or "",
                "title": item["line"].title,
                "quantity": qty,
                "picked": 0,
                "packed": 0,
            }
        )
    return {"weight_g": weight, "length_cm": length, "width_cm": width, "height_cm": height, "contents": contents}


def prepare(order_id: uuid.UUID | str) -> Shipment:
    """The order's live shipment, created as a draft (one parcel of everything still to ship)
    when it has none. The order is locked for the rest of the transaction."""
    order = orders.lock_order(order_id)
    existing = live_shipment(order.id)
    if existing is not None:
        return existing
    if order.fulfilment != "merchant":
        raise InvalidTransition(
            Msg("entity.order", ref=order.number), order.status, "ship", Msg("orders.platform_ships")
        )
    if order.status not in LABEL_READY:
        raise InvalidTransition(
            Msg("entity.order", ref=order.number),
            order.status,
            "buy a label for",
            Msg("orders.allocate_first") if order.status in ("approved", "pending_review") else "",
        )
    if order.warehouse_id is None:
        raise InvalidTransition(
            Msg("entity.order", ref=order.number), order.status, "buy a label for", Msg("shipping.no_warehouse")
        )
    items = _items(order)
    if not items:
        raise Conflict(
            Msg("shipping.order_has_nothing_left", number=order.number), {"order_id": [Msg("shipping.nothing_to_ship")]}
        )
    wh = warehouses.get_warehouse(order.warehouse_id)
    voided = session.execute(
        select(func.count()).select_from(Shipment).where(Shipment.order_id == order.id, Shipment.status == "voided")
    ).scalar_one()
    settings = get_settings()
    shipment = Shipment(
        number=next_number("shipment", "SHP"),
        reference=f"{order.number}-{voided + 1}",
        order_id=order.id,
        order_number=order.number,
        warehouse_id=order.warehouse_id,
        status="draft",
        ship_from=_address_of_warehouse(wh),
        ship_to=_address_of_order(order),
        international=wh.country != order.ship_country,
        label_format=settings.label_format,
        choice={},
        customs={},
    )
    shipment.parcels.append(ShipmentParcel(position=1, **_parcel(items)))
    session.add(shipment)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            Msg("shipping.order_already_has_shipment", number=order.number),
            {"order_id": [Msg("shipping.has_shipment")]},
        ) from None
    return shipment


def _customs(shipment: Shipment, order: Any) -> tuple[Customs | None, dict[str, Any], list[customs.Line]]:
    """For an international shipment: the customs data for the carrier and the header,
    refused (422 naming SKU and field) before any carrier is called when data is missing."""
    if not shipment.international:
        return None, {}, []
    settings = get_settings()
    lines = customs.lines_for(_items(order))
    eu = customs.check_eu(lines, order.ship_country, settings.ioss)
    header = {
        "incoterm": settings.incoterm,
        "export_reason": settings.export_reason,
        "invoice_number": f"CI-{shipment.number}",
        "invoice_date": utcnow().date().isoformat(),
        "eori": settings.eori,
        "ioss": settings.ioss if eu.get("ioss_applies") else "",
        "vat_number": settings.vat_number,
        **eu,
    }
    data = Customs(
        items=customs.ports_items(lines),
        incoterm=header["incoterm"],
        export_reason=header["export_reason"],
        invoice_number=header["invoice_number"],
        invoice_date=date.fromisoformat(header["invoice_date"]),
        eori=header["eori"],
        ioss=header["ioss"],
        vat_number=header["vat_number"],
    )
    return data, header, lines


def _request(shipment: Shipment, service: str, items: Customs | None = None) -> ShipmentRequest:
    return ShipmentRequest(
        reference=shipment.reference,
        service=service,
        ship_from=Address(**shipment.ship_from),
        ship_to=Address(**shipment.ship_to),
        parcels=tuple(
            Parcel(p.weight_g, Decimal(p.length_cm), Decimal(p.width_cm), Decimal(p.height_cm))
            for p in shipment.parcels
        ),
        customs=items,
        label_format=shipment.label_format,
    )


# ---------------------------------------------------------------------------------------------
# Rates


def carrier_connections(connection_id: uuid.UUID | str | None = None) -> list[Any]:
    if connection_id is not None:
        conn = tenants.get_connection(uuid.UUID(str(connection_id)))
        if conn.kind != "carrier":
            raise NotFound("carrier connection", connection_id)
        return [conn]
    return [c for c in session.execute(tenants.list_connections("carrier")).scalars() if c.enabled]


def _functional(amount: Decimal | None, currency: str) -> Decimal | None:
    if amount is None:
        return None
    target = tenants.current_tenant().functional_currency
    if currency == target:
        return amount
    try:
        return amount * money.rate(currency, target, utcnow().date())
    except money.RateNotFound:
        return None


def rate(
    shipment: Shipment,
    *,
    connection_id: Any = None,
    service: str | None = None,
    customs_data: tuple[Customs | None] | None = None,
) -> list[RateQuote]:
    """Quote every connected carrier (or the one given) for the shipment, all at once (each
    carrier in a thread of its own, within its connection's timeouts: the slowest carrier sets
    the wait, not their sum). One carrier failing leaves the others' quotes standing with its
    error recorded on a quote row of its own. Earlier quotes are replaced."""
    # buy_label has the customs data already (one read of the order and its SKUs, not two).
    items = customs_data[0] if customs_data is not None else _customs(shipment, orders.get_order(shipment.order_id))[0]
    conns = carrier_connections(connection_id)
    if not conns:
        raise ValidationError.field("connection_id", Msg("shipping.connect_carrier"))
    session.execute(delete(RateQuote).where(RateQuote.shipment_id == shipment.id))
    request = _request(shipment, service or "", items)
    found: list[RateQuote] = []

    def failed(conn: Any, exc: BaseException) -> None:
        note = connections.describe(exc)[:2000]
        found.append(
            RateQuote(shipment_id=shipment.id, connection_id=conn.id, carrier=conn.plugin, eligible=False, note=note)
        )

    with ExitStack() as stack:
        opened = []
        for conn in conns:
            try:
                opened.append(
                    (conn, stack.enter_context(connections.using(conn, "carrier", retry=connections.INTERACTIVE_RETRY)))
                )
            except AdapterError as exc:
                failed(conn, exc)
        if len(opened) == 1:  # no thread for one carrier
            conn, carrier = opened[0]
            try:
                answers: list[Any] = [carrier.quote(request)]
            except Exception as exc:  # noqa: BLE001 - a plugin's bug is that carrier's failure, as in call_each
                answers = [exc]
        else:
            answers = connections.call_each([carrier for _, carrier in opened], "quote", request)
        for (conn, carrier), offered in zip(opened, answers, strict=True):
            if isinstance(offered, BaseException):
                failed(conn, offered)
                continue
            found.extend(_quotes(shipment, conn, carrier, offered, service))
    session.add_all(found)
    session.flush()
    return found


def _quotes(
    shipment: Shipment, conn: Any, carrier: Any, offered: Sequence[Any], service: str | None
) -> list[RateQuote]:
    """A carrier's quotes as rows, each checked against its service's package limits and lane."""
    parcels = _request(shipment, "").parcels
    lane = (shipment.ship_from.get("country", ""), shipment.ship_to["country"])
    catalogue = {svc.code: svc for svc in carrier.services}
    rows = []
    for q in offered:
        if service and q.service and q.service != service:
            continue
        svc = catalogue.get(q.service)
        why = [p for parcel in parcels for p in svc.limits.problems(parcel)] if svc else []
        if svc is not None and not svc.serves(*lane):
            why.append("the service does not serve this lane")
        why_not = "; ".join(why) or None
        rows.append(
            RateQuote(
                shipment_id=shipment.id,
                connection_id=conn.id,
                carrier=conn.plugin,
                service=q.service,
                amount=q.amount,
                currency=q.currency,
                transit_days=q.transit_days,
                eligible=why_not is None,
                note=f"outside the service's package limits: {why_not}" if why_not else "",
            )
        )
    return rows


def _ddp(carrier: str, service: str) -> bool:
    found = limits.service_of(carrier, service)
    return bool(found and found.ddp)


def choose(shipment: Shipment, quotes: Sequence[RateQuote], order: Any = None) -> RateQuote:
    """The tenant's rate rules pick a quote; the choice and its explanation go on the shipment."""
    # Quotes in one currency compare as they are; in several, at the tenant's rates of today
    # in its functional currency (a quote without a rate cannot be compared and ranks last).
    one_currency = len({q.currency for q in quotes if q.amount is not None}) == 1
    options = {
        f"{q.id}": rules.Option(
            key=f"{q.carrier}:{q.service}",
            carrier=q.carrier,
            service=q.service,
            price=q.amount if one_currency else _functional(q.amount, q.currency),
            transit_days=q.transit_days,
            eligible=q.eligible and q.amount is not None,
            ddp=_ddp(q.carrier, q.service),
        )
        for q in quotes
    }
    order = order if order is not None else orders.get_order(shipment.order_id)
    value = _functional(sum((ln.item_amount for ln in order.lines), Decimal(0)), order.currency)
    settings = get_settings()
    facts = rules.Facts(
        country=shipment.ship_to["country"],
        weight_g=sum(p.weight_g for p in shipment.parcels),
        value=value,
        ddp=shipment.international and settings.incoterm == "DDP",
    )
    best, steps = rules.choose(list(options.values()), settings.rate_rules, facts)
    if best is None:
        problems = [f"{q.carrier} {q.service}: {q.note}".strip() for q in quotes if q.note]
        raise ValidationError.field(
            "service",
            Msg("shipping.no_service_because", problems="; ".join(problems))
            if problems
            else Msg("shipping.no_service"),
        )
    chosen = next(q for q in quotes if options[str(q.id)] is best)
    for q in quotes:
        q.chosen = q is chosen
    shipment.connection_id, shipment.carrier, shipment.service = chosen.connection_id, chosen.carrier, chosen.service
    shipment.amount, shipment.currency, shipment.transit_days = chosen.amount, chosen.currency, chosen.transit_days
    shipment.choice = {"steps": steps, "quote_id": str(chosen.id)}
    return chosen


def rerate(shipment: Shipment) -> dict[str, Any]:
    """Quote the shipment's own carrier and service again for its parcels as they are now (the
    weight found at pack), and compare with what the label cost. Returns what was found,
    as recorded on the shipment (`choice.rerated`); a carrier that cannot quote now is noted,
    never fatal: the parcel is packed either way and the seller decides."""
    label = label_of(shipment)
    paid, currency = (label.cost, label.currency) if label and label.cost is not None else (None, "")
    found: dict[str, Any] = {
        "weight_g": sum(p.weight_g for p in shipment.parcels),
        "service": shipment.service,
        "label_amount": str(paid) if paid is not None else None,
        "label_currency": currency,
    }
    conn = tenants.get_connection(shipment.connection_id) if shipment.connection_id else None
    if conn is None:
        found["error"] = "the carrier connection is gone"
    else:
        items, _, _ = _customs(shipment, orders.get_order(shipment.order_id))
        try:
            with connections.using(conn, "carrier", retry=connections.INTERACTIVE_RETRY) as carrier:
                offered = carrier.quote(_request(shipment, shipment.service, items))
        except AdapterError as exc:
            found["error"] = connections.describe(exc)[:500]
        else:
            same = [q for q in offered if q.service == shipment.service and q.amount is not None]
            if not same:
                found["error"] = f"{conn.display_name} no longer offers {shipment.service} for this parcel"
            else:
                quote = min(same, key=lambda q: q.amount)
                found.update(amount=str(quote.amount), currency=quote.currency)
                if paid is not None and quote.currency == currency:
                    found["difference"] = str(quote.amount - paid)
    shipment.choice = {**(shipment.choice or {}), "rerated": found}
    return found


# ---------------------------------------------------------------------------------------------
# Buying the label


def _claims_in_own_transaction() -> bool:
    # SQLite (the embedded demo) has one writer: a second connection would wait for the
    # door's own transaction. There the claim joins that transaction.
    return db.require_engine().dialect.name != "sqlite"


def _claim(shipment: Shipment, repeatable: bool) -> None:
    existing = session.execute(
        select(LabelClaim).where(LabelClaim.reference == shipment.reference)
    ).scalar_one_or_none()
    if existing is not None and existing.status == "sent" and not repeatable:
        raise Conflict(
            Msg(
                "shipping.label_for_reference_may",
                order_number=shipment.order_number,
                reference=shipment.reference,
                carrier=shipment.carrier,
            ),
            {"reference": [shipment.reference]},
        )
    if existing is not None:
        return
    values = {
        "reference": shipment.reference,
        "order_id": shipment.order_id,
        "connection_id": shipment.connection_id,
        "service": shipment.service,
        "status": "sent",
    }
    if not _claims_in_own_transaction():
        session.add(LabelClaim(**values))
        session.flush()
        return
    with new_session() as s:
        try:
            s.add(LabelClaim(tenant_id=current_tenant_id(), **values))
            s.commit()
        except IntegrityError:
            s.rollback()
            raise Conflict(
                Msg("shipping.label_for_being_bought", order_number=shipment.order_number),
                {"reference": [shipment.reference]},
            ) from None


def _unclaim(reference: str) -> None:
    """Nothing was bought (the carrier refused): the claim goes."""
    stmt = delete(LabelClaim).where(LabelClaim.reference == reference, LabelClaim.status == "sent")
    if not _claims_in_own_transaction():
        session.execute(stmt)
        return
    with new_session() as s:
        s.execute(stmt)
        s.commit()


def release_claim(order_id: uuid.UUID | str) -> Shipment | None:
    """Someone checked at the carrier that no label was bought for the order's pending
    purchase: the next attempt may buy one. Returns the order's live shipment, if any."""
    order = orders.lock_order(order_id)
    done = session.execute(
        delete(LabelClaim).where(LabelClaim.order_id == order.id, LabelClaim.status == "sent")
    ).rowcount
    if not done:
        raise Conflict(Msg("shipping.no_label_purchase_order", number=order.number), {"state": [order.status]})
    return live_shipment(order.id)


def buy_label(
    order_id: uuid.UUID | str,
    *,
    connection_id: Any = None,
    service: str | None = None,
    label_format: str | None = None,
    batch_id: uuid.UUID | None = None,
) -> Shipment:
    """Rate, choose, buy and store the label of the order's shipment; the order is marked as
    having its label printed (awaiting shipment). A shipment that has its label is returned as
    it is: asking twice buys once."""
    errors = f.Errors()
    fmt = f.choice(errors, "label_format", label_format, ("PDF", "ZPL")) if label_format else None
    service = f.text(errors, "service", service, max_len=100) if service else None
    errors.raise_if_any()
    shipment = prepare(order_id)
    if shipment.status != "draft":
        return shipment
    if fmt:
        shipment.label_format = fmt
    if batch_id:
        shipment.batch_id = batch_id
    order = orders.get_order(shipment.order_id)
    items, header, lines = _customs(shipment, order)  # refused here, before any carrier is called
    quotes = rate(shipment, connection_id=connection_id, service=service, customs_data=(items,))
    chosen = choose(shipment, quotes, order)
    conn = tenants.get_connection(chosen.connection_id)
    info = tenants.adapter_info("carrier", conn.plugin)
    op = info.cls.operations["create_label"]
    _claim(shipment, repeatable=op.repeatable or bool(op.lookup))
    try:
        with connections.using(conn, "carrier") as carrier:
            label = carrier.create_label(_request(shipment, chosen.service, items))
            url = carrier.tracking_url(label.tracking_number)
    except OutcomeUnknown as exc:
        raise Conflict(
            Msg(
                "shipping.label_purchase_for_at",
                order_number=shipment.order_number,
                display_name=conn.display_name,
                exc=exc,
            ),
            {"carrier": [str(exc)[:500]]},
        ) from exc
    except (RemoteRejected, AuthError) as exc:
        _unclaim(shipment.reference)
        raise ValidationError.field(
            "carrier", Msg("shipping.refused_label", display_name=conn.display_name, detail=exc)
        ) from exc
    except AdapterError as exc:
        # Refused before the write was sent (a failure of a lookup, a connect error of a
        # carrier that may be asked): nothing was bought, try again later.
        _unclaim(shipment.reference)
        raise Conflict(
            Msg("shipping.could_not_reached_try", display_name=conn.display_name, exc=exc), {"carrier": [str(exc)]}
        ) from exc
    _store(shipment, label, header, lines, conn.plugin, url, order.connection_id)
    return shipment


def _store(
    shipment: Shipment,
    label: Any,
    header: dict[str, Any],
    lines: list[customs.Line],
    carrier: str,
    url: str,
    shop_id: uuid.UUID | None,
) -> None:
    now = utcnow()
    cost = label.cost if label.cost is not None else shipment.amount
    currency = label.currency or shipment.currency
    fmt = (label.label_format or shipment.label_format or "PDF").upper().replace("ZPLII", "ZPL")
    printable, print_format = label.printable
    session.add(
        ShippingLabel(
            shipment_id=shipment.id,
            tracking_number=label.tracking_number,
            format=fmt if fmt in ("PDF", "ZPL", "PNG", "GIF") else "PDF",
            size=label.label_size or "4x6",
            content=bytes(label.label_data),
            print_content=bytes(printable),
            print_format=(print_format or fmt).upper().replace("ZPLII", "ZPL"),
            cost=cost,
            currency=currency or "",
            carrier_reference=label.carrier_reference or "",
        )
    )
    shipment.status = "labelled"
    shipment.tracking_number = label.tracking_number
    shipment.tracking_url = url
    shipment.tracking_status = "pending"
    shipment.label_bought_at = now
    shipment.next_track_at = now
    shipment.error = None
    if cost is not None:
        shipment.amount, shipment.currency = cost, currency
    from_carrier = {d.kind: d for d in label.documents if d.kind in ("commercial_invoice", "cn22", "cn23")}
    if lines:
        kind = customs.postal_form(lines) if carrier in customs.POSTAL_CARRIERS else "commercial_invoice"
        if from_carrier and kind not in from_carrier:
            kind = next(iter(from_carrier))
        full = {
            **header,
            "shipment": shipment.number,
            "order": shipment.order_number,
            "shipper": ", ".join(
                v for v in (shipment.ship_from.get("company"), shipment.ship_from.get("country")) if v
            ),
            "consignee": ", ".join(
                v
                for v in (shipment.ship_to.get("name"), shipment.ship_to.get("city"), shipment.ship_to["country"])
                if v
            ),
        }
        session.add(
            CustomsDocument(
                shipment_id=shipment.id,
                kind=kind,
                number=header["invoice_number"],
                data=jsonable({**full, "lines": [ln.__dict__ for ln in lines]}),
                # The carrier's own document where it made one (DHL, USPS), else ours.
                content=from_carrier[kind].data if kind in from_carrier else customs.document_pdf(kind, full, lines),
            )
        )
        shipment.customs = jsonable(full)
    session.execute(update(LabelClaim).where(LabelClaim.reference == shipment.reference).values(status="bought"))
    costs.record(
        shipment.warehouse_id,
        str(shipment.ship_to.get("country") or "").upper(),
        cost,
        currency or "",
        sum(p.weight_g for p in shipment.parcels),
    )
    orders.mark_printed(shipment.order_id, "label")
    events.emit(
        "shipment.label_bought",
        LabelBought(
            shipment_id=shipment.id,
            number=shipment.number,
            order_id=shipment.order_id,
            carrier=carrier,
            service=shipment.service,
            tracking_number=label.tracking_number,
            amount=cost,
            currency=currency,
            warehouse_id=shipment.warehouse_id,
            order_number=shipment.order_number,
            shop_id=shop_id,
        ),
        entity_type="shipment",
        entity_id=shipment.id,
    )
    session.flush()


# ---------------------------------------------------------------------------------------------
# Void, pack, hand over


def _locked(shipment_id: uuid.UUID | str) -> Shipment:
    shipment = get_shipment(shipment_id)
    orders.lock_order(shipment.order_id)  # one action at a time on the order and its shipment
    session.flush()
    session.refresh(shipment)
    return shipment


def void(shipment_id: uuid.UUID | str) -> Shipment:
    """Void the label at the carrier; the order may then get a new shipment and label."""
    shipment = _locked(shipment_id)
    if shipment.status not in ("labelled", "packed"):
        raise InvalidTransition(
            Msg("entity.shipment", ref=shipment.number), shipment.status, "void", Msg("shipping.only_label_not_handed")
        )
    conn = tenants.get_connection(shipment.connection_id) if shipment.connection_id else None
    if conn is None:
        raise Conflict(Msg("shipping.carrier_connection_gone_void", number=shipment.number))
    label = label_of(shipment)
    try:
        with connections.using(conn, "carrier", retry=connections.INTERACTIVE_RETRY) as carrier:
            carrier.void_label(shipment.tracking_number, label.carrier_reference if label else "")
    except RemoteRejected as exc:
        raise Conflict(
            Msg(
                "shipping.refused_void",
                display_name=conn.display_name,
                tracking_number=shipment.tracking_number,
                exc=exc,
            )
        ) from exc
    except AdapterError as exc:
        raise Conflict(Msg("shipping.could_not_void_label", display_name=conn.display_name, exc=exc)) from exc
    now = utcnow()
    shipment.status, shipment.voided_at, shipment.next_track_at = "voided", now, None
    if label is not None:
        label.voided_at = now
    events.emit(
        "shipment.voided",
        LabelVoided(
            shipment_id=shipment.id,
            order_id=shipment.order_id,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            amount=label.cost if label else None,
            currency=label.currency if label else "",
            number=shipment.number,
            order_number=shipment.order_number,
            shop_id=orders.get_order(shipment.order_id).connection_id,
            warehouse_id=shipment.warehouse_id,
        ),
        entity_type="shipment",
        entity_id=shipment.id,
    )
    session.flush()
    return shipment


def hand_over(shipment_id: uuid.UUID | str, *, weight_g: Any = None) -> Shipment:
    """The parcel leaves with the carrier: the order is marked shipped (stock leaves; the channel
    gets the carrier and tracking number through `order.shipped`)."""
    shipment = _locked(shipment_id)
    if shipment.status not in ("labelled", "packed"):
        raise InvalidTransition(
            Msg("entity.shipment", ref=shipment.number),
            shipment.status,
            "hand over",
            Msg("shipping.buy_label_first") if shipment.status == "draft" else "",
        )
    parcel = shipment.parcels[0]
    orders.ship(
        shipment.order_id,
        carrier=shipment.carrier,
        service=shipment.service,
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        weight_g=weight_g if weight_g is not None else parcel.weight_g,
        length_cm=parcel.length_cm,
        width_cm=parcel.width_cm,
        height_cm=parcel.height_cm,
    )
    shipment.status, shipment.shipped_at = "shipped", utcnow()
    events.emit(
        "shipment.shipped",
        ShipmentShipped(shipment_id=shipment.id, order_id=shipment.order_id, tracking_number=shipment.tracking_number),
        entity_type="shipment",
        entity_id=shipment.id,
    )
    session.flush()
    return shipment


def mark_label_printed(shipment: Shipment) -> None:
    label = label_of(shipment)
    if label is not None:
        label.printed_count += 1


def ready_for_labels(order_ids: Sequence[Any]) -> dict[uuid.UUID, str]:
    """The orders' numbers by id; unknown ids are refused before a batch starts (422 naming each)."""
    errors = f.Errors()
    numbers = {}
    for i, oid in enumerate(order_ids):
        try:
            order = orders.get_order(oid)
        except NotFound:
            errors.add(f"order_ids.{i}", Msg("no_such_order"))
        else:
            numbers[order.id] = order.number
    errors.raise_if_any()
    return numbers


__all__ = ["BEFORE_HANDOVER"]
