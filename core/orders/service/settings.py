"""A tenant's order rules: auto-review, allocation, split rules and value limits. Stored as one
row; absent = the defaults. Amounts in different currencies are compared at the tenant's dated
rates of the order's day (`order_rate`, through core.money.rate)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import money
from core import validation as f
from core.db import session
from core.fx.service import local_date
from core.inventory import service as inventory
from core.messages import Msg
from core.money import round_money
from core.orders.events import OrderSettingsUpdated
from core.orders.models import FULFILMENTS, OrderSettings
from core.orders.service.regions import REGIONS, region_of  # noqa: F401 - others read it here
from core.tenancy import current_tenant_id

REVIEW_ACTIONS = ("approve", "review")
POLICIES = ("split", "hold")
WAREHOUSE_TYPES = inventory.SHIPPING_TYPES
PACKAGE_LIMITS = ("max_weight_g", "max_longest_side_cm", "max_length_girth_cm")
CACHE = "orders.settings"

DEFAULT_RULES = [{"name": "Platform-fulfilled orders", "action": "approve", "fulfilment": "platform"}]


@dataclass(frozen=True)
class Settings:
    review_rules: list[dict[str, Any]] = field(default_factory=lambda: [dict(r) for r in DEFAULT_RULES])
    auto_allocate: bool = True
    allocation_policy: str = "split"
    warehouse_ids: list[str] = field(default_factory=list)
    shipping_costs: list[dict[str, Any]] = field(default_factory=list)
    split_attributes: list[str] = field(default_factory=list)
    package_limits: dict[str, Any] = field(default_factory=dict)
    value_limits: list[dict[str, Any]] = field(default_factory=list)
    functional_currency: str = "CNY"

    def to_json(self) -> dict[str, Any]:
        return {
            "review_rules": self.review_rules,
            "auto_allocate": self.auto_allocate,
            "allocation_policy": self.allocation_policy,
            "warehouse_ids": self.warehouse_ids,
            "shipping_costs": self.shipping_costs,
            "split_attributes": self.split_attributes,
            "package_limits": self.package_limits,
            "value_limits": self.value_limits,
            "functional_currency": self.functional_currency,
        }

    def value_limit(self, country: str) -> tuple[Decimal, str] | None:
        """The per-parcel value limit for a destination: its country, else its region, else "*"."""
        by_dest = {str(v["destination"]): v for v in self.value_limits}
        for key in (country, region_of(country), "*"):
            if key and key in by_dest:
                return Decimal(str(by_dest[key]["amount"])), by_dest[key]["currency"]
        return None


def order_rate(order: Any, source: str, target: str) -> Decimal:
    """How many `target` one `source` is worth on the day the order was placed (in the
    tenant's calendar); raises core.money.RateNotFound naming the pair and the day."""
    return money.rate(source, target, local_date(order.purchased_at))


def _functional_currency() -> str:
    from tenants.service import functional_currency

    return functional_currency()


def get_settings() -> Settings:
    """The tenant's settings, read once per transaction."""
    cache = session().info.setdefault(CACHE, {})
    tenant_id = current_tenant_id()
    if tenant_id not in cache:
        row = session.execute(select(OrderSettings)).scalar_one_or_none()
        functional = _functional_currency()
        if row is None:
            cache[tenant_id] = Settings(functional_currency=functional)
        else:
            cache[tenant_id] = Settings(
                review_rules=list(row.review_rules or []),
                auto_allocate=row.auto_allocate,
                allocation_policy=row.allocation_policy,
                warehouse_ids=list(row.warehouse_ids or []),
                shipping_costs=list(row.shipping_costs or []),
                split_attributes=list(row.split_attributes or []),
                package_limits=dict(row.package_limits or {}),
                value_limits=list(row.value_limits or []),
                functional_currency=functional,
            )
    return cache[tenant_id]


def update_settings(**changes: Any) -> Settings:
    """Replace the given settings (each validated; errors name the field and the rule index)."""
    unknown = set(changes) - (set(Settings.__dataclass_fields__) - {"functional_currency"})
    errors = f.Errors()
    for name in sorted(unknown):
        errors.add(name, Msg("unknown_setting"))
    current = get_settings()
    values = {k: v for k, v in current.to_json().items() if k != "functional_currency"}
    cleaners = {
        "review_rules": _clean_rules,
        "auto_allocate": _clean_bool,
        "allocation_policy": _clean_policy,
        "warehouse_ids": _clean_warehouses,
        "shipping_costs": _clean_costs,
        "split_attributes": _clean_attributes,
        "package_limits": _clean_package_limits,
        "value_limits": _clean_value_limits,
    }
    for name, value in changes.items():
        if name in cleaners:
            values[name] = cleaners[name](errors, name, value)
    errors.raise_if_any()
    row = session.execute(select(OrderSettings)).scalar_one_or_none()
    if row is None:
        row = OrderSettings()
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    session().info.pop(CACHE, None)
    from core import events

    events.emit(
        "order_settings.updated",
        OrderSettingsUpdated(changed=tuple(sorted(changes))),
        entity_type="order_settings",
        entity_id=row.id,
    )
    return get_settings()


# ---------------------------------------------------------------------------------------------
# Cleaning


def _clean_bool(errors: f.Errors, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        errors.add(name, Msg("not_true_false"))
        return False
    return value


def _clean_policy(errors: f.Errors, name: str, value: Any) -> str:
    return f.choice(errors, name, value, POLICIES, required=True) or "split"


def _list(errors: f.Errors, name: str, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(name, Msg("not_list"))
        return []
    return value


def _clean_countries(errors: f.Errors, name: str, value: Any) -> list[str]:
    out = []
    for i, code in enumerate(_list(errors, name, value)):
        c = f.country(errors, f"{name}.{i}", code)
        if c:
            out.append(c)
    return out


def _clean_rules(errors: f.Errors, name: str, value: Any) -> list[dict[str, Any]]:
    out = []
    known = {
        "name",
        "action",
        "fulfilment",
        "channels",
        "connection_ids",
        "countries",
        "min_total",
        "currency",
        "has_remarks",
        "warehouse_type",
        "tags",
    }
    for i, rule in enumerate(_list(errors, name, value)):
        path = f"{name}.{i}"
        if not isinstance(rule, dict):
            errors.add(path, Msg("not_object"))
            continue
        for key in sorted(set(rule) - known):
            errors.add(f"{path}.{key}", Msg("orders.unknown_condition"))
        clean: dict[str, Any] = {
            "name": f.text(errors, f"{path}.name", rule.get("name"), max_len=100, required=True),
            "action": f.choice(errors, f"{path}.action", rule.get("action"), REVIEW_ACTIONS, required=True),
        }
        if rule.get("fulfilment") is not None:
            clean["fulfilment"] = f.choice(errors, f"{path}.fulfilment", rule["fulfilment"], FULFILMENTS)
        if rule.get("channels"):
            clean["channels"] = [str(c).strip() for c in _list(errors, f"{path}.channels", rule["channels"])]
        if rule.get("connection_ids"):
            ids = []
            for j, cid in enumerate(_list(errors, f"{path}.connection_ids", rule["connection_ids"])):
                try:
                    ids.append(str(uuid.UUID(str(cid))))
                except ValueError:
                    errors.add(f"{path}.connection_ids.{j}", Msg("not_an_id"))
            clean["connection_ids"] = ids
        if rule.get("countries"):
            clean["countries"] = _clean_countries(errors, f"{path}.countries", rule["countries"])
        if rule.get("min_total") is not None:
            amount = f.decimal(errors, f"{path}.min_total", rule["min_total"], places=4)
            currency = f.currency(errors, f"{path}.currency", rule.get("currency"), required=True)
            if amount is not None and currency:
                clean["min_total"], clean["currency"] = str(round_money(amount, currency)), currency
        if rule.get("has_remarks") is not None:
            clean["has_remarks"] = _clean_bool(errors, f"{path}.has_remarks", rule["has_remarks"])
        if rule.get("warehouse_type") is not None:
            clean["warehouse_type"] = f.choice(
                errors, f"{path}.warehouse_type", rule["warehouse_type"], WAREHOUSE_TYPES
            )
        if rule.get("tags"):
            clean["tags"] = [str(t).strip() for t in _list(errors, f"{path}.tags", rule["tags"]) if str(t).strip()]
        if len(clean) == 2 and clean.get("action") == "approve":
            errors.add(path, Msg("orders.rule_needs_condition"))
        out.append(clean)
    return out


def _clean_warehouses(errors: f.Errors, name: str, value: Any) -> list[str]:
    ids = []
    for i, wid in enumerate(_list(errors, name, value)):
        try:
            ident = uuid.UUID(str(wid))
        except ValueError:
            errors.add(f"{name}.{i}", Msg("not_an_id"))
            continue
        wh = inventory.warehouse(ident)
        if wh is None:
            errors.add(f"{name}.{i}", Msg("no_such_warehouse"))
        elif wh.type not in WAREHOUSE_TYPES:
            errors.add(
                f"{name}.{i}",
                Msg("orders.warehouse_warehouse_orders_ship", code=wh.code, type=wh.type),
            )
        else:
            ids.append(str(ident))
    return ids


def _clean_costs(errors: f.Errors, name: str, value: Any) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(_list(errors, name, value)):
        path = f"{name}.{i}"
        if not isinstance(item, dict):
            errors.add(path, Msg("not_object"))
            continue
        for key in sorted(set(item) - {"warehouse_id", "destination", "base", "per_kg", "currency"}):
            errors.add(f"{path}.{key}", Msg("unknown_field"))
        wh_ids = _clean_warehouses(errors, f"{path}.warehouse_id", [item.get("warehouse_id")])
        dest = _destination(errors, f"{path}.destination", item.get("destination"))
        currency = f.currency(errors, f"{path}.currency", item.get("currency"), required=True)
        base = f.decimal(errors, f"{path}.base", item.get("base", "0"), places=4)
        per_kg = f.decimal(errors, f"{path}.per_kg", item.get("per_kg", "0"), places=4)
        if wh_ids and dest and currency and base is not None and per_kg is not None:
            out.append(
                {
                    "warehouse_id": wh_ids[0],
                    "destination": dest,
                    "base": str(base),
                    "per_kg": str(per_kg),
                    "currency": currency,
                }
            )
    return out


def _destination(errors: f.Errors, name: str, value: Any) -> str | None:
    """A country code, a region name (EU, NA, ...) or "*" for everywhere."""
    text = str(value or "").strip()
    if text == "*" or text.upper() in REGIONS:
        return text.upper()
    if not text:
        errors.add(name, Msg("orders.destination_required", regions=", ".join(REGIONS)))
        return None
    return f.country(errors, name, text)


def _clean_attributes(errors: f.Errors, name: str, value: Any) -> list[str]:
    out = []
    for i, attr in enumerate(_list(errors, name, value)):
        text = f.text(errors, f"{name}.{i}", attr, max_len=64, required=True)
        if text and text not in out:
            out.append(text)
    return out


def _clean_package_limits(errors: f.Errors, name: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(name, Msg("not_object"))
        return {}
    out: dict[str, Any] = {}
    for key in sorted(set(value) - set(PACKAGE_LIMITS)):
        errors.add(f"{name}.{key}", Msg("orders.unknown_limit_use", items=", ".join(PACKAGE_LIMITS)))
    if value.get("max_weight_g") not in (None, ""):
        weight = f.integer(errors, f"{name}.max_weight_g", value["max_weight_g"], minimum=1)
        if weight:
            out["max_weight_g"] = weight
    for key in ("max_longest_side_cm", "max_length_girth_cm"):
        if value.get(key) not in (None, ""):
            number = f.decimal(errors, f"{name}.{key}", value[key], places=2, minimum=Decimal("0.01"))
            if number is not None:
                out[key] = str(number)
    return out


def _clean_value_limits(errors: f.Errors, name: str, value: Any) -> list[dict[str, Any]]:
    out, seen = [], set()
    for i, item in enumerate(_list(errors, name, value)):
        path = f"{name}.{i}"
        if not isinstance(item, dict):
            errors.add(path, Msg("not_object"))
            continue
        dest = _destination(errors, f"{path}.destination", item.get("destination"))
        currency = f.currency(errors, f"{path}.currency", item.get("currency"), required=True)
        amount = f.decimal(
            errors, f"{path}.amount", item.get("amount"), places=4, minimum=Decimal("0.01"), required=True
        )
        if dest in seen:
            errors.add(f"{path}.destination", Msg("orders.has_limit_already", dest=dest))
        if dest and currency and amount is not None:
            seen.add(dest)
            out.append({"destination": dest, "amount": str(amount), "currency": currency})
    return out
