"""Finance pages: vouchers (list, detail with drill-down both ways, reversal), the manual
voucher form, periods, the not-booked list, and the reports with charts; the chart of accounts
and the rules with their mapping (accounts.py); bills, payments and the ageing report
(payables.py). Every rule lives in core.finance.service; these views parse forms, call it and
render."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import count, session, utcnow
from core.errors import DomainError, ValidationError
from core.finance import exports, service
from core.finance.service import booking, periods, reports
from core.finance.service import profit as profit_report
from web import exports as web_exports
from web.auth import login_required
from web.forms import Form, action_failed
from web.messages import describe
from web.pagination import paginate

bp = Blueprint("finance", __name__, url_prefix="/finance", template_folder="templates")

STATUS_LABELS = {"posted": _l("Posted"), "waiting_rate": _l("Waiting for a rate")}
KIND_LABELS = {
    "event": _l("From a business event"),
    "manual": _l("Manual"),
    "reversal": _l("Reversal"),
    "revaluation": _l("Revaluation"),
}
SOURCE_LABELS = {
    "sales_order": _l("Order"),
    "purchase_receipt": _l("Goods receipt"),
    "purchase_return": _l("Return to supplier"),
    "transfer": _l("Transfer"),
    "first_leg": _l("First leg"),
    "stocktake": _l("Stocktake"),
    "stock_adjustment": _l("Stock adjustment"),
    "borrowing": _l("Borrowing"),
    "kit_order": _l("Kit order"),
    "supplier_bill": _l("Supplier bill"),
    "supplier_payment": _l("Payment"),
    "manual": _l("Manual voucher"),
    "revaluation": _l("Revaluation"),
}


def source_url(source_type: str, source_id: str) -> str | None:
    """The business document's own page: drill-down from a voucher to its document."""
    endpoints = {
        "sales_order": ("web.orders.detail", "order_id"),
        "purchase_receipt": ("web.purchasing.receiving_detail", "receipt_id"),
        "transfer": ("web.inventory.transfers_detail", "transfer_id"),
        "first_leg": ("web.inventory.first_leg_detail", "transfer_id"),
        "stocktake": ("web.inventory.stocktakes_detail", "stocktake_id"),
    }
    if source_type not in endpoints:
        return None
    endpoint, arg = endpoints[source_type]
    try:
        return url_for(endpoint, **{arg: uuid.UUID(source_id)})
    except Exception:  # noqa: BLE001 - the section is not installed, or the id is not a UUID
        return None


@bp.app_template_filter("plain_decimal")
def plain_decimal(value: Any) -> str:
    """A price or rate without trailing zeros and never in exponent form (10, not 1E+1)."""
    from decimal import Decimal

    if value is None or value == "":
        return ""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def amount_in(value: Any, currency: str) -> str:
    """An amount to the minor unit of its currency (stored with four places), as a plain
    number for a form input's value. Amounts shown to read use the portal's `money`."""
    from decimal import Decimal

    from core.money import round_money

    return str(round_money(Decimal(str(value or 0)), currency))


def download(table: exports.Table, name: str) -> Response:
    """A list as the CSV (default) or XLSX file ?format= asks for (web/exports.py)."""
    cols, rows = table
    fmt = web_exports.chosen_format()
    return web_exports.respond(name, cols, iter(rows), exports.cells(fmt), fmt)


def _period_default() -> str:
    today = service.tenant_facts().local_date(utcnow())
    return f"{today.year:04d}-{today.month:02d}"


@bp.route("/")
@login_required("finance:read")
def index() -> Any:
    args = request.args
    try:
        stmt = service.voucher_query(
            period=args.get("period") or None, status=args.get("status") or None, q=args.get("q") or None
        )
    except ValidationError as exc:
        flash(describe(exc.message, exc.errors), "error")
        stmt = service.voucher_query()
    page = paginate(stmt)
    return render_template(
        "finance/index.html",
        page=page,
        args=args,
        statuses=STATUS_LABELS,
        unbooked=count(booking.unbooked_query()),
    )


@bp.route("/vouchers/<uuid:voucher_id>")
@login_required("finance:read")
def voucher(voucher_id: uuid.UUID) -> Any:
    from core.finance.api import voucher_views

    v = service.get_voucher(voucher_id)
    view = voucher_views([v])[0]
    return render_template(
        "finance/voucher.html",
        v=view,
        kind=KIND_LABELS.get(view["kind"], view["kind"]),
        status=STATUS_LABELS.get(view["status"], view["status"]),
        source_label=SOURCE_LABELS.get(view["source"]["type"], view["source"]["type"]),
        source_link=source_url(view["source"]["type"], view["source"]["id"]),
        order_url=lambda oid: source_url("sales_order", oid) if oid else None,
        related=service.vouchers_for_document(view["source"]["type"], view["source"]["id"]),
    )


@bp.route("/vouchers/<uuid:voucher_id>/reverse", methods=["POST"])
@login_required("finance:write")
def reverse(voucher_id: uuid.UUID) -> Any:
    try:
        red = service.reverse(voucher_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".voucher", voucher_id=voucher_id))
    flash(_("Reversed by voucher %(number)s.", number=red.number), "success")
    return redirect(url_for(".voucher", voucher_id=red.id))


@bp.route("/documents/<source_type>/<source_id>")
@login_required("finance:read")
def document(source_type: str, source_id: str) -> Any:
    """Drill-down from a business document to its vouchers."""
    found = service.vouchers_for_document(source_type, source_id)
    if len(found) == 1:
        return redirect(url_for(".voucher", voucher_id=found[0].id))
    return render_template(
        "finance/document.html",
        vouchers=found,
        source_label=SOURCE_LABELS.get(source_type, source_type),
        source_link=source_url(source_type, source_id),
    )


LINES = 6


@bp.route("/vouchers/new", methods=["GET", "POST"])
@login_required("finance:write")
def new_voucher() -> Any:
    form = Form(request.form, date=date.today().isoformat())
    if request.method == "POST":
        lines = []
        for i in range(LINES):
            code = form.get(f"lines.{i}.account")
            if code:
                lines.append(
                    {
                        "account": code,
                        "debit": form.get(f"lines.{i}.debit") or None,
                        "credit": form.get(f"lines.{i}.credit") or None,
                        "currency": form.get(f"lines.{i}.currency") or None,
                    }
                )
        try:
            day = date.fromisoformat(form.get("date"))
        except ValueError:
            day = None
        try:
            v = service.create_manual({"date": day, "memo": form.get("memo"), "lines": lines})
        except DomainError as exc:
            session.rollback()
            return form.failed(exc, "finance/new_voucher.html", lines=range(LINES))
        flash(_("Voucher %(number)s posted.", number=v.number), "success")
        return redirect(url_for(".voucher", voucher_id=v.id))
    return render_template("finance/new_voucher.html", form=form, lines=range(LINES))


@bp.route("/periods", methods=["GET", "POST"])
@login_required("finance:read")
def periods_page() -> Any:
    if request.method == "POST":
        from web.auth import can

        if not can("finance:close"):
            flash(_("Your role does not allow this (%(permission)s).", permission="finance:close"), "error")
            return redirect(url_for(".periods_page"))
        action, pid = request.form.get("action"), request.form.get("period_id")
        try:
            (service.close if action == "close" else service.reopen)(uuid.UUID(pid or ""))
            flash(_("Period closed.") if action == "close" else _("Period reopened."), "success")
        except (DomainError, ValueError) as exc:
            session.rollback()
            flash(describe(exc.message, exc.errors) if isinstance(exc, DomainError) else str(exc), "error")
        return redirect(url_for(".periods_page"))
    return render_template("finance/periods.html", periods=service.list_periods())


@bp.route("/unbooked")
@login_required("finance:read")
def unbooked() -> Any:
    return render_template("finance/unbooked.html", page=paginate(booking.unbooked_query()))


@bp.route("/unbooked/export")
@login_required("finance:read")
def unbooked_export() -> Any:
    """The business events not booked yet, newest first, with the document each is about."""
    return web_exports.respond(
        "unbooked",
        [_("Event"), _("When"), _("Why"), _("Source")],
        web_exports.rows_of(booking.unbooked_query()),
        lambda r: (r.event_name, r.occurred_at, r.reason, f"{r.entity_type} {r.entity_id}"),
    )


@bp.route("/reports")
@login_required("finance:read")
def reports_page() -> Any:
    period = request.args.get("period") or _period_default()
    try:
        year, month = periods.parse_key(period)
    except ValidationError:
        period = _period_default()
        year, month = periods.parse_key(period)
    first = f"{year - 1:04d}-{month:02d}" if month == 12 else f"{year - 1:04d}-{month + 1:02d}"
    months = periods.month_keys(first, period)
    pnl = reports.profit_and_loss(period)
    by_shop = [r.to_json() for r in profit_report.profit("shop", period)]
    by_month = [r.to_json() for r in profit_report.profit("month", months[0], period)]
    by_sku = [r.to_json() for r in profit_report.profit("sku", period)][:15]
    trend = reports.stock_value_trend(months)
    return render_template(
        "finance/reports.html",
        period=period,
        pnl=pnl,
        by_shop=by_shop,
        by_month=by_month,
        by_sku=by_sku,
        trend=trend,
        tb=service.trial_balance(period),
        estimated=any(r["fees_estimated"] for r in by_shop),
        fee_sources=FEE_SOURCES,
    )


FEE_SOURCES = {
    "settlement": _l("From settlements"),
    "estimate": _l("Estimated"),
    "mixed": _l("Settlements and estimates"),
    "ledger": _l("From the books"),
}


# The chart, rules and mapping; bills and payments; posting to accounting systems; settlements.
from web.finance import accounts, expenses, payables, posting, settlements  # noqa: E402,F401
