"""Exchange rates' business events (contracts: docs/events.md, "fx")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.event_types import Payload, declare


@dataclass(frozen=True, kw_only=True)
class RatesSet(Payload):
    """Rates were stored (one or a file's worth): how many new, how many replaced, which pairs
    ("USD/CNY") and the days they span."""

    source: str
    created: int
    replaced: int
    pairs: tuple[str, ...]
    first_date: date
    last_date: date


@dataclass(frozen=True, kw_only=True)
class RateDeleted(Payload):
    base: str | None
    quote: str | None
    date: date
    rate: Decimal
    source: str


declare("exchange_rate.set", RatesSet, "Exchange rates were set or replaced; work waiting for a rate may resume.")
declare("exchange_rate.deleted", RateDeleted, "An exchange rate was deleted; documents that used it keep their copy.")
