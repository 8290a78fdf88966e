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


def _order(tenant, order_id):
    with tenant.scope():
        from core.orders import service as orders

        o = orders.get_order(order_id)
        return o.number, o.ship_name, o.ship_line1, o.ship_city


def test_awaiting_export_masks_recipients_unless_asked_by_a_role_that_may_see_them(portal, shop, tenant_b):
    us, jp = shop.order(), shop.order(country="JP")
    number, name, line1, city = _order(shop.tenant, us)
    assert name and line1  # the channel gave a recipient and a street
    make_shop(tenant_b).order()
    owner = portal(shop.tenant)
    page = owner.get("/shipping/awaiting").get_data(as_text=True)
    assert "/shipping/awaiting/export?format=csv" in page and "personal=1" in page
    rows = export_csv(owner.get("/shipping/awaiting/export?format=csv"))
    assert rows[0] == [
        "Order",
        "Shop",
        "Recipient",
        "Address",
        "City",
        "State",
        "Postal code",
        "Destination",
        "Purchased at",
    ]
    assert len(rows) == 3  # this tenant's two orders only
    mine = next(r for r in rows[1:] if r[0] == number)
    # Masked by default, even for the owner: a download of personal data is a choice.
    assert name not in mine[2] and line1 not in mine[3] and mine[3] == "***" and mine[4] == city
    personal = export_csv(owner.get("/shipping/awaiting/export?format=csv&personal=1&country=US"))
    assert [(r[0], r[2]) for r in personal[1:]] == [(number, name)] and line1 in personal[1][3]
    sheet = export_xlsx(owner.get("/shipping/awaiting/export?format=xlsx&country=JP"))
    assert [r[7] for r in sheet[1:]] == ["JP"] and _order(shop.tenant, jp)[0] == sheet[1][0]
    assert owner.get("/shipping/awaiting/export?format=csv&country=ZZZ").status_code == 422
    # The warehouse role buys labels but may not read personal data (orders:pii): masked on the
    # page too, no link to the unmasked file, and asking for it is refused.
    packer = portal(shop.tenant, "warehouse")
    page = packer.get("/shipping/awaiting").get_data(as_text=True)
    assert number in page and name not in page and "personal=1" not in page
    assert packer.get("/shipping/awaiting/export?format=csv&personal=1").status_code == 403
    assert name not in "".join(sum(export_csv(packer.get("/shipping/awaiting/export?format=csv")), []))


def test_label_batches_export_follows_the_status_filter(portal, shop, shipbox, tenant_b):
    shipbox(shop.tenant)
    owner = portal(shop.tenant)
    done = owner.post("/shipping/batches", {"order_id": [str(shop.order()), str(shop.order())], "label_format": "PDF"})
    assert done.status_code == 302
    with shop.tenant.scope():
        batch = shipping.get_batch(done.headers["Location"].rsplit("/", 1)[1])
        number, status = batch.number, batch.status
    assert status == "done"  # the tests run jobs at once
    page = owner.get("/shipping/batches").get_data(as_text=True)
    assert "/shipping/batches/export?format=csv" in page
    rows = export_csv(owner.get("/shipping/batches/export?format=csv&status=done"))
    assert rows[0] == ["Batch", "Status", "Label format", "Orders", "Bought", "Failed", "Created at"]
    assert [r[:6] for r in rows[1:]] == [[number, "Done", "PDF", "2", "2", "0"]]
    assert export_csv(owner.get("/shipping/batches/export?format=csv&status=queued"))[1:] == []
    sheet = export_xlsx(owner.get("/shipping/batches/export?format=xlsx"))
    assert sheet[1][0] == number and sheet[1][3] == 2  # counts as numbers
    assert len(export_csv(portal(tenant_b).get("/shipping/batches/export?format=csv"))) == 1
    zh = portal(shop.tenant)
    zh.post("/locale", {"locale": "zh_CN"})
    word = export_csv(zh.get("/shipping/batches/export?format=csv"))[1][1]
    assert word != "Done" and word in zh.text("/shipping/batches")  # the page's word for the state
