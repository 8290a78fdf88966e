"""The chart of accounts and the rules with their account mapping in the portal: listed,
added, renamed, deactivated, deleted only while unused, exported; rules switched off and on,
roles mapped per rule and shop, in English and Chinese, with errors beside the fields."""

from __future__ import annotations

import io

import pytest

from tests.core.finance.helpers import shipped, shop, sku_line, vouchers
from tests.web.conftest import visible_text


@pytest.fixture
def books(tenant_a, tenant_b):
    return shop(tenant_a)


def chinese(client):
    """The user's saved locale is English; switch this session to Chinese, as the button does."""
    assert client.post("/locale", {"locale": "zh_CN", "next": "/finance/"}).status_code == 302
    return client


def _account_id(tenant, code):
    from core.finance import service

    with tenant.scope():
        return service.account_by_code(code).id


def test_the_chart_of_accounts_lists_adds_renames_deactivates_and_keeps_used_accounts(books, portal):
    shipped(books, sku_line(books, books.tee, 1, "20.00"))  # 1122.01, 6001, 6401, 1405.01 are now used
    client = chinese(portal(books.tenant, "finance"))
    page = client.text("/finance/accounts?q=1122")
    assert "科目表" in page and "应收账款—Amazon US" in page and "已使用" in page
    assert "1001" not in page  # the search narrows the list

    bad = client.post("/finance/accounts", {"code": "66.01x", "name": "", "type": ""})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="f-code-error"' in html and "请使用数字，级次之间用点分隔" in html  # beside the field, in Chinese
    assert "f-name-error" in html
    taken = client.post("/finance/accounts", {"code": "1001", "name": "现金", "type": "asset"})
    assert taken.status_code == 409 and "已被使用" in taken.get_data(as_text=True)

    added = client.post("/finance/accounts", {"code": "6601.77", "name": "测评费"})
    assert added.status_code == 302
    new_id = _account_id(books.tenant, "6601.77")
    detail = f"/finance/accounts/{new_id}"
    assert "费用" in client.text(detail)  # a sub-account takes its parent's type
    assert client.post(detail, {"action": "rename", "name": ""}).status_code == 422
    assert client.post(detail, {"action": "rename", "name": "站外测评费"}).status_code == 302
    assert client.post(detail, {"action": "deactivate"}).status_code == 302
    text = client.text(detail)
    assert "站外测评费" in text and "停用" in text

    used = f"/finance/accounts/{_account_id(books.tenant, '6001.01')}"
    assert 'value="delete"' not in client.get(used).get_data(as_text=True)  # no delete button once used
    refused = client.post(used, {"action": "delete"}, follow_redirects=True)
    assert "已有凭证：请改为停用" in visible_text(refused.get_data(as_text=True))
    assert _account_id(books.tenant, "6001.01")
    assert client.post(detail, {"action": "delete"}).status_code == 302  # unused: it may go
    from core.finance import service

    with books.tenant.scope():
        assert service.account_by_code("6601.77") is None

    csv = client.get("/finance/accounts/export?format=csv&q=1122")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "应收账款—Amazon US" in csv.get_data().decode("utf-8-sig")
    xlsx = client.get("/finance/accounts/export?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [c.value for c in sheet[1]][:3] == ["code", "name", "type"] and sheet.max_row > 40

    viewer = portal(books.tenant, "viewer")
    assert viewer.get("/finance/accounts").status_code in (200, 403)
    assert viewer.post("/finance/accounts", {"code": "6601.78", "name": "x"}).status_code == 403


def _roles(client) -> str:
    """The text of the mapping table (the form below lists every account as an option)."""
    html = client.get("/finance/rules").get_data(as_text=True)
    return visible_text(html.split('id="roles"')[1].split("</table>")[0])


def test_rules_switch_off_and_on_and_a_role_is_mapped_for_one_rule_and_shop(books, portal):
    client = portal(books.tenant, "finance")
    page = client.text("/finance/rules")
    assert "Shipment: revenue and the marketplace receivable" in page
    assert "6001.01 主营业务收入—商品销售" in _roles(client)  # the template's account of "Sales revenue"

    missing = client.post("/finance/rules", {"action": "map", "role": "revenue", "account_id": ""})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'id="f-account_id-error"' in html
    parent = client.post(
        "/finance/rules", {"action": "map", "role": "revenue", "account_id": _account_id(books.tenant, "6001")}
    )
    assert parent.status_code == 422 and "has sub-accounts" in parent.get_data(as_text=True)

    assert client.post("/finance/accounts", {"code": "6001.09", "name": "Amazon 收入"}).status_code == 302
    target = _account_id(books.tenant, "6001.09")
    saved = client.post(
        "/finance/rules",
        {
            "action": "map",
            "role": "revenue",
            "account_id": str(target),
            "rule": "order.shipped",
            "dimension_value": str(books.conn),
        },
    )
    assert saved.status_code == 302
    roles = _roles(client)
    assert "6001.09 Amazon 收入" in roles and "Amazon US" in roles and "every rule" not in roles
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    (v,) = vouchers(books.tenant, "sales_order", order.id)
    assert "6001.09" in {ln["account_code"] for ln in v["lines"]}  # the mapping books

    off = client.post("/finance/rules", {"action": "disable", "rule": "order.shipped"})
    assert off.status_code == 302
    zh = chinese(portal(books.tenant, "finance")).text("/finance/rules")
    assert "停用：其事件列为未记账" in zh and "销售出库：确认收入和平台应收" in zh and "主营业务收入" in zh
    second = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    assert vouchers(books.tenant, "sales_order", second.id) == []
    assert "order.shipped" in client.text("/finance/unbooked")
    assert client.post("/finance/rules", {"action": "enable", "rule": "order.shipped"}).status_code == 302
    assert client.post("/finance/rules", {"action": "disable", "rule": "no.such"}).status_code == 404

    from core.finance import service

    with books.tenant.scope():
        (mapping,) = service.list_mappings()
    assert client.post("/finance/rules", {"action": "unmap", "mapping_id": str(mapping.id)}).status_code == 302
    with books.tenant.scope():
        assert service.list_mappings() == []


def test_the_not_booked_list_exports(portal, tenant_a, tenant_b):
    from tests.web.conftest import export_csv, export_xlsx

    books = shop(tenant_a)
    client = portal(books.tenant)
    assert client.post("/finance/rules", {"action": "disable", "rule": "order.shipped"}).status_code == 302
    order = shipped(books, sku_line(books, books.tee, 1, "20.00"))
    assert "/finance/unbooked/export?format=csv" in client.get("/finance/unbooked").get_data(as_text=True)
    rows = export_csv(client.get("/finance/unbooked/export?format=csv"))
    assert rows[0] == ["Event", "When", "Why", "Source"]
    shipped_rows = [r for r in rows[1:] if r[0] == "order.shipped"]
    assert len(shipped_rows) == 1 and str(order.id) in shipped_rows[0][3] and shipped_rows[0][2]
    assert any(r[0] == "order.shipped" for r in export_xlsx(client.get("/finance/unbooked/export?format=xlsx"))[1:])
    assert export_csv(portal(tenant_b).get("/finance/unbooked/export?format=csv"))[1:] == []
