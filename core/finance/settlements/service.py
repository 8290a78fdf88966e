"""Settlement use cases: import (upload or report download), read, and the reconciliation
actions. The door (request, job) owns the transaction: an import that finds a problem raises
and the door rolls everything back, so nothing of a bad file is stored.

Imports stream: the file is read a row at a time and its lines are written as they come
(`lines.Writer`: on PostgreSQL copied a chunk at a time into a table of the transaction and
moved into the lines table matched to their orders), so memory stays flat for a million
lines; a problem anywhere in the file raises, and the door rolls back what was written.
"""

from __future__ import annotations

import codecs
import io
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.db import bulk_insert, get_or_none, session, utcnow
from core.errors import NotFound, ValidationError
from core.events import emit
from core.finance.events import SettlementImported
from core.finance.settlements import amazon, lines
from core.finance.settlements.models import MATCH_STATUSES, REASONS, Settlement, SettlementLine  # noqa: F401 - for the portal
from core.messages import Msg
from core.tenancy import current_actor, current_tenant_id

BATCH = 5000
MAX_PROBLEMS_SHOWN = 200


@dataclass(frozen=True)
class Imported:
    settlement: Settlement
    created: bool  # False: this settlement id was imported before; nothing new was written


def shop_of(connection_id: Any) -> tuple[uuid.UUID, str]:
    """(connection id, channel plugin) of one of the tenant's channel connections; 422 else."""
    from tenants.service import connection_facts

    facts = connection_facts(connection_id) if connection_id else None
    if facts is None or facts.kind != "channel":
        raise ValidationError.field("connection_id", Msg("tenants.setting_choose_shop"))
    return facts.id, facts.plugin


def text_stream(data: IO[bytes]) -> IO[str]:
    """The upload as text: UTF-8 (with or without BOM); Windows-1252, which EU Seller Central
    downloads often are, when the file is not UTF-8 and can be read again from the start."""
    head = data.read(65536)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        encoding = "cp1252"
    rest = io.BufferedReader(_Prefixed(head, data))  # type: ignore[arg-type]
    return io.TextIOWrapper(rest, encoding=encoding, newline="")


class _Prefixed(io.RawIOBase):
    """A stream that yields `head` and then the rest of `tail` (the bytes sniffed above)."""

    def __init__(self, head: bytes, tail: IO[bytes]) -> None:
        self.head, self.tail = head, tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n], self.head = self.head[:n], self.head[n:]
            return n
        chunk = self.tail.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def problems_error(problems: Iterable[Any], count: int) -> ValidationError:
    shown = [p.as_message() if isinstance(p, amazon.Problem) else p for p in problems]
    more = count - len(shown)
    if more > 0:
        shown.append(Msg("finance.more_problems", more=more))
    return ValidationError({"file": shown}, Msg("finance.file_problems", count=count))


def import_amazon(
    data: IO[bytes],
    *,
    connection_id: Any,
    filename: str = "",
    locale: str | None = None,
    deposit_currency: str | None = None,
    deposit_amount: Decimal | None = None,
) -> Imported:
    """Import an Amazon Flat File V2 settlement report (reference finance.md §3.1).

    The same settlement id imported again returns the first import (`created` False) and
    writes nothing. A file with any problem raises one 422 listing them by line."""
    conn_id, channel = shop_of(connection_id)
    try:
        reader = amazon.Reader(text_stream(data), locale=locale, max_shown=MAX_PROBLEMS_SHOWN)
        summary = reader.open()
    except amazon.FileProblem as exc:
        problem = exc.args[0] if exc.args else str(exc)
        raise ValidationError({"file": [problem]}, Msg("finance.file_cannot_be_imported", detail=problem)) from None
    except UnicodeDecodeError as exc:
        raise ValidationError.field("file", Msg("finance.file_not_text", reason=exc.reason)) from None
    assert summary is not None
    if summary.settlement_id:
        existing = _existing("amazon", summary.settlement_id)
        if existing is not None:
            return Imported(existing, False)
    # With no settlement id or currency the summary has a problem recorded, so this row is never
    # stored (reader.count > 0 below): the placeholders only let the rest of the file be read
    # for its line-numbered problem list.
    row = Settlement(
        source="amazon",
        external_id=summary.settlement_id or "?",
        connection_id=conn_id,
        channel=channel,
        start_at=summary.start,
        end_at=summary.end,
        deposit_date=summary.deposit_date,
        currency=summary.currency or "XXX",
        total=summary.total,
        locale=summary.locale,
        filename=(filename or "")[:200],
        imported_by=str(current_actor())[:200],
    )
    _deposit(row, deposit_currency, deposit_amount)
    if reader.count == 0:
        found = _insert_settlement(row)
        if found is not None:
            return Imported(found, False)
    unknown = 0
    with lines.Writer(row, current_tenant_id()) as writer:
        for r in reader.rows():
            if reader.count:
                continue  # keep reading to list every problem, but write nothing more
            unknown += not r.known
            writer.add(r)
    reader.check_total(reader.last_line)
    if reader.count:
        raise problems_error(reader.problems, reader.count)
    writer.store()
    row.line_count, row.unknown_count = reader.detail_count, unknown
    emit(
        "settlement.imported",
        SettlementImported(
            settlement_id=row.id,
            source=row.source,
            external_id=row.external_id,
            connection_id=row.connection_id,
            currency=row.currency,
            total=row.total,
            lines=row.line_count,
            unknown=row.unknown_count,
        ),
        entity_type="settlement",
        entity_id=row.id,
    )
    enqueue_match(row.id)
    return Imported(row, True)


def import_payout(payout: Any, *, connection_id: Any, source: str = "shopify") -> Imported:
    """Import a payment provider's payout with its balance transactions (Shopify Payments,
    reference finance.md §3.2; PayPal, §3.3): each transaction's gross amount is a line
    (charges and refunds are sales, matched to their order by `source_order_id`, or first by
    `order_number` where the provider names one) and its fee another. Refused when the
    transactions' net does not add up to the payout (§3.2 reconciliation invariant); the same
    payout id again creates nothing. A payout that reached the bank in another currency
    carries what arrived (`deposit_currency`, `deposit_amount`), so booking it realises FX."""
    from core.finance.settlements.categories import PAYOUT_TYPES

    conn_id, channel = shop_of(connection_id)
    existing = _existing(source, str(payout.payout_id))
    if existing is not None:
        return Imported(existing, False)
    net = sum((t.net for t in payout.transactions), Decimal(0))
    if net != payout.net:
        raise ValidationError(
            {
                "transactions": [
                    Msg("finance.payout_transactions_differ", net=net, currency=payout.currency, payout_net=payout.net)
                ]
            },
            Msg("finance.payout_does_not_add_up", payout_id=payout.payout_id),
        )
    times = [t.processed_at for t in payout.transactions if t.processed_at]
    row = Settlement(
        source=source,
        external_id=str(payout.payout_id)[:100],
        connection_id=conn_id,
        channel=channel,
        start_at=min(times) if times else None,
        end_at=max(times) if times else None,
        deposit_date=payout.paid_on,
        currency=payout.currency,
        total=payout.net,
        filename=f"payout {payout.payout_id}"[:200],
        imported_by=str(current_actor())[:200],
    )
    _deposit(row, getattr(payout, "deposit_currency", ""), getattr(payout, "deposit_amount", None))
    found = _insert_settlement(row)
    if found is not None:
        return Imported(found, False)
    tenant, rows, unknown = current_tenant_id(), [], 0
    for i, t in enumerate(payout.transactions):
        kind = t.type.strip().lower()
        category = PAYOUT_TYPES.get(kind, "unknown")
        unknown += category == "unknown"
        base = {
            "line": 2 * i + 1,
            "transaction_type": kind.title()[:64],
            "order_id": t.source_order_id[:100],
            "merchant_order_id": getattr(t, "order_number", "")[:100],
            "amount_type": (getattr(t, "code", "") or kind)[:100],
            "posted": t.processed_at.date() if t.processed_at else payout.paid_on,
        }
        amount = t.amount if category != "unknown" else t.net
        rows.append(_generic_row(tenant, row.id, base, category, amount, t.transaction_id, category != "unknown"))
        if t.fee and category != "unknown":
            fee = {**base, "line": 2 * i + 2, "amount_type": "fee"}
            rows.append(_generic_row(tenant, row.id, fee, "commission", -t.fee, t.transaction_id, True))
    for i in range(0, len(rows), BATCH):
        bulk_insert(SettlementLine.__table__, rows[i : i + BATCH])
    row.line_count, row.unknown_count = len(rows), unknown
    emit(
        "settlement.imported",
        SettlementImported(
            settlement_id=row.id,
            source=row.source,
            external_id=row.external_id,
            connection_id=row.connection_id,
            currency=row.currency,
            total=row.total,
            lines=row.line_count,
            unknown=row.unknown_count,
        ),
        entity_type="settlement",
        entity_id=row.id,
    )
    enqueue_match(row.id)
    return Imported(row, True)


def _generic_row(
    tenant: uuid.UUID,
    settlement_id: uuid.UUID,
    base: dict[str, Any],
    category: str,
    amount: Decimal,
    ref: str,
    known: bool,
) -> dict[str, Any]:
    r = amazon.Row(
        line=base["line"],
        transaction_type=base["transaction_type"],
        order_id=base["order_id"],
        merchant_order_id=base.get("merchant_order_id", ""),
        adjustment_id="",
        shipment_id=ref[:100],
        marketplace="",
        amount_type=base["amount_type"],
        amount_description=ref[:200],
        amount=amount,
        raw_amount=str(amount)[:40],
        fulfillment_id="",
        posted=base["posted"],
        order_item_code="",
        merchant_order_item_id="",
        merchant_adjustment_item_id="",
        sku="",
        quantity=None,
        category=category,
        known=known,
    )
    return _line_row(tenant, settlement_id, r)


def _deposit(row: Settlement, currency: str | None, amount: Decimal | None) -> None:
    from core.money import is_currency

    if not currency and amount is None:
        return
    currency = (currency or "").upper()
    if not is_currency(currency):
        raise ValidationError.field("deposit_currency", Msg("finance.give_deposit_currency"))
    if amount is None or amount <= 0:
        raise ValidationError.field("deposit_amount", Msg("finance.give_deposit_amount"))
    row.deposit_currency, row.deposit_amount = currency, amount


def _existing(source: str, external_id: str) -> Settlement | None:
    return session.execute(
        select(Settlement).where(Settlement.source == source, Settlement.external_id == external_id)
    ).scalar_one_or_none()


def _insert_settlement(row: Settlement) -> Settlement | None:
    """Write the settlement; None, or the settlement a concurrent import wrote first."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        found = _existing(row.source, row.external_id)
        if found is None:
            raise
        return found
    return None


def _line_row(tenant: uuid.UUID, settlement_id: uuid.UUID, r: amazon.Row) -> dict[str, Any]:
    return lines.line_row(tenant, settlement_id, r, utcnow())


def _match_key(settlement_id: Any) -> str:
    return f"finance.match_settlement:{settlement_id}"


def enqueue_match(settlement_id: Any) -> Any:
    """Matching runs on the `finance` queue after commit (the job kind is registered with
    finance's jobs, `core/finance/settlements/jobs.py`); a run still waiting is reused."""
    from core import jobs

    return jobs.enqueue(
        "finance.match_settlement", dedupe_key=_match_key(settlement_id), settlement_id=str(settlement_id)
    )


def match_job(settlement_id: Any) -> Any:
    """The latest matching job of the settlement (None before any)."""
    from core import jobs

    return session.execute(
        select(jobs.Job)
        .where(jobs.Job.dedupe_key == _match_key(settlement_id))
        .order_by(jobs.Job.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


# ---------------------------------------------------------------------------------------------
# Reading


def get_settlement(settlement_id: uuid.UUID) -> Settlement:
    row = get_or_none(Settlement, settlement_id)
    if row is None:
        raise NotFound("settlement", settlement_id)
    return row


def settlement_query(*, source: str | None = None, status: str | None = None, connection_id: Any = None) -> Any:
    stmt = select(Settlement)
    if source:
        stmt = stmt.where(Settlement.source == source)
    if status:
        stmt = stmt.where(Settlement.status == status)
    if connection_id:
        stmt = stmt.where(Settlement.connection_id == connection_id)
    return stmt.order_by(Settlement.deposit_date.desc().nulls_last(), Settlement.created_at.desc())


def line_query(
    settlement_id: uuid.UUID,
    *,
    match_status: str | None = None,
    category: str | None = None,
    known: bool | None = None,
    order: str | None = None,
) -> Any:
    get_settlement(settlement_id)
    stmt = select(SettlementLine).where(SettlementLine.settlement_id == settlement_id)
    if match_status:
        stmt = stmt.where(SettlementLine.match_status == match_status)
    if category:
        stmt = stmt.where(SettlementLine.category == category)
    if known is not None:
        stmt = stmt.where(SettlementLine.known.is_(known))
    if order:
        stmt = stmt.where(SettlementLine.external_order_id == order)
    return stmt.order_by(SettlementLine.line_no)


def category_totals(settlement_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SettlementLine.category, func.count(), func.sum(SettlementLine.amount))
        .where(SettlementLine.settlement_id == settlement_id)
        .group_by(SettlementLine.category)
        .order_by(SettlementLine.category)
    ).all()
    return [{"category": c, "lines": n, "amount": a} for c, n, a in rows]
