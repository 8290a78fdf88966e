"""Exchange rates for vouchers: the one dated lookup of `core.money`, asked once per
(currency, date) of a posting batch. A rate that is not known is reported as missing, and the
voucher waits for it; nothing ever falls back to 1 (reference finance.md §2.2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from core import money


def lookup(
    pairs: Iterable[tuple[str, date]], functional: str, *, window_days: int = money.RATE_WINDOW_DAYS
) -> dict[tuple[str, date], Decimal]:
    """Functional units per one unit of each currency on each date, for the pairs known (a
    stored rate counts for `window_days` after its own date)."""
    found: dict[tuple[str, date], Decimal] = {}
    rate = getattr(money, "rate", None)
    for currency, on in set(pairs):
        if currency == functional:
            found[(currency, on)] = Decimal(1)
            continue
        if rate is None:
            continue
        try:
            found[(currency, on)] = rate(currency, functional, on, window_days=window_days)
        except LookupError:
            continue
    return found
