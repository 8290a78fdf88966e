"""The chart of accounts (list, add, rename, deactivate; delete only while unused) and the
voucher rules with their account mapping (per rule, per shop or warehouse, with the template's
account shown). core.finance.service validates; these views parse forms and render."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.db import session
from core.errors import DomainError, ValidationError
from core.finance import exports, rules, service
from core.finance.charts import ROLES, role
from core.finance.service import booking
from core.finance.service.accounts import dimension_label, parent_accounts, used_accounts
from web.auth import login_required
from web.finance.messages import ACCOUNT_TYPES, PER
from web.finance.views import bp, download
from web.forms import Form, action_failed
from web.pagination import paginate


def _account_filters() -> dict[str, Any]:
    args = request.args
    active = {"active": True, "inactive": False}.get(args.get("active", ""))
    kind = args.get("type") if args.get("type") in ACCOUNT_TYPES else None
    return {"active": active, "type": kind, "q": (args.get("q") or "").strip()[:100] or None}


def _accounts_page(form: Form | None = None, status: int = 200) -> Any:
    service.settings()
    page = paginate(service.list_accounts(**_account_filters()), per_page=50)
    ids = [a.id for a in page.items]
    body = render_template(
        "finance/accounts.html",
        page=page,
        args=request.args,
        used=used_accounts(ids),
        parents=parent_accounts(ids),
        types=ACCOUNT_TYPES,
        form=form or Form(),
    )
    return body, status


@bp.route("/accounts", methods=["GET", "POST"])
@login_required("finance:read")
def accounts() -> Any:
    if request.method == "POST":
        from web.auth import can

        if not can("finance:write"):
            abort(403)
        form = Form(request.form)
        try:
            acc = service.create_account(
                {
                    "code": form.get("code"),
                    "name": form.get("name"),
                    "type": form.get("type") or None,
                    "currency": form.get("currency") or None,
                    "monetary": form.checked("monetary"),
                }
            )
        except DomainError as exc:
            form.fail(exc)
            return _accounts_page(form, exc.status_code)
        flash(_("Account %(code)s added.", code=acc.code), "success")
        return redirect(url_for(".accounts_detail", account_id=acc.id))
    return _accounts_page()


@bp.route("/accounts/export")
@login_required("finance:read")
def accounts_export() -> Any:
    rows = list(session.execute(service.list_accounts(**_account_filters())).scalars())
    return download(exports.accounts(rows, used_accounts([a.id for a in rows])), "accounts")


@bp.route("/accounts/<uuid:account_id>", methods=["GET", "POST"])
@login_required("finance:read")
def accounts_detail(account_id: uuid.UUID) -> Any:
    acc = service.get_account(account_id)
    form = Form(request.form if request.method == "POST" else None, name=acc.name)
    context = {
        "acc": acc,
        "used": bool(used_accounts([acc.id])),
        "is_parent": bool(parent_accounts([acc.id])),
        "types": ACCOUNT_TYPES,
        "parent": service.get_account(acc.parent_id) if acc.parent_id else None,
    }
    if request.method == "POST":
        from web.auth import can

        if not can("finance:write"):
            abort(403)
        action = request.form.get("action", "rename")
        try:
            if action == "rename":
                service.update_account(acc.id, {"name": form.get("name")})
                flash(_("Account renamed."), "success")
            elif action in ("deactivate", "activate"):
                service.update_account(acc.id, {"active": action == "activate"})
                flash(_("Account deactivated.") if action == "deactivate" else _("Account activated."), "success")
            elif action == "delete":
                code = acc.code
                service.delete_account(acc.id)
                flash(_("Account %(code)s deleted.", code=code), "success")
                return redirect(url_for(".accounts"))
        except DomainError as exc:
            if action == "rename":
                return form.failed(exc, "finance/account.html", **context)
            session.rollback()
            return action_failed(exc, url_for(".accounts_detail", account_id=acc.id))
        return redirect(url_for(".accounts_detail", account_id=acc.id))
    return render_template("finance/account.html", form=form, **context)


# ---------------------------------------------------------------------------------------------
# Rules and account mapping


def _dimension_options() -> list[tuple[str, str]]:
    """The shops and warehouses a mapping may be limited to."""
    from core.inventory.service.warehouses import list_warehouses
    from tenants.service import list_connections

    shops = [
        (str(c.id), _("Shop: %(name)s", name=c.display_name))
        for c in session.execute(list_connections("channel")).scalars()
    ]
    warehouses = [
        (str(w.id), _("Warehouse: %(name)s", name=label))
        for w in session.execute(list_warehouses(active=True)).scalars()
        for label in [" ".join(x for x in (w.code, w.name) if x)]
    ]
    return [("", _("Every shop and warehouse"))] + shops + warehouses


def _mapping_page(form: Form | None = None, status: int = 200) -> Any:
    service.settings()
    off = booking.disabled_rules()
    accounts = service.all_accounts()
    by_id = {a.id: a for a in accounts}
    template = {a.role: a for a in accounts if a.role and a.dimension_value is None}
    parents = {a.parent_id for a in accounts if a.parent_id}
    dimensions = _dimension_options()
    names = dict(dimensions[1:])
    mappings: dict[str, list[dict[str, Any]]] = {}
    for m in service.list_mappings():
        acc = by_id.get(m.account_id)
        per = role(m.role).sub_per or ""
        mappings.setdefault(m.role, []).append(
            {
                "id": m.id,
                "rule": rules.RULES[m.rule].title if m.rule in rules.RULES else "",
                "dimension": names.get(m.dimension_value) or dimension_label(per, m.dimension_value),
                "account": f"{acc.code} {acc.name}" if acc else "",
            }
        )
    all_rules = rules.all_rules()
    body = render_template(
        "finance/rules.html",
        rules=[{"rule": r, "enabled": r.key not in off} for r in all_rules],
        roles=[{"role": r, "template": template.get(r.key), "mappings": mappings.get(r.key, [])} for r in ROLES],
        per=PER,
        form=form or Form(),
        role_options=[("", "")] + [(r.key, _(r.label)) for r in ROLES],
        rule_options=[("", _("Every rule"))] + [(r.key, _(r.title)) for r in all_rules],
        dimension_options=dimensions,
        account_options=[("", "")]
        + [(str(a.id), f"{a.code} {a.name}") for a in accounts if a.active and a.id not in parents],
    )
    return body, status


@bp.route("/rules", methods=["GET", "POST"])
@login_required("finance:read")
def rules_page() -> Any:
    if request.method == "POST":
        from web.auth import can

        if not can("finance:write"):
            abort(403)
        action = request.form.get("action")
        if action in ("enable", "disable"):
            key = request.form.get("rule", "")
            try:
                booking.set_rule(key, action == "enable")
            except DomainError as exc:
                return action_failed(exc, url_for(".rules_page"))
            flash(_("Rule switched on.") if action == "enable" else _("Rule switched off."), "success")
            return redirect(url_for(".rules_page"))
        if action == "unmap":
            try:
                service.remove_mapping(uuid.UUID(request.form.get("mapping_id", "")))
            except ValueError:
                abort(404)
            flash(_("Mapping removed: the template's account applies again."), "success")
            return redirect(url_for(".rules_page") + "#mapping")
        form = Form(request.form)
        try:
            rule_key = form.get("rule")
            if not form.get("role"):
                raise ValidationError.field("role", "is required")
            if rule_key and rule_key not in rules.RULES:
                raise ValidationError.field("rule", f"unknown rule {rule_key!r}")
            try:
                account_id = uuid.UUID(form.get("account_id"))
            except ValueError:
                raise ValidationError.field("account_id", "is required") from None
            service.set_mapping(
                form.get("role"), account_id, rule=rule_key or "", dimension_value=form.get("dimension_value") or ""
            )
        except DomainError as exc:
            form.fail(exc)
            return _mapping_page(form, exc.status_code)
        flash(_("Mapping saved."), "success")
        return redirect(url_for(".rules_page") + "#mapping")
    return _mapping_page()
