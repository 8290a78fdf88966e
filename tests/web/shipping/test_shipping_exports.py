"""The shipments list's export: its filters, the tenant's own shipments only, CSV with the BOM
and the page's headers, XLSX with the cost as a number."""

from __future__ import annotations

import pytest

from core.shipping import service as shipping
from tests.core.shipping.conftest import _shipbox_registered, make_shop, shipbox  # noqa: F401 - fixtures
from tests.web.conftest import export_csv, export_xlsx, table_headers


@pytest.fixture
def shop(tenant_a):
    return make_shop(tenant_a)


def test_shipments_export_follows_the_status_filter(portal, shop, shipbox, tenant_b):
    shipbox(shop.tenant)
    labelled_order, draft_order = shop.order(), shop.order()
    with shop.tenant.scope():
        labelled = shipping.buy_label(labelled_order)
        numbers = (labelled.number, labelled.order_number, labelled.tracking_number)
        draft = shipping.prepare(draft_order).number
    other = make_shop(tenant_b)
    with tenant_b.scope():
        shipping.prepare(other.order())
    client = portal(shop.tenant)
    page = client.get("/shipping/?status=labelled").get_data(as_text=True)
    assert "/shipping/export?format=csv&amp;status=labelled" in page
    rows = export_csv(client.get("/shipping/export?format=csv&status=labelled"))
    assert rows[0] == [
        "Shipment",
        "Order",
        "Carrier",
        "Service",
        "Status",
        "Tracking number",
        "Tracking",
        "Cost",
        "Currency",
        "Created at",
    ]
    assert [(r[0], r[1], r[4], r[5]) for r in rows[1:]] == [(*numbers[:2], "Labelled", numbers[2])]
    sheet = export_xlsx(client.get("/shipping/export?format=xlsx"))
    assert sorted(r[0] for r in sheet[1:]) == sorted([numbers[0], draft])
    cost = next(r[7] for r in sheet[1:] if r[0] == numbers[0])
    assert isinstance(cost, (int, float)) and cost > 0
    zh = portal(shop.tenant)
    zh.post("/locale", {"locale": "zh_CN"})
    header = export_csv(zh.get("/shipping/export?format=csv"))[0]
    shown = table_headers(zh.get("/shipping/").get_data(as_text=True), "shipments")
    assert set(shown[1:]) <= set(header) and header[8] == "币种"  # the page's headers, in Chinese
