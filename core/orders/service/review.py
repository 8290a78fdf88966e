"""Review: staff approve what they checked; the tenant's rules approve the rest or say why an
order must wait. Review rules ("orders above 500 USD", "to BR") outrank approval rules
("platform-fulfilled", "ships from an overseas warehouse"); an order no approval rule takes
stays in pending_review with the reason on the order and its timeline."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from core.messages import Msg, joined
from core.money import RateNotFound, round_money
from core.orders.events import OrderApproved
from core.orders.models import Order
from core.orders.service import allocation
from core.orders.service.base import emit_event, lock_order, record, require_status, set_status
from core.orders.service.settings import Settings, get_settings, order_rate


def _conditions(order: Order, rule: dict[str, Any], settings: Settings, site: Any) -> tuple[bool, list[str]]:
    """Whether every condition of the rule holds, and the facts that made it hold."""
    facts: list[Msg] = []
    if "fulfilment" in rule:
        if order.fulfilment != rule["fulfilment"]:
            return False, []
        facts.append(Msg("order.fact.fulfilment", fulfilment=order.fulfilment))
    if "channels" in rule:
        if order.channel not in rule["channels"]:
            return False, []
        facts.append(Msg("order.fact.channel", channel=order.channel))
    if "connection_ids" in rule:
        if str(order.connection_id) not in rule["connection_ids"]:
            return False, []
        facts.append(Msg("order.fact.listed_shop"))
    if "countries" in rule:
        if order.ship_country not in rule["countries"]:
            return False, []
        facts.append(Msg("order.fact.country", country=order.ship_country))
    if "min_total" in rule:
        limit, currency = Decimal(rule["min_total"]), rule["currency"]
        try:
            converted: Decimal | None = order.total * order_rate(order, order.currency, currency)
        except RateNotFound as missing:
            converted, why = None, missing.message
        if converted is None:
            if rule["action"] != "review":
                return False, []
            facts.append(
                Msg(
                    "order.fact.total_not_compared",
                    total=order.total,
                    currency=order.currency,
                    limit=limit,
                    limit_currency=currency,
                    detail=why,
                )
            )
        elif converted < limit:
            return False, []
        else:
            shown = f"{order.total} {order.currency}" + (
                f" ({round_money(converted, currency)} {currency})" if currency != order.currency else ""
            )
            facts.append(Msg("order.fact.total_at_least", total=shown, limit=limit, currency=currency))
    if "has_remarks" in rule:
        has = bool(order.buyer_remarks.strip())
        if has != rule["has_remarks"]:
            return False, []
        facts.append(Msg("order.fact.remarks") if has else Msg("order.fact.no_remarks"))
    if "tags" in rule:
        tags = set(order.tags or []) & set(rule["tags"])
        if not tags:
            return False, []
        facts.append(Msg("order.fact.tagged", tags=sorted(tags)))
    if "warehouse_type" in rule:
        chosen = site()
        if chosen is None or chosen.type != rule["warehouse_type"]:
            return False, []
        facts.append(Msg("order.fact.ships_from", warehouse=chosen.code, warehouse_type=chosen.type.replace("_", " ")))
    return True, facts


def evaluate(order: Order, settings: Settings | None = None) -> tuple[bool, str, list[str]]:
    """(approve?, rule name, reasons) for an order waiting for review."""

    settings = settings or get_settings()
    cache: list[Any] = []

    def site() -> Any:
        if not cache:
            cache.append(allocation.preview_site(order))
        return cache[0]

    reasons = []
    for rule in settings.review_rules:
        if rule["action"] != "review":
            continue
        matched, facts = _conditions(order, rule, settings, site)
        if matched:
            reasons.append(f"{rule['name']}: " + ", ".join(facts))
    if reasons:
        return False, "", reasons
    for rule in settings.review_rules:
        if rule["action"] != "approve":
            continue
        matched, facts = _conditions(order, rule, settings, site)
        if matched:
            return True, rule["name"], [Msg("order.rule_matched", rule=rule["name"], facts=list(facts))]
    return False, "", [Msg("order.review_needed")]


def auto_review(orders: Sequence[Order]) -> None:
    settings = get_settings()
    for order in orders:
        approve, rule, reasons = evaluate(order, settings)
        if approve:
            _approve(order, Msg("order.approved_by_rule", rule=reasons[0]), rule=rule)
        else:
            note = joined(reasons)
            if note != order.review_note:
                order.review_note = note
                record(order, "review_required", note, reasons=reasons)


def _approve(order: Order, message: str, rule: str = "", note: str = "") -> None:
    order.review_note = ""
    set_status(order, "approved", "approved", message, rule=rule)
    emit_event(
        "order.approved",
        OrderApproved(order_id=order.id, status=order.status, rule=rule or None, note=note or None),
        "order",
        order.id,
    )


def record_approval(order_id: uuid.UUID, note: str = "") -> Order:
    """Staff checked the order (address, remarks, shipping method) and approve it (the
    pipeline's `approve` then hands it to the split rules and allocation)."""
    order = lock_order(order_id)
    require_status(order, ("pending_review",), "approve")
    _approve(
        order,
        Msg("order.approved_note", note=note.strip()) if note and note.strip() else Msg("order.approved"),
        note=note,
    )
    return order
