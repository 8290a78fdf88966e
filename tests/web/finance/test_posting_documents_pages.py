"""The posting page lists the business documents posted to Kingdee beside the vouchers, with
their number there, in English and Chinese."""

from __future__ import annotations

from tests.core.finance.helpers import shipped, shop, sku_line
from tests.core.finance.test_posting_documents import ALL_ON, documents, kingdee, map_all, run, site  # noqa: F401


def test_documents_are_listed_with_the_vouchers(tenant_a, portal, site):  # noqa: F811
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "30.00"))
    conn = kingdee(tenant_a, site, **ALL_ON)
    map_all(s, conn)
    assert run(tenant_a, conn)["status"] == "done"
    [doc] = documents(tenant_a, conn)
    client = portal(tenant_a, "finance")
    page = client.text(f"/finance/posting/{conn}")
    assert "Vouchers and documents" in page and f"Sales outbound {order.number}/" in page
    assert doc["external_number"] in page and doc["external_number"].startswith("XSCKD")
    mapping = client.text(f"/finance/posting/{conn}?start_date=2000-01-01")
    assert (
        "Warehouse (the target&#39;s stock location)" in mapping or "Warehouse (the target's stock location)" in mapping
    )
    client.post("/locale", {"locale": "zh_CN", "next": f"/finance/posting/{conn}"})
    zh = client.text(f"/finance/posting/{conn}")
    assert "凭证与单据" in zh and f"销售出库 {order.number}/" in zh
