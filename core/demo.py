"""Seeding the embedded demo: a demo tenant and user, then each capability's demo data, then
the shop's last month of sales and a replenishment run over it.

A capability adds demo data with a module `core/<capability>/demo.py` defining
`seed(base_url: str) -> None`; it runs inside the demo tenant's context, once, when the tenant
is created, in the order of `core.app.CAPABILITIES`. Steps of the shop's past run under
`core.db.backdated`, so they carry the dates they would have had.

What the demo promises (tests/core/test_demo.py holds it): every listing maps to the product
it is; the Amazon shop's FBA orders reserve stock in FBA US; receipts come days after their
purchase orders; a month of shipped orders gives replenishment real suggestions.
"""

from __future__ import annotations

import logging
import random
import uuid
from typing import Any

from sqlalchemy import select

from core.app import capability_modules
from core.db import backdated, session, system_session, unit_of_work
from core.errors import DomainError
from core.tenancy import Actor, actor_context, tenant_context

log = logging.getLogger("tradelane.demo")

HISTORY_DAYS = 30
ORDERS_PER_DAY = 4
# The shop's best sellers (by English title) and how often each is picked; the others sell
# now and then. Picked with a fixed seed, so every demo has the same history.
BEST_SELLERS = {
    "Braided USB-C cable 1 m": 12,
    "Shockproof phone case for iPhone 15, black": 10,
    "65 W GaN charger, 3 ports": 8,
    "Power bank 10000 mAh": 8,
    "Wireless earbuds with charging case, white": 6,
    "Insulated steel bottle 750 ml": 6,
    "Mini tripod with phone clamp": 4,
    "Ceramic mug 350 ml": 4,
}
BUYERS = (
    ("US", "Emily Carter", "418 Maple Avenue", "Columbus", "OH", "43215"),
    ("US", "Jacob Nguyen", "77 Harbor Road", "Seattle", "WA", "98101"),
    ("GB", "Olivia Hughes", "12 Station Road", "Leeds", "", "LS1 4DY"),
    ("CA", "Liam Tremblay", "250 Rue Sherbrooke", "Montréal", "QC", "H2X 1X8"),
    ("AU", "Chloe Wilson", "9 George Street", "Sydney", "NSW", "2000"),
)


def seed_demo(email: str, password: str, base_url: str) -> tuple[uuid.UUID, bool]:
    """Create the demo tenant unless its user exists. Returns (tenant id, created)."""
    from tenants import service
    from tenants.models import User

    with system_session() as s:
        existing = s.execute(select(User.tenant_id).where(User.email == email)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    with actor_context(Actor("system", None, "demo seed")):
        with backdated(days=60), unit_of_work():
            tenant, _user = service.signup(
                company="Demo Trading Co. 演示贸易",
                email=email,
                password=password,
                name="Demo Owner",
                currency="CNY",
                timezone="Asia/Shanghai",
                locale="zh_CN",
            )
            tenant_id = tenant.id
        for module in capability_modules("demo"):
            with tenant_context(tenant_id), unit_of_work():
                module.seed(base_url)
        with tenant_context(tenant_id):
            sales_history()
        with tenant_context(tenant_id), unit_of_work():
            replenish()
        with tenant_context(tenant_id), unit_of_work():
            from core.finance import posting_demo

            posting_demo.seed(base_url)  # the books posted to Kingdee's emulator (docs/accounting.md)
    return tenant_id, True


def sales_history(days: int = HISTORY_DAYS, per_day: int = ORDERS_PER_DAY) -> int:
    """The last `days` days of the shop's own-warehouse orders, each shipped the day after it
    was placed, through the order services (so stock leaves the warehouse on that day).
    Each day commits on its own: the demo's jobs write to the same SQLite file meanwhile, and
    one long transaction would keep them waiting past SQLite's lock timeout. Returns the
    number of orders shipped."""
    from core.catalog import service as catalog
    from core.orders import service as orders

    with unit_of_work():
        skus = {
            p.title_en: (p.skus[0].code, str(p.skus[0].sale_price or "19.99"))
            for p in session.execute(catalog.product_query(status="approved")).scalars()
            if len(p.skus) == 1 and not p.skus[0].kit_type
        }
    weights = {title: BEST_SELLERS.get(title, 1) for title in skus}
    if not weights:
        return 0
    titles, chances = list(weights), list(weights.values())
    rng = random.Random(20261202)
    shipped = 0
    for back in range(days, 0, -1):
        with unit_of_work():
            shipped += _day(orders, skus, titles, chances, rng, back, per_day)
    return shipped


def _day(
    orders: Any,
    skus: dict[str, tuple[str, str]],
    titles: list[str],
    chances: list[int],
    rng: Any,
    back: int,
    per_day: int,
) -> int:
    """One day's orders, `back` days ago; returns how many shipped."""
    shipped = 0
    for n in range(per_day):
        picked = sorted(set(rng.choices(titles, chances, k=1 if rng.random() < 0.7 else 2)))
        country, name, line1, city, state, postcode = rng.choice(BUYERS)
        with backdated(days=back, hours=8 - 3 * n):
            order = orders.create_order(
                {
                    "currency": "USD",
                    "external_order_id": f"WEB-{back:02d}{n}",
                    "lines": [
                        {"sku": skus[t][0], "quantity": rng.choice((1, 2, 2, 3)), "unit_price": skus[t][1]}
                        for t in picked
                    ],
                    "shipping_address": {
                        "name": name,
                        "line1": line1,
                        "city": city,
                        "state": state,
                        "postal_code": postcode,
                        "country": country,
                    },
                    "buyer": {"name": name},
                }
            )
            shipped += _ship_next_day(orders, order.id, back)
    return shipped


def _ship_next_day(orders: Any, order_id: Any, back: int) -> int:
    if orders.get_order(order_id).status == "pending_review":
        orders.approve(order_id)
    if orders.get_order(order_id).status == "approved":
        orders.allocate(order_id)
    with backdated(days=back - 1, hours=2):
        try:
            tracking = f"YT{order_id.hex[:10].upper()}"
            orders.ship(order_id, carrier="YunExpress", service="Global Direct", tracking_number=tracking)
        except DomainError as exc:  # out of stock that day: the order stays where it stopped
            log.debug("demo history order %s not shipped: %s", order_id, exc.message)
            return 0
    return 1


def replenish() -> None:
    from core.purchasing.service import replenishment

    replenishment.run_replenishment()
