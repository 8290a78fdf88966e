"""The embedded demo's catalogue and suppliers are seeded through the services."""

from __future__ import annotations

from core.catalog import demo as catalog_demo
from core.catalog import service
from core.suppliers import demo as supplier_demo
from core.suppliers import service as suppliers
from tests.support import make_tenant


def test_demo_seed_gives_a_usable_catalogue(app):
    tenant = make_tenant(app, "Demo")
    with tenant.scope():
        catalog_demo.seed("http://localhost")
        supplier_demo.seed("http://localhost")
    tenant_skus = tenant.api.get("skus?usable_for=sale&page_size=100").get_json()
    codes = [s["code"] for s in tenant_skus]
    # 6 tees, the mug, the gift set, and one product per listing the channel emulators sell
    assert "SPU000001-BLACK-S" in codes and len(codes) == 8 + len(catalog_demo.LISTED)
    assert [p["title_en"] for p in tenant.api.get("products?status=submitted").get_json()] == ["Silicone spatula"]
    with tenant.scope():
        gift = next(s for s in tenant_skus if s["kit_type"] == "virtual")
        assert service.require_sku(gift["id"], "sale").kit_type == "virtual"
        quotes = tenant.api.get("supplier-prices?page_size=100").get_json()
        assert len(quotes) == 7 + len(catalog_demo.LISTED)
        supplier = suppliers.require_approved_supplier(quotes[0]["supplier_id"])
        assert supplier.code.startswith("SUP-")
