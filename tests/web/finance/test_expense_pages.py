"""Expense documents in the portal: a new ad invoice whose lines name SKU codes and an order
number (a code that names nothing is refused beside its line, what was typed kept), the draft
approved with its voucher listed, the list with its filters; in English and in Chinese."""

from __future__ import annotations

from tests.core.finance.helpers import shipped, shop, sku_line, vouchers
from tests.web.conftest import visible_text
from tests.web.finance.test_ledger_setup_pages import chinese


def _codes(s):
    from core.catalog.service import get_sku

    with s.tenant.scope():
        return get_sku(s.tee).code, get_sku(s.cap).code


def test_an_ad_invoice_is_entered_approved_and_booked_in_english(tenant_a, tenant_b, portal):
    s = shop(tenant_a)
    order = shipped(s, sku_line(s, s.tee, 1, "20.00"))
    tee, cap = _codes(s)
    client = portal(s.tenant, "finance")
    page = client.text("/finance/expenses/new")
    assert "New expense document" in page and "Ad invoice" in page and "Carrier invoice" in page
    fields = {
        "kind": "ad_invoice",
        "vendor": "Google Ads",
        "reference": "GA-11",
        "currency": "CNY",
        "expense_date": "",
        "lines.0.description": "Campaigns",
        "lines.0.amount": "90.00",
        "lines.0.link_type": "sku",
        "lines.0.link": f"{tee}, NO-SUCH-SKU",
        "lines.2.description": "Retargeting",
        "lines.2.amount": "10.00",
        "lines.2.link_type": "order",
        "lines.2.link": order.number,
    }
    refused = client.post("/finance/expenses/new", fields)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    cell = html.split('name="lines.0.link"')[1].split("</td>")[0]
    assert "no such sku" in cell and "NO-SUCH-SKU" in cell  # beside the line, as typed
    assert 'value="Retargeting"' in html
    assert vouchers(s.tenant, "expense", "x") == [] and "GA-11" not in client.text("/finance/expenses")

    saved = client.post("/finance/expenses/new", {**fields, "lines.0.link": f"{tee}, {cap}"})
    assert saved.status_code == 302, visible_text(saved.get_data(as_text=True))[:500]
    detail_url = saved.headers["Location"]
    detail = client.text(detail_url)
    assert "Draft" in detail and "CN¥100.00" in detail and tee in detail and order.number in detail
    approved = client.post(detail_url, {})
    assert approved.status_code == 302
    detail = client.text(detail_url)
    assert "approved; it is booked as a voucher" in detail and "Booked" in detail
    assert "Approve expense" not in client.get(detail_url).get_data(as_text=True)  # no button once approved
    listed = client.text("/finance/expenses?kind=ad_invoice&status=approved")
    assert "GA-11" in listed and "Google Ads" in listed and "Booked" in listed
    assert "GA-11" not in client.text("/finance/expenses?kind=carrier_invoice")
    # A viewer reads but neither enters nor approves; another tenant finds nothing.
    viewer = portal(s.tenant, "viewer")
    assert "New expense document" not in viewer.text("/finance/expenses")
    assert viewer.post(detail_url, {}).status_code == 403
    assert portal(tenant_b).get(detail_url).status_code == 404


def test_the_expense_pages_in_chinese(tenant_a, portal):
    s = shop(tenant_a)
    tee, _cap = _codes(s)
    client = chinese(portal(s.tenant, "finance"))
    page = client.text("/finance/expenses/new")
    assert "新建费用单" in page and "广告发票" in page and "物流商账单" in page
    refused = client.post(
        "/finance/expenses/new",
        {"kind": "ad_invoice", "vendor": "巨量引擎", "reference": "JL-1", "currency": "CNY", "lines.0.amount": "5"},
    )
    assert refused.status_code == 422
    assert "请关联该广告费所属的店铺、SKU 或订单" in visible_text(refused.get_data(as_text=True))
    saved = client.post(
        "/finance/expenses/new",
        {
            "kind": "ad_invoice",
            "vendor": "巨量引擎",
            "reference": "JL-1",
            "currency": "CNY",
            "lines.0.amount": "5",
            "lines.0.link_type": "sku",
            "lines.0.link": tee,
        },
    )
    assert saved.status_code == 302
    detail = client.text(saved.headers["Location"])
    assert "草稿" in detail and "审核" in detail
    listed = client.text("/finance/expenses")
    assert "费用单" in listed and "JL-1" in listed and "广告发票" in listed


def test_importing_a_file_in_the_portal_lists_its_problems_by_line_in_chinese(tenant_a, portal):
    import io

    s = shop(tenant_a)
    tee, _cap = _codes(s)
    client = chinese(portal(s.tenant, "finance"))
    assert "导入费用单" in client.text("/finance/expenses")
    header = "kind,vendor,reference,currency,date,description,amount,role,link_type,links\n"
    bad = header + "ad_invoice,Meta,M-1,CNY,2026-11-30,,5.00,,sku,NOPE\nplatform_fee,Amazon,,CNY,,,1.00,,,\n"
    resp = client.post("/finance/expenses/import", {"file": (io.BytesIO(bad.encode()), "e.csv")})
    text = visible_text(resp.get_data(as_text=True))
    assert resp.status_code == 422 and "文件中有 2 处问题，未导入任何数据。" in text
    assert "没有这个 SKU" in text and "reference" in text
    good = header + f"ad_invoice,Meta,M-1,CNY,2026-11-30,,5.00,,sku,{tee}\n"
    done = client.post("/finance/expenses/import", {"file": (io.BytesIO(good.encode()), "e.csv")})
    assert done.status_code == 302
    listed = client.text("/finance/expenses")
    assert "已导入 1 张费用单（草稿）；0 张此前已登记。" in listed and "M-1" in listed


def test_the_finance_messages_read_in_chinese_by_their_codes(tenant_a, portal):
    import io

    s = shop(tenant_a)
    tee, _cap = _codes(s)
    client = chinese(portal(s.tenant, "finance"))
    header = "kind,vendor,reference,currency,date,description,amount,role,link_type,links,supplier\n"
    bad = (
        header
        + f"ad_invoice,Meta,M-1,CNY,2026-11-30,,5.00,,sku,{tee},\n"
        + f"ad_invoice,Meta,M-1,USD,2026-11-30,,5.00,,sku,{tee},\n"
        + "platform_fee,Amazon,F-1,CNY,2026-11-30,,5.00,,,,NO-SUCH\n"
    )
    resp = client.post("/finance/expenses/import", {"file": (io.BytesIO(bad.encode()), "e.csv")})
    text = visible_text(resp.get_data(as_text=True))
    assert resp.status_code == 422
    assert "与同一单据的第 2 行不一致" in text and "没有编码为 NO-SUCH 的供应商" in text, text
    assert "differs from line" not in text and "no supplier with" not in text
    unknown = client.post(
        "/finance/expenses/import", {"file": (io.BytesIO(b"kind,vendor,reference,currency,amount,colour\n"), "e.csv")}
    )
    assert "未知的列；请使用 kind" in visible_text(unknown.get_data(as_text=True))

    fields = {"kind": "ad_invoice", "vendor": "Meta", "reference": "M-2", "currency": "JPY", "expense_date": ""}
    fields |= {"lines.0.amount": "10.50", "lines.0.link_type": "sku", "lines.0.link": tee}
    form = client.post("/finance/expenses/new", fields)
    page = visible_text(form.get_data(as_text=True))
    assert form.status_code == 422 and "JPY 的小数位更少" in page, page
