"""Supplier pages: the form, masked receiving account, review, contacts and prices."""

from __future__ import annotations

import re

from core.suppliers import service
from tests.core.catalog.factories import approved_sku
from tests.web.conftest import visible_text

FORM = {
    "kind": "supplier",
    "name": "深圳优品电子有限公司",
    "country": "CN",
    "city": "深圳",
    "company_type": "limited_liability",
    "registration_date": "2018-06-01",
    "finance.payment_method": "bank_transfer",
    "finance.bank_name": "招商银行",
    "finance.account_number": "6225 8801 2345 9876",
    "finance.currency": "CNY",
    "finance.settlement_mode": "periodic",
    "finance.settlement_days": "45",
    "contact.name": "陈先生",
    "contact.phone": "13800000000",
}


def test_create_review_and_use_a_supplier(tenants, portal):
    a, b = tenants
    owner = portal(a)
    resp = owner.post("/suppliers/new", {**FORM, "finance.settlement_days": ""})
    assert resp.status_code == 422
    assert "periodic settlement needs the number of days" in visible_text(resp.get_data(as_text=True))
    resp = owner.post("/suppliers/new", FORM)
    assert resp.status_code == 302, visible_text(resp.get_data(as_text=True))[:500]
    sid = re.search(r"/suppliers/([0-9a-f-]{36})", resp.headers["Location"]).group(1)
    html = owner.get(f"/suppliers/{sid}").get_data(as_text=True)
    assert "**** 9876" in html and "8801" not in html and "陈先生" in html and "45 days" in visible_text(html)
    assert "8801" not in owner.get(f"/suppliers/{sid}/edit").get_data(as_text=True)

    owner.post(f"/suppliers/{sid}/do/approve", {})
    assert "Not possible while the supplier is Draft." in owner.text(f"/suppliers/{sid}")
    owner.post(f"/suppliers/{sid}/do/submit", {})
    assert "深圳优品电子有限公司" in owner.text("/suppliers/review")
    owner.post(f"/suppliers/{sid}/do/approve", {"next": "/suppliers/review"})
    with a.scope():
        code = service.get_supplier(sid).code
    assert code and code in owner.text(f"/suppliers/{sid}")

    # Editing an approved supplier is refused; revising, editing (keeping the account) works.
    resp = owner.post(f"/suppliers/{sid}/edit", {**FORM, "finance.account_number": ""})
    assert resp.status_code == 409
    owner.post(f"/suppliers/{sid}/do/revise", {})
    resp = owner.post(f"/suppliers/{sid}/edit", {**FORM, "finance.account_number": "", "city": "东莞"})
    assert resp.status_code == 302
    assert "**** 9876" in owner.text(f"/suppliers/{sid}") and "东莞" in owner.text(f"/suppliers/{sid}")

    # Contacts and prices change at any time.
    sku = approved_sku(a, "CABLE-1")
    resp = owner.post(
        f"/suppliers/{sid}/prices", {"sku_code": "CABLE-1", "price": "2.35", "moq": "1000", "lead_time_days": "7"}
    )
    assert resp.status_code == 302
    page = owner.text(f"/suppliers/{sid}")
    assert "CABLE-1" in page and "2.35 CNY" in page and "1000" in page
    resp = owner.post(f"/suppliers/{sid}/prices", {"sku_code": "CABLE-1", "price": "-1"})
    assert resp.status_code == 422 and "must be at least 0" in visible_text(resp.get_data(as_text=True))
    assert owner.post(f"/suppliers/{sid}/contacts", {"name": "Ms Li", "email": "li@example.cn"}).status_code == 302
    assert "Ms Li" in owner.text(f"/suppliers/{sid}")
    with a.scope():
        assert service.supplier_price(sid, sku).moq == 1000

    other = portal(b)
    assert other.get(f"/suppliers/{sid}").status_code == 404
    assert "深圳优品" not in other.text("/suppliers/")
    assert other.post(f"/suppliers/{sid}/do/revise", {}).status_code == 404


def test_chinese_labels_and_roles(tenant_a, portal):
    owner = portal(tenant_a)
    owner.post("/suppliers/new", {**FORM, "name": "Plain Co"})
    zh = portal(tenant_a)
    zh.post("/locale", {"locale": "zh_CN"})
    page = zh.text("/suppliers/")
    assert "供应商" in page and "草稿" in page and "账期结算" in page
    viewer = portal(tenant_a, "viewer")
    assert "New supplier" not in viewer.text("/suppliers/")
    assert viewer.post("/suppliers/new", FORM).status_code == 403
