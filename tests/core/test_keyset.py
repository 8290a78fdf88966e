"""Keyset (cursor) pagination of the big lists as an API client sees it: following
`Link: rel="next"` visits every row once, in order, ties included, while rows are written
between pages; a cursor is tied to its tenant, list and filters, and any other is a 400 naming
`cursor`."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from core.db import session
from core.orders import service
from core.orders.models import Order
from core.orders.service.queries import ORDER_KEYS
from tests.core.orders.helpers import T0, channel_order, connection, line
from tests.support import body, pagination


def _import(tenant, conn, *, at=T0, country="US"):
    with tenant.scope():
        return service.upsert_from_channel(conn, channel_order(line("KS-1"), purchased_at=at, country=country)).order_id


def _next(resp):
    """The path and query of the Link rel="next" URL, or None on the last page."""
    link = resp.headers.get("Link")
    if link is None:
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match, link
    url = urlsplit(match.group(1))
    return f"{url.path}?{url.query}"


def _walk(tenant, path):
    """Every page from `path` on, by its Link headers: [(ids of the page, X-Pagination)]."""
    pages = []
    while path:
        resp = tenant.api.get(path)
        assert resp.status_code == 200, body(resp)
        pages.append(([row["id"] for row in body(resp)], pagination(resp)))
        path = _next(resp)
        assert len(pages) < 50, "the pages never end"
    return pages


def _in_list_order(tenant, **where):
    with tenant.scope():
        stmt = select(Order.id).order_by(*ORDER_KEYS)
        for column, value in where.items():
            stmt = stmt.where(getattr(Order, column) == value)
        return [str(i) for i in session.execute(stmt).scalars()]


@pytest.fixture
def shop(tenant_a):
    return connection(tenant_a)


def test_cursor_pages_visit_every_order_once_in_order_with_ties_broken_by_id(tenant_a, shop):
    # Seven orders bought in the same instant (ties in the sort key) and three at other times.
    for _ in range(7):
        _import(tenant_a, shop)
    for hours in (1, -1, -2):
        _import(tenant_a, shop, at=T0 + timedelta(hours=hours))

    pages = _walk(tenant_a, "orders?page_size=3")

    seen = [i for ids, _ in pages for i in ids]
    assert seen == _in_list_order(tenant_a) and len(seen) == 10
    assert [len(ids) for ids, _ in pages] == [3, 3, 3, 1]
    first, *rest = [meta for _, meta in pages]
    assert first["page"] == 1 and first["total"] == 10 and first["next_cursor"]
    assert all(meta["total"] == 10 and meta["page_size"] == 3 and "page" not in meta for meta in rest)
    assert rest[-1]["next_cursor"] is None


def test_orders_written_between_pages_are_neither_skipped_nor_repeated(tenant_a, shop):
    before = [_import(tenant_a, shop, at=T0 - timedelta(minutes=m)) for m in range(6)]
    resp = tenant_a.api.get("orders?page_size=3")
    first = [row["id"] for row in body(resp)]
    assert first == [str(i) for i in before[:3]]

    # A newer order sorts above the page already read (an offset would now repeat a row),
    # an older one below it: the next pages hold exactly the rest and the older one.
    _import(tenant_a, shop, at=T0 + timedelta(days=1))
    older = _import(tenant_a, shop, at=T0 - timedelta(days=1))

    rest = [i for ids, _ in _walk(tenant_a, _next(resp)) for i in ids]
    assert rest == [str(i) for i in (*before[3:], older)]


def test_a_tampered_or_malformed_cursor_is_a_400_naming_cursor(tenant_a, shop):
    for _ in range(3):
        _import(tenant_a, shop)
    cursor = pagination(tenant_a.api.get("orders?page_size=1"))["next_cursor"]
    payload, signature = cursor.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (f"{flipped}.{signature}", f"{payload}.{signature[:-2]}", "not-a-cursor", "....", "x" * 600):
        resp = tenant_a.api.get(f"orders?page_size=1&cursor={bad}")
        assert resp.status_code in (400, 422), (bad, body(resp))
        assert "cursor" in body(resp)["errors"], body(resp)
        assert resp.status_code == 400 or len(bad) > 512
    both = tenant_a.api.get(f"orders?page_size=1&page=2&cursor={cursor}")
    assert both.status_code == 400 and "cursor" in body(both)["errors"]
    assert tenant_a.api.get(f"orders?page_size=1&cursor={cursor}").status_code == 200


def test_a_cursor_works_for_its_tenant_alone(tenant_a, tenant_b, shop):
    for _ in range(3):
        _import(tenant_a, shop)
    other = connection(tenant_b)
    b_orders = {str(_import(tenant_b, other)) for _ in range(2)}
    cursor = pagination(tenant_a.api.get("orders?page_size=1"))["next_cursor"]

    resp = tenant_b.api.get(f"orders?page_size=1&cursor={cursor}")
    assert resp.status_code == 400 and "cursor" in body(resp)["errors"]
    assert {i for ids, _ in _walk(tenant_b, "orders?page_size=1") for i in ids} == b_orders


def test_filters_are_kept_across_pages_and_a_cursor_is_tied_to_them(tenant_a, shop):
    for country in ("DE", "US", "DE", "DE", "US", "DE", "DE"):
        _import(tenant_a, shop, country=country)

    pages = _walk(tenant_a, "orders?country=DE&page_size=2")

    seen = [i for ids, _ in pages for i in ids]
    assert seen == _in_list_order(tenant_a, ship_country="DE") and len(seen) == 5
    assert all(meta["total"] == 5 for _, meta in pages)
    cursor = pages[0][1]["next_cursor"]
    resp = tenant_a.api.get(f"orders?country=US&page_size=2&cursor={cursor}")
    assert resp.status_code == 400 and "cursor" in body(resp)["errors"]


def test_a_cursor_belongs_to_its_list(tenant_a, shop):
    for _ in range(3):
        _import(tenant_a, shop)
    cursor = pagination(tenant_a.api.get("orders?page_size=1"))["next_cursor"]
    resp = tenant_a.api.get(f"audit?page_size=1&cursor={cursor}")
    assert resp.status_code == 400 and "cursor" in body(resp)["errors"]


@pytest.mark.parametrize("path", ["events", "audit"])
def test_the_other_keyset_lists_page_by_cursor(tenant_a, shop, path):
    for _ in range(4):
        _import(tenant_a, shop)
    whole = [row["id"] for row in body(tenant_a.api.get(f"{path}?page_size=200"))]
    assert len(whole) >= 1
    pages = _walk(tenant_a, f"{path}?page_size=2")
    assert [i for ids, _ in pages for i in ids] == whole


def test_the_stock_ledger_pages_by_cursor(tenant_a):
    from tests.core.catalog.factories import approved_sku
    from tests.core.inventory.helpers import stock, warehouse

    sku = approved_sku(tenant_a, "KS-LEDGER")
    wh = warehouse(tenant_a, "KS-WH")
    for qty in (1, 2, 3, 4, 5):
        stock(tenant_a, sku, wh, qty)
    whole = body(tenant_a.api.get(f"stock/ledger?sku_id={sku}&page_size=200"))
    assert len(whole) >= 5
    pages = _walk(tenant_a, f"stock/ledger?sku_id={sku}&page_size=2")
    assert [i for ids, _ in pages for i in ids] == [row["id"] for row in whole]


def test_openapi_documents_the_cursor_and_the_pagination_header(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    header = spec["components"]["headers"]["PAGINATION"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = spec["components"]["schemas"][header]["properties"]
    assert {"total", "page", "page_size", "estimated", "next_cursor"} <= set(fields)
    orders = spec["paths"]["/api/v1/orders"]["get"]
    assert "cursor" in {p["name"] for p in orders["parameters"]}
    assert {"X-Pagination", "Link"} <= set(orders["responses"]["200"]["headers"])
    shops = spec["paths"]["/api/v1/warehouses"]["get"]
    assert "cursor" not in {p["name"] for p in shops["parameters"]}
    assert "Link" not in shops["responses"]["200"]["headers"]
