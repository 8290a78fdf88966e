"""Demo catalogue: categories, a T-shirt in colours and sizes, a mug, a virtual gift set, a
product waiting in the review queue, and one product for each listing the demo's channel
emulators sell (`core.testing.orders.CATALOGUE`), so every listing maps to what it really is.
Codes come from the default patterns. The catalogue was set up two months before the demo's
today (`backdated`), so replenishment sees products long on sale."""

from __future__ import annotations

from decimal import Decimal

from core.catalog import service
from core.db import backdated
from core.testing.orders import CATALOGUE

# The emulators' listings, by seller SKU: Chinese title, category, purchase price (CNY),
# gross weight (g), HS code, customs names (zh, en). Titles in English come from CATALOGUE.
LISTED: dict[str, tuple[str, str, str, int, str, str, str]] = {
    "TL-CASE-IP15-BLK": ("iPhone 15 防摔手机壳 黑色", "PHONE", "9.80", 60, "392690", "塑料手机壳", "Phone case"),
    "TL-CASE-IP15-CLR": ("iPhone 15 防摔手机壳 透明", "PHONE", "9.20", 60, "392690", "塑料手机壳", "Phone case"),
    "TL-CBL-USBC-1M": ("编织 USB-C 数据线 1米", "PHONE", "5.60", 45, "854442", "数据线", "USB cable"),
    "TL-CBL-USBC-2M": ("编织 USB-C 数据线 2米", "PHONE", "7.10", 70, "854442", "数据线", "USB cable"),
    "TL-CHG-65W-GAN": ("65W 氮化镓充电器 三口", "PHONE", "48.00", 160, "850440", "充电器", "Charger"),
    "TL-PB-10K": ("10000毫安 充电宝", "PHONE", "42.50", 250, "850760", "锂电池移动电源", "Power bank"),
    "TL-EAR-TWS-WHT": ("无线蓝牙耳机 充电仓 白色", "AUDIO", "68.00", 120, "851830", "蓝牙耳机", "Earphones"),
    "TL-STD-ALU-SLV": ("铝合金笔记本支架 银色", "DESK", "52.00", 900, "847330", "笔记本支架", "Laptop stand"),
    "TL-LMP-DESK-LED": ("LED 调光台灯", "DESK", "58.00", 1100, "940520", "台灯", "Desk lamp"),
    "TL-BTL-750-STL": ("不锈钢保温瓶 750毫升", "KITCHEN", "26.00", 420, "961700", "保温瓶", "Vacuum bottle"),
    "TL-MUG-TRV-350": ("随行杯 350毫升", "KITCHEN", "19.50", 300, "961700", "保温杯", "Vacuum mug"),
    "TL-YOGA-MAT-6MM": ("防滑瑜伽垫 6毫米", "SPORT", "31.00", 1200, "950691", "瑜伽垫", "Yoga mat"),
    "TL-BAND-RES-SET": ("弹力带套装 5条", "SPORT", "18.00", 350, "950691", "弹力带", "Resistance bands"),
    "TL-BAG-CAM-M": ("相机斜挎包 中号", "PHOTO", "66.00", 650, "420292", "相机包", "Camera bag"),
    "TL-RIG-CAGE-A7": ("A7 系列相机兔笼", "PHOTO", "118.00", 380, "900691", "相机兔笼", "Camera cage"),
    "TL-TRI-MINI": ("迷你三脚架 带手机夹", "PHOTO", "22.00", 210, "962000", "三脚架", "Tripod"),
    "TL-LED-STRIP-5M": ("RGB LED 灯带 5米 带遥控", "HOMEDECOR", "28.00", 320, "940540", "LED灯带", "LED strip"),
    "TL-PLUG-SMART-EU": ("智能插座 欧规", "HOMEDECOR", "21.00", 110, "853650", "智能插座", "Smart plug"),
    "TL-KB-MECH-87": ("87键机械键盘", "DESK", "135.00", 950, "847160", "键盘", "Keyboard"),
    "TL-MSE-WL-ERGO": ("人体工学无线鼠标", "DESK", "45.00", 180, "847160", "鼠标", "Mouse"),
    "TL-PAD-XL": ("超大桌垫 90x40厘米", "DESK", "16.00", 500, "401699", "橡胶桌垫", "Rubber desk mat"),
    "TL-ORG-CBL-10": ("理线夹 10个装", "DESK", "6.50", 60, "392690", "塑料理线夹", "Plastic cable clips"),
    "TL-SCK-WOOL-M": ("美利奴羊毛袜 M码", "APPAREL", "24.00", 90, "611594", "羊毛袜", "Wool socks"),
    "TL-GLV-TOUCH-L": ("触屏手套 L码", "APPAREL", "21.00", 80, "611693", "针织手套", "Knitted gloves"),
    "TL-UMB-AUTO-BLK": ("全自动折叠伞 黑色", "HOMEDECOR", "29.00", 400, "660191", "雨伞", "Umbrella"),
}

TEE_SKU = {
    "net_weight_g": 180,
    "gross_weight_g": 210,
    "size": {"length_cm": "30", "width_cm": "25", "height_cm": "2"},
    "package_size": {"length_cm": "32", "width_cm": "26", "height_cm": "3"},
    "carton_size": {"length_cm": "60", "width_cm": "40", "height_cm": "40"},
    "units_per_carton": 60,
    "carton_weight_g": 13500,
    "purchase_price": {"amount": "16.50", "currency": "CNY"},
    "sale_price": {"amount": "19.99", "currency": "USD"},
    "market_price": {"amount": "24.99", "currency": "USD"},
    "input_vat_rate": "0.13",
    "output_vat_rate": "0",
    "customs": {
        "hs_code": "610910",
        "origin_country": "CN",
        "declared_value": {"amount": "4.50", "currency": "USD"},
        "material": "100% cotton",
        "name_en": "Men's cotton T-shirt",
        "name_zh": "男式棉制针织T恤",
    },
}


def seed(base_url: str) -> None:
    with backdated(days=60):
        _seed()


def _seed() -> None:
    apparel = service.create_category(code="APPAREL", name_zh="服装", name_en="Apparel")
    tees = service.create_category(code="TEE", name_zh="T恤", name_en="T-shirts", parent_id=apparel.id)
    home = service.create_category(code="HOME", name_zh="家居", name_en="Home")
    kitchen = service.create_category(code="KITCHEN", name_zh="厨房", name_en="Kitchen", parent_id=home.id)

    tee = service.create_product(
        {
            "title_zh": "纯棉圆领T恤",
            "title_en": "Cotton crew-neck T-shirt",
            "category_id": tees.id,
            "brand": "Tradelane",
            "description_en": "180 g/m² combed cotton, regular fit.",
            "description_zh": "180克精梳棉，常规版型。",
            "attributes": {"material": "cotton", "fit": "regular"},
            "variant_attributes": [
                {"name": "colour", "values": ["Black", "White"]},
                {"name": "size", "values": ["S", "M", "L"]},
            ],
            "skus": [
                {**TEE_SKU, "options": {"colour": c, "size": s}} for c in ("Black", "White") for s in ("S", "M", "L")
            ],
        }
    )
    mug = service.create_product(
        {
            "title_zh": "陶瓷马克杯 350毫升",
            "title_en": "Ceramic mug 350 ml",
            "category_id": kitchen.id,
            "skus": [
                {
                    "barcode": "6901234567892",
                    "net_weight_g": 320,
                    "gross_weight_g": 410,
                    "size": {"length_cm": "12", "width_cm": "8.5", "height_cm": "9.5"},
                    "purchase_price": {"amount": "6.80", "currency": "CNY"},
                    "sale_price": {"amount": "12.99", "currency": "USD"},
                    "input_vat_rate": "0.13",
                    "customs": {
                        "hs_code": "691200",
                        "origin_country": "CN",
                        "declared_value": {"amount": "2", "currency": "USD"},
                        "material": "ceramic",
                        "name_en": "Ceramic mug",
                        "name_zh": "陶瓷杯",
                    },
                }
            ],
        }
    )
    for product in (tee, mug):
        service.submit_product(product.id)
        service.approve_product(product.id)

    gift = service.create_product(
        {
            "title_zh": "马克杯双杯礼盒",
            "title_en": "Mug gift set (2 mugs)",
            "category_id": kitchen.id,
            "skus": [
                {
                    "kit_type": "virtual",
                    "components": [{"sku_id": mug.skus[0].id, "quantity": 2}],
                    "gross_weight_g": 900,
                    "sale_price": {"amount": "22.99", "currency": "USD"},
                }
            ],
        }
    )
    service.submit_product(gift.id)
    service.approve_product(gift.id)

    spatula = service.create_product(
        {
            "title_zh": "硅胶锅铲",
            "title_en": "Silicone spatula",
            "category_id": kitchen.id,
            "skus": [
                {"net_weight_g": 90, "gross_weight_g": 110, "purchase_price": {"amount": "3.20", "currency": "CNY"}}
            ],
        }
    )
    service.submit_product(spatula.id)

    _listed(apparel.id, kitchen.id)


def _listed(apparel_id: object, kitchen_id: object) -> None:
    """One approved product per emulator listing, in its own category."""
    digital = service.create_category(code="DIGITAL", name_zh="数码配件", name_en="Electronics accessories")
    categories = {
        "APPAREL": apparel_id,
        "KITCHEN": kitchen_id,
        **{
            code: service.create_category(code=code, name_zh=zh, name_en=en, parent_id=digital.id).id
            for code, zh, en in (
                ("PHONE", "手机配件", "Phone accessories"),
                ("AUDIO", "音频", "Audio"),
                ("DESK", "办公桌面", "Desk and office"),
                ("PHOTO", "摄影器材", "Photography"),
            )
        },
        "SPORT": service.create_category(code="SPORT", name_zh="运动户外", name_en="Sports and outdoors").id,
        "HOMEDECOR": service.create_category(code="HOMEDECOR", name_zh="家居生活", name_en="Home and living").id,
    }
    for seller_sku, title_en, usd in CATALOGUE:
        title_zh, category, cost, grams, hs, customs_zh, customs_en = LISTED[seller_sku]
        declared = str((Decimal(usd) * 3 / 10).quantize(Decimal("0.01")))  # the factory price, roughly
        product = service.create_product(
            {
                "title_zh": title_zh,
                "title_en": title_en,
                "category_id": categories[category],
                "brand": "Tradelane",
                "skus": [
                    {
                        "net_weight_g": grams * 85 // 100,
                        "gross_weight_g": grams,
                        "purchase_price": {"amount": cost, "currency": "CNY"},
                        "sale_price": {"amount": usd, "currency": "USD"},
                        "input_vat_rate": "0.13",
                        "customs": {
                            "hs_code": hs,
                            "origin_country": "CN",
                            "declared_value": {"amount": declared, "currency": "USD"},
                            "name_en": customs_en,
                            "name_zh": customs_zh,
                        },
                    }
                ],
            }
        )
        service.submit_product(product.id)
        service.approve_product(product.id)
