"""Review queues on the dashboard: products and suppliers awaiting review (counted through
their own services), stocking requests and purchase orders awaiting approval, and receipts
waiting for QC; and a chart of every review queue, orders' included."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import gettext as _

from core.db import count
from web.dashboard import Card, Chart, card, url_if


@card("catalog:approve")
def products_to_review() -> Card:
    from core.catalog.service import product_query

    n = count(product_query(status="submitted"))
    return Card(_("Products awaiting review"), n, url=url_if("web.catalog.review"), tone="warn" if n else "")


@card("suppliers:approve")
def suppliers_to_review() -> Card:
    from core.suppliers.service import supplier_query

    n = count(supplier_query(status="submitted"))
    return Card(_("Suppliers awaiting review"), n, url=url_if("web.suppliers.review"), tone="warn" if n else "")


@card("purchasing:approve")
def purchasing_approvals() -> list[Card]:
    from core.purchasing.service.orders import count_orders
    from core.purchasing.service.requests import count_requests

    requests = count_requests("submitted")
    orders = count_orders(("draft", "pending_second_approval"))
    return [
        Card(
            _("Stocking requests awaiting approval"),
            requests,
            url=url_for("web.purchasing.requests", status="submitted"),
            tone="warn" if requests else "",
        ),
        Card(
            _("Purchase orders awaiting approval"),
            orders,
            url=url_for("web.purchasing.index", status="draft"),
            hint=_("Drafts and second approvals"),
            tone="warn" if orders else "",
        ),
    ]


@card("purchasing:receive")
def receipts_in_qc() -> Card:
    from core.purchasing.service.receiving import count_receipts

    n = count_receipts("qc_pending")
    return Card(
        _("Receipts awaiting QC"),
        n,
        url=url_for("web.purchasing.receiving", status="qc_pending"),
        tone="warn" if n else "",
    )


@card("purchasing:read", order=5)
def review_queues() -> Chart | None:
    """What waits for someone's decision, one bar per queue the caller may act on or read;
    each bar opens its queue."""
    from core.catalog.service import product_query
    from core.orders.service import status_counts
    from core.purchasing.service.orders import count_orders
    from core.purchasing.service.requests import count_requests
    from core.suppliers.service import supplier_query

    principal = g.principal
    bars: list[tuple[str, int, str | None]] = []
    if principal.can("catalog:read"):
        bars.append((_("Products"), count(product_query(status="submitted")), url_if("web.catalog.review")))
    if principal.can("suppliers:read"):
        bars.append((_("Suppliers"), count(supplier_query(status="submitted")), url_if("web.suppliers.review")))
    bars.append(
        (_("Stocking requests"), count_requests("submitted"), url_for("web.purchasing.requests", status="submitted"))
    )
    bars.append(
        (
            _("Purchase orders"),
            count_orders(("draft", "pending_second_approval")),
            url_for("web.purchasing.index", status="draft"),
        )
    )
    if principal.can("orders:read"):
        held = status_counts(("pending_review", "on_hold"))
        review, on_hold = held.get("pending_review", (0, False))[0], held.get("on_hold", (0, False))[0]
        bars.append((_("Orders to review"), review, url_if("web.orders.index", status="pending_review")))
        bars.append((_("Orders on hold"), on_hold, url_if("web.orders.index", status="on_hold")))
    return Chart(
        _("Review queues"),
        [label for label, _n, _url in bars],
        [(_("Waiting"), [str(n) for _label, n, _url in bars])],
        links=[link for _label, _n, link in bars],
        kind="hbar",
        hint=_("Waiting for a decision"),
        empty=_("Nothing waits for review."),
    )
