"""One of everything of the catalogue for tenant B in the cross-tenant tests."""

from __future__ import annotations

import io

from tests.core.catalog.factories import approved_kit, approved_sku
from tests.core.catalog.test_images_and_listings import png_bytes
from tests.populate import populator
from tests.support import TenantHandle


@populator
def catalog(tenant: TenantHandle) -> None:
    api = tenant.api
    category = api.post("categories", {"code": "POP", "name_en": "Populated"}).get_json()
    sku = approved_sku(tenant, "POP-1", category_id=category["id"])
    kit = approved_kit(tenant, {sku: 2}, code="POP-KIT")
    draft = api.post("products", {"title_en": "Draft", "skus": [{"code": "POP-DRAFT"}]}).get_json()
    resp = api.request(
        "POST",
        f"products/{draft['id']}/images",
        None,
        data={"file": (io.BytesIO(png_bytes()), "p.png")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_json()
    assert api.post(f"products/{draft['id']}/image-urls", {"url": "https://cdn.example/p.jpg"}).status_code == 201
    conn = api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "dummy",
            "display_name": "Catalog shop",
            "settings": {"shop": "s", "api_token": "good-token"},
        },
    ).get_json()
    assert (
        api.post(
            "listing-mappings", {"connection_id": conn["id"], "seller_sku": "POP-LISTING", "sku_id": str(kit)}
        ).status_code
        == 201
    )
