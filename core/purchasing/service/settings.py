"""Per-tenant purchasing settings: replenishment inputs, the second-approval threshold and the
over-receipt tolerance. A tenant that never saved any gets the defaults of the model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import validation as f
from core.db import session
from core.messages import Msg
from core.purchasing.models import PurchasingSettings
from core.purchasing.service.common import scale

DAY_FIELDS = ("safety_days", "purchase_cycle_days", "default_lead_time_days")
WEIGHT_FIELDS = ("weight_7d", "weight_14d", "weight_30d")
EDITABLE = (*WEIGHT_FIELDS, *DAY_FIELDS, "second_approval_threshold", "receipt_tolerance_percent")
WINDOWS = {"weight_7d": 7, "weight_14d": 14, "weight_30d": 30}


def _defaults() -> PurchasingSettings:
    row = PurchasingSettings()
    for column in PurchasingSettings.__table__.columns:
        if column.default is not None and not callable(column.default.arg) and column.key not in ("id",):
            setattr(row, column.key, column.default.arg)
    for name, places in (("weight_7d", 4), ("weight_14d", 4), ("weight_30d", 4), ("receipt_tolerance_percent", 2)):
        setattr(row, name, scale(getattr(row, name), places))
    return row


def get_settings() -> PurchasingSettings:
    """The tenant's settings (an unsaved row with the defaults until the tenant saves)."""
    row = session.execute(select(PurchasingSettings)).scalar_one_or_none()
    return row if row is not None else _defaults()


def update_settings(**changes: Any) -> PurchasingSettings:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        from core.errors import ValidationError

        raise ValidationError({k: [Msg("unknown_field")] for k in sorted(unknown)})
    row = session.execute(select(PurchasingSettings).with_for_update()).scalar_one_or_none()
    if row is None:
        row = _defaults()
        session.add(row)
    errors = f.Errors()
    for name in WEIGHT_FIELDS:
        if name in changes:
            value = f.decimal(errors, name, changes[name], places=4, required=True, max_digits=6)
            if value is not None:
                setattr(row, name, scale(value, 4))
    for name in DAY_FIELDS:
        if name in changes:
            value = f.integer(errors, name, changes[name], minimum=0, maximum=365, required=True)
            if value is not None:
                setattr(row, name, value)
    if "second_approval_threshold" in changes:
        value = f.decimal(errors, "second_approval_threshold", changes["second_approval_threshold"], places=2)
        row.second_approval_threshold = scale(value, 4) if value is not None else None
    if "receipt_tolerance_percent" in changes:
        value = f.decimal(
            errors,
            "receipt_tolerance_percent",
            changes["receipt_tolerance_percent"],
            places=2,
            required=True,
            max_digits=5,
        )
        if value is not None:
            row.receipt_tolerance_percent = scale(value, 2)
    if not errors and sum((getattr(row, n) for n in WEIGHT_FIELDS), Decimal(0)) <= 0:
        errors.add("weight_7d", Msg("purchasing.weights_above_zero"))
    errors.raise_if_any()
    session.flush()
    return row


def as_dict(row: PurchasingSettings) -> dict[str, Any]:
    return {name: getattr(row, name) for name in EDITABLE}
