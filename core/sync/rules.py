"""Per-connection sync rules: their validation and the publishable-quantity arithmetic.

The quantity published for a listing, in listing units (a "pack of 3" listing counts packs):

    available   = Σ over the connection's warehouses of (on hand − reserved), for the listing's
                  local SKU (a virtual bundle: inventory's bundle availability), divided by the
                  units per listing and rounded down
    if available <= zero_out_level:  publish 0          (stop selling the last few units)
    else:  publish min(maximum, floor((available − buffer) × percent / 100)), never below 0

The buffer is held back from every channel; the percentage shares what is left between
channels; the maximum caps what one listing shows. docs/sync.md has worked examples.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from core.errors import ValidationError
from core.messages import Msg

LIMIT = 1_000_000
# (field, minimum, maximum) of the integer rules.
INTEGER_RULES = {
    "interval_minutes": (0, 1440),
    "overlap_seconds": (0, 86_400),
    "first_sync_days": (1, 365),
    "stock_buffer": (0, LIMIT),
    "stock_percent": (0, 100),
    "stock_maximum": (0, LIMIT),
    "zero_out_level": (0, LIMIT),
}
BOOLEAN_RULES = ("push_shipments", "push_stock")
DEFAULTS: dict[str, Any] = {
    "interval_minutes": 15,
    "overlap_seconds": 600,
    "first_sync_days": 30,
    "push_shipments": True,
    "push_stock": True,
    "stock_buffer": 0,
    "stock_percent": 100,
    "stock_maximum": None,
    "zero_out_level": 0,
    "warehouse_ids": None,
}
FIELDS = tuple(DEFAULTS)


@dataclass(frozen=True)
class StockRules:
    buffer: int = 0
    percent: int = 100
    maximum: int | None = None
    zero_out_level: int = 0

    def publishable(self, available: int) -> int:
        """The quantity to publish for `available` listing units (see the module docstring)."""
        if available <= self.zero_out_level:
            return 0
        quantity = (available - self.buffer) * self.percent // 100
        if self.maximum is not None:
            quantity = min(quantity, self.maximum)
        return max(quantity, 0)


def listing_units(local_available: int, units_per_listing: int) -> int:
    """Whole listings that `local_available` local units make ("pack of 3": 10 units -> 3)."""
    return max(local_available, 0) // max(units_per_listing, 1)


def clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Check submitted rule values; raises ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in DEFAULTS:
            errors[name] = [Msg("sync.not_setting")]
        elif name in INTEGER_RULES:
            low, high = INTEGER_RULES[name]
            if value is None or value == "":
                if name == "stock_maximum":
                    out[name] = None
                else:
                    errors[name] = [Msg("required")]
                continue
            try:
                number = int(str(value).strip())
            except ValueError:
                errors[name] = [Msg("not_whole_number")]
                continue
            if not low <= number <= high:
                errors[name] = [Msg("sync.between", low=low, high=high)]
                continue
            out[name] = number
        elif name in BOOLEAN_RULES:
            if isinstance(value, bool):
                out[name] = value
            elif str(value).lower() in ("1", "true", "yes", "on"):
                out[name] = True
            elif str(value).lower() in ("0", "false", "no", "off", ""):
                out[name] = False
            else:
                errors[name] = [Msg("not_true_false")]
        else:  # warehouse_ids
            if value is None:
                out[name] = None
                continue
            if not isinstance(value, (list, tuple)):
                errors[name] = [Msg("sync.warehouse_ids")]
                continue
            ids = []
            for i, item in enumerate(value):
                try:
                    ids.append(str(uuid.UUID(str(item))))
                except ValueError:
                    errors[f"{name}.{i}"] = [Msg("not_an_id")]
            out[name] = list(dict.fromkeys(ids))
    if errors:
        raise ValidationError(errors)
    return out
