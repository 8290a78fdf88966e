"""Suppliers through the REST API: details, masked receiving account, review workflow,
contacts and per-SKU prices, with two tenants side by side."""

from __future__ import annotations

import json

import pytest

from core.errors import NotFound, ValidationError
from core.suppliers import service
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.suppliers.factories import approved_supplier
from tests.support import body, pagination

ACME = {
    "kind": "supplier",
    "name": "义乌市阿克米日用品有限公司",
    "name_en": "Yiwu Acme Daily Goods Co., Ltd.",
    "country": "CN",
    "province": "浙江",
    "city": "义乌",
    "address": "稠州北路 88 号",
    "registration_date": "2015-03-18",
    "company_type": "limited_liability",
    "finance": {
        "payment_method": "bank_transfer",
        "account_name": "阿克米",
        "bank_name": "中国银行义乌分行",
        "account_number": "6217 8888 0000 1234",
        "currency": "CNY",
        "settlement_mode": "periodic",
        "settlement_days": 30,
    },
    "contacts": [{"name": "王芳", "title": "销售", "phone": "+86 579 5550 0101", "wechat": "wangfang"}],
}


def _create(tenant, payload=None):
    resp = tenant.api.post("suppliers", payload or ACME)
    assert resp.status_code == 201, body(resp)
    return body(resp)


def _act(tenant, supplier_id, action, json_body=None, expect=200):
    resp = tenant.api.post(f"suppliers/{supplier_id}/{action}", json_body or {})
    assert resp.status_code == expect, body(resp)
    return body(resp)


def test_receiving_account_is_masked_in_every_response_and_the_audit_log(tenants):
    a, b = tenants
    supplier = _create(a)
    sid = supplier["id"]
    assert supplier["finance"]["account_number"] == "**** 1234"
    assert supplier["finance"]["settlement_days"] == 30 and supplier["contacts"][0]["is_primary"] is True
    assert supplier["registration_date"] == "2015-03-18"
    for resp in (
        a.api.get(f"suppliers/{sid}"),
        a.api.get("suppliers"),
        a.api.patch(f"suppliers/{sid}", {"note": "met at the Canton fair"}),
        a.api.get(f"audit?entity_id={sid}"),
        a.api.get(f"events?entity_id={sid}"),
    ):
        text = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert "62178888" not in text and "6217 8888" not in text and "88880000" not in text
    assert "**** 1234" in a.api.get(f"suppliers/{sid}").get_data(as_text=True)
    with a.scope():
        stored = service.get_supplier(sid)
        assert stored.account_last4 == "1234" and "62178888" not in stored.account_number_encrypted

    # Tenant B neither lists nor reads it.
    assert body(b.api.get("suppliers")) == []
    assert b.api.get(f"suppliers/{sid}").status_code == 404
    assert b.api.post(f"suppliers/{sid}/submit", {}).status_code == 404


def test_workflow_assigns_a_code_and_refuses_invalid_transitions(tenant_a):
    a = tenant_a
    sid = _create(a)["id"]
    for action in ("approve", "withdraw", "revise", "disable", "enable"):
        resp = a.api.post(f"suppliers/{sid}/{action}", {})
        assert resp.status_code == 409, action
        assert "cannot" in body(resp)["message"] and "it is draft" in body(resp)["message"]
    _act(a, sid, "submit")
    resp = a.api.patch(f"suppliers/{sid}", {"name": "Other"})
    assert resp.status_code == 409 and "it is submitted" in body(resp)["message"]
    resp = a.api.post(f"suppliers/{sid}/reject", {})
    assert resp.status_code == 422 and "reason" in body(resp)["errors"]
    rejected = _act(a, sid, "reject", {"reason": "Business licence expired"})
    assert rejected["status"] == "rejected" and rejected["code"] is None
    assert a.api.patch(f"suppliers/{sid}", {"registration_date": "2016-01-01"}).status_code == 200
    _act(a, sid, "submit")
    approved = _act(a, sid, "approve")
    assert approved["status"] == "approved" and approved["code"].startswith("SUP-")
    with a.scope():
        assert service.require_approved_supplier(sid).code == approved["code"]

    disabled = _act(a, sid, "disable", {"reason": "quality problems"})
    assert disabled["status"] == "disabled" and disabled["disabled_reason"] == "quality problems"
    with a.scope(), pytest.raises(ValidationError) as exc:
        service.require_approved_supplier(sid)
    assert exc.value.errors == {
        "supplier_id": [
            f"supplier {approved['code']} {ACME['name']} cannot be used on a purchase order: it is disabled"
        ]
    }
    assert a.api.post(f"suppliers/{sid}/disable", {}).status_code == 409
    enabled = _act(a, sid, "enable")
    assert enabled["status"] == "approved" and enabled["disabled_at"] is None

    # Revising keeps the code; the supplier is unusable until approved again.
    _act(a, sid, "revise")
    with a.scope(), pytest.raises(ValidationError, match="it is draft"):
        service.require_approved_supplier(sid)
    resp = a.api.patch(f"suppliers/{sid}", {"finance": {"account_number": "6217000011115678"}})
    assert body(resp)["finance"]["account_number"] == "**** 5678"
    resp = a.api.delete(f"suppliers/{sid}")
    assert resp.status_code == 409 and "disable" in body(resp)["message"]
    _act(a, sid, "submit")
    assert _act(a, sid, "approve")["code"] == approved["code"]

    names = [e["name"] for e in reversed(body(a.api.get(f"events?entity_type=supplier&entity_id={sid}&page_size=50")))]
    assert names == [
        "supplier.created",
        "supplier.submitted",
        "supplier.rejected",
        "supplier.updated",
        "supplier.submitted",
        "supplier.approved",
        "supplier.disabled",
        "supplier.enabled",
        "supplier.revised",
        "supplier.updated",
        "supplier.submitted",
        "supplier.approved",
    ]


def test_codes_are_per_tenant_and_unknown_ids_are_not_found(tenants):
    a, b = tenants
    first_a = approved_supplier(a)
    first_b = approved_supplier(b)
    with a.scope():
        assert service.get_supplier(first_a).code == "SUP-000001"
        with pytest.raises(NotFound):
            service.require_approved_supplier(first_b)
    with b.scope():
        assert service.get_supplier(first_b).code == "SUP-000001"


def test_bad_input_names_the_field(tenant_a):
    a = tenant_a
    resp = a.api.post(
        "suppliers",
        {
            "name": "Bad",
            "country": "ZZ",
            "finance": {"settlement_mode": "periodic", "currency": "XXX", "account_number": "12"},
        },
    )
    errors = body(resp)["errors"]
    assert resp.status_code == 422
    assert set(errors) >= {"country", "finance.currency", "finance.account_number", "finance.settlement_days"}
    resp = a.api.post("suppliers", {"name": "Bad", "kind": "wholesaler"})
    assert resp.status_code == 422 and "kind" in body(resp)["errors"]
    resp = a.api.post("suppliers", {"name": "x", "contacts": [{"title": "boss", "email": "nope"}]})
    errors = body(resp)["errors"]
    assert errors["contacts.0.name"] == ["is required"] and "contacts.0.email" in errors
    _create(a, {"name": "Unique Ltd"})
    resp = a.api.post("suppliers", {"name": "Unique Ltd"})
    assert resp.status_code == 422 and "already exists" in body(resp)["errors"]["name"][0]
    # Defaults: a supplier of the tenant's currency, prepaid.
    created = _create(a, {"name": "Plain", "kind": "merchant"})
    assert created["finance"]["currency"] == "CNY" and created["finance"]["settlement_mode"] == "prepaid"
    assert created["finance"]["account_number"] is None
    assert body(a.api.get("suppliers"))  # listed
    assert [s["name"] for s in body(a.api.get("suppliers?kind=merchant"))] == ["Plain"]
    assert [s["name"] for s in body(a.api.get("suppliers?q=uniq"))] == ["Unique Ltd"]
    assert pagination(a.api.get("suppliers?page_size=1"))["total"] == 2


def test_contacts_change_at_any_time(tenant_a):
    a = tenant_a
    sid = approved_supplier(a, contacts=[{"name": "Li"}])
    resp = a.api.post(f"suppliers/{sid}/contacts", {"name": "Zhang", "email": "zhang@example.cn", "is_primary": True})
    assert resp.status_code == 201, body(resp)
    zhang = body(resp)
    contacts = body(a.api.get(f"suppliers/{sid}/contacts"))
    assert [(c["name"], c["is_primary"]) for c in contacts] == [("Li", False), ("Zhang", True)]
    assert a.api.patch(f"suppliers/{sid}/contacts/{zhang['id']}", {"phone": "138"}).status_code == 200
    assert a.api.delete(f"suppliers/{sid}/contacts/{zhang['id']}").status_code == 204
    assert [(c["name"], c["is_primary"]) for c in body(a.api.get(f"suppliers/{sid}/contacts"))] == [("Li", True)]


def test_supplier_prices_per_sku(tenants):
    a, b = tenants
    cup = approved_sku(a, "CUP")
    bundle = approved_kit(a, {cup: 2}, code="CUP-2")
    cheap = approved_supplier(a, name="Cheap")
    fast = approved_supplier(a, name="Fast")
    resp = a.api.put(f"suppliers/{cheap}/prices/{cup}", {"price": "3.25", "moq": 500, "lead_time_days": 20})
    assert resp.status_code == 200, body(resp)
    assert body(resp) | {"updated_at": None} == {
        "supplier_id": str(cheap),
        "supplier_code": body(resp)["supplier_code"],
        "supplier_name": "Cheap",
        "sku_id": str(cup),
        "sku_code": "CUP",
        "price": "3.250000",
        "currency": "CNY",
        "moq": 500,
        "lead_time_days": 20,
        "note": "",
        "updated_at": None,
    }
    a.api.put(f"suppliers/{fast}/prices/{cup}", {"price": "0.60", "currency": "USD", "moq": 50, "lead_time_days": 3})
    # Replacing a quote keeps one row per supplier and SKU.
    a.api.put(f"suppliers/{cheap}/prices/{cup}", {"price": "3.10", "moq": 500, "lead_time_days": 20})
    rows = body(a.api.get(f"supplier-prices?sku_id={cup}"))
    assert [(r["supplier_name"], r["price"], r["currency"]) for r in rows] == [
        ("Fast", "0.600000", "USD"),
        ("Cheap", "3.100000", "CNY"),
    ]
    with a.scope():
        quote = service.supplier_price(cheap, cup)
        assert (str(quote.price), quote.currency, quote.moq, quote.lead_time_days) == ("3.100000", "CNY", 500, 20)
        assert service.supplier_price(cheap, bundle) is None

    # A currency longer than its column is refused by the schema, before the service looks.
    resp = a.api.put(f"suppliers/{cheap}/prices/{cup}", {"price": "-1", "moq": 0, "currency": "EURO"})
    assert resp.status_code == 422 and set(body(resp)["errors"]) == {"currency"}
    resp = a.api.put(f"suppliers/{cheap}/prices/{cup}", {"price": "-1", "moq": 0, "currency": "EUX"})
    assert resp.status_code == 422 and set(body(resp)["errors"]) == {"price", "moq", "currency"}
    resp = a.api.put(f"suppliers/{cheap}/prices/{bundle}", {"price": "6"})
    assert resp.status_code == 422 and "virtual kit" in body(resp)["errors"]["sku_id"][0]
    b_sku = approved_sku(b, "B-CUP")
    assert a.api.put(f"suppliers/{cheap}/prices/{b_sku}", {"price": "1"}).status_code == 404
    assert b.api.put(f"suppliers/{cheap}/prices/{b_sku}", {"price": "1"}).status_code == 404
    assert body(b.api.get("supplier-prices")) == []

    assert a.api.delete(f"suppliers/{fast}/prices/{cup}").status_code == 204
    assert a.api.get(f"suppliers/{fast}/prices/{cup}").status_code == 404
    events = [e["name"] for e in body(a.api.get("events?name=supplier_price.updated"))]
    assert len(events) == 3
    assert json.loads(a.api.get("events?name=supplier_price.removed").get_data())[0]["payload"]["sku_code"] == "CUP"


def test_roles(tenant_a):
    a = tenant_a
    viewer, warehouse = a.client_with_roles("viewer"), a.client_with_roles("warehouse")
    purchasing = a.client_with_roles("purchasing")
    assert viewer.get("suppliers").status_code == 200
    assert viewer.post("suppliers", {"name": "x"}).status_code == 403
    sid = body(purchasing.post("suppliers", {"name": "By purchasing"}))["id"]
    assert purchasing.post(f"suppliers/{sid}/submit", {}).status_code == 200
    assert warehouse.post(f"suppliers/{sid}/approve", {}).status_code == 403
    assert purchasing.post(f"suppliers/{sid}/approve", {}).status_code == 200
    assert warehouse.post(f"suppliers/{sid}/disable", {}).status_code == 403
