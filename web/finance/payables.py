"""Payables pages: supplier bills (list, a new bill against a received purchase order with the
three-way match and its tolerances, detail), payments and prepayments in the supplier's
currency with the realised exchange difference, and the ageing report. The rules live in
core.finance.service.payables; these views parse forms and render."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import session, utcnow
from core.errors import DomainError, NotFound
from core.finance import exports, service
from core.finance.service import payables
from web.auth import can, login_required
from web.finance.messages import BANDS, BILL_KINDS, BILL_STATUSES, PAYMENT_KINDS
from web.finance.views import amount_in, bp, download, plain_decimal, source_url
from web.forms import Form
from web.pagination import paginate
from web.portal import money_text


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _day(value: Any) -> date | None:
    """A date typed into a form; None when blank (the service takes today)."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _require_write() -> None:
    if not can("finance:write"):
        abort(403)


def _suppliers() -> list[Any]:
    from core.suppliers.service import supplier_query

    return list(session.execute(supplier_query()).scalars())


def _supplier_label(s: Any) -> str:
    return f"{s.code} {s.name}" if s.code else s.name


def _sku_code(sku_id: uuid.UUID | None) -> str:
    if sku_id is None:
        return ""
    from core.catalog.service import get_sku

    try:
        return get_sku(sku_id).code or ""
    except NotFound:
        return ""


def _today() -> date:
    return service.tenant_facts().local_date(utcnow())


# ---------------------------------------------------------------------------------------------
# Bills


def _bill_filters() -> dict[str, Any]:
    args = request.args
    return {
        "supplier_id": _uuid(args.get("supplier_id")),
        "status": args.get("status") if args.get("status") in BILL_STATUSES else None,
    }


@bp.route("/bills")
@login_required("finance:read")
def bills() -> Any:
    service.settings()
    return render_template(
        "finance/bills.html",
        page=paginate(payables.bill_query(**_bill_filters())),
        args=request.args,
        statuses=BILL_STATUSES,
        kinds=BILL_KINDS,
        suppliers=[(str(s.id), _supplier_label(s)) for s in _suppliers()],
    )


@bp.route("/bills/export")
@login_required("finance:read")
def bills_export() -> Any:
    return download(exports.bills(list(session.execute(payables.bill_query(**_bill_filters())).scalars())), "bills")


def _receipt_rows(page: Any) -> list[dict[str, Any]]:
    """The receipts of a page with their order, supplier and the units left to bill."""
    from core.suppliers.service import get_supplier

    rows = []
    for receipt in page.items:
        _, order, lines = payables.billable_lines(receipt.id)
        try:
            supplier = _supplier_label(get_supplier(order.supplier_id))
        except NotFound:
            supplier = ""
        rows.append(
            {
                "receipt": receipt,
                "order": order,
                "supplier": supplier,
                "received": sum(ln.received for ln in lines),
                "remaining": sum(ln.remaining for ln in lines),
            }
        )
    return rows


def _bill_form_context(receipt_id: uuid.UUID) -> dict[str, Any]:
    from core.suppliers.service import get_supplier

    receipt, order, lines = payables.billable_lines(receipt_id)
    st = service.settings()
    return {
        "receipt": receipt,
        "order": order,
        "supplier": _supplier_label(get_supplier(order.supplier_id)),
        "lines": [{"line": ln, "sku": _sku_code(ln.sku_id)} for ln in lines],
        "quantity_tolerance": st.bill_quantity_tolerance,
        "price_tolerance": st.bill_price_tolerance,
        "booked": payables.receipt_rate(receipt.id) is not None,
        "receipt_url": source_url("purchase_receipt", str(receipt.id)),
    }


@bp.route("/bills/new", methods=["GET", "POST"])
@login_required("finance:write")
def bills_new() -> Any:
    """Step one: choose a receipt (only those with units left to bill); step two: the bill."""
    receipt_id = _uuid(request.values.get("receipt_id"))
    if receipt_id is None:
        from core.purchasing.service.receiving import receipt_query

        page = paginate(receipt_query(q=(request.args.get("q") or "").strip()[:100] or None))
        return render_template("finance/bill_receipts.html", page=page, rows=_receipt_rows(page), args=request.args)
    try:
        context = _bill_form_context(receipt_id)
    except NotFound:
        abort(404)
    defaults: dict[str, Any] = {"bill_date": _today().isoformat()}
    for i, row in enumerate(context["lines"]):
        ln = row["line"]
        defaults[f"lines.{i}.quantity"] = ln.remaining or ""
        defaults[f"lines.{i}.unit_price"] = plain_decimal(ln.order_price)
        defaults[f"lines.{i}.tax_rate"] = plain_decimal(ln.tax_rate)
    form = Form(request.form if request.method == "POST" else None, **defaults)
    if request.method == "POST":
        # Lines left blank (or 0) are not billed; the service numbers the lines it gets, so its
        # errors are mapped back to the rows of the form.
        sent, rows = [], []
        for i, row in enumerate(context["lines"]):
            qty = form.get(f"lines.{i}.quantity")
            if qty in ("", "0"):
                continue
            rows.append(i)
            sent.append(
                {
                    "receipt_id": receipt_id,
                    "receipt_line_id": row["line"].receipt_line_id,
                    "quantity": qty,
                    "unit_price": form.get(f"lines.{i}.unit_price"),
                    "tax_rate": form.get(f"lines.{i}.tax_rate"),
                }
            )
        try:
            bill = payables.create_purchase_bill(
                {
                    "supplier_reference": form.get("supplier_reference"),
                    "bill_date": _day(form.get("bill_date")),
                    "note": form.get("note"),
                    "lines": sent,
                }
            )
        except DomainError as exc:
            if exc.errors:
                exc.errors = {_row_field(k, rows): v for k, v in exc.errors.items()}
            return form.failed(exc, "finance/bill_new.html", **context)
        flash(_("Bill %(number)s recorded.", number=bill.number), "success")
        return redirect(url_for(".bills_detail", bill_id=bill.id))
    return render_template("finance/bill_new.html", form=form, **context)


def _row_field(name: str, rows: list[int]) -> str:
    """lines.<n>.field of the n-th line sent -> lines.<row>.field of the form."""
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)


@bp.route("/bills/<uuid:bill_id>")
@login_required("finance:read")
def bills_detail(bill_id: uuid.UUID) -> Any:
    bill = payables.get_bill(bill_id)
    return render_template(
        "finance/bill.html",
        bill=bill,
        match=payables.match_of(bill),
        skus={ln.id: _sku_code(ln.sku_id) for ln in bill.lines},
        allocations=payables.allocations_of_bill(bill.id),
        vouchers=service.vouchers_for_document("supplier_bill", str(bill.id)),
        statuses=BILL_STATUSES,
        kinds=BILL_KINDS,
        functional=service.functional_currency(),
        receipt_url=lambda rid: source_url("purchase_receipt", str(rid)) if rid else None,
    )


# ---------------------------------------------------------------------------------------------
# Payments


@bp.route("/payments")
@login_required("finance:read")
def payments() -> Any:
    service.settings()
    return render_template(
        "finance/payments.html",
        page=paginate(payables.payment_query(supplier_id=_uuid(request.args.get("supplier_id")))),
        args=request.args,
        kinds=PAYMENT_KINDS,
        suppliers=[(str(s.id), _supplier_label(s)) for s in _suppliers()],
    )


@bp.route("/payments/export")
@login_required("finance:read")
def payments_export() -> Any:
    stmt = payables.payment_query(supplier_id=_uuid(request.args.get("supplier_id")))
    return download(exports.payments(list(session.execute(stmt).scalars())), "payments")


@bp.route("/payments/new", methods=["GET", "POST"])
@login_required("finance:write")
def payments_new() -> Any:
    """Step one: the supplier; step two: amount, date, bank account and the bills it settles
    (what it does not settle is a prepayment)."""
    from core.suppliers.service import get_supplier

    supplier_id = _uuid(request.values.get("supplier_id"))
    supplier = None
    if supplier_id:
        try:
            supplier = get_supplier(supplier_id)
        except NotFound:
            abort(404)
    if supplier is None:
        return render_template(
            "finance/payment_supplier.html",
            suppliers=[(str(s.id), f"{_supplier_label(s)} · {s.currency}") for s in _suppliers()],
        )
    currency = supplier.currency
    bills = payables.open_bills(supplier.id, currency)
    banks = payables.bank_accounts(currency)
    context = {
        "supplier": supplier,
        "supplier_label": _supplier_label(supplier),
        "currency": currency,
        "bills": bills,
        "bank_options": [(str(a.id), f"{a.code} {a.name}") for a in banks],
        "functional": service.functional_currency(),
    }
    wanted = _uuid(request.args.get("bill_id"))
    defaults: dict[str, Any] = {"payment_date": _today().isoformat()}
    if banks:
        defaults["bank_account_id"] = str(banks[0].id)
    for i, bill in enumerate(bills):
        if bill.id == wanted:
            defaults[f"allocations.{i}.amount"] = amount_in(bill.open_amount, currency)
            defaults["amount"] = amount_in(bill.open_amount, currency)
    form = Form(request.form if request.method == "POST" else None, **defaults)
    if request.method == "POST":
        allocations, rows = [], []
        for i, bill in enumerate(bills):
            amount = form.get(f"allocations.{i}.amount")
            if amount in ("", "0"):
                continue
            rows.append(i)
            allocations.append({"bill_id": bill.id, "amount": amount})
        try:
            payment = payables.create_payment(
                {
                    "supplier_id": supplier.id,
                    "currency": currency,
                    "amount": form.get("amount"),
                    "payment_date": _day(form.get("payment_date")),
                    "bank_account_id": _uuid(form.get("bank_account_id")),
                    "bank_charges": form.get("bank_charges") or None,
                    "reference": form.get("reference"),
                    "note": form.get("note"),
                    "allocations": allocations,
                }
            )
        except DomainError as exc:
            if exc.errors:
                exc.errors = {_allocation_field(k, rows): v for k, v in exc.errors.items()}
            return form.failed(exc, "finance/payment_new.html", **context)
        flash(_("Payment %(number)s recorded.", number=payment.number), "success")
        return redirect(url_for(".payments_detail", payment_id=payment.id))
    return render_template("finance/payment_new.html", form=form, **context)


def _allocation_field(name: str, rows: list[int]) -> str:
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "allocations" and parts[1].isdigit() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)


def _payment_context(payment: Any) -> dict[str, Any]:
    bills = payables.open_bills(payment.supplier_id, payment.currency) if payment.unapplied > 0 else []
    return {
        "payment": payment,
        "kinds": PAYMENT_KINDS,
        "fx": payables.realised_fx(payment),
        "bank": service.get_account(payment.bank_account_id),
        "vouchers": service.vouchers_for_document("supplier_payment", str(payment.id)),
        "open_bills": bills,
        "bill_options": [
            (str(b.id), f"{b.number} · {b.supplier_reference} · {money_text(b.open_amount, b.currency)}") for b in bills
        ],
        "functional": service.functional_currency(),
    }


@bp.route("/payments/<uuid:payment_id>", methods=["GET", "POST"])
@login_required("finance:read")
def payments_detail(payment_id: uuid.UUID) -> Any:
    """A payment with its settlements and realised exchange difference; what a prepayment left
    is applied to a bill here."""
    payment = payables.get_payment(payment_id)
    form = Form(request.form if request.method == "POST" else None, date=_today().isoformat())
    if request.method == "POST":
        _require_write()
        try:
            payables.apply_prepayment(
                payment.id,
                {"bill_id": _uuid(form.get("bill_id")), "amount": form.get("amount"), "date": _day(form.get("date"))},
            )
        except DomainError as exc:
            if exc.errors:
                exc.errors = {k.replace("allocations.0.", ""): v for k, v in exc.errors.items()}
            session.rollback()
            return form.failed(exc, "finance/payment.html", **_payment_context(payables.get_payment(payment_id)))
        flash(_("Prepayment applied."), "success")
        return redirect(url_for(".payments_detail", payment_id=payment.id))
    return render_template("finance/payment.html", form=form, **_payment_context(payment))


# ---------------------------------------------------------------------------------------------
# Ageing


def _as_of() -> date:
    return _day(request.args.get("as_of")) or _today()


@bp.route("/ageing")
@login_required("finance:read")
def ageing() -> Any:
    service.settings()
    as_of = _as_of()
    rows = payables.ageing(as_of)
    totals: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        t = totals.setdefault(r.currency, {b: Decimal(0) for b in BANDS} | {"total": Decimal(0)})
        for b in BANDS:
            t[b] += r.bands[b]
        t["total"] += r.total
    functional = {b: sum((r.functional[b] for r in rows), Decimal(0)) for b in BANDS}
    return render_template(
        "finance/ageing.html",
        rows=rows,
        as_of=as_of,
        bands=BANDS,
        totals=totals,
        functional=functional,
        functional_total=sum(functional.values(), Decimal(0)),
        currency=service.functional_currency(),
    )


@bp.route("/ageing/export")
@login_required("finance:read")
def ageing_export() -> Any:
    return download(exports.ageing([r.to_json() for r in payables.ageing(_as_of())]), "ageing")
