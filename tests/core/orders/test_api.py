"""The orders REST API as its callers see it: roles, masking of buyer data, errors naming the
field or the state, filters, bulk actions, export, saved views and settings."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from core.db import session
from core.orders import service
from core.orders.models import Order
from core.orders.service.queries import order_query
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import channel_order, connection, line, stock, warehouse
from tests.support import body, pagination


def manual(tenant, sku="API-1", qty=1, **kw):
    data = {
        "currency": "USD",
        "buyer": {"name": "Jane Buyer", "email": "jane@example.com", "phone": "+1 555 0100"},
        "shipping_address": {
            "name": "Jane Buyer",
            "line1": "1 Main St",
            "city": "Springfield",
            "postal_code": "62701",
            "country": "US",
            "phone": "+1 555 0100",
        },
        "lines": [{"sku": sku, "quantity": qty, "unit_price": "10.00"}],
        **kw,
    }
    resp = tenant.api.post("orders", data)
    assert resp.status_code == 201, body(resp)
    return body(resp)


@pytest.fixture
def shop(tenant_a, tenant_b):
    sku = approved_sku(tenant_a, "API-1")
    wh = warehouse(tenant_a, "API-WH")
    stock(tenant_a, sku, wh, 10)
    return tenant_a, tenant_b, sku, wh


def test_manual_orders_are_created_with_their_amounts_and_idempotency_key(shop):
    tenant, _, sku, wh = shop
    data = {
        "currency": "USD",
        "buyer": {"name": "Jo"},
        "shipping_address": {"country": "DE", "line1": "Hauptstr. 1"},
        "lines": [{"sku_id": str(sku), "quantity": 2, "unit_price": "9.99", "item_tax": "3.80"}],
        "shipping": "4.90",
        "discount": "1.00",
        "tags": ["phone order"],
        "external_order_id": "PHONE-7",
    }
    first = tenant.api.post("orders", data, headers={"Idempotency-Key": "phone-7"})
    second = tenant.api.post("orders", data, headers={"Idempotency-Key": "phone-7"})
    assert first.status_code == second.status_code == 201 and body(first)["id"] == body(second)["id"]
    order = body(first)
    assert (order["channel"], order["connection_id"], order["external_order_id"]) == ("manual", None, "PHONE-7")
    assert order["amounts"] == {
        "goods": "19.98",
        "tax": "3.80",
        "shipping": "4.90",
        "discount": "1.00",
        "total": "27.68",
        "refunded": "0.00",
    }
    assert order["tags"] == ["phone order"] and order["status"] == "pending_review"
    again = tenant.api.post("orders", data)
    assert again.status_code == 422 and "external_order_id" in body(again)["errors"]


def test_a_line_without_a_price_is_free_not_dropped(shop):
    tenant, *_ = shop
    order = manual(
        tenant,
        lines=[
            {"sku": "API-1", "quantity": 1, "unit_price": ""},
            {"sku": "API-1", "quantity": 2, "unit_price": "5.00"},
        ],
    )
    assert [(ln["quantity"], ln["item_amount"]) for ln in order["lines"]] == [(1, "0.00"), (2, "10.00")]


def test_bad_input_names_the_field(shop):
    tenant, *_ = shop
    resp = tenant.api.post(
        "orders",
        {
            "currency": "ZZZ",
            "shipping_address": {"country": "XX"},
            "lines": [{"sku": "NOPE", "quantity": 0}, {"quantity": 1}],
        },
    )
    assert resp.status_code == 422
    assert {"currency", "shipping_address.country", "lines.0.quantity", "lines.1.sku"} <= set(body(resp)["errors"])
    resp = tenant.api.post(
        "orders", {"currency": "USD", "shipping_address": {"country": "US"}, "lines": [{"sku": "NOPE", "quantity": 1}]}
    )
    assert resp.status_code == 422 and body(resp)["errors"] == {"lines.0.sku": ["no SKU has the code NOPE"]}
    resp = tenant.api.post(
        "orders", {"currency": "USD", "shipping_address": {"country": "US"}, "lines": [], "colour": "red"}
    )
    assert resp.status_code == 422 and "colour" in body(resp)["errors"]
    order = manual(tenant)
    resp = tenant.api.post(f"orders/{order['id']}/hold", {"reason": "", "type": "whim"})
    assert resp.status_code == 422 and "type" in body(resp)["errors"]


def test_state_errors_are_409_naming_the_state_and_other_tenants_orders_are_404(shop):
    tenant, other, *_ = shop
    order = manual(tenant)
    resp = tenant.api.post(f"orders/{order['id']}/ship", {"carrier": "UPS"})
    assert resp.status_code == 409 and body(resp)["errors"] == {"state": ["pending_review"]}
    assert body(resp)["message"] == f"cannot ship order {order['number']}: it is pending_review"
    assert other.api.get(f"orders/{order['id']}").status_code == 404
    assert other.api.post(f"orders/{order['id']}/approve", {}).status_code == 404
    assert tenant.api.get(f"orders/{order['id']}").status_code == 200


def test_buyer_data_is_masked_for_roles_without_orders_pii(shop):
    tenant, *_ = shop
    order = manual(tenant)
    viewer = tenant.client_with_roles("viewer")
    masked = body(viewer.get(f"orders/{order['id']}"))
    assert masked["buyer"] == {"name": "J*** B***", "email": "j***@example.com", "phone": "***0100"}
    address = masked["shipping_address"]
    assert (address["name"], address["line1"], address["phone"]) == ("J*** B***", "***", "***0100")
    assert (address["city"], address["postal_code"], address["country"]) == ("Springfield", "62701", "US")
    finance = body(tenant.client_with_roles("finance").get(f"orders/{order['id']}"))
    assert finance["buyer"]["email"] == "jane@example.com" and finance["shipping_address"]["line1"] == "1 Main St"
    assert viewer.get("orders?buyer=jane").status_code == 403
    exported = viewer.get("orders/export").get_data(as_text=True)
    assert "jane@example.com" not in exported and "j***@example.com" in exported
    with tenant.scope():
        stored = service.get_order(order["id"])
        assert stored.buyer_email == "jane@example.com"


def test_roles_decide_who_reviews_and_who_ships(shop):
    tenant, *_ = shop
    order = manual(tenant)
    viewer, warehouse_staff = tenant.client_with_roles("viewer"), tenant.client_with_roles("warehouse")
    assert viewer.post(f"orders/{order['id']}/approve", {}).status_code == 403
    assert warehouse_staff.post(f"orders/{order['id']}/approve", {}).status_code == 403
    assert tenant.client_with_roles("operations").post(f"orders/{order['id']}/approve", {}).status_code == 200
    assert warehouse_staff.post(f"orders/{order['id']}/print", {"document": "label"}).status_code == 200
    shipped = warehouse_staff.post(f"orders/{order['id']}/ship", {"carrier": "UPS", "tracking_number": "1Z"})
    assert shipped.status_code == 200 and body(shipped)["status"] == "shipped"
    assert (
        warehouse_staff.post(
            f"orders/{order['id']}/refunds", {"method": "offline", "reason": "x", "amount": "1"}
        ).status_code
        == 403
    )
    timeline = body(tenant.api.get(f"orders/{order['id']}/timeline"))
    assert [(t["action"], t["to_status"]) for t in timeline][-3:] == [
        ("allocated", "allocated"),
        ("printed", "awaiting_shipment"),
        ("shipped", "shipped"),
    ]
    assert timeline[-1]["actor"].startswith("api-key:")


def test_filters_find_orders_by_what_staff_search_for(shop):
    tenant, other, sku, wh = shop
    conn = connection(tenant)
    approved_sku(tenant, "API-2")
    with tenant.scope():
        service.upsert_from_channel(conn, channel_order(line("API-2", 1), ext="AMZ-100", country="GB"))
        service.upsert_from_channel(conn, channel_order(line("UNKNOWN-SKU", 1), ext="AMZ-101"))
    local = manual(tenant, tags=["vip"])
    listed = lambda q: [o["number"] for o in body(tenant.api.get(f"orders?{q}"))]  # noqa: E731
    everything = tenant.api.get("orders?page_size=2")
    assert pagination(everything)["total"] == 3 and len(body(everything)) == 2
    assert len(listed("channel=dummy")) == 2 and listed("channel=manual") == [local["number"]]
    assert len(listed(f"connection_id={conn}")) == 2
    assert len(listed("sku=API-2")) == 1 and len(listed("sku=UNKNOWN-SKU")) == 1
    assert len(listed("country=GB")) == 1 and listed("tag=vip") == [local["number"]]
    assert len(listed("hold_type=unmapped_sku")) == 1 and len(listed("status=on_hold,pending_review")) == 3
    assert len(listed("q=AMZ-10")) == 2 and len(listed("date_from=2026-11-01&date_to=2026-11-01")) == 2
    assert len(listed("buyer=jane@example.com")) == 3 and len(listed("buyer=JANE@")) == 3
    bad = tenant.api.get("orders?status=lost")
    assert bad.status_code == 422 and "status" in body(bad)["errors"]
    assert body(other.api.get("orders")) == []


def test_buyer_search_finds_the_email_whole_or_by_its_beginning_in_any_case(shop):
    tenant, other, sku, wh = shop
    conn = connection(tenant)
    emails = ("Jane.Doe@Example.com", "jane.doe@example.com.au", "janet@example.com", "j%n_@example.com")
    with tenant.scope():
        for i, email in enumerate(emails):
            service.upsert_from_channel(conn, channel_order(line("API-1", 1), ext=f"B-{i}", buyer_email=email))
    with other.scope():
        service.upsert_from_channel(connection(other), channel_order(line("X", 1), buyer_email="jane.doe@example.com"))
    found = lambda text: sorted(  # noqa: E731
        o["external_order_id"] for o in body(tenant.api.get("orders", query_string={"buyer": text}))
    )
    assert found("jane.doe@example.com") == ["B-0", "B-1"]  # whole, and the longer address it begins
    assert found("JANE.DOE@EXAMPLE.COM") == ["B-0", "B-1"] and found("Jane.D") == ["B-0", "B-1"]
    assert found("jane") == ["B-0", "B-1", "B-2"]
    assert found("example.com") == [] and found("Jane Buyer") == []  # not a substring, not the name
    assert found("j%n_") == ["B-3"] and found("j%") == ["B-3"]  # % and _ are plain characters
    assert body(other.api.get("orders", query_string={"buyer": "janet"})) == []
    with tenant.scope():
        stored = session.execute(select(Order.buyer_email_lower).where(Order.external_order_id == "B-0")).scalar()
    # Leakproof range operators on the stored copy (which its index answers under row-level
    # security; the operators' leakproofness and the index are checked with the `q` search's).
    sql = _sql(order_query(buyer="Jane.D"))
    assert "buyer_email_lower ~>=~ 'jane.d'" in sql and "buyer_email_lower ~<~ 'jane.e'" in sql
    assert "LIKE" not in sql.upper() and "lower(" not in sql
    assert stored == "jane.doe@example.com"


def _sql(stmt):
    return str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))


def test_bulk_actions_report_each_order(shop):
    tenant, other, sku, wh = shop
    a, b = manual(tenant), manual(tenant)
    approved_sku(other, "X")
    foreign = manual_other = other.api.post(
        "orders", {"currency": "USD", "shipping_address": {"country": "US"}, "lines": [{"sku": "X", "quantity": 1}]}
    )
    assert manual_other.status_code == 201
    tenant.api.post(f"orders/{b['id']}/approve", {})
    resp = tenant.api.post("orders/bulk", {"action": "approve", "order_ids": [a["id"], b["id"], body(foreign)["id"]]})
    assert resp.status_code == 200
    results = body(resp)
    assert [(r["ok"], r["status"]) for r in results[:2]] == [(True, "allocated"), (False, "allocated")]
    assert results[1]["error"] == f"cannot approve order {b['number']}: it is allocated"
    assert results[2] == {
        "order_id": body(foreign)["id"],
        "number": None,
        "ok": False,
        "status": None,
        "error": "no such order",
    }
    held = body(tenant.api.post("orders/bulk", {"action": "hold", "order_ids": [a["id"]], "reason": "check"}))
    assert held[0]["ok"] and held[0]["status"] == "on_hold"
    missing_reason = tenant.api.post("orders/bulk", {"action": "cancel", "order_ids": [a["id"]]})
    assert missing_reason.status_code == 422 and "reason" in body(missing_reason)["errors"]
    cancelled = body(
        tenant.api.post("orders/bulk", {"action": "cancel", "order_ids": [a["id"], b["id"]], "reason": "duplicate"})
    )
    assert [r["status"] for r in cancelled] == ["cancelled", "cancelled"]


def test_export_lists_the_filtered_orders_as_csv(shop):
    tenant, *_ = shop
    manual(tenant, qty=2)
    resp = tenant.api.get("orders/export?status=pending_review")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == 1 and rows[0]["lines"] == "API-1 x 2" and rows[0]["total"] == "20.00"
    assert rows[0]["buyer_email"] == "jane@example.com"


def test_saved_views_are_private_unless_shared(shop):
    tenant, *_ = shop
    viewer = tenant.client_with_roles("viewer")
    mine = viewer.post("order-views", {"name": "My holds", "filters": {"status": "on_hold", "country": "US"}})
    assert mine.status_code == 201 and body(mine)["shared"] is False
    assert viewer.post("order-views", {"name": "Team", "filters": {}, "shared": True}).status_code == 403
    shared = tenant.api.post("order-views", {"name": "Team", "filters": {"tag": "vip"}, "shared": True})
    assert shared.status_code == 201
    assert sorted(v["name"] for v in body(viewer.get("order-views"))) == ["My holds", "Team"]
    assert [v["name"] for v in body(tenant.api.get("order-views"))] == ["Team"]
    assert tenant.api.get(f"order-views/{body(mine)['id']}").status_code == 404
    bad = viewer.post("order-views", {"name": "Bad", "filters": {"status": "lost", "colour": "red"}})
    assert bad.status_code == 422 and {"filters.status", "filters.colour"} <= set(body(bad)["errors"])
    assert viewer.delete(f"order-views/{body(mine)['id']}").status_code == 204


def test_settings_round_trip_and_name_bad_fields(shop):
    tenant, *_ = shop
    viewer = tenant.client_with_roles("viewer")
    assert body(viewer.get("order-settings"))["review_rules"][0]["fulfilment"] == "platform"
    assert viewer.patch("order-settings", {"auto_allocate": False}).status_code == 403
    resp = tenant.api.patch(
        "order-settings",
        {
            "allocation_policy": "hold",
            "split_attributes": ["fragile"],
            "value_limits": [{"destination": "EU", "amount": "150", "currency": "EUR"}],
        },
    )
    assert resp.status_code == 200
    saved = body(tenant.api.get("order-settings"))
    assert saved["allocation_policy"] == "hold" and saved["value_limits"][0]["destination"] == "EU"
    bad = tenant.api.patch("order-settings", {"value_limits": [{"destination": "Mars", "amount": "-1"}]})
    assert bad.status_code == 422
    assert {"value_limits.0.destination", "value_limits.0.amount", "value_limits.0.currency"} <= set(
        body(bad)["errors"]
    )


def test_order_detail_shows_stock_per_warehouse_and_split_children(shop):
    tenant, _, sku, wh = shop
    other_wh = warehouse(tenant, "API-WH2")
    stock(tenant, sku, other_wh, 3)
    order = manual(tenant, qty=4)
    rows = body(tenant.api.get(f"orders/{order['id']}/stock"))
    assert sorted((r["warehouse_code"], r["available"]) for r in rows) == [("API-WH", 10), ("API-WH2", 3)]
    line_id = order["lines"][0]["id"]
    resp = tenant.api.post(
        f"orders/{order['id']}/split", {"parts": [[{"line_id": line_id, "quantity": 1}]], "reason": "two boxes"}
    )
    assert resp.status_code == 200
    result = body(resp)
    assert result["parent"]["status"] == "split"
    assert [c["lines"][0]["quantity"] for c in result["children"]] == [1, 3]
    assert [c["number"] for c in result["parent"]["children"]] == [f"{order['number']}-1", f"{order['number']}-2"]


def test_openapi_documents_the_orders_endpoints(app):
    spec = json.loads(app.test_client().get("/api/v1/openapi.json").get_data(as_text=True))
    for path in (
        "/api/v1/orders",
        "/api/v1/orders/{order_id}/ship",
        "/api/v1/orders/{order_id}/refunds",
        "/api/v1/order-returns/{return_id}/receive",
        "/api/v1/orders/bulk",
        "/api/v1/order-settings",
    ):
        assert path in spec["paths"], path


def test_the_search_by_number_or_channel_id_is_a_prefix_in_any_case_served_by_an_index(shop):
    from sqlalchemy import text

    from core.db import session
    from core.orders.service.queries import order_query

    tenant, other, sku, wh = shop
    conn = connection(tenant)
    with tenant.scope():
        service.upsert_from_channel(conn, channel_order(line("API-1", 1), ext="Shop-77%1"))
        service.upsert_from_channel(conn, channel_order(line("API-1", 1), ext="SHOP-780"))
    local = manual(tenant)
    listed = lambda q: sorted(o["external_order_id"] or o["number"] for o in body(tenant.api.get(f"orders?q={q}")))  # noqa: E731
    # As typed, upper-cased or lower-cased: a mixed-case id is found as it is written.
    assert listed("Shop-77") == ["Shop-77%1"] and listed("Shop-7") == ["SHOP-780", "Shop-77%1"]
    assert listed("shop-7") == ["SHOP-780"]
    assert listed("Shop-77%25") == ["Shop-77%1"] and listed("Shop-7_") == []  # no wildcards
    assert listed(local["number"].lower()) == [local["number"]]
    assert listed("\U0010ffff") == [] and listed("\ud7ff") == []
    assert body(other.api.get("orders?q=Shop")) == []

    # Under the tenant's row-level security an index can serve only leakproof operators (an
    # ILIKE read every order): the search's operators are, and its indexes exist.
    with tenant.scope():
        leakproof = session.execute(
            text(
                "SELECT bool_and(p.proleakproof) FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode "
                "WHERE o.oprname IN ('~>=~', '~<~') AND o.oprleft = 'text'::regtype"
            )
        ).scalar_one()
        indexes = session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders' AND indexname LIKE '%_prefix'")
        ).all()
    sql = str(order_query(q="SO-1").compile(session.get_bind()))
    assert leakproof and "~>=~" in sql and "ILIKE" not in sql.upper()
    assert {name for name, _ in indexes} == {
        f"ix_orders_{c}_prefix" for c in ("number", "external_order_id", "external_number", "buyer_email")
    }
    assert all("(tenant_id, " in d and "varchar_pattern_ops" in d for _, d in indexes)


def test_the_channels_offered_by_the_filter_are_the_tenants_own(shop):
    from core.orders.service.queries import channels_seen

    tenant, other, sku, wh = shop
    with tenant.scope():
        assert channels_seen() == []
    manual(tenant)
    conn = connection(tenant)
    with tenant.scope():
        service.upsert_from_channel(conn, channel_order(line("API-1", 1)))
        service.upsert_from_channel(conn, channel_order(line("API-1", 1)))
        assert channels_seen() == ["dummy", "manual"]
    with other.scope():
        assert channels_seen() == []
