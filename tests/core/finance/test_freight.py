"""Carrier labels are outbound freight: shipping's `shipment.label_bought` books the label's
price as 销售费用—运费 owed to the carrier, per shop and order, in the label's currency; its
`shipment.voided` books the same red. A label without a price books nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

from core import events
from core.shipping.events import LabelBought, LabelVoided
from tests.core.finance.helpers import shipped, shop, sku_line, totals_by_root, verify, vouchers


def _bought(s, order, amount: Decimal | None, currency: str = "CNY") -> uuid.UUID:
    shipment_id = uuid.uuid4()
    with s.tenant.scope():
        events.emit(
            "shipment.label_bought",
            LabelBought(
                shipment_id=shipment_id,
                number="SHP-000001",
                order_id=order.id,
                carrier="fedex",
                service="FEDEX_GROUND",
                tracking_number="794600000001",
                amount=amount,
                currency=currency,
                warehouse_id=s.wh,
                order_number=order.number,
                shop_id=s.conn,
            ),
            entity_type="shipment",
            entity_id=shipment_id,
        )
    return shipment_id


def test_a_bought_label_is_freight_owed_to_the_carrier_and_a_void_books_it_red(tenant_a):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "20.00"))
    shipment_id = _bought(s, order, Decimal("35.50"))
    freight = [v for v in vouchers(s.tenant, "sales_order", order.id) if v["rule"] == "label.purchased"]
    (v,) = freight
    assert v["source"]["event_name"] == "shipment.label_bought" and order.number in v["memo"]
    net = totals_by_root(v)
    assert net["6601"] == Decimal("35.50") and net["2202"] == Decimal("-35.50")
    expense = next(ln for ln in v["lines"] if ln["account_code"].startswith("6601"))
    assert expense["dims"]["shop_id"] == str(s.conn) and expense["dims"]["order_id"] == str(order.id)

    with s.tenant.scope():
        events.emit(
            "shipment.voided",
            LabelVoided(
                shipment_id=shipment_id,
                order_id=order.id,
                carrier="fedex",
                tracking_number="794600000001",
                amount=Decimal("35.50"),
                currency="CNY",
                order_number=order.number,
                shop_id=s.conn,
                warehouse_id=s.wh,
            ),
            entity_type="shipment",
            entity_id=shipment_id,
        )
    freight = [v for v in vouchers(s.tenant, "sales_order", order.id) if v["rule"] == "label.purchased"]
    assert len(freight) == 2
    red = next(v for v in freight if v["source"]["event_name"] == "shipment.voided")
    assert totals_by_root(red)["6601"] == Decimal("-35.50")
    assert verify(s.tenant)["ok"] is True


def test_a_label_without_a_price_books_nothing(tenant_a):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "20.00"))
    _bought(s, order, None)
    assert [v for v in vouchers(s.tenant, "sales_order", order.id) if v["rule"] == "label.purchased"] == []
