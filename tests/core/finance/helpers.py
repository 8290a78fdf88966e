"""A tenant whose business runs and whose books follow: SKUs, a warehouse, a shop, stock at
cost (as an opening balance, so the books know it) and shortcuts to the documents whose events
the ledger books. Vouchers are read back through the API."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.inventory.service import Line
from core.inventory.service import adjustments as inv
from core.money import Money
from core.orders import service as orders
from tests.core.catalog.factories import approved_sku
from tests.core.orders.helpers import APPROVE_ALL, channel_order, connection, line, settings, warehouse
from tests.support import body


@dataclass
class Shop:
    tenant: Any
    conn: uuid.UUID
    wh: uuid.UUID
    tee: uuid.UUID
    cap: uuid.UUID

    @property
    def api(self) -> Any:
        return self.tenant.api


def shop(tenant: Any, *, chart: str = "cn", stock: bool = True) -> Shop:
    assert tenant.api.post("finance/setup", {"chart": chart}).status_code == 201
    conn = connection(tenant, "Amazon US")
    tee = approved_sku(tenant, f"TEE-{secrets.token_hex(2)}")
    cap = approved_sku(tenant, f"CAP-{secrets.token_hex(2)}")
    wh = warehouse(tenant, f"SZ-{secrets.token_hex(2)}")
    settings(tenant, review_rules=APPROVE_ALL)
    s = Shop(tenant, conn, wh, tee, cap)
    if stock:
        opening(s, s.tee, 20, "12.00")
        opening(s, s.cap, 20, "5.00")
    return s


def opening(s: Shop, sku: uuid.UUID, qty: int, cost: str, wh: uuid.UUID | None = None) -> None:
    with s.tenant.scope():
        inv.opening_balance(
            [Line("1", sku, wh or s.wh, qty, Money(Decimal(cost), "CNY"))],
            key=f"opening:{secrets.token_hex(6)}",
            reason="opening stock",
        )


def _code(sku: uuid.UUID) -> str:
    from sqlalchemy import select

    from core.catalog.models import Sku
    from core.db import session

    return session.execute(select(Sku.code).where(Sku.id == sku)).scalar_one()


def shipped(s: Shop, *lines: Any, currency: str = "CNY", **kw: Any) -> Any:
    """A channel order of the shop, imported, printed and shipped."""
    with s.tenant.scope():
        result = orders.upsert_from_channel(s.conn, channel_order(*lines, currency=currency, **kw))
        order_id = result.order_id
    with s.tenant.scope():
        orders.mark_printed(order_id, "label")
        orders.ship(order_id, carrier="UPS", tracking_number=f"1Z{secrets.token_hex(4)}")
    with s.tenant.scope():
        order = orders.get_order(order_id)
        _ = order.lines
        return order


def sku_line(s: Shop, sku: uuid.UUID, qty: int, price: str, **kw: Any) -> Any:
    with s.tenant.scope():
        sku_code = _code(sku)
    return line(sku_code, qty, price, **kw)


def vouchers(tenant: Any, source_type: str, source_id: Any) -> list[dict[str, Any]]:
    resp = tenant.api.get(f"finance/vouchers?source_type={source_type}&source_id={source_id}&page_size=100")
    assert resp.status_code == 200, body(resp)
    return sorted(body(resp), key=lambda v: (v["date"], v["number"] or ""))


def lines(voucher: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(account code, debit, credit) of each line."""
    return [(ln["account_code"], ln["debit"], ln["credit"]) for ln in voucher["lines"]]


def by_account(voucher: dict[str, Any]) -> dict[str, Decimal]:
    """Net debit per account name (prefix of the code)."""
    out: dict[str, Decimal] = {}
    for ln in voucher["lines"]:
        out[ln["account_code"]] = out.get(ln["account_code"], Decimal(0)) + Decimal(ln["debit"]) - Decimal(ln["credit"])
    return out


def root(account_code: str) -> str:
    return account_code.split(".")[0]


def totals_by_root(voucher: dict[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for code_, net in by_account(voucher).items():
        out[root(code_)] = out.get(root(code_), Decimal(0)) + net
    return out


def verify(tenant: Any, replay: bool = True) -> dict[str, Any]:
    resp = tenant.api.get(f"finance/verify?replay={'true' if replay else 'false'}")
    assert resp.status_code == 200, body(resp)
    return body(resp)
