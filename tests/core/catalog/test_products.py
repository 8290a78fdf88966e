"""Products and SKUs through the REST API: editing, variants, review workflow, codes, search,
roles, with two tenants side by side."""

from __future__ import annotations

import pytest

from core.catalog import service
from core.errors import NotFound, ValidationError
from tests.core.catalog.factories import approved_kit, approved_sku
from tests.support import body, pagination

TSHIRT = {
    "title_zh": "纯棉T恤",
    "title_en": "Cotton T-shirt",
    "description_en": "Heavy cotton",
    "attributes": {"material": "cotton"},
    "variant_attributes": [{"name": "colour", "values": ["Red", "Navy Blue"]}, {"name": "size", "values": ["M", "L"]}],
}

FULL_SKU = {
    "barcode": "6901234567892",
    "net_weight_g": 180,
    "gross_weight_g": 210,
    "size": {"length_cm": "30", "width_cm": "20", "height_cm": "2.5"},
    "package_size": {"length_cm": "32", "width_cm": "22", "height_cm": "3"},
    "carton_size": {"length_cm": "60", "width_cm": "40", "height_cm": "35"},
    "units_per_carton": 50,
    "carton_weight_g": 11000,
    "purchase_price": {"amount": "18.50", "currency": "CNY"},
    "sale_price": {"amount": "19.99", "currency": "USD"},
    "market_price": {"amount": "24.99", "currency": "USD"},
    "input_vat_rate": "0.13",
    "output_vat_rate": "0.2",
    "customs": {
        "hs_code": "6109.10.00",
        "origin_country": "cn",
        "declared_value": {"amount": "5", "currency": "USD"},
        "material": "100% cotton",
        "name_en": "Cotton T-shirt",
        "name_zh": "棉制T恤",
    },
}


def _create(tenant, payload=None):
    resp = tenant.api.post("products", payload or TSHIRT)
    assert resp.status_code == 201, body(resp)
    return body(resp)


def _act(tenant, product_id, action, json=None, expect=200):
    resp = tenant.api.post(f"products/{product_id}/{action}", json or {})
    assert resp.status_code == expect, body(resp)
    return body(resp)


def test_variant_attributes_become_skus_with_all_unit_data(tenants):
    a, b = tenants
    product = _create(a)
    assert product["status"] == "draft"
    assert [s["options"] for s in product["skus"]] == [
        {"colour": "Red", "size": "M"},
        {"colour": "Red", "size": "L"},
        {"colour": "Navy Blue", "size": "M"},
        {"colour": "Navy Blue", "size": "L"},
    ]
    assert all(s["code"] is None and s["status"] == "draft" for s in product["skus"])

    sku_id = product["skus"][0]["id"]
    resp = a.api.patch(f"skus/{sku_id}", FULL_SKU)
    assert resp.status_code == 200, body(resp)
    sku = body(resp)
    assert sku["purchase_price"] == {"amount": "18.5000", "currency": "CNY"}
    assert sku["customs"]["hs_code"] == "61091000"
    assert sku["customs"]["origin_country"] == "CN"
    assert sku["customs"]["declared_value"] == {"amount": "5.0000", "currency": "USD"}
    assert sku["package_size"] == {"length_cm": "32.00", "width_cm": "22.00", "height_cm": "3.00"}
    assert sku["units_per_carton"] == 50 and sku["gross_weight_g"] == 210
    assert sku["input_vat_rate"] == "0.1300"

    # Tenant B neither lists nor reads it.
    assert body(b.api.get("products")) == []
    assert b.api.get(f"products/{product['id']}").status_code == 404
    assert b.api.patch(f"skus/{sku_id}", {"barcode": "X1"}).status_code == 404


def test_approval_generates_codes_from_the_tenants_pattern(tenants):
    a, b = tenants
    product = _create(a)
    _act(a, product["id"], "submit")
    approved = _act(a, product["id"], "approve")
    assert approved["status"] == "approved" and approved["reviewed_by"]
    spu = approved["spu_code"]
    assert spu.startswith("SPU")
    assert [s["code"] for s in approved["skus"]] == [
        f"{spu}-RED-M",
        f"{spu}-RED-L",
        f"{spu}-NAVY-BLUE-M",
        f"{spu}-NAVY-BLUE-L",
    ]
    assert all(s["status"] == "approved" and s["approved_at"] for s in approved["skus"])

    # Another pattern, with the category code and a running number.
    cat = body(b.api.post("categories", {"code": "TOY", "name_en": "Toys"}))
    resp = b.api.patch("catalog/settings", {"sku_pattern": "{category}{seq:5}"})
    assert resp.status_code == 200, body(resp)
    other = _create(b, {"title_en": "Ball", "category_id": cat["id"], "skus": [{}, {"code": "OWN-1"}]})
    _act(b, other["id"], "submit")
    done = _act(b, other["id"], "approve")
    assert [s["code"] for s in done["skus"]] == ["TOY00001", "OWN-1"]

    # Patterns that cannot give unique codes are refused, naming the field.
    resp = b.api.patch("catalog/settings", {"sku_pattern": "{category}"})
    assert resp.status_code == 422 and "sku_pattern" in body(resp)["errors"]
    resp = b.api.patch("catalog/settings", {"spu_pattern": "X{bogus}"})
    assert resp.status_code == 422 and "unknown token" in body(resp)["errors"]["spu_pattern"][0]


def test_every_invalid_transition_is_409_naming_the_current_state(tenant_a):
    a = tenant_a
    product = _create(a)
    pid = product["id"]
    for action in ("approve", "withdraw", "revise"):
        resp = a.api.post(f"products/{pid}/{action}", {})
        assert resp.status_code == 409, action
        assert "it is draft" in body(resp)["message"]
        assert body(resp)["errors"] == {"state": ["draft"]}
    resp = a.api.post(f"products/{pid}/reject", {"reason": "no"})
    assert resp.status_code == 409 and "it is draft" in body(resp)["message"]

    _act(a, pid, "submit")
    for method, path, payload in (
        ("PATCH", f"products/{pid}", {"title_en": "x"}),
        ("POST", f"products/{pid}/submit", {}),
        ("POST", f"products/{pid}/revise", {}),
        ("POST", f"products/{pid}/discontinue", {}),
        ("DELETE", f"products/{pid}", None),
    ):
        resp = a.api.request(method, path, payload)
        assert resp.status_code == 409, (method, path)
        assert "it is submitted" in body(resp)["message"]

    # Rejecting needs a reason.
    resp = a.api.post(f"products/{pid}/reject", {"reason": "   "})
    assert resp.status_code == 422 and "reason" in body(resp)["errors"]
    rejected = _act(a, pid, "reject", {"reason": "Photos missing"})
    assert rejected["status"] == "rejected" and rejected["rejection_reason"] == "Photos missing"

    # Rejected is editable again and goes back through review.
    resp = a.api.patch(f"products/{pid}", {"title_en": "Cotton T-shirt, heavy"})
    assert resp.status_code == 200, body(resp)
    _act(a, pid, "submit")
    approved = _act(a, pid, "approve")
    assert approved["rejection_reason"] is None

    for method, path, payload in (
        ("PATCH", f"products/{pid}", {"title_en": "x"}),
        ("POST", f"products/{pid}/approve", {}),
        ("PATCH", f"skus/{approved['skus'][0]['id']}", {"barcode": "X1"}),
        ("DELETE", f"products/{pid}", None),
    ):
        resp = a.api.request(method, path, payload)
        assert resp.status_code == 409, (method, path, body(resp))
        assert "it is approved" in body(resp)["message"]

    _act(a, pid, "discontinue", {"reason": "end of season"})
    for action in ("submit", "approve", "revise", "discontinue", "withdraw"):
        resp = a.api.post(f"products/{pid}/{action}", {})
        assert resp.status_code == 409 and "it is discontinued" in body(resp)["message"], action


def test_review_steps_are_audited_and_emit_events(tenant_a):
    a = tenant_a
    product = _create(a, {"title_en": "Mug"})
    pid = product["id"]
    _act(a, pid, "submit")
    _act(a, pid, "reject", {"reason": "wrong title"})
    _act(a, pid, "submit")
    approved = _act(a, pid, "approve")
    _act(a, pid, "discontinue")
    names = [e["name"] for e in reversed(body(a.api.get(f"events?entity_type=product&entity_id={pid}")))]
    assert names == [
        "product.created",
        "product.submitted",
        "product.rejected",
        "product.submitted",
        "product.approved",
        "product.discontinued",
    ]
    events = body(a.api.get(f"events?name=product.approved&entity_id={pid}"))
    assert events[0]["payload"]["skus"][0]["code"] == approved["skus"][0]["code"]
    rejected = body(a.api.get(f"events?name=product.rejected&entity_id={pid}"))
    assert rejected[0]["payload"]["reason"] == "wrong title"

    audit = body(a.api.get(f"audit?entity_type=catalog_products&entity_id={pid}"))
    statuses = [e["after"].get("status") for e in audit if e["after"] and "status" in e["after"]]
    assert set(statuses) >= {"draft", "submitted", "rejected", "approved", "discontinued"}
    assert all(e["actor_type"] == "api_key" for e in audit)


def test_bad_input_names_the_field(tenant_a):
    a = tenant_a
    resp = a.api.post(
        "products",
        {
            "title_en": "Lamp",
            "skus": [
                {
                    "barcode": "6901234567890",
                    "net_weight_g": 500,
                    "gross_weight_g": 400,
                    "purchase_price": {"amount": "12", "currency": "ZZZ"},
                    "customs": {"hs_code": "12ab", "origin_country": "XX"},
                    "input_vat_rate": "1.3",
                }
            ],
        },
    )
    assert resp.status_code == 422
    errors = body(resp)["errors"]
    assert "check digit" in errors["skus.0.barcode"][0]
    assert errors["skus.0.gross_weight_g"] == ["cannot be less than the net weight"]
    assert "ZZZ is not an ISO 4217" in errors["skus.0.purchase_price.currency"][0]
    assert "HS code" in errors["skus.0.customs.hs_code"][0]
    assert "XX" in errors["skus.0.customs.origin_country"][0]
    assert "below 1" in errors["skus.0.input_vat_rate"][0]

    resp = a.api.post("products", {"title_en": "Lamp", "skus": [{"net_weight_g": "heavy"}]})
    assert resp.status_code == 422 and "net_weight_g" in str(body(resp)["errors"])
    resp = a.api.post("products", {"title_en": "Lamp", "colour": "red"})
    assert resp.status_code == 422 and "colour" in body(resp)["errors"]

    # A variant must fit the product's variant attributes.
    resp = a.api.post(
        "products", {**TSHIRT, "skus": [{"options": {"colour": "Green", "size": "M"}}, {"options": {"colour": "Red"}}]}
    )
    errors = body(resp)["errors"]
    assert "Green is not a value of colour" in errors["skus.0.options"][0]
    assert "give a value for each of colour, size" in errors["skus.1.options"][0]

    # Nothing was written by any of these.
    assert body(a.api.get("products")) == []


def test_codes_and_barcodes_are_unique_per_tenant_only(tenants):
    a, b = tenants
    _create(a, {"title_en": "One", "skus": [{"code": "CUP-1", "barcode": "4006381333931"}]})
    resp = a.api.post("products", {"title_en": "Two", "skus": [{"code": "CUP-1", "barcode": "4006381333931"}]})
    assert resp.status_code == 422
    assert "CUP-1 is already used" in body(resp)["errors"]["skus.0.code"][0]
    assert "4006381333931 is already used" in body(resp)["errors"]["skus.0.barcode"][0]
    resp = a.api.post("products", {"title_en": "Three", "skus": [{"code": "X-1"}, {"code": "X-1"}]})
    assert "used twice" in body(resp)["errors"]["skus.1.code"][0]
    # The other tenant may use the same codes.
    _create(b, {"title_en": "One", "skus": [{"code": "CUP-1", "barcode": "4006381333931"}]})


def test_editing_variants_keeps_ids_adds_and_removes(tenant_a):
    a = tenant_a
    product = _create(a, {**TSHIRT, "variant_attributes": [{"name": "size", "values": ["M"]}]})
    keep = product["skus"][0]["id"]
    resp = a.api.patch(
        f"products/{product['id']}",
        {
            "variant_attributes": [{"name": "size", "values": ["M", "L", "XL"]}],
            "skus": [
                {"id": keep, "options": {"size": "M"}, "net_weight_g": 100},
                {"options": {"size": "L"}, "net_weight_g": 120},
            ],
        },
    )
    assert resp.status_code == 200, body(resp)
    skus = body(resp)["skus"]
    assert skus[0]["id"] == keep and skus[0]["net_weight_g"] == 100 and len(skus) == 2
    resp = a.api.post(f"products/{product['id']}/variants/generate", {"defaults": {"net_weight_g": 140}})
    skus = body(resp)["skus"]
    assert [s["options"]["size"] for s in skus] == ["M", "L", "XL"] and skus[2]["net_weight_g"] == 140
    resp = a.api.patch(f"products/{product['id']}", {"skus": [{"id": keep, "options": {"size": "M"}}]})
    assert [s["id"] for s in body(resp)["skus"]] == [keep]
    resp = a.api.patch(f"products/{product['id']}", {"skus": [{"id": "0190a0a0-0000-7000-8000-000000000000"}]})
    assert resp.status_code == 422 and "not a SKU of this product" in body(resp)["errors"]["skus.0.id"][0]


def test_require_sku_allows_only_approved_active_skus(tenants):
    a, b = tenants
    good = approved_sku(a, "GOOD-1")
    product = _create(a, {"title_en": "Draft thing", "skus": [{"code": "DRAFT-1"}]})
    draft_id = product["skus"][0]["id"]
    foreign = approved_sku(b, "B-ONLY")
    with a.scope():
        for purpose in ("purchase", "stock", "sale"):
            assert service.require_sku(good, purpose).code == "GOOD-1"
        with pytest.raises(ValidationError) as exc:
            service.require_sku(draft_id, "purchase")
        assert exc.value.errors == {"sku_id": ["SKU DRAFT-1 cannot be purchased: its product is draft, not approved"]}
        with pytest.raises(NotFound):
            service.require_sku(foreign, "sale")
        assert service.find_sku_by_code("B-ONLY") is None
        assert service.find_sku_by_code("GOOD-1").id == good

    resp = a.api.post(f"skus/{good}/deactivate")
    assert resp.status_code == 200 and body(resp)["active"] is False
    assert a.api.post(f"skus/{good}/deactivate").status_code == 409
    with a.scope(), pytest.raises(ValidationError, match="it is inactive"):
        service.require_sku(good, "stock")
    ids = [s["id"] for s in body(a.api.get("skus?usable_for=sale"))]
    assert str(good) not in ids
    a.api.post(f"skus/{good}/activate")
    assert str(good) in [s["id"] for s in body(a.api.get("skus?usable_for=sale"))]

    # Revising makes the SKUs unusable until approved again; the code stays.
    product_id = body(a.api.get(f"skus/{good}"))["product_id"]
    _act(a, product_id, "revise")
    with a.scope(), pytest.raises(ValidationError, match="GOOD-1 cannot be sold: its product is draft"):
        service.require_sku(good, "sale")
    _act(a, product_id, "submit")
    again = _act(a, product_id, "approve")
    assert again["skus"][0]["code"] == "GOOD-1"
    resp = a.api.patch(f"products/{product_id}", {"skus": []})
    assert resp.status_code == 409  # approved again, not editable

    _act(a, product_id, "discontinue")
    with a.scope(), pytest.raises(ValidationError, match="its product is discontinued"):
        service.require_sku(good, "purchase")


def test_kits_physical_and_virtual(tenants):
    a, b = tenants
    cup = approved_sku(a, "CUP")
    lid = approved_sku(a, "LID")
    virtual = approved_kit(a, {cup: 2, lid: 1}, code="CUP-SET")
    physical = approved_kit(a, {cup: 4}, kit_type="physical", code="CUP-BOX")
    with a.scope():
        assert service.kit_components(virtual) == [(cup, 2), (lid, 1)]
        assert service.kit_components(cup) == []
        assert service.require_sku(virtual, "sale").kit_type == "virtual"
        with pytest.raises(ValidationError, match="CUP-SET cannot be purchased: it is a virtual kit"):
            service.require_sku(virtual, "purchase")
        with pytest.raises(ValidationError, match="cannot be stocked: it is a virtual kit"):
            service.require_sku(virtual, "stock")
        assert service.require_sku(physical, "stock").kit_type == "physical"
    sku = body(a.api.get(f"skus/{virtual}"))
    assert sku["components"] == [
        {"sku_id": str(cup), "sku_code": "CUP", "quantity": 2},
        {"sku_id": str(lid), "sku_code": "LID", "quantity": 1},
    ]

    # Kits of kits, self-reference, unknown and other tenants' SKUs are refused.
    foreign = approved_sku(b, "B-CUP")
    resp = a.api.post(
        "products",
        {
            "title_en": "Bad kit",
            "skus": [
                {
                    "kit_type": "virtual",
                    "components": [
                        {"sku_id": str(virtual), "quantity": 1},
                        {"sku_id": str(foreign), "quantity": 1},
                        {"sku_id": str(cup), "quantity": 1},
                        {"sku_id": str(cup), "quantity": 2},
                    ],
                }
            ],
        },
    )
    errors = body(resp)["errors"]
    assert resp.status_code == 422
    assert "CUP-SET is itself a kit" in errors["skus.0.components.0.sku_id"][0]
    assert errors["skus.0.components.1.sku_id"] == [f"no SKU {foreign}"]
    assert "CUP is listed twice" in errors["skus.0.components.3.sku_id"][0]
    resp = a.api.post(
        "products",
        {"title_en": "Bad kit", "skus": [{"kit_type": "virtual", "components": [{"sku_id": str(cup), "quantity": 0}]}]},
    )
    assert resp.status_code == 422 and "quantity" in str(body(resp)["errors"])
    resp = a.api.post(
        "products", {"title_en": "Not a kit", "skus": [{"components": [{"sku_id": str(cup), "quantity": 1}]}]}
    )
    assert "only kits have components" in body(resp)["errors"]["skus.0.kit_type"][0]

    # A kit needs components to be submitted, and approved components to be approved.
    draft = _create(a, {"title_en": "Loose lid", "skus": [{"code": "LOOSE"}]})
    kit = _create(a, {"title_en": "Kit", "skus": [{"kit_type": "virtual"}]})
    resp = a.api.post(f"products/{kit['id']}/submit", {})
    assert resp.status_code == 422 and "skus.0.components" in body(resp)["errors"]
    a.api.patch(
        f"products/{kit['id']}",
        {"skus": [{"id": kit["skus"][0]["id"], "components": [{"sku_id": draft["skus"][0]["id"], "quantity": 1}]}]},
    )
    _act(a, kit["id"], "submit")
    resp = a.api.post(f"products/{kit['id']}/approve", {})
    assert resp.status_code == 422
    assert (
        "component LOOSE cannot be used: its product is draft" in body(resp)["errors"]["skus.0.components.0.sku_id"][0]
    )

    # A component going out of use makes the kit unusable too.
    a.api.post(f"skus/{lid}/deactivate")
    with a.scope(), pytest.raises(ValidationError, match="its component LID cannot be used: it is inactive"):
        service.require_sku(virtual, "sale")


def test_search_and_filters(tenants):
    a, b = tenants
    top = body(a.api.post("categories", {"code": "HOME", "name_zh": "家居", "name_en": "Home"}))
    kitchen = body(a.api.post("categories", {"code": "KITCHEN", "name_en": "Kitchen", "parent_id": top["id"]}))
    other = body(a.api.post("categories", {"code": "GARDEN", "name_en": "Garden"}))
    approved_sku(a, "MUG-01", title_zh="陶瓷马克杯", title_en="Ceramic Mug", category_id=kitchen["id"])
    approved_sku(a, "POT-01", title_en="Flower pot", category_id=other["id"])
    _create(a, {"title_en": "Kitchen towel", "category_id": top["id"], "skus": [{"code": "TOWEL-01"}]})
    approved_sku(b, "MUG-B", title_en="Ceramic Mug")

    def titles(query):
        resp = a.api.get(f"products?{query}")
        assert resp.status_code == 200, body(resp)
        return sorted(p["title_en"] for p in body(resp))

    assert titles("q=ceramic") == ["Ceramic Mug"]
    assert titles("q=马克杯") == ["Ceramic Mug"]
    assert titles("q=mug-0") == ["Ceramic Mug"]
    assert titles("sku=towel") == ["Kitchen towel"]
    assert titles(f"category_id={top['id']}") == ["Ceramic Mug", "Kitchen towel"]
    assert titles(f"category_id={kitchen['id']}") == ["Ceramic Mug"]
    assert titles("status=approved") == ["Ceramic Mug", "Flower pot"]
    assert titles("status=draft&status=approved") == ["Ceramic Mug", "Flower pot", "Kitchen towel"]
    assert titles("q=100%25") == []
    resp = a.api.get("products?page_size=2")
    assert pagination(resp)["total"] == 3 and len(body(resp)) == 2
    assert a.api.get("products?status=bogus").status_code == 422
    assert b.api.get(f"products?category_id={top['id']}").status_code == 404

    skus = body(a.api.get("skus?q=mug"))
    assert [s["code"] for s in skus] == ["MUG-01"] and skus[0]["product_title_zh"] == "陶瓷马克杯"
    assert [s["code"] for s in body(a.api.get("skus?code=POT-01"))] == ["POT-01"]
    assert [s["code"] for s in body(a.api.get("skus?usable_for=purchase"))] == ["MUG-01", "POT-01"]


def test_categories_form_a_tree(tenants):
    a, b = tenants
    top = body(a.api.post("categories", {"code": "A", "name_en": "A"}))
    mid = body(a.api.post("categories", {"code": "B", "name_en": "B", "parent_id": top["id"]}))
    leaf = body(a.api.post("categories", {"code": "C", "name_en": "C", "parent_id": mid["id"]}))
    assert [c["depth"] for c in body(a.api.get("categories"))] == [0, 1, 2]
    resp = a.api.patch(f"categories/{top['id']}", {"parent_id": leaf["id"]})
    assert resp.status_code == 422 and "parent_id" in body(resp)["errors"]
    assert a.api.post("categories", {"code": "A", "name_en": "dup"}).status_code == 422
    assert b.api.post("categories", {"code": "A", "name_en": "mine"}).status_code == 201
    # Moving a branch carries its subcategories, so filters by the new parent include them.
    resp = a.api.patch(f"categories/{mid['id']}", {"parent_id": None})
    assert body(resp)["depth"] == 0
    approved_sku(a, "LEAF-1", category_id=leaf["id"])
    assert len(body(a.api.get(f"products?category_id={mid['id']}"))) == 1
    assert len(body(a.api.get(f"products?category_id={top['id']}"))) == 0
    assert a.api.delete(f"categories/{mid['id']}").status_code == 409
    assert a.api.delete(f"categories/{leaf['id']}").status_code == 409
    assert a.api.delete(f"categories/{top['id']}").status_code == 204
    assert b.api.get(f"categories/{mid['id']}").status_code == 404


def test_roles_decide_who_edits_and_who_reviews(tenant_a):
    a = tenant_a
    viewer = a.client_with_roles("viewer")
    operations = a.client_with_roles("operations")
    purchasing = a.client_with_roles("purchasing")
    assert viewer.get("products").status_code == 200
    assert viewer.post("products", {"title_en": "x"}).status_code == 403
    resp = purchasing.post("products", {"title_en": "Scarf"})
    assert resp.status_code == 201
    pid = body(resp)["id"]
    assert purchasing.post(f"products/{pid}/submit", {}).status_code == 200
    assert operations.post(f"products/{pid}/approve", {}).status_code == 403
    assert viewer.post(f"products/{pid}/reject", {"reason": "x"}).status_code == 403
    assert purchasing.post(f"products/{pid}/approve", {}).status_code == 200
    assert viewer.patch("catalog/settings", {"sku_pattern": "{seq}"}).status_code == 403
    assert viewer.get("products/export").status_code == 200


def test_delete_only_never_approved_products(tenant_a):
    a = tenant_a
    product = _create(a, {"title_en": "Temp"})
    assert a.api.delete(f"products/{product['id']}").status_code == 204
    assert a.api.get(f"products/{product['id']}").status_code == 404
    sku = approved_sku(a, "KEEP-1")
    pid = body(a.api.get(f"skus/{sku}"))["product_id"]
    _act(a, pid, "revise")
    resp = a.api.delete(f"products/{pid}")
    assert resp.status_code == 409 and "discontinue" in body(resp)["message"]
    resp = a.api.patch(f"products/{pid}", {"skus": [{}]})
    assert resp.status_code == 422 and "KEEP-1 was approved before" in body(resp)["errors"]["skus"][0]
