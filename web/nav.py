"""The portal's navigation, declared in one place.

An entry shows only when its endpoint exists (the section has landed) and the caller's roles
grant its permission. A sub-entry is highlighted for its own endpoint and for every endpoint
that extends it with "_" (e.g. "web.settings.users" covers "web.settings.users_new").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request, url_for
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class NavItem:
    label: Any  # a lazy translation
    endpoint: str
    permission: str | None = None  # None: any logged-in user
    children: tuple[NavItem, ...] = ()

    @property
    def blueprint(self) -> str:
        return self.endpoint.rpartition(".")[0]


NAV: tuple[NavItem, ...] = (
    NavItem(_l("Dashboard"), "portal.dashboard"),
    NavItem(
        _l("Products"),
        "web.catalog.index",
        "catalog:read",
        children=(
            NavItem(_l("Products"), "web.catalog.index", "catalog:read"),
            NavItem(_l("Review queue"), "web.catalog.review", "catalog:read"),
            NavItem(_l("SKUs"), "web.catalog.skus", "catalog:read"),
            NavItem(_l("Kits"), "web.catalog.kits", "catalog:read"),
            NavItem(_l("Listing mappings"), "web.catalog.mappings", "catalog:read"),
            NavItem(_l("Categories"), "web.catalog.categories", "catalog:read"),
            NavItem(_l("Import / export"), "web.catalog.transfer", "catalog:read"),
            NavItem(_l("Code patterns"), "web.catalog.settings", "catalog:read"),
        ),
    ),
    NavItem(
        _l("Suppliers"),
        "web.suppliers.index",
        "suppliers:read",
        children=(
            NavItem(_l("Suppliers"), "web.suppliers.index", "suppliers:read"),
            NavItem(_l("Review queue"), "web.suppliers.review", "suppliers:read"),
        ),
    ),
    NavItem(
        _l("Purchasing"),
        "web.purchasing.index",
        "purchasing:read",
        children=(
            NavItem(_l("Purchase orders"), "web.purchasing.index", "purchasing:read"),
            NavItem(_l("Stocking requests"), "web.purchasing.requests", "purchasing:read"),
            NavItem(_l("Replenishment"), "web.purchasing.replenishment", "purchasing:read"),
            NavItem(_l("Receiving"), "web.purchasing.receiving", "purchasing:read"),
            NavItem(_l("Returns to suppliers"), "web.purchasing.returns", "purchasing:read"),
            NavItem(_l("Supplier scorecards"), "web.purchasing.scorecards", "purchasing:read"),
            NavItem(_l("Purchasing settings"), "web.purchasing.settings", "purchasing:read"),
        ),
    ),
    NavItem(
        _l("Inventory"),
        "web.inventory.index",
        "inventory:read",
        children=(
            NavItem(_l("Stock"), "web.inventory.index", "inventory:read"),
            NavItem(_l("Low stock"), "web.inventory.low", "inventory:read"),
            NavItem(_l("Stock age"), "web.inventory.age", "inventory:read"),
            NavItem(_l("Warehouses"), "web.inventory.warehouses", "inventory:read"),
            NavItem(_l("Transfers"), "web.inventory.transfers", "inventory:read"),
            NavItem(_l("First-leg shipments"), "web.inventory.first_leg", "inventory:read"),
            NavItem(_l("Stocktakes"), "web.inventory.stocktakes", "inventory:read"),
            NavItem(_l("Kit orders"), "web.inventory.kits", "inventory:read"),
            NavItem(_l("Adjustments"), "web.inventory.adjustments", "inventory:read"),
            NavItem(_l("Borrowing"), "web.inventory.borrowings", "inventory:read"),
            NavItem(_l("Safety stock"), "web.inventory.safety", "inventory:read"),
            NavItem(_l("Platform stock"), "web.inventory.platform", "inventory:read"),
        ),
    ),
    NavItem(
        _l("Orders"),
        "web.orders.index",
        "orders:read",
        children=(
            NavItem(_l("Orders"), "web.orders.index", "orders:read"),
            NavItem(_l("Settings"), "web.orders.settings", "orders:read"),
        ),
    ),
    NavItem(_l("Shipping"), "web.shipping.index", "shipping:read"),
    NavItem(_l("Finance"), "web.finance.index", "finance:read"),
    NavItem(
        _l("Connections"),
        "web.connections.index",
        "connections:read",
        children=(
            NavItem(_l("Connections"), "web.connections.index", "connections:read"),
            NavItem(_l("Sync runs"), "web.connections.runs", "connections:read"),
            NavItem(_l("Push-back"), "web.connections.pushes", "connections:read"),
        ),
    ),
    NavItem(_l("Jobs"), "web.jobs.index", "jobs:read"),
    NavItem(
        _l("Audit log"),
        "web.audit.index",
        "audit:read",
        children=(
            NavItem(_l("Audit log"), "web.audit.index", "audit:read"),
            NavItem(_l("Failed event deliveries"), "web.audit.deliveries", "audit:read"),
        ),
    ),
    NavItem(
        _l("Settings"),
        "web.settings.index",
        "settings:read",
        children=(
            NavItem(_l("Company"), "web.settings.index", "settings:read"),
            NavItem(_l("Users"), "web.settings.users", "settings:read"),
            NavItem(_l("API keys"), "web.settings.api_keys", "settings:read"),
            NavItem(_l("Exchange rates"), "web.settings.exchange_rates", "finance:read"),
        ),
    ),
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool
    children: tuple[Link, ...] = ()


def _allowed(item: NavItem) -> bool:
    principal = g.get("principal")
    return (
        principal is not None
        and item.endpoint in current_app.view_functions
        and (item.permission is None or principal.can(item.permission))
    )


def _child_active(item: NavItem, endpoint: str) -> bool:
    return endpoint == item.endpoint or endpoint.startswith(item.endpoint + "_")


def visible() -> list[Link]:
    """The caller's navigation: entries they may open, with the current one marked."""
    endpoint = request.endpoint or ""
    links = []
    for item in NAV:
        if not _allowed(item):
            continue
        children = tuple(
            Link(str(c.label), url_for(c.endpoint), _child_active(c, endpoint)) for c in item.children if _allowed(c)
        )
        active = endpoint == item.endpoint if item.blueprint == "portal" else request.blueprint == item.blueprint
        links.append(Link(str(item.label), url_for(item.endpoint), active, children))
    return links
