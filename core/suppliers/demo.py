"""Demo suppliers: two approved suppliers with prices for the demo SKUs, one in review."""
from __future__ import annotations

from sqlalchemy import select

from core.catalog.models import Product, Sku
from core.db import session
from core.suppliers import service


def _skus(title_en: str) -> list[Sku]:
    return list(session.execute(select(Sku).join(Product, Product.id == Sku.product_id)
                                .where(Product.title_en == title_en).order_by(Sku.position)).scalars())


def seed(base_url: str) -> None:
    yiwu = service.create_supplier({
        "kind": "supplier", "name": "义乌市锦程服饰有限公司", "name_en": "Yiwu Jincheng Apparel Co., Ltd.",
        "country": "CN", "province": "浙江", "city": "义乌", "address": "稠州北路 88 号",
        "registration_date": "2014-05-20", "company_type": "limited_liability",
        "finance": {"payment_method": "bank_transfer", "account_name": "义乌市锦程服饰有限公司",
                    "bank_name": "中国银行义乌分行", "account_number": "6217000011112345", "currency": "CNY",
                    "settlement_mode": "periodic", "settlement_days": 30},
        "contacts": [{"name": "王芳", "title": "销售经理", "phone": "+86 579 5550 0101", "wechat": "wangfang_jc"}],
    })
    chaozhou = service.create_supplier({
        "kind": "merchant", "name": "潮州瓷都日用陶瓷店", "name_en": "Chaozhou Porcelain Store", "country": "CN",
        "province": "广东", "city": "潮州",
        "finance": {"payment_method": "alipay", "account_name": "林先生", "account_number": "lin.porcelain@example.cn",
                    "currency": "CNY", "settlement_mode": "prepaid"},
        "contacts": [{"name": "林先生", "phone": "+86 768 5550 0199"}],
    })
    for supplier in (yiwu, chaozhou):
        service.submit_supplier(supplier.id)
        service.approve_supplier(supplier.id)
    for sku in _skus("Cotton crew-neck T-shirt"):
        service.set_price(yiwu.id, sku.id, price="16.20", moq=300, lead_time_days=12)
    for sku in _skus("Ceramic mug 350 ml"):
        service.set_price(chaozhou.id, sku.id, price="6.50", moq=100, lead_time_days=5)

    pending = service.create_supplier({
        "name": "深圳优品包装材料有限公司", "country": "CN", "city": "深圳",
        "finance": {"payment_method": "bank_transfer", "currency": "CNY", "settlement_mode": "cash_on_delivery"},
    })
    service.submit_supplier(pending.id)
