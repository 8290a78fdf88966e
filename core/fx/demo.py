"""Demo exchange rates: the last two weeks of USD, EUR and GBP against the demo tenant's
currency, as a seller would enter them from the bank's daily middle rates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from core.fx import service

# Units of CNY per unit, a plausible level for late 2026; each day moves a little.
LEVELS = {"USD": Decimal("7.1200"), "EUR": Decimal("7.7000"), "GBP": Decimal("9.0500")}


def seed(base_url: str) -> None:
    functional, today = service.functional_currency(), service.local_date()
    rates = []
    for back in range(14, -1, -1):
        day = today - timedelta(days=back)
        for i, (code, level) in enumerate(LEVELS.items()):
            if code == functional:
                continue
            wiggle = Decimal((back * 7 + i * 3) % 11 - 5) / 1000
            rates.append({"base": code, "quote": functional, "date": day, "rate": level + wiggle, "note": "demo"})
    service.set_rates(rates, source="manual")
