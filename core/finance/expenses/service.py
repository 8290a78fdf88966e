"""Expense documents: entered as drafts, linked to what they belong to, approved, booked.

A line belongs to shops, SKUs or orders (fees, advertising), to a first leg (a forwarder's
freight bill) or to shipments (a carrier's invoice). Each link is resolved when the line is
written, to the dimensions its share is booked with; a line over several links is spread over
them by their weights when booked (`core.money.allocate`: the parts add up to the line).

A carrier invoice is matched to the labels bought for its shipments: the labels' cost was
booked as outbound freight when each was bought, so the invoice shows, and books, only the
difference. A freight bill, on approval, records the forwarder's bill through payables, which
clears what the first leg accrued as landed cost and adds the difference to the stock's
cost; the expense keeps that bill's id. Approving announces `expense.approved`; the voucher
rule (core/finance/rules/expenses.py) books it once however often it is delivered.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import events
from core import validation as f
from core.db import get_or_none, locked, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.finance.events import ExpenseApproved, ExpenseLineApproved, ExpenseLink
from core.finance.expenses.models import EXPENSE_KINDS, EXPENSE_STATUSES, LINK_TYPES, Expense, ExpenseLine
from core.finance.rules.expenses import LINE_ROLES
from core.finance.service.setup import tenant_facts
from core.messages import Msg
from core.money import round_money
from core.numbering import next_number
from core.tenancy import current_actor

ZERO = Decimal(0)
ONE = Decimal(1)
KINDS, STATUSES = EXPENSE_KINDS, EXPENSE_STATUSES  # for the doors, which read no models
MAX_LINES = 500
MAX_LINKS = 500
LANDED_COMPONENTS = ("freight", "duty", "insurance")
# Per kind: the role a line books to unless it names one, and what its lines may link to.
DEFAULT_ROLE = {
    "platform_fee": "commission",
    "ad_invoice": "advertising",
    "freight_bill": "freight",
    "carrier_invoice": "freight_out",
    "other": None,
}
KIND_LINKS = {
    "platform_fee": ("shop", "sku", "order"),
    "ad_invoice": ("shop", "sku", "order"),
    "freight_bill": ("first_leg",),
    "carrier_invoice": ("shipment",),
    "other": ("shop", "sku", "order"),
}


def get_expense(expense_id: uuid.UUID | str) -> Expense:
    row = get_or_none(Expense, expense_id)
    if row is None:
        raise NotFound("expense", expense_id)
    return row


def expense_query(
    *,
    kind: str | None = None,
    status: str | None = None,
    supplier_id: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    q: str | None = None,
) -> Any:
    stmt = select(Expense).order_by(Expense.expense_date.desc(), Expense.number.desc())
    if kind:
        stmt = stmt.where(Expense.kind == kind)
    if status:
        stmt = stmt.where(Expense.status == status)
    if supplier_id:
        stmt = stmt.where(Expense.supplier_id == supplier_id)
    if date_from:
        stmt = stmt.where(Expense.expense_date >= date_from)
    if date_to:
        stmt = stmt.where(Expense.expense_date <= date_to)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(Expense.number.ilike(like) | Expense.vendor.ilike(like) | Expense.reference.ilike(like))
    return stmt


def check(data: dict[str, Any]) -> dict[str, Any]:
    """What `create` would write (the vendor as it is recorded, the lines resolved), or a
    ValidationError naming each field; writes nothing (an import checks its whole file so)."""
    return _read(data)


def create(data: dict[str, Any]) -> Expense:
    """A draft expense: `kind`, `supplier_id` or `vendor`, `reference` (the vendor's invoice
    number), `currency`, `expense_date`, `note`, `lines` [{description, amount, role, links:
    [{type, id or number, weight}]}] (see `_resolve` for what a number names)."""
    fields = _read(data)
    _unique(fields["kind"], fields["vendor"], fields["reference"], None)
    from tenants.service import actor_identity

    expense = Expense(
        number=next_number("finance_expense", "EXP"),
        status="draft",
        created_by=str(current_actor())[:200],
        created_by_id=actor_identity(),
        **{k: v for k, v in fields.items() if k != "lines"},
        lines=fields["lines"],
    )
    session.add(expense)
    session.flush()
    return expense


def update(expense_id: uuid.UUID | str, data: dict[str, Any]) -> Expense:
    """Change a draft: what is given replaces what it had (lines as a whole)."""
    expense = _locked(expense_id)
    if expense.status != "draft":
        raise InvalidTransition(
            Msg("finance.expense", ref=expense.number), expense.status, "change", Msg("finance.expense_fixed")
        )
    merged = {
        "kind": expense.kind,
        "supplier_id": expense.supplier_id,
        "vendor": expense.vendor if expense.supplier_id is None else None,
        "reference": expense.reference,
        "currency": expense.currency,
        "expense_date": expense.expense_date,
        "note": expense.note,
        "lines": [
            {"description": ln.description, "amount": ln.amount, "role": ln.role, "links": ln.links}
            for ln in expense.lines
        ],
        **data,
    }
    fields = _read(merged)
    _unique(fields["kind"], fields["vendor"], fields["reference"], expense.id)
    for k, v in fields.items():
        if k != "lines":
            setattr(expense, k, v)
    expense.lines.clear()
    session.flush()
    expense.lines.extend(fields["lines"])
    session.flush()
    return expense


def approve(expense_id: uuid.UUID | str) -> Expense:
    """Approve a draft: by someone other than who entered it when the tenant separates duties
    (403), its carrier lines matched to the labels again (one voided since is refused), a
    freight bill recorded through payables, and `expense.approved` announced."""
    from tenants.service import require_separate_approver

    expense = _locked(expense_id)
    if expense.status != "draft":
        raise InvalidTransition(
            Msg("finance.expense", ref=expense.number),
            expense.status,
            "approve",
            Msg("finance.expense_approved_already"),
        )
    require_separate_approver(expense.created_by_id, "expense document")
    if expense.kind == "carrier_invoice":
        errors = f.Errors()
        for i, ln in enumerate(expense.lines):
            links = [_link(errors, f"lines.{i}.links.{j}", "carrier_invoice", link) for j, link in enumerate(ln.links)]
            ln.label_cost = _label_cost(errors, f"lines.{i}", links, expense.currency)
            ln.links = [x for x in links if x is not None]
        errors.raise_if_any()
    if expense.kind == "freight_bill":
        expense.bill_id = _freight_bill(expense).id
    expense.status = "approved"
    expense.approved_at = utcnow()
    expense.approved_by = str(current_actor())[:200]
    session.flush()
    events.emit("expense.approved", payload(expense), entity_type="expense", entity_id=expense.id)
    return expense


def _locked(expense_id: uuid.UUID | str) -> Expense:
    """The expense, locked for this transaction: two approvals at once approve it once."""
    return locked(Expense, expense_id, "expense")


def _unique(kind: str, vendor: str, reference: str, own: uuid.UUID | None) -> None:
    taken = session.execute(
        select(Expense.id, Expense.number).where(
            Expense.kind == kind, Expense.vendor == vendor, Expense.reference == reference
        )
    ).first()
    if taken is not None and taken.id != own:
        raise Conflict(
            Msg("finance.invoice_already_recorded_as", vendor=vendor, reference=reference, number=taken.number),
            {"reference": [Msg("finance.already_recorded")]},
        )


# ---------------------------------------------------------------------------------------------
# Reading input


def _read(data: dict[str, Any]) -> dict[str, Any]:
    errors = f.Errors()
    kind = f.choice(errors, "kind", data.get("kind"), EXPENSE_KINDS, required=True)
    currency = f.currency(errors, "currency", data.get("currency"), required=True)
    reference = f.text(errors, "reference", data.get("reference"), max_len=100, required=True)
    note = f.text(errors, "note", data.get("note"), max_len=2000)
    day = data.get("expense_date")
    if isinstance(day, str) or day is None:
        day = f.a_date(errors, "expense_date", day) if day else tenant_facts().local_date(utcnow())
    supplier_id, vendor = _vendor(errors, data, kind)
    raw = data.get("lines") or []
    if not isinstance(raw, list) or not raw:
        errors.add("lines", Msg("finance.give_a_line"))
        raw = []
    elif len(raw) > MAX_LINES:
        errors.add("lines", Msg("finance.at_most_lines", max_lines=MAX_LINES))
        raw = []
    errors.raise_if_any()
    lines = [_line(errors, i, kind, currency, item) for i, item in enumerate(raw)]
    seen: dict[str, str] = {}
    for i, ln in enumerate(lines):
        for j, link in enumerate(ln.links if ln is not None else ()):
            if link["type"] == "shipment":
                where = f"lines.{i}.links.{j}"
                if link["id"] in seen:
                    errors.add(where, Msg("finance.shipment_already_on", number=link["number"], field=seen[link["id"]]))
                seen.setdefault(link["id"], where)
    errors.raise_if_any()
    return {
        "kind": kind,
        "supplier_id": supplier_id,
        "vendor": vendor,
        "reference": reference,
        "currency": currency,
        "expense_date": day,
        "note": note,
        "total": sum((ln.amount for ln in lines), ZERO),
        "lines": lines,
    }


def _vendor(errors: f.Errors, data: dict[str, Any], kind: str | None) -> tuple[uuid.UUID | None, str]:
    """The supplier billed (its code and name as the vendor), or a vendor named in text. A
    forwarder's freight bill is owed through payables, so it needs the supplier."""
    supplier_id = data.get("supplier_id")
    if supplier_id:
        from core.suppliers.service import get_supplier

        try:
            supplier = get_supplier(supplier_id)
        except (NotFound, ValueError):
            errors.add("supplier_id", Msg("finance.no_such_supplier"))
            return None, ""
        name = f"{supplier.code} {supplier.name}" if supplier.code else supplier.name
        return supplier.id, name[:200]
    if kind == "freight_bill":
        errors.add("supplier_id", Msg("finance.freight_bill_supplier"))
        return None, ""
    vendor = f.text(errors, "vendor", data.get("vendor"), max_len=200)
    if not vendor and "vendor" not in errors.errors:
        errors.add("vendor", Msg("finance.name_the_vendor"))
    return None, vendor


def _line(errors: f.Errors, i: int, kind: str, currency: str, item: Any) -> ExpenseLine | None:
    at = f"lines.{i}"
    if not isinstance(item, dict):
        errors.add(at, Msg("finance.line_object"))
        return None
    amount = f.decimal(errors, f"{at}.amount", item.get("amount"), places=4, minimum=Decimal("0.01"), required=True)
    if amount is not None and amount != round_money(amount, currency):
        errors.add(f"{at}.amount", Msg("finance.has_fewer_decimals", currency=currency))
    role = item.get("role") or DEFAULT_ROLE[kind]
    allowed = LANDED_COMPONENTS if kind == "freight_bill" else LINE_ROLES
    if not role:
        errors.add(f"{at}.role", Msg("finance.name_the_role", choices=", ".join(allowed)))
    elif role not in allowed:
        errors.add(f"{at}.role", Msg("one_of", choices=", ".join(allowed)))
    raw_links = item.get("links") or []
    if not isinstance(raw_links, list) or len(raw_links) > MAX_LINKS:
        errors.add(f"{at}.links", Msg("finance.at_most_links", max_links=MAX_LINKS))
        raw_links = []
    links = [_link(errors, f"{at}.links.{j}", kind, link) for j, link in enumerate(raw_links)]
    if kind == "freight_bill" and len(raw_links) != 1:
        errors.add(f"{at}.links", Msg("finance.freight_bill_one_leg"))
    if kind == "ad_invoice" and not raw_links:
        errors.add(f"{at}.links", Msg("finance.link_the_advertised"))
    good = [x for x in links if x is not None]
    label_cost = _label_cost(errors, at, good, currency) if kind == "carrier_invoice" and good else None
    if amount is None or role not in allowed or len(good) != len(links):
        return None
    return ExpenseLine(
        position=i + 1,
        description=f.text(errors, f"{at}.description", item.get("description"), max_len=200),
        role=role,
        amount=amount,
        links=good,
        label_cost=label_cost,
    )


def _link(errors: f.Errors, at: str, kind: str, item: Any) -> dict[str, Any] | None:
    """A link resolved to what it books with: its number and dimensions (and a shipment's label)."""
    if not isinstance(item, dict):
        errors.add(at, Msg("finance.link_object"))
        return None
    kind_links = KIND_LINKS[kind]
    typ = item.get("type")
    if typ not in LINK_TYPES or typ not in kind_links:
        errors.add(f"{at}.type", Msg("one_of", choices=", ".join(kind_links)))
        return None
    weight = f.decimal(errors, f"{at}.weight", item.get("weight"), places=6) if item.get("weight") is not None else None
    if weight is not None and not weight:
        errors.add(f"{at}.weight", Msg("finance.weight_above_zero"))
    found = _resolve(typ, item)
    if found is None:
        named = [k for k in ("id", "tracking_number", "number") if item.get(k)]
        what = named[0] if named else "id"
        errors.add(f"{at}.{what}", Msg(f"finance.no_such_{typ}"))
        return None
    if "problem" in found:
        errors.add(at, found.pop("problem"))
        return None
    if weight is not None:
        found["weight"] = str(weight)
    return found


def _resolve(typ: str, item: dict[str, Any]) -> dict[str, Any] | None:
    """The linked document of this tenant (None: none such), through its capability's service:
    by `id`, or by what people and files name it with (`number`): the shop's name, the SKU's
    code, the order's number or channel order id, the first leg's number, the shipment's
    tracking number."""
    ident, number = item.get("id"), str(item.get("number") or item.get("tracking_number") or "").strip()
    try:
        key = uuid.UUID(str(ident)) if ident else None
    except ValueError:
        return None
    if key is None and not number:
        return None
    base = {"type": typ, "weight": "1", "shop_id": None, "order_id": None, "sku_id": None, "warehouse_id": None}
    if typ == "shop":
        conn = _shop(key, number)
        return conn and {**base, "id": str(conn.id), "number": conn.display_name, "shop_id": str(conn.id)}
    if typ == "sku":
        sku = _sku(key, number)
        return sku and {**base, "id": str(sku.id), "number": sku.code, "sku_id": str(sku.id)}
    if typ == "order":
        order = _order(key, number)
        return order and {
            **base,
            "id": str(order.id),
            "number": order.number,
            "order_id": str(order.id),
            "shop_id": str(order.connection_id) if order.connection_id else None,
        }
    if typ == "first_leg":
        t = _first_leg(key, number)
        return t and {**base, "id": str(t.id), "number": t.number, "warehouse_id": str(t.destination_warehouse_id)}
    return _shipment(key, number, base)


def _shop(key: uuid.UUID | None, name: str) -> Any:
    from tenants.service import connection_facts, connections_facts

    if key:
        conn = connection_facts(key)
    else:
        conn = next((c for c in connections_facts().values() if c.kind == "channel" and c.display_name == name), None)
    return conn if conn is not None and conn.kind == "channel" else None


def _sku(key: uuid.UUID | None, code: str) -> Any:
    from core.catalog.service import find_sku_by_code, get_sku

    if not key:
        return find_sku_by_code(code)
    try:
        return get_sku(key)
    except NotFound:
        return None


def _first_leg(key: uuid.UUID | None, number: str) -> Any:
    from core.inventory.service.transfers import get_transfer, list_transfers

    if not key:
        rows = session.execute(list_transfers("first_leg", q=number).limit(20)).scalars()
        return next((t for t in rows if t.number == number), None)
    try:
        return get_transfer(key)
    except NotFound:
        return None


def _order(key: uuid.UUID | None, number: str = "") -> Any:
    from core.orders.service import get_order, order_query

    if not key:
        rows = session.execute(order_query(q=number).limit(20)).scalars() if number else ()
        return next((o for o in rows if number in (o.number, o.external_order_id)), None)
    try:
        return get_order(key)
    except NotFound:
        return None


def _shipment(key: uuid.UUID | None, tracking: str, base: dict[str, Any]) -> dict[str, Any] | None:
    """A shipment with the label bought for it: its cost is the link's weight."""
    from core.shipping import service as shipping

    if key:
        try:
            shipment = shipping.get_shipment(key)
        except NotFound:
            return None
    else:
        shipment = shipping.shipment_by_tracking(tracking)
    if shipment is None:
        return None
    label = shipping.label_of(shipment)
    order = _order(shipment.order_id)
    out = {
        **base,
        "id": str(shipment.id),
        "number": shipment.tracking_number or shipment.number,
        "order_id": str(shipment.order_id),
        "shop_id": str(order.connection_id) if order is not None and order.connection_id else None,
        "warehouse_id": str(shipment.warehouse_id) if shipment.warehouse_id else None,
    }
    if label is None or label.voided_at is not None or label.cost is None:
        return {**out, "problem": Msg("finance.no_label_to_match", number=shipment.number)}
    return {**out, "weight": str(label.cost), "label_cost": str(label.cost), "label_currency": label.currency}


def _label_cost(errors: f.Errors, at: str, links: Sequence[dict[str, Any] | None], currency: str) -> Decimal | None:
    """What the labels of a carrier line's shipments cost, in the invoice's currency."""
    total = ZERO
    for j, link in enumerate(links):
        if link is None:
            return None
        if link.get("label_currency") != currency:
            errors.add(
                f"{at}.links.{j}",
                Msg(
                    "finance.label_currency_differs",
                    number=link["number"],
                    label_currency=link.get("label_currency") or "",
                    currency=currency,
                ),
            )
            return None
        total += Decimal(link["label_cost"])
    return round_money(total, currency) if links else None


def _freight_bill(expense: Expense) -> Any:
    """The forwarder's bill of an approved freight bill, one bill line per first leg."""
    from core.finance.service import payables

    per_leg: dict[str, dict[str, Any]] = {}
    for ln in expense.lines:
        leg = ln.links[0]["id"]
        item = per_leg.setdefault(leg, {"transfer_id": leg, **{c: ZERO for c in LANDED_COMPONENTS}})
        item[ln.role] += ln.amount
    try:
        return payables.create_freight_bill(
            {
                "supplier_id": expense.supplier_id,
                "supplier_reference": expense.reference,
                "currency": expense.currency,
                "bill_date": expense.expense_date,
                "note": f"{expense.number} {expense.note}".strip()[:2000],
                "lines": list(per_leg.values()),
            }
        )
    except ValidationError as exc:
        # The bill's fields are this expense's: its date, its first legs.
        legs = list(per_leg)
        renamed: dict[str, Any] = {}
        for key, msgs in exc.errors.items():
            name = {"bill_date": "expense_date", "supplier_reference": "reference"}.get(key, key)
            if key.startswith("lines."):
                leg = legs[int(key.split(".")[1])]
                i = next(i for i, ln in enumerate(expense.lines) if ln.links[0]["id"] == leg)
                name = f"lines.{i}.links.0"
            renamed[name] = msgs
        raise ValidationError(renamed) from None


# ---------------------------------------------------------------------------------------------
# What is announced and shown


def payload(expense: Expense) -> ExpenseApproved:
    return ExpenseApproved(
        expense_id=expense.id,
        number=expense.number,
        kind=expense.kind,
        supplier_id=expense.supplier_id,
        vendor=expense.vendor,
        reference=expense.reference,
        currency=expense.currency,
        expense_date=expense.expense_date,
        total=expense.total,
        bill_id=expense.bill_id,
        lines=tuple(
            ExpenseLineApproved(
                line_id=ln.id,
                description=ln.description,
                role=ln.role,
                amount=ln.amount,
                label_cost=ln.label_cost,
                booked=ln.amount if ln.label_cost is None else ln.amount - ln.label_cost,
                links=tuple(_link_payload(link) for link in ln.links),
            )
            for ln in expense.lines
        ),
    )


def _link_payload(link: dict[str, Any]) -> ExpenseLink:
    def ident(key: str) -> uuid.UUID | None:
        return uuid.UUID(link[key]) if link.get(key) else None

    return ExpenseLink(
        type=link["type"],
        id=uuid.UUID(link["id"]),
        number=link.get("number") or "",
        weight=Decimal(link.get("weight") or ONE),
        shop_id=ident("shop_id"),
        order_id=ident("order_id"),
        sku_id=ident("sku_id"),
        warehouse_id=ident("warehouse_id"),
    )


def _source(expense: Expense) -> tuple[str, str]:
    """The document its voucher names: a freight bill's payables bill, else the expense."""
    return ("supplier_bill", str(expense.bill_id)) if expense.bill_id else ("expense", str(expense.id))


def views(rows: Sequence[Expense]) -> list[dict[str, Any]]:
    """Views of a page of expenses, their vouchers read in one query."""
    from core.finance.models import Voucher

    sources = {_source(e) for e in rows if e.status != "draft"}
    posted: dict[tuple[str, str], list[Any]] = {}
    if sources:
        stmt = (
            select(Voucher)
            .where(
                Voucher.status == "posted",
                Voucher.source_type.in_({t for t, _ in sources}),
                Voucher.source_id.in_({i for _, i in sources}),
            )
            .order_by(Voucher.date, Voucher.seq)
        )
        for v in session.execute(stmt).scalars():
            posted.setdefault((v.source_type, v.source_id), []).append(v)
    return [view(e, posted.get(_source(e), [])) for e in rows]


def view(expense: Expense, booked: list[Any] | None = None) -> dict[str, Any]:
    """The expense as the API and portal show it: per line what the labels cost and the
    difference; the vouchers that booked it (the freight bill's for a freight bill)."""
    from core.finance.service.vouchers import vouchers_for_document

    cur = expense.currency
    lines = []
    for ln in expense.lines:
        lines.append(
            {
                "id": ln.id,
                "position": ln.position,
                "description": ln.description,
                "role": ln.role,
                "amount": round_money(ln.amount, cur),
                "links": [
                    {k: link.get(k) for k in ("type", "id", "number", "weight", "label_cost") if k in link}
                    for link in ln.links
                ],
                "label_cost": round_money(ln.label_cost, cur) if ln.label_cost is not None else None,
                "difference": round_money(ln.difference, cur) if ln.difference is not None else None,
            }
        )
    matched = [ln for ln in expense.lines if ln.label_cost is not None]
    if booked is None:
        booked = (
            [v for v in vouchers_for_document(*_source(expense)) if v.status == "posted"]
            if expense.status != "draft"
            else []
        )
    return {
        **{
            k: getattr(expense, k)
            for k in (
                "id",
                "number",
                "kind",
                "status",
                "supplier_id",
                "vendor",
                "reference",
                "currency",
                "expense_date",
                "note",
                "bill_id",
                "created_by",
                "created_at",
                "approved_at",
                "approved_by",
            )
        },
        "total": round_money(expense.total, cur),
        "label_cost": round_money(sum((ln.label_cost for ln in matched), ZERO), cur) if matched else None,
        "difference": round_money(sum((ln.difference for ln in matched), ZERO), cur) if matched else None,
        "booked": bool(booked),
        "vouchers": [{"id": v.id, "number": v.number, "status": v.status, "total": v.total} for v in booked],
        "lines": lines,
    }
