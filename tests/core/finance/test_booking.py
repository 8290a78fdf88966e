"""Business events become vouchers: one per event, by its rule, booked once however often it
is delivered, listed as not booked when it cannot be, and the same again on replay."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import session
from core.events import OutboxEvent
from core.finance.service import booking
from core.orders import service as orders
from tests.core.finance.helpers import lines, shipped, shop, sku_line, totals_by_root, verify, vouchers
from tests.core.orders.helpers import channel_order
from tests.support import body, pagination


@pytest.fixture
def books(tenant_a, tenant_b):
    return shop(tenant_a)


def test_opening_stock_is_booked_against_opening_equity(books):
    rows = body(books.api.get("finance/vouchers?page_size=50"))
    assert len(rows) == 2
    first = rows[-1]
    assert first["rule"] == "stock.adjusted" and first["source"]["type"] == "stock_adjustment"
    assert totals_by_root(first) == {"1405": Decimal("240.00"), "4104": Decimal("-240.00")}
    inv_line = first["lines"][0]
    assert inv_line["account_name"].startswith("库存商品—SZ-")  # a sub-account per warehouse
    assert inv_line["dims"]["warehouse_id"] == str(books.wh)


def test_a_shipment_books_revenue_receivable_and_cost_in_one_voucher(books):
    order = shipped(
        books,
        sku_line(books, books.tee, 2, "20.00", item_tax=Decimal("3.20"), shipping_price=Decimal("5.00")),
        sku_line(books, books.cap, 1, "8.00", discount=Decimal("1.00")),
    )
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    assert v["rule"] == "order.shipped" and v["source"]["number"] == order.number
    assert v["memo"].startswith(f"销售出库 {order.number}")
    assert v["source"]["event_name"] == "order.shipped"
    net = totals_by_root(v)
    # Goods 48, shipping 5, tax 3.20 owed by the seller (the dummy channel is no facilitator),
    # discount 1: the buyer pays 55.20; COGS 2 x 12 + 1 x 5 at the moving average.
    assert net["1122"] == Decimal("55.20")
    assert net["6001"] == Decimal("-52.00")  # 48 goods + 5 shipping - 1 discount
    assert net["2221"] == Decimal("-3.20")
    assert net["6401"] == Decimal("29.00") and net["1405"] == Decimal("-29.00")
    receivable = v["lines"][0]
    assert receivable["account_name"] == "应收账款—Amazon US"
    assert receivable["dims"]["shop_id"] == str(books.conn) and receivable["dims"]["order_id"] == str(order.id)
    revenue = [ln for ln in v["lines"] if ln["account_code"] == "6001.01"]
    assert {ln["dims"]["sku_id"] for ln in revenue} == {str(books.tee), str(books.cap)}
    assert verify(books.tenant)["ok"] is True


def test_tax_the_platform_remits_is_neither_revenue_nor_a_liability(books):
    assert books.api.patch("finance/settings", {"facilitator_tax_channels": ["dummy"]}).status_code == 200
    order = shipped(books, sku_line(books, books.tee, 1, "20.00", item_tax=Decimal("1.60")))
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    net = totals_by_root(v)
    assert net["1122"] == Decimal("20.00") and net["6001"] == Decimal("-20.00") and "2221" not in net


def test_refunds_after_shipment_are_red_letter_for_the_refunded_components(books):
    order = shipped(books, sku_line(books, books.tee, 3, "10.00", shipping_price=Decimal("1.00")))
    tee_line = order.lines[0]
    with books.tenant.scope():
        orders.refund(order.id, method="platform", reason="late", lines=[{"line_id": str(tee_line.id), "quantity": 1}])
    sale, refund = vouchers(books.tenant, "sales_order", order.id)
    assert refund["rule"] == "order.refunded"
    # One of three units of (30 goods + 1 shipping): 10.33 back, split 10.00 goods + 0.33 shipping,
    # all red: the same sides as the sale with negative amounts.
    assert lines(refund) == [
        (sale["lines"][0]["account_code"], "-10.33", "0"),
        ("6001.01", "0", "-10.00"),
        ("6001.02", "0", "-0.33"),
    ]
    assert verify(books.tenant)["ok"] is True


def test_a_refund_before_shipment_books_nothing_and_is_not_listed(books):
    with books.tenant.scope():
        result = orders.upsert_from_channel(
            books.conn, channel_order(sku_line(books, books.tee, 2, "10.00"), currency="CNY")
        )
    with books.tenant.scope():
        orders.refund(result.order_id, method="platform", reason="changed mind")
    assert vouchers(books.tenant, "sales_order", result.order_id) == []
    assert pagination(books.api.get("finance/unbooked"))["total"] == 0


def test_a_return_comes_back_into_stock_at_the_cost_it_shipped_at(books):
    order = shipped(books, sku_line(books, books.tee, 2, "20.00"))
    with books.tenant.scope():
        rma = orders.create_return(order.id, lines=[{"line_id": str(order.lines[0].id), "quantity": 2}], reason="size")
    with books.tenant.scope():
        orders.receive_return(rma.id, inspection=[{"line_id": str(order.lines[0].id), "restock": 1, "damaged": 1}])
    sale, back = vouchers(books.tenant, "sales_order", order.id)
    assert back["rule"] == "return.received"
    net = totals_by_root(back)
    assert net["1405"] == Decimal("24.00")
    assert [ln["debit"] for ln in back["lines"] if ln["account_code"] == "6401"] == ["-24.00"]  # red COGS
    assert verify(books.tenant)["ok"] is True


def test_the_same_event_delivered_twice_books_once(books):
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    with books.tenant.scope():
        ev = session.execute(
            select(OutboxEvent).where(OutboxEvent.name == "order.shipped", OutboxEvent.entity_id == str(order.id))
        ).scalar_one()
        first = booking.book_event(ev)
        again = booking.book_events([ev, ev])
    assert again == [first, first]
    assert len(vouchers(books.tenant, "sales_order", order.id)) == 1


def test_a_switched_off_rule_lists_its_events_as_not_booked_until_booked_again(books):
    assert books.api.put("finance/rules/order.shipped", {"enabled": False}).status_code == 200
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    assert vouchers(books.tenant, "sales_order", order.id) == []
    (row,) = body(books.api.get("finance/unbooked"))
    assert row["event_name"] == "order.shipped" and "switched off" in row["reason"]
    again = books.api.post(f"finance/unbooked/{row['id']}/book")
    assert again.status_code == 200 and body(again)["status"] == "open"  # still off
    assert books.api.put("finance/rules/order.shipped", {"enabled": True}).status_code == 200
    booked = body(books.api.post(f"finance/unbooked/{row['id']}/book"))
    assert booked["status"] == "booked"
    assert len(vouchers(books.tenant, "sales_order", order.id)) == 1
    assert pagination(books.api.get("finance/unbooked"))["total"] == 0
    assert verify(books.tenant)["replay"]["ok"] is True


def test_a_mapped_account_is_used_and_replay_notices_when_the_books_differ(books):
    acc = body(books.api.post("finance/accounts", {"code": "6001.04", "name": "主营业务收入—Amazon"}))
    resp = books.api.put("finance/mappings", {"role": "revenue", "account_id": acc["id"], "dimension_value": ""})
    assert resp.status_code == 200, body(resp)
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    assert "6001.04" in {ln["account_code"] for ln in v["lines"]}
    assert verify(books.tenant)["replay"] == {"ok": True, "events": 3, "compared": 3, "differences": []}
    # The mapping changes afterwards: the voucher on the books no longer is what the rules give.
    mapping = body(books.api.get("finance/mappings"))[0]
    assert books.api.delete(f"finance/mappings/{mapping['id']}").status_code == 204
    report = verify(books.tenant)["replay"]
    assert report["ok"] is False and report["differences"][0]["problem"] == "lines differ"
    # Reverse and rebook: the event's second version follows the mapping as it is now.
    red = body(books.api.post(f"finance/vouchers/{v['id']}/reverse", {}))
    fresh = books.api.post(f"finance/vouchers/{v['id']}/rebook")
    assert fresh.status_code == 201, body(fresh)
    assert "6001.01" in {ln["account_code"] for ln in body(fresh)["lines"]}
    assert books.api.post(f"finance/vouchers/{v['id']}/rebook").status_code == 409
    assert {x["id"] for x in vouchers(books.tenant, "sales_order", order.id)} == {v["id"], red["id"], body(fresh)["id"]}


def test_a_foreign_order_waits_for_its_rate_naming_pair_and_date(books):
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"), currency="USD")
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    assert v["status"] == "waiting_rate" and v["number"] is None and v["lines"] == []
    (missing,) = v["waiting_for"]
    assert missing["from"] == "USD" and missing["to"] == "CNY" and missing["on"] == v["document_date"]
    # Until it posts, the stock that left is missing from the books, and verify says why.
    (problem,) = verify(books.tenant)["problems"]
    assert "1 voucher(s) wait for a rate" in problem["detail"]


def test_tenants_books_are_their_own(books, tenant_b):
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    assert vouchers(tenant_b, "sales_order", order.id) == []
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    assert tenant_b.api.post(f"finance/vouchers/{v['id']}/rebook").status_code == 404
