"""The one export path (core/exports.py, web/exports.py): the portal's orders and the API's
orders are the same file, and finance downloads are written by the same writer."""

from __future__ import annotations

import csv
import io

from tests.core.orders.helpers import channel_order, connection, line


def test_the_portal_and_the_api_write_the_same_orders_file(portal, tenant_a, tenant_b):
    from core.orders import service

    for tenant, ext in ((tenant_a, "SAME-A"), (tenant_b, "SAME-B")):
        conn = connection(tenant, f"Shop {ext}")
        with tenant.scope():
            service.upsert_from_channel(conn, channel_order(line("SAME-1", 2, "7.25"), ext=ext))
    api = tenant_a.api.get("orders/export")
    page = portal(tenant_a).get("/orders/export?format=csv")
    assert api.mimetype == page.mimetype == "text/csv"
    assert api.headers["Content-Disposition"] == page.headers["Content-Disposition"]
    text = page.get_data(as_text=True)
    assert text == api.get_data(as_text=True) and text.startswith("\ufeffnumber,status,")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["external_order_id"] for r in rows] == ["SAME-A"] and rows[0]["total"] == "14.50"


def test_finance_downloads_go_through_the_same_writer(portal, tenant_a):
    client = portal(tenant_a)
    resp = client.get("/finance/accounts/export?format=csv")
    assert resp.mimetype == "text/csv" and resp.get_data(as_text=True).startswith("\ufeffcode,name,type,")
    assert client.get("/finance/accounts/export?format=pdf").status_code == 422
