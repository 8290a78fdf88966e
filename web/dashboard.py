"""Dashboard cards: real figures that sections contribute.

A section adds `web/<section>/dashboard.py` with functions decorated by `@card(permission)`;
the portal imports that module at start-up. Each function runs when the dashboard is shown,
to a caller holding `permission`, and returns a `Card` or a `Chart`, several, or None (nothing
to show).

    @card("orders:read")
    def orders_to_ship() -> Card:
        return Card(_("Orders to ship"), orders_service.count_to_ship(),
                    url=url_for("web.orders.index", status="paid"))
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, url_for

from core.db import session

log = logging.getLogger("tradelane.web.dashboard")


@dataclass(frozen=True)
class Card:
    title: str
    value: Any  # a figure computed from the tenant's data: int, Decimal, formatted string
    url: str | None = None  # where the figure's records are listed
    hint: str = ""
    tone: str = ""  # "" | "good" | "warn" | "bad": colours the figure


@dataclass(frozen=True)
class Chart:
    """A chart on the dashboard, drawn by static/js/charts.js from its data attributes.

    `labels` name the bars or points; each series is (name, values) with values as decimal
    strings (money stays exact on its way to the page). `url` is the list behind the whole
    chart (the caption links to it); `links`, when given, has one URL per label, so a bar
    opens the records it counts."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[str]]]
    url: str | None = None
    links: list[str | None] = field(default_factory=list)
    kind: str = "bar"  # "bar" | "hbar" | "line"
    hint: str = ""
    empty: str = ""  # shown instead of the chart when there is nothing to draw
    currency: str = ""  # the values are money in this currency: shown as the portal formats money

    @property
    def is_empty(self) -> bool:
        return not self.labels or not any(v not in ("0", "0.00", "") for _, vs in self.series for v in vs)

    def data_series(self) -> list[dict[str, Any]]:
        """Each series' values, and for money the text to show beside a bar or in its tooltip
        ("¥54,399.48"): the chart draws from the numbers and labels with the texts."""
        if not self.currency:
            return [{"name": name, "values": values} for name, values in self.series]
        from web.portal import money_text

        return [
            {"name": name, "values": values, "texts": [money_text(v, self.currency) for v in values]}
            for name, values in self.series
        ]


@dataclass(frozen=True)
class CardSource:
    func: Callable[[], Card | Chart | Iterable[Card | Chart] | None]
    permission: str
    order: int

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


_sources: dict[str, CardSource] = {}


def _default_order(module: str) -> int:
    from web.portal import SECTIONS

    parts = module.split(".")
    if len(parts) > 2 and parts[1] in SECTIONS:
        return (SECTIONS.index(parts[1]) + 1) * 10
    return 0


def card(permission: str, order: int | None = None) -> Callable:
    """Register a dashboard card function shown to callers with `permission`. Cards appear
    in section navigation order unless `order` says otherwise (lower first)."""

    if ":" not in permission:
        raise ValueError(f"a dashboard card needs a permission like 'orders:read', not {permission!r}")

    def decorate(func: Callable) -> Callable:
        source = CardSource(func, permission, _default_order(func.__module__) if order is None else order)
        _sources[source.name] = source
        return func

    return decorate


def figure(count: int, estimated: bool = False) -> int | str:
    """A count on a card: exact, or a large one's estimate (core.db.list_total) as "≈ 120,000"."""
    return f"≈ {count:,}" if estimated else count


def url_if(endpoint: str, **values: Any) -> str | None:
    """A link for a card, when the page it points to exists in this portal."""
    return url_for(endpoint, **values) if endpoint in current_app.view_functions else None


def cards() -> tuple[list[Card | Chart], list[str]]:
    """The caller's cards and charts, and the names of sources that failed (shown as a notice: a broken
    card must not take the whole dashboard down, nor pass unnoticed)."""
    principal = g.principal
    out: list[Card | Chart] = []
    failed: list[str] = []
    for source in sorted(_sources.values(), key=lambda s: (s.order, s.name)):
        if not principal.can(source.permission):
            continue
        try:
            result = source.func()
        except Exception:
            log.exception("dashboard card %s failed", source.name)
            session.rollback()
            failed.append(source.name.split(".")[1] if source.name.startswith("web.") else source.name)
            continue
        if result is None:
            continue
        out.extend([result] if isinstance(result, Card | Chart) else result)
    return out, failed
