"""Dashboard cards of shipping: parcels the carrier reports in trouble (exception, returned to
sender), which need someone to act, and orders still waiting for a label."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from core.db import count, list_total
from core.orders import service as orders
from core.shipping import service
from web.dashboard import Card, card, figure


@card("shipping:read")
def shipping_cards() -> list[Card]:
    exceptions = count(service.shipment_query(tracking_status="exception"))
    returned = count(service.shipment_query(tracking_status="returned"))
    # Counted as the lists count: exactly up to 10,000, the estimate beyond.
    waiting = figure(*list_total(orders.order_query(status=["allocated"], fulfilment="merchant")))
    return [
        Card(
            _("Shipping exceptions"),
            exceptions,
            url=url_for("web.shipping.index", tracking_status="exception"),
            tone="bad" if exceptions else "",
        ),
        Card(
            _("Returned to sender"),
            returned,
            url=url_for("web.shipping.index", tracking_status="returned"),
            tone="warn" if returned else "",
        ),
        Card(_("Orders awaiting labels"), waiting, url=url_for("web.shipping.awaiting")),
    ]
