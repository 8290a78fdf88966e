"""The reconciliation workspace in the portal, in English and Chinese: a bad report refused
with its problems by line and nothing stored, a good one uploaded, its orders with their
differences, a line matched by hand, a reason given, the export, and closing refused until
every difference has its reason; and, in Chromium on a live server, the same journey in
Chinese with a screenshot of the workspace."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime, time, timedelta

import pytest

from core.testing import settlements as v2
from tests.core.finance.helpers import shipped, shop, sku_line
from tests.core.finance.settlements_helpers import report
from tests.core.purchasing.helpers import local_today
from tests.support import body
from tests.web.conftest import visible_text
from tests.web.finance.test_ledger_setup_pages import chinese


def _at(day):
    return datetime.combine(day, time(8), UTC)


@pytest.fixture
def case(tenant_a, tenant_b):
    """A CNY tenant with a shipped USD order and a report paying it short, plus a line of an
    order the shop does not know."""
    books = shop(tenant_a)
    today = local_today()
    assert tenant_a.api.post(
        "exchange-rates", {"base": "USD", "quote": "CNY", "date": str(today), "rate": "7.10"}
    ).status_code in (200, 201)
    order = shipped(books, sku_line(books, books.tee, 1, "40.00"), currency="USD")
    rows = [
        *v2.order_rows(order.external_order_id, sku="TEE", principal="30.00", commission="-4.50", posted=today),
        *v2.order_rows("111-7777777-7777777", sku="CAP", principal="25.00", commission="-3.75", posted=today),
    ]
    sid, text = report(rows, start=_at(today - timedelta(days=3)), end=_at(today), deposit=_at(today))
    return books, order, sid, text


def _upload(client, text, conn):
    return client.post(
        "/finance/settlements/upload",
        {"file": (io.BytesIO(text.encode()), "settlement.txt"), "connection_id": str(conn)},
        content_type="multipart/form-data",
    )


def test_the_workspace_in_english_and_chinese(case, portal):
    books, order, sid, text = case
    client = portal(books.tenant)
    page = client.text("/finance/settlements")
    assert "Upload an Amazon settlement report" in visible_text(page)

    bad = text.replace("\t-4.50\t", "\t-4,5x\t")
    resp = _upload(client, bad, books.conn)
    assert resp.status_code == 422
    shown = visible_text(resp.get_data(as_text=True))
    assert "nothing was imported" in shown and "line 4: amount: '-4,5x' is not an amount" in shown
    assert body(books.tenant.api.get("finance/settlements")) == []
    zh = chinese(portal(books.tenant, "finance"))  # a user of their own: the switch is saved on the user
    shown = visible_text(_upload(zh, bad, books.conn).get_data(as_text=True))
    assert "第 4 行：amount：'-4,5x' 不是 US 数字格式的金额" in shown, shown
    assert "is not an amount" not in shown

    resp = _upload(client, text, books.conn)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    url = resp.headers["Location"]
    # The detail page opens on the matching job's progress panel.
    job_id = url.split("job=")[1]
    assert f'id="job-live-{job_id}"' in client.get(url).get_data(as_text=True)
    page = visible_text(client.text(url))
    assert f"Settlement {sid}" in page and "Matched, open items" in page and "Amazon US" in page
    assert order.external_order_id in page and "10.00" in page and "Timing (later or earlier settlement)" in page

    (s,) = body(books.tenant.api.get("finance/settlements"))
    closing = client.post(f"/finance/settlements/{s['id']}/close", {"tolerance": "0"})
    assert closing.status_code == 302
    assert "match no order" in visible_text(client.text(url))

    lines = body(books.tenant.api.get(f"finance/settlements/{s['id']}/lines?match_status=unmatched"))
    other = shipped(books, sku_line(books, books.cap, 1, "25.00"), currency="USD")
    for ln in lines:
        resp = client.post(f"/finance/settlements/{s['id']}/lines/{ln['id']}/match", {"order": other.number})
        assert resp.status_code == 302
    results = {r["external_order_id"]: r for r in body(books.tenant.api.get(f"finance/settlements/{s['id']}/orders"))}
    short = results[order.external_order_id]
    resp = client.post(
        f"/finance/settlements/{s['id']}/orders/{short['id']}", {"reason": "partial_refund", "note": "goodwill"}
    )
    assert resp.status_code == 302

    export = client.get(f"/finance/settlements/{s['id']}/export?format=csv")
    assert export.status_code == 200 and order.external_order_id in export.get_data(as_text=True)
    assert client.get(f"/finance/settlements/{s['id']}/export?format=xlsx").status_code == 200

    zh = visible_text(chinese(client).text(url))
    assert f"结算单 {sid}" in zh and "部分退款" in zh and "按订单" in zh
    resp = client.post(f"/finance/settlements/{s['id']}/close", {"tolerance": "0"})
    assert resp.status_code == 302
    assert body(books.tenant.api.get(f"finance/settlements/{s['id']}"))["status"] == "closed"
    assert "已结账" in visible_text(client.text(url))


@pytest.mark.browser
def test_reconcile_a_settlement_in_chinese_in_the_browser(case, browser_page, live_server):
    books, order, sid, text = case
    tenant = books.tenant
    page = browser_page
    page.goto("/login")
    page.get_by_label("E-mail").fill(tenant.owner_email)
    page.get_by_label("Password").fill(tenant.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()

    page.goto("/finance/settlements")
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"settlement-{sid}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    page.locator('input[name="file"]').set_input_files(path)
    page.locator("#upload button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/finance/settlements/[0-9a-f-]+\?job=[0-9a-f-]+$"))
    assert page.get_by_role("heading", name=f"结算单 {sid}").is_visible()
    row = page.locator("#results tr", has_text=order.external_order_id)
    assert row.get_by_text("10.00").first.is_visible()
    row.locator('select[name="reason"]').select_option("partial_refund")
    row.locator('input[name="note"]').fill("买家补偿")
    row.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text("原因和备注已保存").is_visible()

    page.get_by_role("link", name="明细", exact=True).click()
    unmatched = page.locator("#lines tr", has_text="111-7777777-7777777").first
    assert unmatched.get_by_text("未匹配").is_visible()
    page.screenshot(path=os.path.join(os.environ.get("TMPDIR", "/tmp"), "settlement-workspace.png"), full_page=True)
    page.locator("#close-form button").click()
    page.wait_for_load_state()
    assert page.get_by_text("行销售明细未匹配到订单").is_visible()  # the refusal, in Chinese
    assert body(tenant.api.get("finance/settlements"))[0]["status"] != "closed"


def test_the_upload_takes_a_gzip_report_and_refuses_other_formats_naming_those_accepted(case, portal):
    import gzip

    books, _order, sid, text = case
    client = portal(books.tenant)
    page = visible_text(client.text("/finance/settlements"))
    assert "Accepted: Amazon's settlement report, Flat File V2" in page
    for data, said in (
        (b"PK\x03\x04rest-of-a-workbook", "XLSX and ZIP files are not accepted."),
        (b"<?xml version='1.0'?><AmazonEnvelope/>", "The XML settlement report (removed by Amazon) is not accepted."),
        (b"Transaction Date,Type,Order,Amount\n", "Comma-separated files are not accepted."),
    ):
        resp = client.post(
            "/finance/settlements/upload",
            {"file": (io.BytesIO(data), "report.bin"), "connection_id": str(books.conn)},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 422
        shown = visible_text(resp.get_data(as_text=True))
        assert said in shown and "Flat File V2" in shown
    assert body(books.tenant.api.get("finance/settlements")) == []
    zh = portal(books.tenant)
    zh.post("/locale", {"locale": "zh_CN", "next": "/finance/"})
    resp = zh.post(
        "/finance/settlements/upload",
        {"file": (io.BytesIO(b"PK\x03\x04x"), "report.xlsx"), "connection_id": str(books.conn)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422 and "不接受 XLSX 和 ZIP 文件。" in resp.get_data(as_text=True)

    resp = client.post(
        "/finance/settlements/upload",
        {"file": (io.BytesIO(gzip.compress(text.encode())), "settlement.txt.gz"), "connection_id": str(books.conn)},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    (s,) = body(books.tenant.api.get("finance/settlements"))
    assert s["external_id"] == sid and s["line_count"] == 4


def test_the_settlements_list_exports_as_csv_and_xlsx(case, portal, tenant_b):
    from tests.web.conftest import export_csv, export_xlsx

    books, order, sid, text = case
    client = portal(books.tenant)
    assert _upload(client, text, books.conn).status_code == 302
    assert "/finance/settlements/export?format=csv" in client.get("/finance/settlements").get_data(as_text=True)
    rows = export_csv(client.get("/finance/settlements/export?format=csv"))
    assert rows[0] == [
        "Settlement",
        "Shop",
        "Period",
        "Deposit date",
        "Total",
        "Currency",
        "Lines",
        "Unmatched",
        "Status",
    ]
    ((number, shop_name, period, deposit, total, currency, *_rest),) = rows[1:]
    assert (number, shop_name, currency) == (sid, "Amazon US", "USD") and " – " in period and deposit
    sheet = export_xlsx(client.get("/finance/settlements/export?format=xlsx"))
    assert sheet[1][0] == sid and float(sheet[1][4]) == float(total) and isinstance(sheet[1][6], int)
    assert export_csv(portal(tenant_b).get("/finance/settlements/export?format=csv"))[1:] == []
