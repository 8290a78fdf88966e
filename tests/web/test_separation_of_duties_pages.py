"""Separation of duties in the portal: the setting on the company page, and an approval by the
submitter refused with the reason (bulk result and flash), nothing changed."""

from __future__ import annotations

from core.catalog import service as catalog


def test_the_portal_says_why_in_a_bulk_approval(portal, tenant_a):
    owner = portal(tenant_a)
    assert owner.post("/settings/approvals", {"separate_approver": "on"}).status_code == 302
    assert 'name="separate_approver" value="on" checked' in owner.get("/settings/").get_data(as_text=True)
    with tenant_a.scope():
        product = catalog.create_product({"title_en": "SoD portal", "skus": [{"gross_weight_g": 100}]})
    owner.post(f"/catalog/products/{product.id}/do/submit")
    resp = owner.post("/catalog/bulk", {"action": "approve", "product_ids": [str(product.id)]})
    assert "0 of 1 done." in resp.get_data(as_text=True)
    assert "another person to approve" in resp.get_data(as_text=True)
    refused = owner.post(f"/catalog/products/{product.id}/do/approve")
    assert refused.status_code == 302
    with tenant_a.scope():
        assert catalog.get_product(product.id).status == "submitted"
