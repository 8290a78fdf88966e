"""Voucher rules: each kind of business event maps to one rule that turns it into one voucher
(reference finance.md §1.2). A rule is a pure function over the event and a small context
(the functional currency, the chart's language, the tenant's time zone and choices): no
database, so it is tested on plain data and replaying the outbox through it gives the same
vouchers again.

Rules post to roles ("revenue", "inventory"), never to account codes: the tenant's chart and
account mapping decide the accounts (`core.finance.service.accounts.Resolver`). A rule may
return None when the event moves no money or value (a refund before shipment cancels lines
whose revenue was never recognised).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.finance.ledger import Draft


@dataclass(frozen=True)
class EventIn:
    """What a rule reads of an event: its id, name, time and stored (JSON) payload."""

    id: uuid.UUID
    name: str
    occurred_at: datetime
    entity_type: str
    entity_id: str
    payload: Mapping[str, Any]

    @classmethod
    def of(cls, ev: Any) -> EventIn:
        return cls(ev.id, ev.name, ev.created_at, ev.entity_type, ev.entity_id, ev.payload or {})


@dataclass(frozen=True)
class Context:
    functional: str
    chart: str = "cn"
    timezone: str = "Asia/Shanghai"
    facilitator_channels: frozenset[str] = field(default_factory=frozenset)
    version: int = 1  # the voucher version of this event (2 after a reversal and a rebooking)

    def day(self, value: Any) -> date:
        """The tenant-local date of a payload timestamp (ISO text or datetime)."""
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if when.tzinfo is None:
            return when.date()
        return when.astimezone(ZoneInfo(self.timezone)).date()

    def text(self, cn: str, en: str) -> str:
        """Memos are data in the chart's language, as an accountant would write them."""
        return cn if self.chart == "cn" else en

    def key(self, ev: EventIn) -> str:
        return f"event:{ev.id}" if self.version == 1 else f"event:{ev.id}:{self.version}"


Build = Callable[[EventIn, Context], Draft | None]


@dataclass(frozen=True)
class Rule:
    """One rule: the events it books, the roles it posts to (shown on the mapping page) and
    the function that builds the voucher. `waiting_for` names the capability whose events
    it books when that capability does not emit them yet."""

    key: str
    title: str
    events: tuple[str, ...]
    roles: tuple[str, ...]
    build: Build
    waiting_for: str = ""


RULES: dict[str, Rule] = {}
_BY_EVENT: dict[str, Rule] = {}


def rule(key: str, title: str, events: tuple[str, ...], roles: tuple[str, ...], waiting_for: str = "") -> Callable:
    def decorate(func: Build) -> Build:
        r = Rule(key, title, events, roles, func, waiting_for)
        RULES[key] = r
        for name in events:
            _BY_EVENT[name] = r
        return func

    return decorate


def for_event(name: str) -> Rule | None:
    _load()
    return _BY_EVENT.get(name)


def all_rules() -> list[Rule]:
    _load()
    return list(RULES.values())


def booked_events() -> tuple[str, ...]:
    """Every event name a rule books: the finance subscriber's subscription."""
    _load()
    return tuple(sorted(_BY_EVENT))


def _load() -> None:
    from core.finance.rules import costs, expenses, inventory, later, orders, payables, purchasing  # noqa: F401 - rules


# ---------------------------------------------------------------------------------------------
# Reading payloads (stored JSON: Decimals and ids as strings)


def dec(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    if isinstance(value, float):
        raise TypeError("payload amounts are strings, never floats")
    return Decimal(str(value))


def uid(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
