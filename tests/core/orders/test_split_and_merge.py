"""Splitting (manual and by the tenant's rules) and merging, with their effect on stock,
money and events; and the property that splits preserve every unit and every cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core.db import session
from core.errors import Conflict, ValidationError
from core.money import minor_unit
from core.orders import service
from core.orders.models import LINE_AMOUNTS, Order
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import (
    APPROVE_ALL,
    address,
    channel_order,
    connection,
    events,
    line,
    rates,
    settings,
    snapshot,
    stock,
    warehouse,
)


@pytest.fixture
def shop(tenant_a, tenant_b):
    return tenant_a, connection(tenant_a)


def upsert(tenant, conn, order):
    with tenant.scope():
        result = service.upsert_from_channel(conn, order)
        order = service.get_order(result.order_id)
        _ = order.lines
        return order


def kids(tenant, order_id):
    with tenant.scope():
        rows = session.query(Order).filter(Order.parent_id == order_id).order_by(Order.number).all()
        for r in rows:
            _ = r.lines
        return rows


def test_manual_split_moves_the_reservation_to_the_children(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "SP-1")
    wh = warehouse(tenant)
    stock(tenant, sku, wh, 10)
    settings(tenant, review_rules=APPROVE_ALL)
    order = upsert(tenant, conn, channel_order(line("SP-1", 5, "3.33", shipping_price=Decimal("1.00")), ext="MS-1"))
    assert order.status == "allocated" and snapshot(tenant, sku, wh)["reserved"] == 5
    with tenant.scope():
        children = service.split(order.id, [[{"line_id": str(order.lines[0].id), "quantity": 2}]], "two parcels")
        assert [c.status for c in children] == ["allocated", "allocated"]
    assert snapshot(tenant, sku, wh)["reserved"] == 5
    a, b = kids(tenant, order.id)
    assert [ln.quantity for ln in a.lines + b.lines] == [2, 3]
    assert a.lines[0].item_amount + b.lines[0].item_amount == Decimal("16.65")
    assert a.lines[0].shipping + b.lines[0].shipping == Decimal("1.00")
    assert a.lines[0].parent_line_id == order.lines[0].id
    with tenant.scope():
        assert service.get_order(order.id).status == "split"
        with pytest.raises(Exception) as refused:
            service.ship(order.id, carrier="UPS")
        assert refused.value.status_code == 409 and "it is split" in refused.value.message
        service.ship(a.id, carrier="UPS", tracking_number="1Z1")
    assert snapshot(tenant, sku, wh)["on_hand"] == 8 and snapshot(tenant, sku, wh)["reserved"] == 3


def test_a_split_must_leave_two_non_empty_parts(shop):
    tenant, conn = shop
    approved_sku(tenant, "SP-2")
    order = upsert(tenant, conn, channel_order(line("SP-2", 2)))
    line_id = str(order.lines[0].id)
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.split(order.id, [[{"line_id": line_id, "quantity": 2}]])
    assert "parts" in bad.value.errors
    with tenant.scope(), pytest.raises(ValidationError) as bad:
        service.split(order.id, [[{"line_id": line_id, "quantity": 3}]])
    assert "parts.0.0.quantity" in bad.value.errors


@pytest.fixture
def rules_shop(shop):
    tenant, conn = shop
    wh = warehouse(tenant)
    glass = approved_sku(tenant, "GLASS", attributes={"fragile": "yes"}, gross_weight_g=400)
    book = approved_sku(tenant, "BOOK", attributes={"fragile": "no"}, gross_weight_g=900)
    rug = approved_sku(
        tenant, "RUG", gross_weight_g=1500, package_size={"length_cm": "120", "width_cm": "20", "height_cm": "20"}
    )
    for sku in (glass, book, rug):
        stock(tenant, sku, wh, 50)
    return tenant, conn, wh, {"GLASS": glass, "BOOK": book, "RUG": rug}


def test_split_rules_keep_fragile_goods_apart(rules_shop):
    tenant, conn, wh, skus = rules_shop
    settings(tenant, review_rules=APPROVE_ALL, split_attributes=["fragile"])
    order = upsert(tenant, conn, channel_order(line("GLASS", 2), line("BOOK", 1)))
    assert order.status == "split"
    parts = {tuple(ln.seller_sku for ln in k.lines): k.status for k in kids(tenant, order.id)}
    assert parts == {("GLASS",): "allocated", ("BOOK",): "allocated"}


def test_split_rules_respect_the_weight_and_size_limits(rules_shop):
    tenant, conn, wh, skus = rules_shop
    settings(tenant, review_rules=APPROVE_ALL, package_limits={"max_weight_g": 2000, "max_length_girth_cm": "200"})
    order = upsert(tenant, conn, channel_order(line("BOOK", 5), line("RUG", 1)))
    children = kids(tenant, order.id)
    # Books: 900 g each, two per parcel (1800 g); the rug (120 + 2x40 = 200 cm) alone.
    assert sorted(tuple((ln.seller_sku, ln.quantity) for ln in k.lines) for k in children) == [
        (("BOOK", 1),),
        (("BOOK", 2),),
        (("BOOK", 2),),
        (("RUG", 1),),
    ]
    assert all(k.status == "allocated" for k in children)
    assert snapshot(tenant, skus["BOOK"], wh)["reserved"] == 5


def test_split_rules_apply_the_value_limit_of_the_destination(rules_shop):
    tenant, conn, wh, skus = rules_shop
    settings(
        tenant,
        review_rules=APPROVE_ALL,
        value_limits=[
            {"destination": "GB", "amount": "1000", "currency": "CNY"},
            {"destination": "*", "amount": "100000", "currency": "CNY"},
        ],
    )
    rates(tenant, {"USD": "7"})
    to_uk = upsert(tenant, conn, channel_order(line("BOOK", 3, "100.00"), country="GB"))  # 700 CNY a book
    to_us = upsert(tenant, conn, channel_order(line("BOOK", 3, "100.00"), country="US"))
    assert [k.lines[0].quantity for k in kids(tenant, to_uk.id)] == [1, 1, 1]
    assert to_us.status == "allocated"


def test_merging_pending_orders_of_one_buyer_and_shipping_them_together(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "MG-1")
    wh = warehouse(tenant)
    stock(tenant, sku, wh, 10)
    first = upsert(tenant, conn, channel_order(line("MG-1", 1, "5.00", ext="A1"), ext="M-A"))
    second = upsert(tenant, conn, channel_order(line("MG-1", 2, "5.00", ext="B1"), ext="M-B"))
    elsewhere = upsert(tenant, conn, channel_order(line("MG-1", 1), ext="M-C", shipping_address=address(line1="2 Elm")))
    with tenant.scope():
        groups = service.merge_candidates()
        assert [sorted(o.number for o in g) for g in groups] == [sorted([first.number, second.number])]
        with pytest.raises(Conflict) as refused:
            service.merge([first.id, elsewhere.id])
        assert "different address" in refused.value.message
        merged = service.merge([first.id, second.id], "same parcel")
        service.approve(merged.id)
        assert service.get_order(first.id).status == "merged"
        assert service.get_order(merged.id).status == "allocated"
        assert service.get_order(merged.id).total == Decimal("15.00")
    assert snapshot(tenant, sku, wh)["reserved"] == 3
    with tenant.scope():
        service.ship(merged.id, carrier="DHL", tracking_number="JD1")
    shipped = events(tenant, "order.shipped", merged.id)[0].payload
    assert shipped["external_order_id"] is None
    assert sorted(
        (c["external_order_id"], c["lines"][0]["external_line_id"], c["lines"][0]["quantity"])
        for c in shipped["channel_orders"]
    ) == [("M-A", "A1", 1), ("M-B", "B1", 2)]
    assert events(tenant, "order.merged", merged.id)[0].payload["sources"][0]["external_order_id"] == "M-A"


def test_the_channel_cancelling_one_source_of_a_merged_order_cancels_its_lines_only(shop):
    tenant, conn = shop
    sku = approved_sku(tenant, "MG-2")
    wh = warehouse(tenant)
    stock(tenant, sku, wh, 10)
    first = upsert(tenant, conn, channel_order(line("MG-2", 1, ext="A1"), ext="MC-A"))
    upsert(tenant, conn, channel_order(line("MG-2", 2, ext="B1"), ext="MC-B"))
    with tenant.scope():
        second = service.order_query(q="MC-B").limit(1)
        second_id = session.execute(second).scalar_one().id
        merged = service.merge([first.id, second_id])
        service.approve(merged.id)
    assert snapshot(tenant, sku, wh)["reserved"] == 3
    upsert(tenant, conn, channel_order(line("MG-2", 2, ext="B1"), ext="MC-B", status="cancelled", updated=1))
    with tenant.scope():
        merged = service.get_order(merged.id)
        assert merged.status == "allocated"
        assert [(ln.external_order_id, ln.quantity_cancelled) for ln in merged.lines] == [("MC-A", 0), ("MC-B", 2)]
    assert snapshot(tenant, sku, wh)["reserved"] == 1
    assert events(tenant, "order.lines_cancelled", merged.id)[0].payload["source"] == "channel"


# ---------------------------------------------------------------------------------------------
# Property: a split preserves every unit and every minor unit of money, line by line.

money_cents = st.integers(min_value=0, max_value=9_999_99)
line_st = st.tuples(st.integers(min_value=1, max_value=6), money_cents, money_cents, money_cents, money_cents)


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
    lines=st.lists(line_st, min_size=1, max_size=4),
    parts=st.integers(min_value=2, max_value=4),
    data=st.data(),
)
def test_children_add_up_to_the_parent(property_shop, currency, lines, parts, data):
    tenant, conn, code = property_shop
    exp = Decimal(1).scaleb(-minor_unit(currency))
    order_lines = [
        line(
            code,
            qty,
            str(Decimal(price) * exp),
            item_tax=Decimal(tax) * exp,
            shipping_price=Decimal(ship) * exp,
            discount=min(Decimal(disc), Decimal(price) * qty) * exp,
        )
        for qty, price, tax, ship, disc in lines
    ]
    units = sum(q for q, *_ in lines)
    parts = min(parts, units) if units >= 2 else 0
    if parts < 2:
        return
    parent = upsert(tenant, conn, channel_order(*order_lines, currency=currency))
    # Deal every unit to a part; make sure no part ends up empty.
    owners = [data.draw(st.integers(min_value=0, max_value=parts - 1)) for _ in range(units)]
    owners[:parts] = list(range(parts))
    chosen: list[list[dict]] = [[] for _ in range(parts)]
    i = 0
    for ln in parent.lines:
        for _ in range(ln.quantity):
            bucket = chosen[owners[i]]
            for item in bucket:
                if item["line_id"] == str(ln.id):
                    item["quantity"] += 1
                    break
            else:
                bucket.append({"line_id": str(ln.id), "quantity": 1})
            i += 1
    with tenant.scope():
        service.split(parent.id, chosen[:-1])
    children = kids(tenant, parent.id)
    assert len(children) == parts
    for pl in parent.lines:
        mine = [cl for c in children for cl in c.lines if cl.parent_line_id == pl.id]
        assert sum(cl.quantity for cl in mine) == pl.quantity
        for name in LINE_AMOUNTS:
            assert sum((getattr(cl, name) for cl in mine), Decimal(0)) == getattr(pl, name), name
            assert all(getattr(cl, name) == getattr(cl, name).quantize(exp) for cl in mine)
    assert sum((c.total for c in children), Decimal(0)) == parent.total
    assert sum((c.goods_amount for c in children), Decimal(0)) == parent.goods_amount


@pytest.fixture
def property_shop(tenant_a):
    approved_sku(tenant_a, "PROP-1")
    return tenant_a, connection(tenant_a), "PROP-1"
