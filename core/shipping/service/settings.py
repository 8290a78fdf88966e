"""A tenant's shipping settings: rate rules, the label format, customs defaults and the
identifiers that go on customs documents (EORI, IOSS, VAT). One row; absent = the defaults."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import validation as f
from core.db import session
from core.messages import Msg
from core.shipping.models import LABEL_FORMATS, ShippingSettings
from core.shipping.service.rules import STRATEGIES

INCOTERMS = ("DAP", "DDP")
EXPORT_REASONS = ("sale", "gift", "sample", "return", "repair", "documents")
FIELDS = ("rate_rules", "label_format", "incoterm", "export_reason", "eori", "ioss", "vat_number")
FIELDS += ("weight_tolerance_pct",)


def get_settings() -> ShippingSettings:
    row = session.execute(select(ShippingSettings)).scalar_one_or_none()
    if row is None:
        row = ShippingSettings(rate_rules=[], label_format="PDF", incoterm="DAP", export_reason="sale")
        row.eori = row.ioss = row.vat_number = ""
        row.weight_tolerance_pct = 10
    return row


def view(row: ShippingSettings) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


def update_settings(**changes: Any) -> ShippingSettings:
    errors = f.Errors()
    for name in sorted(set(changes) - set(FIELDS)):
        errors.add(name, Msg("unknown_setting"))
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "rate_rules":
            clean[name] = _rules(errors, value)
        elif name == "label_format":
            clean[name] = f.choice(errors, name, value, LABEL_FORMATS[:2], required=True)
        elif name == "incoterm":
            clean[name] = f.choice(errors, name, value, INCOTERMS, required=True)
        elif name == "export_reason":
            clean[name] = f.choice(errors, name, value, EXPORT_REASONS, required=True)
        elif name in ("eori", "ioss", "vat_number"):
            clean[name] = (f.text(errors, name, value, max_len=40) or "").strip().upper()
        elif name == "weight_tolerance_pct":
            clean[name] = f.integer(errors, name, value, minimum=0, maximum=100, required=True)
    errors.raise_if_any()
    row = session.execute(select(ShippingSettings)).scalar_one_or_none()
    if row is None:
        current = get_settings()
        row = ShippingSettings(**{k: getattr(current, k) for k in FIELDS})
        session.add(row)
    for name, value in clean.items():
        setattr(row, name, value)
    session.flush()
    return row


def _rules(errors: f.Errors, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        errors.add("rate_rules", Msg("shipping.rules_list"))
        return []
    out = []
    for i, rule in enumerate(value):
        path = f"rate_rules.{i}"
        if not isinstance(rule, dict):
            errors.add(path, Msg("not_object"))
            continue
        clean: dict[str, Any] = {
            "name": f.text(errors, f"{path}.name", rule.get("name"), max_len=100) or f"rule {i + 1}",
            "strategy": f.choice(errors, f"{path}.strategy", rule.get("strategy"), STRATEGIES, required=True),
        }
        if clean["strategy"] == "within_days":
            clean["days"] = f.integer(errors, f"{path}.days", rule.get("days"), minimum=1, maximum=60, required=True)
        for key in ("services", "exclude", "countries"):
            items = rule.get(key) or []
            if not isinstance(items, list) or not all(isinstance(x, str) and 0 < len(x) <= 120 for x in items):
                errors.add(f"{path}.{key}", Msg("shipping.names_list"))
            else:
                clean[key] = [x.strip() for x in items]
        if clean["strategy"] == "preferred" and not clean.get("services"):
            errors.add(f"{path}.services", Msg("shipping.name_carrier"))
        for key in ("min_weight_g", "max_weight_g"):
            if rule.get(key) not in (None, ""):
                clean[key] = f.integer(errors, f"{path}.{key}", rule.get(key), minimum=0, maximum=10_000_000)
        if rule.get("max_value") not in (None, ""):
            clean["max_value"] = str(f.decimal(errors, f"{path}.max_value", rule.get("max_value"), places=2, minimum=0))
        clean["ddp"] = bool(rule.get("ddp"))
        out.append(clean)
    return out
