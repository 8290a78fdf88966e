"""The demo's Kingdee connection: every account its vouchers use mapped to the emulator's
chart, and the vouchers posted there, audited, each once; with the business documents on, the
shipped order's sales outbound too."""

from __future__ import annotations

from core.finance import posting_demo
from core.plugins import registry
from tests.core.finance.helpers import shipped, shop, sku_line
from tests.support import body


def test_the_demo_posts_its_vouchers_to_kingdee(tenant_a, tenant_b):
    s = shop(tenant_a)
    shipped(s, sku_line(s, s.tee, 2, "30.00"))
    emulator = registry().emulators["kingdee"]
    before = len(emulator.vouchers)
    with tenant_a.scope():
        posting_demo.seed("http://demo.test")
    (target,) = body(tenant_a.api.get("finance/posting/targets"))
    assert target["plugin"] == "kingdee" and target["status"] == "ok"
    every = body(tenant_a.api.get(f"finance/posting/results?connection_id={target['id']}&page_size=100"))
    results = [r for r in every if r["kind"] == "voucher"]
    assert results and all(r["status"] == "posted" and r["external_number"].startswith("记-") for r in results)
    mine = {int(r["external_id"]) for r in results}
    assert len(emulator.vouchers) - before == len(results) and mine <= set(emulator.vouchers)
    assert all(emulator.vouchers[i]["FDocumentStatus"] == "C" for i in mine)
    (outbound,) = [r for r in every if r["kind"] != "voucher"]
    assert outbound["kind"] == "sales_outbound" and outbound["status"] == "posted", outbound
    assert emulator.documents["SAL_OUTSTOCK"][int(outbound["external_id"])]["FDocumentStatus"] == "C"
    items = body(tenant_a.api.get(f"finance/posting/targets/{target['id']}/mappings"))
    assert all(i["mapped"] for i in items if i["kind"] == "account")
    assert body(tenant_b.api.get("finance/posting/targets")) == []


def test_nearest_parent_in_the_targets_chart():
    chart = {"1122": "应收账款", "6601": "销售费用"}
    assert posting_demo.nearest("1122.01", chart) == "1122"
    assert posting_demo.nearest("6601.05.1", chart) == "6601"
    assert posting_demo.nearest("9999", chart) is None
