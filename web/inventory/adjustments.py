"""Inventory pages for what was API-only: stock adjustments (opening balances, scrap,
requisitions), borrowing (lend out, take back, write off), safety stock per SKU and warehouse,
and platform stock reconciliation (bring a platform or 3PL warehouse in line with its report).
Every rule lives in core.inventory.service; the forms carry an idempotency key made when the
form is shown, so a double submit posts once (the service replays the first posting)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from core.errors import DomainError, ValidationError
from core.inventory.service import Line, adjustments, reports, warehouses
from core.money import Money
from web.auth import current_tenant, login_required
from web.forms import Form, action_failed
from web.inventory.views import _decimal, _int, _raise, _sku_id, _uuid, _warehouse_options, bp
from web.pagination import paginate
from web.portal import current_locale_is_chinese

ROWS = 6
ADJUSTMENT_KINDS = {
    "opening_balance": _l("Opening balance (stock that was there before Tradelane)"),
    "scrap": _l("Scrap (弃置: destroyed or thrown away)"),
    "requisition": _l("Requisition (领用: samples, photography, gifts)"),
}
SCRAP_BUCKETS = {"on_hand": _l("On hand"), "unsellable": _l("Unsellable"), "qc_pending": _l("In QC")}
BORROWING_STATUSES = {"open": _l("Open"), "returned": lazy_pgettext("borrowing", "Returned"), "closed": _l("Closed")}


def _key(form: Form, action: str) -> str:
    """The form's idempotency key (made when the form was shown)."""
    token = (form["key"] or "").strip()
    if not token or len(token) > 64:
        raise ValidationError.field("key", _("The form expired; reload the page and try again."))
    return f"portal:{action}:{token}"


def _fresh(**defaults: Any) -> Form:
    return Form(None, key=uuid.uuid4().hex, **defaults)


# ---------------------------------------------------------------------------------------------
# Adjustments


def _adjustment_context() -> dict[str, Any]:
    return {
        "rows": range(ROWS),
        "kinds": [(k, str(v)) for k, v in ADJUSTMENT_KINDS.items()],
        "buckets": [(k, str(v)) for k, v in SCRAP_BUCKETS.items()],
        "warehouse_options": _warehouse_options("—"),
        "currency": current_tenant().functional_currency,
    }


@bp.route("/adjustments", methods=["GET"], endpoint="adjustments")
@login_required("inventory:read")
def adjustments_page() -> str:
    return render_template("inventory/adjustments.html", form=_fresh(kind="scrap"), **_adjustment_context())


@bp.route("/adjustments", methods=["POST"])
@login_required("inventory:write")
def adjustments_post() -> Any:
    form = Form(request.form)
    kind = form["kind"]
    try:
        if kind not in ADJUSTMENT_KINDS:
            raise ValidationError.field("kind", _("Choose what kind of adjustment this is."))
        errors: dict[str, list[str]] = {}
        warehouse_id = _uuid(form["warehouse_id"])
        if warehouse_id is None:
            errors["warehouse_id"] = [_("Required.")]
        currency = current_tenant().functional_currency
        lines = []
        for n in range(ROWS):
            if not form[f"sku_{n}"].strip() and not form[f"qty_{n}"].strip():
                continue
            sku_id = _sku_id(form[f"sku_{n}"], f"sku_{n}", errors)
            if not form[f"sku_{n}"].strip():
                errors.setdefault(f"sku_{n}", []).append(_("Required."))
            qty = _int(form[f"qty_{n}"], f"qty_{n}", errors, minimum=1)
            cost = None
            if kind == "opening_balance":
                amount = _decimal(form[f"cost_{n}"], f"cost_{n}", errors)
                cost = Money(amount, currency) if amount is not None else None
            if sku_id and qty and warehouse_id:
                lines.append(Line(str(n), sku_id, warehouse_id, qty, cost))
        if not lines and not errors:
            errors["sku_0"] = [_("Enter at least one line.")]
        _raise(errors)
        key, reason = _key(form, "adjustment"), form["reason"]
        if kind == "opening_balance":
            posting = adjustments.opening_balance(lines, key=key, reason=reason or "opening balance")
        elif kind == "scrap":
            posting = adjustments.scrap(lines, key=key, reason=reason, from_bucket=form["from_bucket"] or "on_hand")
        else:
            posting = adjustments.requisition(lines, key=key, reason=reason)
    except DomainError as exc:
        return form.failed(exc, "inventory/adjustments.html", **_adjustment_context())
    flash(
        _("Adjustment posted: %(n)s line(s), %(units)s unit(s).", n=len(posting.lines), units=posting.quantity),
        "success",
    )
    return redirect(url_for(".adjustments"))


# ---------------------------------------------------------------------------------------------
# Borrowing


def _borrowings_page(form: Form, status: int = 200) -> Any:
    from core.catalog.service import sku_codes

    wanted = request.args.get("status")
    stmt = adjustments.list_borrowings(
        status=wanted if wanted in BORROWING_STATUSES else None, warehouse_id=_uuid(request.args.get("warehouse_id"))
    )
    page = paginate(stmt)
    return render_template(
        "inventory/borrowings.html",
        page=page,
        form=form,
        args=request.args,
        codes=sku_codes({b.sku_id for b in page.items}),
        warehouse_codes={w.id: w.code for w in warehouses_facts()},
        statuses=BORROWING_STATUSES,
        warehouse_options=_warehouse_options("—"),
    ), status


def warehouses_facts() -> list[Any]:
    from core.inventory.service import warehouse_facts

    return warehouse_facts()


@bp.route("/borrowings", methods=["GET"])
@login_required("inventory:read")
def borrowings() -> Any:
    return _borrowings_page(_fresh())


@bp.route("/borrowings", methods=["POST"])
@login_required("inventory:write")
def borrowings_new() -> Any:
    form = Form(request.form)
    try:
        errors: dict[str, list[str]] = {}
        sku_id = _sku_id(form["sku"], "sku", errors)
        if not form["sku"].strip():
            errors["sku"] = [_("Required.")]
        qty = _int(form["quantity"], "quantity", errors, minimum=1)
        warehouse_id = _uuid(form["warehouse_id"])
        if warehouse_id is None:
            errors["warehouse_id"] = [_("Required.")]
        due = None
        if form["due_date"].strip():
            from datetime import date

            try:
                due = date.fromisoformat(form["due_date"].strip())
            except ValueError:
                errors["due_date"] = [_("Enter a date.")]
        _raise(errors)
        row = adjustments.borrow_out(
            sku_id=sku_id,
            warehouse_id=warehouse_id,
            quantity=qty,
            borrower=form["borrower"],
            due_date=due,
            note=form["note"],
            key=_key(form, "borrow"),
        )
    except DomainError as exc:
        form.fail(exc)
        return _borrowings_page(form, exc.status_code)
    flash(_("Borrowing %(number)s recorded.", number=row.number), "success")
    return redirect(url_for(".borrowings"))


@bp.route("/borrowings/<uuid:borrowing_id>/return", methods=["POST"])
@login_required("inventory:write")
def borrowings_return(borrowing_id: uuid.UUID) -> Any:
    adjustments.get_borrowing(borrowing_id)  # another tenant's or an unknown id: 404
    back = url_for(".borrowings")
    errors: dict[str, list[str]] = {}
    try:
        qty = _int(request.form.get("quantity", ""), "quantity", errors, minimum=1)
        _raise(errors)
        row = adjustments.borrow_return(
            borrowing_id,
            quantity=qty,
            condition=request.form.get("condition") or "restock",
            key=f"portal:borrow-return:{borrowing_id}:{(request.form.get('key') or uuid.uuid4().hex)[:64]}",
        )
    except DomainError as exc:
        return action_failed(exc, back)
    flash(_("%(n)s unit(s) of %(number)s are back.", n=qty, number=row.number), "success")
    return redirect(back)


@bp.route("/borrowings/<uuid:borrowing_id>/close", methods=["POST"])
@login_required("inventory:write")
def borrowings_close(borrowing_id: uuid.UUID) -> Any:
    adjustments.get_borrowing(borrowing_id)  # another tenant's or an unknown id: 404
    back = url_for(".borrowings")
    try:
        row = adjustments.close_borrowing(borrowing_id, reason=request.form.get("reason", ""))
    except DomainError as exc:
        return action_failed(exc, back)
    flash(_("Borrowing %(number)s closed; what was still out is written off.", number=row.number), "success")
    return redirect(back)


# ---------------------------------------------------------------------------------------------
# Safety stock


def _safety_page(form: Form, status: int = 200) -> Any:
    from core.catalog.service import sku_titles

    stmt = reports.safety_stock_query(warehouse_id=_uuid(request.args.get("warehouse_id")), q=request.args.get("q"))
    page = paginate(stmt, scalars=False)
    return render_template(
        "inventory/safety.html",
        page=page,
        form=form,
        args=request.args,
        titles=sku_titles({r[0].sku_id for r in page.items}, chinese=current_locale_is_chinese()),
        warehouse_options=_warehouse_options("—"),
        filter_options=_warehouse_options(str(_("All warehouses")), active_only=False),
    ), status


@bp.route("/safety-stock", methods=["GET"])
@login_required("inventory:read")
def safety() -> Any:
    return _safety_page(Form(None))


@bp.route("/safety-stock", methods=["POST"])
@login_required("inventory:write")
def safety_save() -> Any:
    form = Form(request.form)
    try:
        errors: dict[str, list[str]] = {}
        sku_id = _sku_id(form["sku"], "sku", errors)
        if not form["sku"].strip():
            errors["sku"] = [_("Required.")]
        level = _int(form["safety_stock"], "safety_stock", errors, minimum=0)
        warehouse_id = _uuid(form["warehouse_id"])
        if warehouse_id is None:
            errors["warehouse_id"] = [_("Required.")]
        _raise(errors)
        warehouses.set_sku_setting(sku_id, warehouse_id, safety_stock=level)
    except DomainError as exc:
        form.fail(exc)
        return _safety_page(form, exc.status_code)
    flash(_("Safety stock of %(sku)s set to %(n)s.", sku=form["sku"].strip(), n=level), "success")
    return redirect(url_for(".safety"))


# ---------------------------------------------------------------------------------------------
# Platform stock reconciliation


def _platform_context() -> dict[str, Any]:
    """The form's choices and, below it, the adjustments earlier reconciliations posted (the
    list's filter: one warehouse)."""
    from core.catalog.service import sku_titles
    from core.inventory.service import warehouse_facts

    reporting = warehouse_facts(types=("platform", "overseas_3pl"), active=True)
    everyone = warehouse_facts(types=("platform", "overseas_3pl"))
    page = paginate(reports.reconciliation_query(warehouse_id=_uuid(request.args.get("warehouse_id"))), scalars=False)
    return {
        "rows": range(ROWS),
        "warehouse_options": [("", "—")] + [(str(w.id), f"{w.code} · {w.name}") for w in reporting],
        "filter_options": [("", str(_("All warehouses")))] + [(str(w.id), f"{w.code} · {w.name}") for w in everyone],
        "args": request.args,
        "history": page,
        "titles": sku_titles({r[0].sku_id for r in page.items}, chinese=current_locale_is_chinese()),
    }


@bp.route("/platform-stock", methods=["GET"])
@login_required("inventory:read")
def platform() -> str:
    return render_template("inventory/platform.html", form=_fresh(), **_platform_context())


@bp.route("/platform-stock", methods=["POST"])
@login_required("inventory:write")
def platform_post() -> Any:
    form = Form(request.form)
    try:
        errors: dict[str, list[str]] = {}
        warehouse_id = _uuid(form["warehouse_id"])
        if warehouse_id is None:
            errors["warehouse_id"] = [_("Required.")]
        report = []
        for n in range(ROWS):
            if not form[f"sku_{n}"].strip():
                continue
            sku_id = _sku_id(form[f"sku_{n}"], f"sku_{n}", errors)
            counts = {
                name: _int(form[f"{name}_{n}"] or "0", f"{name}_{n}", errors)
                for name in ("fulfillable", "reserved", "unsellable")
            }
            inbound = _int(form[f"inbound_{n}"], f"inbound_{n}", errors) if form[f"inbound_{n}"].strip() else None
            if sku_id is not None and None not in counts.values():
                report.append(adjustments.PlatformStock(sku_id=sku_id, inbound=inbound, **counts))
        if not report and not errors:
            errors["sku_0"] = [_("Enter at least one line.")]
        _raise(errors)
        posting = adjustments.reconcile_platform(
            warehouse_id, report, key=_key(form, "platform"), reason=form["reason"] or "platform reconciliation"
        )
    except DomainError as exc:
        return form.failed(exc, "inventory/platform.html", **_platform_context())
    if posting.lines:
        flash(_("Reconciled: %(n)s adjustment(s) posted.", n=len(posting.lines)), "success")
    else:
        flash(_("The book already matches the report; nothing was adjusted."), "info")
    return redirect(url_for(".index", warehouse_id=warehouse_id))
