"""One of everything of inventory for tenant B in the cross-tenant tests: warehouses and a
bin, stock with a reservation, a transfer and a first-leg shipment in transit, a stocktake, a
kit order and a borrowing."""

from __future__ import annotations

from tests.core.catalog.factories import approved_kit, approved_sku
from tests.populate import populator
from tests.support import TenantHandle


@populator
def inventory(tenant: TenantHandle) -> None:
    api = tenant.api

    def ok(resp, status=(200, 201)):
        assert resp.status_code in status, resp.get_json()
        return resp.get_json()

    wh = ok(api.post("warehouses", {"code": "POP-WH", "name": "Populated", "type": "domestic", "country": "CN"}))
    la = ok(api.post("warehouses", {"code": "POP-LA", "name": "Populated LA", "type": "overseas_3pl", "country": "US"}))
    fba = ok(
        api.post(
            "warehouses",
            {"code": "POP-FBA", "name": "Populated FBA", "type": "platform", "country": "US", "marketplace": "US"},
        )
    )
    bin_ = ok(api.post(f"warehouses/{wh['id']}/locations", {"code": "POP-A1"}))
    sku = approved_sku(tenant, "POP-INV")
    part = approved_sku(tenant, "POP-PART")
    kit = approved_kit(tenant, {part: 2}, kit_type="physical", code="POP-PKIT")
    ok(
        api.post(
            "stock/adjustments",
            {
                "kind": "opening_balance",
                "lines": [
                    {
                        "sku_id": str(s),
                        "warehouse_id": wh["id"],
                        "quantity": 50,
                        "unit_cost": {"amount": "3", "currency": "CNY"},
                    }
                    for s in (sku, part)
                ],
            },
        )
    )
    ok(
        api.put(
            "stock/settings",
            {"sku_id": str(sku), "warehouse_id": wh["id"], "safety_stock": 60, "location_id": bin_["id"]},
        )
    )
    t = ok(
        api.post(
            "transfers",
            {
                "source_warehouse_id": wh["id"],
                "destination_warehouse_id": la["id"],
                "lines": [{"sku_id": str(sku), "quantity": 5}],
            },
        )
    )
    ok(api.post(f"transfers/{t['id']}/allocate"))
    ok(api.post(f"transfers/{t['id']}/ship", {"carrier": "SF", "tracking_number": "POP-TRACK"}))
    fl = ok(
        api.post(
            "first-leg-shipments",
            {
                "source_warehouse_id": wh["id"],
                "destination_warehouse_id": fba["id"],
                "platform_reference": "FBA15POPULATE",
                "lines": [{"sku_id": str(sku), "quantity": 4}],
            },
        )
    )
    ok(
        api.put(
            f"first-leg-shipments/{fl['id']}/boxes",
            {
                "boxes": [
                    {
                        "length_cm": "30",
                        "width_cm": "20",
                        "height_cm": "20",
                        "weight_kg": "5",
                        "contents": [{"sku_id": str(sku), "quantity": 4}],
                    }
                ]
            },
        )
    )
    ok(api.post(f"first-leg-shipments/{fl['id']}/allocate"))
    st = ok(api.post("stocktakes", {"warehouse_id": wh["id"]}))
    ok(api.post(f"stocktakes/{st['id']}/start"))
    ok(api.post("kit-orders", {"kind": "assembly", "kit_sku_id": str(kit), "warehouse_id": wh["id"], "quantity": 2}))
    ok(
        api.post(
            "borrowings",
            {"sku_id": str(sku), "warehouse_id": wh["id"], "quantity": 1, "borrower": "Populated borrower"},
        )
    )
