"""Review queues on the dashboard: products and suppliers awaiting review (counted through
their own services), stocking requests and purchase orders awaiting approval, and receipts
waiting for QC."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from core.db import count
from web.dashboard import Card, card, url_if


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
        Card(_("Stocking requests awaiting approval"), requests,
             url=url_for("web.purchasing.requests", status="submitted"), tone="warn" if requests else ""),
        Card(_("Purchase orders awaiting approval"), orders, url=url_for("web.purchasing.index", status="draft"),
             hint=_("Drafts and second approvals"), tone="warn" if orders else ""),
    ]


@card("purchasing:receive")
def receipts_in_qc() -> Card:
    from core.purchasing.service.receiving import count_receipts

    n = count_receipts("qc_pending")
    return Card(_("Receipts awaiting QC"), n, url=url_for("web.purchasing.receiving", status="qc_pending"),
                tone="warn" if n else "")
