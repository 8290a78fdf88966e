"""Inventory on the dashboard: SKUs below their safety stock, shipments on their way, and
charts of the stock value per warehouse and of the stock's age."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from core.db import count
from web.dashboard import Card, Chart, card


@card("inventory:read")
def stock_cards() -> list[Card]:
    from core.inventory.service.reports import stock_query, transfers_in_transit

    low = count(stock_query(low_stock=True))
    moving = transfers_in_transit()
    return [
        Card(_("SKUs below safety stock"), low, url=url_for("web.inventory.low"), tone="warn" if low else ""),
        Card(
            _("Shipments in transit"),
            moving,
            url=url_for("web.inventory.transfers"),
            hint=_("Transfers and first legs"),
        ),
    ]


@card("inventory:read", order=2)
def stock_charts() -> list[Chart]:
    """Each warehouse's bar opens its stock; each age band opens the stock age report."""
    from core.inventory.service.reports import age_band_totals, stock_value_by_warehouse
    from tenants.service import functional_currency

    values = stock_value_by_warehouse()
    bands = age_band_totals()
    currency = functional_currency()
    return [
        Chart(
            _("Stock value by warehouse"),
            [w.warehouse_code for w in values],
            [(_("Stock value (%(currency)s)", currency=currency), [str(w.value) for w in values])],
            url=url_for("web.inventory.index"),
            links=[url_for("web.inventory.index", warehouse_id=w.warehouse_id) for w in values],
            kind="hbar",
            hint=_("Book value in %(currency)s", currency=currency),
            empty=_("No stock yet."),
            currency=currency,
        ),
        Chart(
            _("Stock age"),
            [_("%(band)s days", band=label) for label, _units in bands],
            [(_("Units"), [str(units) for _label, units in bands])],
            url=url_for("web.inventory.age"),
            links=[url_for("web.inventory.age") for _b in bands],
            hint=_("Days since the units were received"),
            empty=_("No stock yet."),
        ),
    ]
