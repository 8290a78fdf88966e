"""Supplier pages: the list, the form, the review queue, contacts and per-SKU prices. All
rules live in core.suppliers.service; the receiving account is only ever shown masked."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from core.catalog.service import find_sku_by_code, get_sku
from core.db import session
from core.errors import DomainError, InvalidTransition, PermissionDenied, ValidationError
from core.suppliers import service
from web.auth import current_tenant, login_required
from web.forms import Form, action_failed
from web.pagination import paginate

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers", template_folder="templates")

STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "disabled": _l("Disabled"),
}
STATUS_TONES = {
    "draft": "draft",
    "submitted": "queued",
    "approved": "active",
    "rejected": "failed",
    "disabled": "inactive",
}
KIND_LABELS = {"supplier": _l("Supplier (供货商)"), "merchant": _l("Merchant (商家)")}
COMPANY_TYPE_LABELS = {
    "limited_liability": _l("Limited liability company"),
    "joint_stock": _l("Joint-stock company"),
    "sole_proprietorship": _l("Sole proprietorship"),
    "partnership": _l("Partnership"),
    "individual_business": _l("Individual business"),
    "individual": _l("Individual"),
    "state_owned": _l("State-owned enterprise"),
    "foreign_invested": _l("Foreign-invested enterprise"),
    "other": _l("Other"),
}
PAYMENT_LABELS = {
    "bank_transfer": _l("Bank transfer"),
    "alipay": _l("Alipay"),
    "wechat_pay": _l("WeChat Pay"),
    "paypal": _l("PayPal"),
    "cash": _l("Cash"),
    "other": _l("Other"),
}
SETTLEMENT_LABELS = {
    "prepaid": _l("Prepaid"),
    "cash_on_delivery": _l("Cash on delivery"),
    "periodic": _l("Periodic (on account)"),
}
ACTIONS = {
    "submit": ("suppliers:write", service.submit_supplier, _l("Submitted for review.")),
    "withdraw": ("suppliers:write", service.withdraw_supplier, _l("Withdrawn to draft.")),
    "approve": ("suppliers:approve", service.approve_supplier, _l("Approved; the supplier code is assigned.")),
    "reject": ("suppliers:approve", service.reject_supplier, _l("Rejected.")),
    "revise": ("suppliers:write", service.revise_supplier, _l("Back in draft for changes.")),
    "disable": ("suppliers:approve", service.disable_supplier, _l("Disabled.")),
    "enable": ("suppliers:approve", service.enable_supplier, _l("Enabled again.")),
}
BASIC = (
    "kind",
    "name",
    "name_en",
    "country",
    "province",
    "city",
    "address",
    "postcode",
    "registration_date",
    "company_type",
    "website",
    "note",
)
FINANCE = ("payment_method", "account_name", "bank_name", "currency", "settlement_mode", "settlement_days")


@bp.context_processor
def _labels() -> dict[str, Any]:
    def label(table: dict[str, Any]) -> Any:
        return lambda code: str(table.get(code, code)) if code else "—"

    return {
        "status_label": label(STATUS_LABELS),
        "status_tone": lambda s: STATUS_TONES.get(s, s),
        "kind_label": label(KIND_LABELS),
        "company_type_label": label(COMPANY_TYPE_LABELS),
        "payment_label": label(PAYMENT_LABELS),
        "settlement_label": label(SETTLEMENT_LABELS),
        "STATUSES": service.SUPPLIER_STATUSES,
        "masked_account": service.masked_account,
    }


def _options(table: dict[str, Any], codes: tuple[str, ...], blank: str | None = None) -> list[tuple[str, str]]:
    out = [("", blank)] if blank is not None else []
    return out + [(c, str(table[c])) for c in codes]


def _form_options() -> dict[str, Any]:
    return {
        "kind_options": _options(KIND_LABELS, ("supplier", "merchant")),
        "company_type_options": _options(COMPANY_TYPE_LABELS, service.COMPANY_TYPES, "—"),
        "payment_options": _options(PAYMENT_LABELS, service.PAYMENT_METHODS, "—"),
        "settlement_options": _options(SETTLEMENT_LABELS, service.SETTLEMENT_MODES),
    }


# ---------------------------------------------------------------------------------------------
# List, review queue


@bp.route("/")
@login_required("suppliers:read")
def index() -> str:
    args = request.args
    stmt = service.supplier_query(
        q=args.get("q"),
        status=args.get("status") or None,
        kind=args.get("kind") if args.get("kind") in KIND_LABELS else None,
    )
    return render_template(
        "suppliers/index.html",
        page=paginate(stmt),
        args=args,
        kind_options=_options(KIND_LABELS, ("supplier", "merchant"), str(_("All"))),
        bulk_actions=[("approve", str(_("Approve")))] if g.principal.can("suppliers:approve") else [],
    )


def _filtered() -> Any:
    args = request.args
    return service.supplier_query(
        q=args.get("q"),
        status=args.get("status") or None,
        kind=args.get("kind") if args.get("kind") in KIND_LABELS else None,
    )


@bp.route("/export")
@login_required("suppliers:read")
def index_export() -> Any:
    """The suppliers the list's filters select, as CSV or XLSX (no bank details)."""
    from web import exports

    columns = [
        _("Code"),
        _("Name"),
        _("English name"),
        _("Type"),
        pgettext("supplier terms", "Settlement"),
        _("Currency"),
        _("Status"),
    ]
    return exports.respond(
        "suppliers",
        columns,
        exports.rows_of(_filtered()),
        lambda s: (
            s.code or "",
            s.name,
            s.name_en or "",
            str(KIND_LABELS.get(s.kind, s.kind)),
            str(SETTLEMENT_LABELS.get(s.settlement_mode, s.settlement_mode or "")),
            s.currency,
            str(STATUS_LABELS.get(s.status, s.status)),
        ),
    )


@bp.route("/bulk", methods=["POST"])
@login_required("suppliers:approve")
def index_bulk() -> Any:
    """Approve the ticked suppliers, each on its own (web/bulk.py)."""
    from web import bulk

    if request.form.get("action") != "approve":
        abort(404)
    back = url_for(".index")
    try:
        ids = bulk.parse_ids(request.form.getlist("supplier_ids"), "supplier_ids")
    except DomainError as exc:
        return action_failed(exc, back)
    results = bulk.run(ids, service.supplier_labels, service.approve_supplier, states=STATUS_LABELS)
    return bulk.render(results, _("Approve"), back=back, link=lambda i: url_for(".index_detail", supplier_id=i))


@bp.route("/review")
@login_required("suppliers:read")
def review() -> str:
    stmt = service.review_queue()
    return render_template("suppliers/review.html", page=paginate(stmt))


# ---------------------------------------------------------------------------------------------
# The supplier form


def _payload(form: Form, creating: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {k: form[k] for k in BASIC}
    for key in ("country", "registration_date", "company_type"):
        payload[key] = payload[key] or None
    finance = {k: form[f"finance.{k}"] for k in FINANCE}
    finance["payment_method"] = finance["payment_method"] or None
    finance["settlement_days"] = finance["settlement_days"] or None
    account = form["finance.account_number"]
    if account or creating:
        finance["account_number"] = account or None  # blank on edit keeps the stored account
    payload["finance"] = finance
    if creating and form["contact.name"]:
        payload["contacts"] = [
            {
                "name": form["contact.name"],
                "phone": form["contact.phone"],
                "email": form["contact.email"],
                "wechat": form["contact.wechat"],
            }
        ]
    return payload


@bp.route("/new", methods=["GET", "POST"])
@login_required("suppliers:write")
def index_new() -> Any:
    form = Form(
        request.form,
        **{
            "kind": "supplier",
            "country": "CN",
            "finance.currency": current_tenant().functional_currency,
            "finance.settlement_mode": "prepaid",
        },
    )
    if request.method == "POST":
        try:
            supplier = service.create_supplier(_payload(form, creating=True))
        except DomainError as exc:
            return form.failed(exc, "suppliers/form.html", supplier=None, **_form_options())
        flash(_("Supplier %(name)s saved as a draft.", name=supplier.name), "success")
        return redirect(url_for(".index_detail", supplier_id=supplier.id))
    return render_template("suppliers/form.html", form=form, supplier=None, **_form_options())


@bp.route("/<uuid:supplier_id>/edit", methods=["GET", "POST"])
@login_required("suppliers:write")
def index_edit(supplier_id: uuid.UUID) -> Any:
    supplier = service.get_supplier(supplier_id)
    defaults = {k: getattr(supplier, k) or "" for k in BASIC}
    defaults["registration_date"] = supplier.registration_date.isoformat() if supplier.registration_date else ""
    defaults.update(
        {f"finance.{k}": "" if getattr(supplier, k) is None else str(getattr(supplier, k)) for k in FINANCE}
    )
    form = Form(request.form, **defaults)
    if request.method == "POST":
        try:
            service.update_supplier(supplier_id, _payload(form, creating=False))
        except DomainError as exc:
            return form.failed(
                exc, "suppliers/form.html", supplier=service.get_supplier(supplier_id), **_form_options()
            )
        flash(_("Supplier saved."), "success")
        return redirect(url_for(".index_detail", supplier_id=supplier_id))
    return render_template("suppliers/form.html", form=form, supplier=supplier, **_form_options())


# ---------------------------------------------------------------------------------------------
# The supplier page: details, review steps, contacts, prices


def _render_detail(supplier_id: uuid.UUID, contact_form: Form | None = None, price_form: Form | None = None) -> str:
    supplier = service.get_supplier(supplier_id)
    prices = list(session.execute(service.price_query(supplier_id=supplier.id)).scalars())
    skus = {p.sku_id: get_sku(p.sku_id) for p in prices}
    return render_template(
        "suppliers/detail.html",
        supplier=supplier,
        prices=prices,
        skus=skus,
        contact_form=contact_form or Form(None),
        price_form=price_form or Form(None, currency=supplier.currency, moq="1", lead_time_days="0"),
        editable=supplier.status in service.EDITABLE,
    )


@bp.route("/<uuid:supplier_id>")
@login_required("suppliers:read")
def index_detail(supplier_id: uuid.UUID) -> str:
    return _render_detail(supplier_id)


@bp.route("/<uuid:supplier_id>/do/<action>", methods=["POST"])
@login_required("suppliers:read")
def index_action(supplier_id: uuid.UUID, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    permission, func, done = ACTIONS[action]
    if not g.principal.can(permission):
        raise PermissionDenied(_("Your role does not allow this (%(permission)s).", permission=permission))
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for(".index_detail", supplier_id=supplier_id)
    try:
        if action in ("reject", "disable"):
            func(supplier_id, request.form.get("reason", ""))
        else:
            func(supplier_id)
    except InvalidTransition as exc:
        session.rollback()
        flash(
            _("Not possible while the supplier is %(state)s.", state=STATUS_LABELS.get(exc.current, exc.current)),
            "error",
        )
        return redirect(target)
    except DomainError as exc:
        return action_failed(exc, target)
    flash(str(done), "success")
    return redirect(target)


@bp.route("/<uuid:supplier_id>/delete", methods=["POST"])
@login_required("suppliers:write")
def index_delete(supplier_id: uuid.UUID) -> Any:
    try:
        service.delete_supplier(supplier_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".index_detail", supplier_id=supplier_id))
    flash(_("Supplier deleted."), "success")
    return redirect(url_for(".index"))


@bp.route("/<uuid:supplier_id>/contacts", methods=["POST"])
@login_required("suppliers:write")
def index_contacts(supplier_id: uuid.UUID) -> Any:
    form = Form(request.form)
    data = {k: form[k] for k in ("name", "title", "phone", "email", "wechat", "qq")}
    data["is_primary"] = form.checked("is_primary")
    try:
        service.add_contact(supplier_id, data)
    except DomainError as exc:
        form.fail(exc)
        return _render_detail(supplier_id, contact_form=form), exc.status_code
    flash(_("Contact %(name)s added.", name=data["name"]), "success")
    return redirect(url_for(".index_detail", supplier_id=supplier_id))


@bp.route("/<uuid:supplier_id>/contacts/<uuid:contact_id>/delete", methods=["POST"])
@login_required("suppliers:write")
def index_contact_delete(supplier_id: uuid.UUID, contact_id: uuid.UUID) -> Any:
    try:
        service.delete_contact(supplier_id, contact_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".index_detail", supplier_id=supplier_id))
    flash(_("Contact removed."), "success")
    return redirect(url_for(".index_detail", supplier_id=supplier_id))


@bp.route("/<uuid:supplier_id>/prices", methods=["POST"])
@login_required("suppliers:write")
def index_prices(supplier_id: uuid.UUID) -> Any:
    form = Form(request.form)
    try:
        service.get_supplier(supplier_id)
        sku = find_sku_by_code(form["sku_code"])
        if sku is None:
            raise ValidationError.field("sku_code", _("no SKU with code %(code)s", code=form["sku_code"] or "—"))
        service.set_price(
            supplier_id,
            sku.id,
            price=form["price"],
            currency=form["currency"] or None,
            moq=form["moq"] or 1,
            lead_time_days=form["lead_time_days"] or 0,
            note=form["note"],
        )
    except DomainError as exc:
        form.fail(exc)
        return _render_detail(supplier_id, price_form=form), exc.status_code
    flash(_("Price for %(code)s saved.", code=form["sku_code"]), "success")
    return redirect(url_for(".index_detail", supplier_id=supplier_id))


@bp.route("/<uuid:supplier_id>/prices/<uuid:sku_id>/delete", methods=["POST"])
@login_required("suppliers:write")
def index_price_delete(supplier_id: uuid.UUID, sku_id: uuid.UUID) -> Any:
    try:
        service.delete_price(supplier_id, sku_id)
    except DomainError as exc:
        return action_failed(exc, url_for(".index_detail", supplier_id=supplier_id))
    flash(_("Price removed."), "success")
    return redirect(url_for(".index_detail", supplier_id=supplier_id))
