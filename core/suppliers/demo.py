"""Demo suppliers: three approved suppliers with prices and lead times for the demo SKUs (the
apparel maker, the porcelain shop, and an electronics and accessories trader in Shenzhen who
quotes for every listed product), one in review. Set up seven weeks before the demo's today."""

from __future__ import annotations

from typing import Any

from core.catalog import service as catalog
from core.catalog.demo import LISTED
from core.db import backdated, session
from core.suppliers import service


def _skus(title_en: str) -> list[Any]:
    """The SKUs of the demo product with that English title, in their order."""
    products = session.execute(catalog.product_query(q=title_en)).scalars()
    return sorted(
        (sku for product in products if product.title_en == title_en for sku in product.skus),
        key=lambda sku: sku.position,
    )


def _listed_titles() -> list[tuple[str, str]]:
    from core.testing.orders import CATALOGUE

    return [(title, LISTED[seller_sku][2]) for seller_sku, title, _usd in CATALOGUE]


def seed(base_url: str) -> None:
    with backdated(days=50):
        _seed()


def _seed() -> None:
    yiwu = service.create_supplier(
        {
            "kind": "supplier",
            "name": "义乌市锦程服饰有限公司",
            "name_en": "Yiwu Jincheng Apparel Co., Ltd.",
            "country": "CN",
            "province": "浙江",
            "city": "义乌",
            "address": "稠州北路 88 号",
            "registration_date": "2014-05-20",
            "company_type": "limited_liability",
            "finance": {
                "payment_method": "bank_transfer",
                "account_name": "义乌市锦程服饰有限公司",
                "bank_name": "中国银行义乌分行",
                "account_number": "6217000011112345",
                "currency": "CNY",
                "settlement_mode": "periodic",
                "settlement_days": 30,
            },
            "contacts": [{"name": "王芳", "title": "销售经理", "phone": "+86 579 5550 0101", "wechat": "wangfang_jc"}],
        }
    )
    chaozhou = service.create_supplier(
        {
            "kind": "merchant",
            "name": "潮州瓷都日用陶瓷店",
            "name_en": "Chaozhou Porcelain Store",
            "country": "CN",
            "province": "广东",
            "city": "潮州",
            "finance": {
                "payment_method": "alipay",
                "account_name": "林先生",
                "account_number": "lin.porcelain@example.cn",
                "currency": "CNY",
                "settlement_mode": "prepaid",
            },
            "contacts": [{"name": "林先生", "phone": "+86 768 5550 0199"}],
        }
    )
    huaqiang = service.create_supplier(
        {
            "kind": "supplier",
            "name": "深圳市华强优选电子商行",
            "name_en": "Shenzhen Huaqiang Select Electronics",
            "country": "CN",
            "province": "广东",
            "city": "深圳",
            "address": "福田区华强北路 1019 号",
            "finance": {
                "payment_method": "bank_transfer",
                "account_name": "深圳市华强优选电子商行",
                "bank_name": "招商银行深圳华强支行",
                "account_number": "7559000012345678",
                "currency": "CNY",
                "settlement_mode": "periodic",
                "settlement_days": 15,
            },
            "contacts": [{"name": "陈晓东", "title": "业务经理", "phone": "+86 755 5550 0166", "wechat": "hq_chenxd"}],
        }
    )
    for supplier in (yiwu, chaozhou, huaqiang):
        service.submit_supplier(supplier.id)
        service.approve_supplier(supplier.id)
    for sku in _skus("Cotton crew-neck T-shirt"):
        service.set_price(yiwu.id, sku.id, price="16.20", moq=300, lead_time_days=12)
    for sku in _skus("Ceramic mug 350 ml"):
        service.set_price(chaozhou.id, sku.id, price="6.50", moq=100, lead_time_days=5)
    for n, (title_en, cost) in enumerate(_listed_titles()):
        for sku in _skus(title_en):
            # Stock items ship from the trader's shelf within a week; the rest are made to order.
            service.set_price(huaqiang.id, sku.id, price=cost, moq=50, lead_time_days=6 if n % 3 else 14)

    pending = service.create_supplier(
        {
            "name": "深圳优品包装材料有限公司",
            "country": "CN",
            "city": "深圳",
            "finance": {"payment_method": "bank_transfer", "currency": "CNY", "settlement_mode": "cash_on_delivery"},
        }
    )
    service.submit_supplier(pending.id)
