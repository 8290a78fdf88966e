"""The one export path (core/exports.py, web/exports.py): the portal's orders and the API's
orders are the same file, and finance downloads are written by the same writer. A streamed CSV
keeps no request context, tenant or database session between its pieces, so an export left
open beside another (or beside another tenant's request) disturbs neither."""

from __future__ import annotations

import csv
import gc
import io
import sys

from flask import has_app_context, has_request_context

from core.catalog import service as catalog
from core.db import session
from core.exports import PIECE
from core.tenancy import maybe_tenant_id
from tests.core.orders.helpers import channel_order, connection, line


def _products(tenant, prefix: str, n: int) -> None:
    with tenant.scope():
        for i in range(n):
            sku = {"gross_weight_g": 10, "net_weight_g": 9}
            catalog.create_product({"title_en": f"{prefix} {i:03d}", "skus": [sku]})


def _titles(text: str) -> list[str]:
    assert text.startswith("\ufeff")
    return [r[2] for r in csv.reader(io.StringIO(text[1:]))][1:]


def test_streamed_exports_left_open_side_by_side_leave_no_context_behind(portal, tenant_a, tenant_b):
    _products(tenant_a, "Stream A", PIECE + 5)  # more than one piece after the header
    _products(tenant_b, "Stream B", 3)
    first, other = portal(tenant_a), portal(tenant_b)
    unraisable: list[object] = []
    hook, sys.unraisablehook = sys.unraisablehook, unraisable.append
    try:
        a = first.get("/catalog/export?format=csv")  # the test client reads its first piece
        assert not has_request_context() and not has_app_context() and maybe_tenant_id() is None
        b = other.get("/catalog/export?format=csv")
        dropped = first.get("/catalog/export?format=csv")
        # Tenant B's list, read while A's bodies are open, is B's alone.
        assert sorted(_titles(b.get_data(as_text=True))) == [f"Stream B {i:03d}" for i in range(3)]
        assert "Stream B 000" in other.text("/catalog/") and "Stream A 000" not in other.text("/catalog/")
        titles = _titles(a.get_data(as_text=True))
        assert len(titles) == PIECE + 5 and all(t.startswith("Stream A") for t in titles)
        del dropped, a, b  # an unread body is closed when it is collected
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert unraisable == []
    assert not has_request_context() and maybe_tenant_id() is None


def test_a_finished_export_leaves_the_threads_session_as_it_found_it(portal, tenant_a):
    _products(tenant_a, "Session", 2)
    client = portal(tenant_a)
    before = session.registry.has()
    assert len(_titles(client.get("/catalog/export?format=csv").get_data(as_text=True))) == 2
    assert session.registry.has() == before


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


def test_an_export_beyond_the_limit_is_refused_not_cut(portal, tenant_a, monkeypatch):
    from core import exports
    from tests.core.orders.helpers import channel_order, connection, line
    from tests.support import body

    _products(tenant_a, "Limit", 3)
    conn = connection(tenant_a, "Limit shop")
    from core.orders import service

    with tenant_a.scope():
        for n in range(3):
            service.upsert_from_channel(conn, channel_order(line("LIM-1", 1, "5.00"), ext=f"LIMIT-{n}"))
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    client = portal(tenant_a)
    refused = client.get("/catalog/export?format=csv")
    assert refused.status_code == 422 and "more than 2 rows" in refused.get_data(as_text=True)
    assert client.get("/catalog/export?format=csv&q=Limit 001").status_code == 200  # narrowed: one row
    api = tenant_a.api.get("orders/export")
    assert api.status_code == 422 and "filters" in body(api)["errors"]
    assert tenant_a.api.get("products/export?format=xlsx").status_code == 422
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    assert len(_titles(client.get("/catalog/export?format=csv").get_data(as_text=True))) == 3  # exactly the limit
