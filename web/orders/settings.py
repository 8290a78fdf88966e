"""The tenant's order settings as forms: auto-review rules, allocation, warehouses and their
shipping costs, split rules (product attributes, package limits, value limits per destination).
Exchange rates are dated and have their own page (web/settings/rates.py). Reading needs
orders:read and saving orders:write, as in GET/PATCH /api/v1/order-settings;
core.orders.service validates, audits and emits the event."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import DomainError, ValidationError
from core.orders import service
from core.orders.service import FULFILMENTS
from core.orders.service.regions import REGIONS
from core.orders.service.settings import PACKAGE_LIMITS, WAREHOUSE_TYPES, Settings
from web.auth import can, login_required
from web.forms import Form
from web.orders.rows import attach, remap, renumber, row_numbers, split_list, with_added_row
from web.orders.views import _shops, bp

TABLES = ("review_rules", "shipping_costs", "value_limits")
RULE_INPUTS = (
    "name",
    "fulfilment",
    "channels",
    "countries",
    "min_total",
    "currency",
    "has_remarks",
    "warehouse_type",
    "tags",
)
COST_INPUTS = ("warehouse_id", "destination", "base", "per_kg", "currency")
LIMIT_INPUTS = ("destination", "amount", "currency")
ACTIONS = {"approve": _l("Approve automatically"), "review": _l("Keep for review")}
FULFILMENT_LABELS = {"merchant": _l("From our warehouses"), "platform": _l("By the platform")}
WAREHOUSE_TYPE_LABELS = {"domestic": _l("Domestic warehouse"), "overseas_3pl": _l("Overseas (3PL) warehouse")}
POLICY_LABELS = {"split": _l("Split it between warehouses"), "hold": _l("Hold it as out of stock")}


# ---------------------------------------------------------------------------------------------
# Settings -> form values


def _joined(values: Any) -> str:
    return ", ".join(str(v) for v in values or [])


def _num(value: Any) -> str:
    """A stored decimal as people write it: "30.0000" -> "30", "45.5000" -> "45.5"."""
    text = str(value if value is not None else "")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _defaults(s: Settings) -> dict[str, Any]:
    """The stored settings as the form's inputs, with one blank row at the end of each table."""
    d: dict[str, Any] = {
        "auto_allocate": "on" if s.auto_allocate else "",
        "allocation_policy": s.allocation_policy,
        "warehouse_ids": list(s.warehouse_ids),
        "split_attributes": _joined(s.split_attributes),
        **{f"package_limits.{k}": str(s.package_limits.get(k, "")) for k in PACKAGE_LIMITS},
    }
    for i, rule in enumerate(s.review_rules):
        p = f"review_rules.{i}"
        d.update(
            {
                p: "1",
                f"{p}.name": rule.get("name", ""),
                f"{p}.action": rule.get("action", ""),
                f"{p}.fulfilment": rule.get("fulfilment") or "",
                f"{p}.channels": _joined(rule.get("channels")),
                f"{p}.connection_ids": list(rule.get("connection_ids") or []),
                f"{p}.countries": _joined(rule.get("countries")),
                f"{p}.min_total": rule.get("min_total", ""),
                f"{p}.currency": rule.get("currency", "") if rule.get("min_total") is not None else "",
                f"{p}.has_remarks": {True: "yes", False: "no"}.get(rule.get("has_remarks"), ""),
                f"{p}.warehouse_type": rule.get("warehouse_type") or "",
                f"{p}.tags": _joined(rule.get("tags")),
            }
        )
    for i, cost in enumerate(s.shipping_costs):
        d.update(
            {
                f"shipping_costs.{i}": "1",
                **{f"shipping_costs.{i}.{k}": cost.get(k, "") for k in COST_INPUTS},
                f"shipping_costs.{i}.base": _num(cost.get("base")),
                f"shipping_costs.{i}.per_kg": _num(cost.get("per_kg")),
            }
        )
    for i, limit in enumerate(s.value_limits):
        d.update(
            {
                f"value_limits.{i}": "1",
                **{f"value_limits.{i}.{k}": limit.get(k, "") for k in LIMIT_INPUTS},
                f"value_limits.{i}.amount": _num(limit.get("amount")),
            }
        )
    counts = {
        "review_rules": len(s.review_rules),
        "shipping_costs": len(s.shipping_costs),
        "value_limits": len(s.value_limits),
    }
    for table, n in counts.items():
        d[f"{table}.{n}"] = "1"
    return d


# ---------------------------------------------------------------------------------------------
# Form values -> the service's settings


def _kept(form: Form, table: str) -> list[int]:
    """Rows of a table still on the page (not ticked for removal)."""
    return [i for i in row_numbers(form, table) if not form.checked(f"{table}.{i}.remove")]


def _rule(form: Form, p: str) -> dict[str, Any] | None:
    raw = {k: form[f"{p}.{k}"] for k in RULE_INPUTS}
    connections = [c for c in form.getlist(f"{p}.connection_ids") if c]
    if not any(raw.values()) and not connections:
        return None  # a blank row
    rule: dict[str, Any] = {"name": raw["name"], "action": form[f"{p}.action"]}
    if raw["fulfilment"]:
        rule["fulfilment"] = raw["fulfilment"]
    for key in ("channels", "countries", "tags"):
        items = split_list(raw[key], spaces=key == "countries")
        if items:
            rule[key] = items
    if connections:
        rule["connection_ids"] = connections
    if raw["min_total"] or raw["currency"]:
        rule["min_total"] = raw["min_total"] or None
        rule["currency"] = raw["currency"]
        if not raw["min_total"]:
            raise ValidationError.field(f"{p}.min_total", "is required")
    if raw["has_remarks"]:
        rule["has_remarks"] = raw["has_remarks"] == "yes"
    if raw["warehouse_type"]:
        rule["warehouse_type"] = raw["warehouse_type"]
    return rule


def _table(form: Form, table: str, inputs: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled rows of a cost or limit table, and the page row each came from."""
    items, sent = [], []
    for i in _kept(form, table):
        values = {k: form[f"{table}.{i}.{k}"] for k in inputs}
        if any(values.values()):
            items.append(values)
            sent.append(i)
    return items, sent


def _changes(form: Form) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Every setting as the form gives it, and the page rows each sent row came from."""
    sent: dict[str, list[int]] = {}
    rules = []
    sent["review_rules"] = []
    for i in _kept(form, "review_rules"):
        rule = _rule(form, f"review_rules.{i}")
        if rule is not None:
            rules.append(rule)
            sent["review_rules"].append(i)
    costs, sent["shipping_costs"] = _table(form, "shipping_costs", COST_INPUTS)
    limits, sent["value_limits"] = _table(form, "value_limits", LIMIT_INPUTS)
    changes = {
        "review_rules": rules,
        "auto_allocate": form.checked("auto_allocate"),
        "allocation_policy": form["allocation_policy"],
        "warehouse_ids": [w for w in form.getlist("warehouse_ids") if w],
        "shipping_costs": costs,
        "split_attributes": split_list(form["split_attributes"]),
        "package_limits": {k: form[f"package_limits.{k}"] for k in PACKAGE_LIMITS if form[f"package_limits.{k}"]},
        "value_limits": limits,
    }
    return changes, sent


def _place_errors(exc: DomainError, form: Form, sent: dict[str, list[int]]) -> DomainError:
    steps = [lambda e, t=t: renumber(e, t, sent[t]) for t in TABLES]
    return remap(exc, *steps, lambda e: attach(e, form.data.keys()))


# ---------------------------------------------------------------------------------------------
# The page


def _warehouse_options() -> list[tuple[str, str]]:
    from core.inventory import service as inventory

    rows = inventory.warehouse_facts(types=WAREHOUSE_TYPES)
    return [(str(w.id), f"{w.code} · {w.name}" + ("" if w.active else f" ({_('inactive')})")) for w in rows]


def _render(form: Form, rows: dict[str, list[int]] | None = None, status: int = 200) -> Any:
    current = service.get_settings()
    rows = rows or {t: _kept(form, t) for t in TABLES}
    return render_template(
        "orders/settings.html",
        form=form,
        rows=rows,
        actions=list(ACTIONS.items()),
        fulfilments=[("", _("Any"))] + [(k, str(FULFILMENT_LABELS.get(k, k))) for k in FULFILMENTS],
        warehouse_types=[("", _("Any"))] + [(k, str(WAREHOUSE_TYPE_LABELS[k])) for k in WAREHOUSE_TYPES],
        remarks=[("", _("Any")), ("yes", _("With buyer remarks")), ("no", _("Without buyer remarks"))],
        policies=list(POLICY_LABELS.items()),
        warehouses=_warehouse_options(),
        shops=_shops(),
        regions=", ".join(REGIONS),
        functional=current.functional_currency,
        editable=can("orders:write"),
    ), status


@bp.route("/settings", methods=["GET"])
@login_required("orders:read")
def settings() -> Any:
    return _render(Form(None, **_defaults(service.get_settings())))


@bp.route("/settings", methods=["POST"], endpoint="settings_save")
@login_required("orders:write")
def save_settings() -> Any:
    form = Form(request.form)
    add = request.form.get("add", "")
    if add in TABLES:
        # Another row for the user to fill: nothing is saved until they press Save.
        rows = {t: _kept(form, t) for t in TABLES}
        rows[add] = with_added_row(rows[add])
        return _render(form, rows)
    current = service.get_settings().to_json()
    sent: dict[str, list[int]] = {t: [] for t in TABLES}
    try:
        changes, sent = _changes(form)
        changed = {k: v for k, v in changes.items() if v != current.get(k)}
        if changed:
            service.update_settings(**changed)
    except DomainError as exc:
        form.fail(_place_errors(exc, form, sent))
        html, _status = _render(form)
        return html, exc.status_code
    flash(_("Order settings saved.") if changed else _("Nothing changed."), "success" if changed else "info")
    return redirect(url_for(".settings"))
