"""Demo catalogue: categories, a T-shirt in colours and sizes, a mug, a virtual gift set, and
a product waiting in the review queue. Codes come from the default patterns."""
from __future__ import annotations

from core.catalog import service

TEE_SKU = {
    "net_weight_g": 180, "gross_weight_g": 210,
    "size": {"length_cm": "30", "width_cm": "25", "height_cm": "2"},
    "package_size": {"length_cm": "32", "width_cm": "26", "height_cm": "3"},
    "carton_size": {"length_cm": "60", "width_cm": "40", "height_cm": "40"}, "units_per_carton": 60,
    "carton_weight_g": 13500,
    "purchase_price": {"amount": "16.50", "currency": "CNY"}, "sale_price": {"amount": "19.99", "currency": "USD"},
    "market_price": {"amount": "24.99", "currency": "USD"}, "input_vat_rate": "0.13", "output_vat_rate": "0",
    "customs": {"hs_code": "610910", "origin_country": "CN", "declared_value": {"amount": "4.50", "currency": "USD"},
                "material": "100% cotton", "name_en": "Men's cotton T-shirt", "name_zh": "男式棉制针织T恤"},
}


def seed(base_url: str) -> None:
    apparel = service.create_category(code="APPAREL", name_zh="服装", name_en="Apparel")
    tees = service.create_category(code="TEE", name_zh="T恤", name_en="T-shirts", parent_id=apparel.id)
    home = service.create_category(code="HOME", name_zh="家居", name_en="Home")
    kitchen = service.create_category(code="KITCHEN", name_zh="厨房", name_en="Kitchen", parent_id=home.id)

    tee = service.create_product({
        "title_zh": "纯棉圆领T恤", "title_en": "Cotton crew-neck T-shirt", "category_id": tees.id, "brand": "Tradelane",
        "description_en": "180 g/m² combed cotton, regular fit.", "description_zh": "180克精梳棉，常规版型。",
        "attributes": {"material": "cotton", "fit": "regular"},
        "variant_attributes": [{"name": "colour", "values": ["Black", "White"]},
                               {"name": "size", "values": ["S", "M", "L"]}],
        "skus": [{**TEE_SKU, "options": {"colour": c, "size": s}}
                 for c in ("Black", "White") for s in ("S", "M", "L")],
    })
    mug = service.create_product({
        "title_zh": "陶瓷马克杯 350毫升", "title_en": "Ceramic mug 350 ml", "category_id": kitchen.id,
        "skus": [{"barcode": "6901234567892", "net_weight_g": 320, "gross_weight_g": 410,
                  "size": {"length_cm": "12", "width_cm": "8.5", "height_cm": "9.5"},
                  "purchase_price": {"amount": "6.80", "currency": "CNY"},
                  "sale_price": {"amount": "12.99", "currency": "USD"}, "input_vat_rate": "0.13",
                  "customs": {"hs_code": "691200", "origin_country": "CN",
                              "declared_value": {"amount": "2", "currency": "USD"}, "material": "ceramic",
                              "name_en": "Ceramic mug", "name_zh": "陶瓷杯"}}],
    })
    for product in (tee, mug):
        service.submit_product(product.id)
        service.approve_product(product.id)

    gift = service.create_product({
        "title_zh": "马克杯双杯礼盒", "title_en": "Mug gift set (2 mugs)", "category_id": kitchen.id,
        "skus": [{"kit_type": "virtual", "components": [{"sku_id": mug.skus[0].id, "quantity": 2}],
                  "gross_weight_g": 900, "sale_price": {"amount": "22.99", "currency": "USD"}}],
    })
    service.submit_product(gift.id)
    service.approve_product(gift.id)

    spatula = service.create_product({
        "title_zh": "硅胶锅铲", "title_en": "Silicone spatula", "category_id": kitchen.id,
        "skus": [{"net_weight_g": 90, "gross_weight_g": 110, "purchase_price": {"amount": "3.20", "currency": "CNY"}}],
    })
    service.submit_product(spatula.id)
