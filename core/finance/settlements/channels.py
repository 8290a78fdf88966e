"""What channels report through their finance APIs, fetched on the `finance` queue:

- **Refunds** (Amazon's Finances API `RefundEventList`; Amazon's Orders API shows none,
  shared/reference/channels.md §1), read over the last `REFUND_WINDOW` every run, so a run
  that failed or a refund posted late is read again; each is acted on once (unique per
  connection and refund id), through the orders service:
  - an order not shipped yet and refunded in full is cancelled: its lines are cancelled and
    its stock reservation released, so the warehouse can no longer ship it;
  - refunded in part before shipment, it is held for a person to decide what still ships;
  - a shipped order gets the refund recorded (`order.refunded`), which finance books red;
  - a refund whose order has not arrived yet waits and is tried again on the next run.
- **Settlement reports** (Amazon's Reports API `getReports` + `getReportDocument`, reference
  finance.md §3.1), each imported once like an upload, and **payouts** with their balance
  transactions (Shopify Payments, §3.2; PayPal and other payment sources, §3.3, for the shop
  each one pays), each imported once.
"""

from __future__ import annotations

import io
import logging
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.db import session, utcnow
from core.errors import DomainError
from core.finance.settlements.models import ChannelRefund as RefundRow
from core.finance.settlements.models import Settlement
from core.messages import Msg
from core.ports import ChannelCapability, ChannelRefund

log = logging.getLogger("tradelane.finance.settlements")

REFUND_WINDOW = timedelta(days=3)
REPORT_WINDOW = timedelta(days=90)
# Order statuses after shipment (core/orders/models.py AFTER_SHIPMENT) and the ones where a
# refund has nothing left to stop.
SHIPPED = frozenset(("shipped", "delivered", "partially_refunded", "refunded", "returned"))
DONE = frozenset(("cancelled", "split", "merged"))


def _connections(capability: str) -> list[Any]:
    from tenants.service import adapter_info, connections_facts

    out = []
    for facts in connections_facts().values():
        if facts.kind != "channel" or not facts.enabled:
            continue
        try:
            info = adapter_info("channel", facts.plugin)
        except DomainError:
            continue
        if capability in getattr(info.cls, "capabilities", ()):
            out.append(facts)
    return out


def _order(connection_id: uuid.UUID, external_order_id: str) -> Any:
    from core.orders import service as orders

    o = orders.order_query(connection_id=connection_id).order_by(None).subquery()
    row = session.execute(
        select(o.c.id, o.c.status, o.c.total, o.c.refunded_amount, o.c.currency, o.c.number).where(
            o.c.external_order_id == external_order_id, o.c.parent_id.is_(None)
        )
    ).first()
    return row


# ---------------------------------------------------------------------------------------------
# Refunds


def fetch_refunds(progress: Any = None) -> dict[str, Any]:
    """Read every refund-reporting connection's refunds of the window and act on the new ones."""
    from core import connections

    done: dict[str, int] = {}
    for facts in _connections(ChannelCapability.REFUND_EVENTS):
        with connections.using(facts.id, "channel") as adapter:
            before = adapter.window_end()
            after = before - REFUND_WINDOW
            cursor = None
            while True:
                page = adapter.list_refunds(after, before, cursor)
                for refund in page.refunds:
                    action = apply_refund(facts.id, facts.plugin, refund)
                    done[action] = done.get(action, 0) + 1
                cursor = page.next_cursor
                if not cursor:
                    break
        done.update(retry_waiting(facts.id, facts.plugin))
    return done


def apply_refund(connection_id: uuid.UUID, channel: str, refund: ChannelRefund) -> str:
    """Act on one refund once; returns what was done (`REFUND_ACTIONS`)."""
    row = session.execute(
        select(RefundRow).where(
            RefundRow.connection_id == connection_id, RefundRow.external_refund_id == refund.external_refund_id
        )
    ).scalar_one_or_none()
    if row is not None and row.action != "no_order":
        return "seen"
    if row is None:
        row = RefundRow(
            connection_id=connection_id,
            external_refund_id=refund.external_refund_id[:100],
            external_order_id=refund.external_order_id[:100],
            posted_at=refund.posted_at,
            currency=(refund.currency or "")[:3],
            amount=refund.amount,
            action="no_order",
        )
        session.add(row)
    _act(row, channel)
    session.flush()
    return row.action


def retry_waiting(connection_id: uuid.UUID, channel: str) -> dict[str, int]:
    """Refunds that arrived before their order: try them again."""
    out: dict[str, int] = {}
    rows = session.execute(
        select(RefundRow).where(RefundRow.connection_id == connection_id, RefundRow.action == "no_order")
    ).scalars()
    for row in list(rows):
        _act(row, channel)
        if row.action != "no_order":
            out[f"late_{row.action}"] = out.get(f"late_{row.action}", 0) + 1
    return out


def _act(row: RefundRow, channel: str) -> None:
    from core.orders import service as orders

    order = _order(row.connection_id, row.external_order_id)
    if order is None:
        row.action, row.message = "no_order", "the order has not been imported yet; tried again on the next run"
        return
    row.order_id = order.id
    reason = f"refunded on {channel} ({row.external_refund_id})"[:2000]
    open_amount = (order.total or Decimal(0)) - (order.refunded_amount or Decimal(0))
    try:
        with session.begin_nested():
            if order.status in DONE:
                row.action, row.message = "none", f"the order is {order.status}"
            elif order.status not in SHIPPED:
                if row.amount >= open_amount or row.amount <= 0:
                    orders.refund(order.id, method="platform", reason=reason, external_refund_id=row.external_refund_id)
                    row.action, row.message = "cancelled", "cancelled before shipment; its reservation released"
                else:
                    orders.hold_order(
                        order.id,
                        reason=Msg(
                            "finance.refunded_before_shipment",
                            channel=channel,
                            amount=row.amount,
                            currency=row.currency,
                            refund=row.external_refund_id,
                        ),
                    )
                    row.action, row.message = "held", "refunded in part before shipment: held for a person"
            else:
                amount = min(row.amount, open_amount)
                if amount <= 0:
                    row.action, row.message = "none", "nothing is left to refund on the order"
                else:
                    orders.refund(
                        order.id,
                        method="platform",
                        reason=reason,
                        amount=str(amount),
                        external_refund_id=row.external_refund_id,
                    )
                    row.action, row.message = "refunded", f"{amount} {row.currency} recorded against the shipped order"
    except DomainError as exc:
        row.action, row.message = "failed", str(exc)[:2000]
        log.warning("refund %s of order %s could not be applied: %s", row.external_refund_id, order.number, exc)


def refund_query(action: str | None = None) -> Any:
    stmt = select(RefundRow)
    if action:
        stmt = stmt.where(RefundRow.action == action)
    return stmt.order_by(RefundRow.posted_at.desc())


# ---------------------------------------------------------------------------------------------
# Settlement reports


def fetch_reports(progress: Any = None) -> dict[str, Any]:
    """Download and import the settlement reports each connection offers that are not here yet."""
    from core import connections
    from core.finance.settlements.service import import_amazon

    imported, known, failed = 0, 0, []
    for facts in _connections(ChannelCapability.SETTLEMENT_REPORTS):
        seen = set(
            session.execute(
                select(Settlement.report_id).where(Settlement.connection_id == facts.id, Settlement.report_id != "")
            ).scalars()
        )
        with connections.using(facts.id, "channel") as adapter:
            for report in adapter.list_settlement_reports(utcnow() - REPORT_WINDOW):
                if report.report_id in seen:
                    known += 1
                    continue
                data = adapter.settlement_report(report.document_id)
                try:
                    with session.begin_nested():
                        done = import_amazon(
                            io.BytesIO(data), connection_id=facts.id, filename=f"report {report.report_id}"
                        )
                        if not done.settlement.report_id:
                            done.settlement.report_id = report.report_id[:100]
                except DomainError as exc:
                    failed.append(f"report {report.report_id}: {exc}"[:500])
                    continue
                imported += done.created
                known += not done.created
    payouts = fetch_payouts(failed)
    return {"imported": imported, "known": known, "payouts": payouts, "failed": failed}


def fetch_payouts(failed: list[str]) -> int:
    """Import the paid payouts each payment-reporting connection (Shopify Payments) and each
    payment source (PayPal) has that are not here yet; returns how many were new."""
    from core import connections

    new = 0
    for facts in _connections(ChannelCapability.PAYOUTS):
        with connections.using(facts.id, "channel") as adapter:
            new += _import_payouts(
                adapter.list_payouts((utcnow() - REPORT_WINDOW).date()), facts.id, facts.plugin, failed
            )
    return new + fetch_payment_sources(failed)


def fetch_payment_sources(failed: list[str]) -> int:
    """The payouts of every enabled payment-source connection (docs/decisions/0014), each
    imported for the shop its `orders_connection_id` setting names, so its lines match that
    shop's orders and its receivable is that shop's. A source that fails is recorded (the
    runtime marks the connection too) and the others go on."""
    from core import connections
    from core.finance.settlements.models import SOURCES
    from core.finance.settlements.service import shop_of
    from core.ports import AdapterError
    from tenants.service import connections_facts

    new = 0
    for facts in connections_facts().values():
        if facts.kind != "payment" or not facts.enabled:
            continue
        if facts.plugin not in SOURCES:
            failed.append(f"{facts.display_name}: settlements do not know the payment source {facts.plugin!r}")
            continue
        try:
            with connections.using(facts.id, "payment") as source:
                try:
                    shop, _channel = shop_of(source.ctx.settings.get("orders_connection_id"))
                except DomainError:
                    failed.append(
                        f"{facts.display_name}: orders_connection_id names none of your shops (a channel connection)"
                    )
                    continue
                payouts = source.list_payouts((utcnow() - REPORT_WINDOW).date())
        except AdapterError as exc:
            failed.append(f"{facts.display_name}: {exc}"[:500])
            continue
        new += _import_payouts(payouts, shop, facts.plugin, failed)
    return new


def _import_payouts(payouts: list[Any], shop: uuid.UUID, source: str, failed: list[str]) -> int:
    from core.finance.settlements.service import import_payout

    new = 0
    for payout in payouts:
        try:
            with session.begin_nested():
                done = import_payout(payout, connection_id=shop, source=source)
        except DomainError as exc:
            failed.append(f"payout {payout.payout_id}: {exc}"[:500])
            continue
        new += done.created
    return new
