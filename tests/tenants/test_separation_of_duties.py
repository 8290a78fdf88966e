"""Separation of duties (tenant setting `separate_approver`): a product, supplier, purchase
order or stocking request is approved by another person than the one who submitted (or
created) it. Through the API: a user's API keys all count as that user, so switching keys
does not make another person; a second user may approve."""

from __future__ import annotations

import secrets

import pytest

from tests.core.purchasing.helpers import buyer, ok
from tests.support import ApiClient, body


def _key_of(tenant, user_id, email: str, roles=("owner",)) -> ApiClient:
    from tenants import service as tenants

    with tenant.scope():
        person = tenants.Principal(tenant_id=tenant.id, kind="user", id=user_id, label=email, roles=tuple(roles))
        _key, plaintext = tenants.create_api_key(person, name=f"key {secrets.token_hex(3)}", roles=list(roles))
    return ApiClient(tenant.app.test_client(), plaintext)


@pytest.fixture
def people(tenant_a):
    """(the owner's first key, the owner's second key, a second person's key)."""
    from tenants import service as tenants

    with tenant_a.scope():
        owner = tenants.Principal(
            tenant_id=tenant_a.id, kind="user", id=tenant_a.owner_id, label=tenant_a.owner_email, roles=("owner",)
        )
        other = tenants.create_user(
            owner,
            email=f"approver-{secrets.token_hex(3)}@example.test",
            password="a long enough password",
            roles=["admin"],
        )
        other_id, other_email = other.id, other.email
    return (
        _key_of(tenant_a, tenant_a.owner_id, tenant_a.owner_email),
        _key_of(tenant_a, tenant_a.owner_id, tenant_a.owner_email),
        _key_of(tenant_a, other_id, other_email, roles=("admin",)),
    )


def _on(client: ApiClient, value: bool = True) -> None:
    assert ok(client.patch("tenant", {"separate_approver": value}))["separate_approver"] is value


def _refused(resp, what: str) -> None:
    assert resp.status_code == 403, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert f"you submitted this {what}" in body(resp)["message"]


def test_a_product_needs_another_person_to_approve(people):
    mine, my_other_key, theirs = people
    _on(mine)
    product = ok(mine.post("products", {"title_en": "SoD lamp", "skus": [{"gross_weight_g": 100}]}), 201)
    ok(mine.post(f"products/{product['id']}/submit"))
    _refused(my_other_key.post(f"products/{product['id']}/approve"), "product")
    _refused(mine.post(f"products/{product['id']}/approve"), "product")
    assert ok(mine.get(f"products/{product['id']}"))["status"] == "submitted"  # nothing half-done
    assert ok(theirs.post(f"products/{product['id']}/approve"))["status"] == "approved"


def test_a_supplier_needs_another_person_to_approve(people):
    mine, _my_other_key, theirs = people
    _on(mine)
    supplier = ok(mine.post("suppliers", {"name": f"SoD supplier {secrets.token_hex(2)}"}), 201)
    ok(mine.post(f"suppliers/{supplier['id']}/submit"))
    _refused(mine.post(f"suppliers/{supplier['id']}/approve"), "supplier")
    assert ok(theirs.post(f"suppliers/{supplier['id']}/approve"))["status"] == "approved"


def test_purchase_orders_and_stocking_requests_need_another_person(tenant_a, people):
    mine, my_other_key, theirs = people
    b = buyer(tenant_a)
    _on(mine)
    po = ok(
        mine.post(
            "purchase-orders",
            {
                "supplier_id": str(b.supplier_id),
                "warehouse_id": str(b.warehouse_id),
                "lines": [{"sku_id": str(b.skus[0]), "quantity": 5}],
            },
        ),
        201,
    )
    _refused(my_other_key.post(f"purchase-orders/{po['id']}/approve"), "purchase order")
    assert ok(theirs.post(f"purchase-orders/{po['id']}/approve"))["status"] == "approved"
    assert b.buckets()["inbound_ordered"] == 5  # approved once, by the second person

    req = ok(
        mine.post(
            "stocking-requests",
            {"sku_id": str(b.skus[0]), "warehouse_id": str(b.warehouse_id), "quantity": 8, "needed_by": "2099-01-01"},
        ),
        201,
    )
    _refused(mine.post(f"stocking-requests/{req['id']}/approve"), "stocking request")
    assert ok(theirs.post(f"stocking-requests/{req['id']}/approve"))["status"] == "approved"


def test_off_by_default_and_when_turned_off(people):
    mine, _my_other_key, _theirs = people
    assert ok(mine.get("tenant"))["separate_approver"] is False
    product = ok(mine.post("products", {"title_en": "SoD off", "skus": [{"gross_weight_g": 100}]}), 201)
    ok(mine.post(f"products/{product['id']}/submit"))
    _on(mine)
    _on(mine, False)
    assert ok(mine.post(f"products/{product['id']}/approve"))["status"] == "approved"
    bad = mine.patch("tenant", {"separate_approver": "sometimes"})
    assert bad.status_code == 422 and "separate_approver" in body(bad)["errors"]
