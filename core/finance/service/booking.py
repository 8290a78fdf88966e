"""Booking business events: each event through its rule into one voucher.

The finance subscriber (`core.finance.handlers`) takes the tenant's events in commit order and
calls `book_events`. An event whose rule is missing or switched off, whose payload the rule
cannot read, or which needs an account that cannot be found is listed as "not booked" with
the reason, never dropped; it can be booked again once that is fixed. The same event delivered
twice books once (the voucher's source key is the event's id). `replay()` runs the outbox
through the rules again and compares what they give with the vouchers on the books.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from core.db import get_or_none, session, utcnow
from core.errors import Conflict, InvalidTransition, NotFound
from core.events import OutboxEvent
from core.finance import rules
from core.finance.ledger import Draft
from core.finance.models import Period, RuleSetting, UnbookedEvent, Voucher, VoucherLine
from core.finance.rules import Context, EventIn
from core.finance.rules.inventory import UnknownAdjustment
from core.finance.service import posting
from core.finance.service.accounts import MissingAccount
from core.finance.service.setup import settings, tenant_facts
from core.finance.service.vouchers import get_voucher, reversal_of
from core.messages import Msg

log = logging.getLogger("tradelane.finance")


def context(version: int = 1) -> Context:
    st, facts = settings(), tenant_facts()
    return Context(
        functional=facts.functional_currency,
        chart=st.chart,
        timezone=facts.timezone,
        facilitator_channels=frozenset(st.facilitator_tax_channels or ()),
        version=version,
    )


def disabled_rules() -> set[str]:
    return set(session.execute(select(RuleSetting.rule).where(RuleSetting.enabled.is_(False))).scalars())


def draft_for(ev: OutboxEvent, ctx: Context, disabled: set[str]) -> Draft | None:
    """The event's voucher draft by its rule (None: nothing to book). Raises `NotBooked`."""
    rule = rules.for_event(ev.name)
    if rule is None:
        raise NotBooked(f"no voucher rule books {ev.name} events")
    if rule.key in disabled:
        raise NotBooked(f"the voucher rule {rule.key} is switched off")
    try:
        return rule.build(EventIn.of(ev), ctx)
    except UnknownAdjustment as exc:
        raise NotBooked(str(exc)) from None
    except (KeyError, ValueError, TypeError, ArithmeticError) as exc:
        raise NotBooked(f"the rule {rule.key} cannot read the event: {type(exc).__name__}: {exc}") from None


class NotBooked(Exception):
    """Why an event is not turned into a voucher; recorded on the not-booked list."""


def book_events(events: Sequence[OutboxEvent]) -> list[uuid.UUID | None]:
    """Book each event (in the order given) into its voucher; returns each one's voucher id,
    None for an event with nothing to book or that was listed as not booked."""
    if not events:
        return []
    ctx, disabled = context(), disabled_rules()
    out: dict[uuid.UUID, uuid.UUID | None] = {}
    drafts: list[tuple[OutboxEvent, Draft]] = []
    for ev in events:
        try:
            draft = draft_for(ev, ctx, disabled)
        except NotBooked as exc:
            _not_booked(ev, str(exc))
            out[ev.id] = None
            continue
        out[ev.id] = None
        if draft is not None:
            drafts.append((ev, draft))
    try:
        with session.begin_nested():
            ids = posting.post([d for _, d in drafts])
        out.update({ev.id: vid for (ev, _), vid in zip(drafts, ids)})
    except (MissingAccount, posting.PostingError):
        # One of them cannot be posted: post each on its own to list only that one.
        for ev, d in drafts:
            try:
                with session.begin_nested():
                    (out[ev.id],) = posting.post([d])
            except (MissingAccount, posting.PostingError) as exc:
                _not_booked(ev, getattr(exc, "message", None) or str(exc))
    _mark_booked([ev.id for ev in events if out.get(ev.id) is not None])
    return [out[ev.id] for ev in events]


def book_event(ev: OutboxEvent) -> uuid.UUID | None:
    return book_events([ev])[0]


def _not_booked(ev: OutboxEvent, reason: str) -> None:
    log.info("event %s (%s) not booked: %s", ev.id, ev.name, reason)
    row = session.execute(select(UnbookedEvent).where(UnbookedEvent.event_id == ev.id)).scalar_one_or_none()
    if row is None:
        session.add(
            UnbookedEvent(
                event_id=ev.id,
                event_name=ev.name,
                entity_type=ev.entity_type,
                entity_id=ev.entity_id,
                occurred_at=ev.created_at,
                reason=reason[:4000],
                status="open",
            )
        )
    elif row.status == "open":
        row.reason = reason[:4000]
    session.flush()


def _mark_booked(event_ids: list[uuid.UUID]) -> None:
    if not event_ids:
        return
    for row in session.execute(
        select(UnbookedEvent).where(UnbookedEvent.event_id.in_(event_ids), UnbookedEvent.status == "open")
    ).scalars():
        row.status, row.resolved_at = "booked", utcnow()
    session.flush()


# ---------------------------------------------------------------------------------------------
# The not-booked list


def unbooked_query(status: str | None = "open") -> Any:
    stmt = select(UnbookedEvent).order_by(UnbookedEvent.occurred_at.desc(), UnbookedEvent.id)
    if status:
        stmt = stmt.where(UnbookedEvent.status == status)
    return stmt


def get_unbooked(unbooked_id: uuid.UUID) -> UnbookedEvent:
    row = get_or_none(UnbookedEvent, unbooked_id)
    if row is None:
        raise NotFound("not-booked event", unbooked_id)
    return row


def book_again(unbooked_id: uuid.UUID) -> UnbookedEvent:
    """Try a not-booked event again (after its rule was switched on or its account mapped)."""
    row = get_unbooked(unbooked_id)
    if row.status != "open":
        raise InvalidTransition("not-booked event", row.status, "book")
    ev = session.execute(select(OutboxEvent).where(OutboxEvent.id == row.event_id)).scalar_one_or_none()
    if ev is None:
        raise NotFound("event", row.event_id)
    vid = book_event(ev)
    session.refresh(row)
    if vid is None and row.status == "open" and _booked_nothing(ev):
        row.status, row.resolved_at = "booked", utcnow()  # the rule found nothing to book
        session.flush()
    return row


def _booked_nothing(ev: OutboxEvent) -> bool:
    try:
        return draft_for(ev, context(), disabled_rules()) is None
    except NotBooked:
        return False


def ignore(unbooked_id: uuid.UUID) -> UnbookedEvent:
    """Set a not-booked event aside: it has no place in the books (booked by hand, say)."""
    row = get_unbooked(unbooked_id)
    if row.status != "open":
        raise InvalidTransition("not-booked event", row.status, "set aside")
    row.status, row.resolved_at = "ignored", utcnow()
    session.flush()
    return row


def set_rule(rule_key: str, enabled: bool) -> RuleSetting:
    if rule_key not in {r.key for r in rules.all_rules()}:
        raise NotFound("voucher rule", rule_key)
    row = session.execute(select(RuleSetting).where(RuleSetting.rule == rule_key)).scalar_one_or_none()
    if row is None:
        row = RuleSetting(rule=rule_key, enabled=enabled)
        session.add(row)
    row.enabled = enabled
    session.flush()
    return row


# ---------------------------------------------------------------------------------------------
# Rebooking a reversed event voucher


def rebook(voucher_id: uuid.UUID) -> Voucher:
    """Book a reversed event voucher's event again, as the rule and mapping now say (after a
    mapping was corrected): a new version of the event's voucher."""
    original = get_voucher(voucher_id)
    if original.kind != "event" or original.event_id is None:
        raise InvalidTransition(
            Msg("entity.voucher", ref=original.number), original.kind, "rebook", Msg("finance.only_event_vouchers")
        )
    if reversal_of(original.id) is None:
        raise Conflict(
            Msg("finance.voucher_still_in_force", number=original.number), {"voucher": [Msg("finance.not_reversed")]}
        )
    later = session.execute(
        select(func.count()).select_from(Voucher).where(Voucher.event_id == original.event_id, Voucher.kind == "event")
    ).scalar_one()
    latest = session.execute(
        select(Voucher)
        .where(Voucher.event_id == original.event_id, Voucher.kind == "event")
        .order_by(Voucher.created_at.desc(), Voucher.id.desc())
        .limit(1)
    ).scalar_one()
    if latest.id != original.id:
        raise Conflict(Msg("finance.voucher_was_already_rebooked", number=original.number), {"voucher": ["rebooked"]})
    ev = session.execute(select(OutboxEvent).where(OutboxEvent.id == original.event_id)).scalar_one()
    try:
        draft = draft_for(ev, context(version=later + 1), disabled_rules())
    except NotBooked as exc:
        raise Conflict(str(exc)) from None
    if draft is None:
        raise Conflict(Msg("finance.rule_books_nothing"))
    (vid,) = posting.post([draft])
    return get_voucher(vid)


# ---------------------------------------------------------------------------------------------
# Replay


@dataclass
class ReplayReport:
    events: int = 0
    compared: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "events": self.events, "compared": self.compared, "differences": self.differences}


def _event_order() -> Any:
    return getattr(OutboxEvent, "seq", OutboxEvent.id)


def financial_events(batch: int = 1000) -> Iterable[list[OutboxEvent]]:
    """The tenant's events that voucher rules book, in commit order, a page at a time."""
    names = rules.booked_events()
    order = _event_order()
    last = None
    while True:
        stmt = select(OutboxEvent).where(OutboxEvent.name.in_(names)).order_by(order).limit(batch)
        if last is not None:
            stmt = stmt.where(order > last)
        page = list(session.execute(stmt).scalars())
        if not page:
            return
        yield page
        last = getattr(page[-1], order.key)


def replay() -> ReplayReport:
    """Run every booked kind of event in the outbox through its rule again, as into an empty
    ledger, and compare each result with the voucher on the books (its first version): the
    same date, memo, source and lines, to the account, amount, rate and dimension. Nothing is
    written (the comparison runs in a savepoint that is rolled back)."""
    report = ReplayReport()
    ctx, disabled = context(), disabled_rules()
    unbooked = set(session.execute(select(UnbookedEvent.event_id).where(UnbookedEvent.status != "booked")).scalars())
    for page in financial_events():
        report.events += len(page)
        stored = {
            v.source_key: v
            for v in session.execute(
                select(Voucher).where(Voucher.source_key.in_([f"event:{ev.id}" for ev in page]))
            ).scalars()
        }
        for ev in page:
            voucher = stored.get(f"event:{ev.id}")
            try:
                draft = draft_for(ev, ctx, disabled)
            except NotBooked as exc:
                if voucher is not None or ev.id not in unbooked:
                    report.differences.append({"event_id": str(ev.id), "event": ev.name, "problem": str(exc)})
                continue
            if draft is None or voucher is None:
                if (draft is None) != (voucher is None) and ev.id not in unbooked:
                    problem = "booked, but its rule books nothing" if draft is None else "no voucher on the books"
                    report.differences.append({"event_id": str(ev.id), "event": ev.name, "problem": problem})
                continue
            report.compared += 1
            diff = _compare(draft, voucher)
            if diff:
                report.differences.append(
                    {"event_id": str(ev.id), "event": ev.name, "voucher": voucher.number, "problem": diff}
                )
    return report


def _compare(draft: Draft, voucher: Voucher) -> str:
    if voucher.status != "posted":
        return ""  # waits for a rate: nothing posted to compare yet
    savepoint = session.begin_nested()  # automatic sub-accounts and periods are not kept
    try:
        period = session.get(Period, voucher.period_id)
        (prepared,) = posting.prepare([draft], at=(period, voucher.date))
    finally:
        savepoint.rollback()
    mine = [
        (ln.account_id, ln.side, ln.value, ln.currency, ln.amount, ln.rate, ln.rate_date, ln.kind, ln.dims)
        for ln in prepared.lines or ()
    ]
    theirs = [
        (
            ln.account_id,
            ln.side,
            ln.value,
            ln.currency,
            ln.amount,
            ln.rate,
            ln.rate_date,
            ln.kind,
            _dims(ln),
        )
        for ln in session.execute(
            select(VoucherLine).where(VoucherLine.voucher_id == voucher.id).order_by(VoucherLine.position)
        ).scalars()
    ]
    problems = []
    if draft.document_date != voucher.document_date:
        problems.append(f"document date {voucher.document_date} on the books, {draft.document_date} replayed")
    if draft.memo[:500] != voucher.memo:
        problems.append("memo differs")
    if (draft.source_type, draft.source_id) != (voucher.source_type, voucher.source_id):
        problems.append("source differs")
    if len(mine) != len(theirs) or any(not _same_line(a, b) for a, b in zip(mine, theirs)):
        problems.append("lines differ")
    return "; ".join(problems)


def _dims(ln: VoucherLine) -> Any:
    from core.finance.ledger import Dims

    return Dims(ln.shop_id, ln.warehouse_id, ln.supplier_id, ln.sku_id, ln.order_id)


def _same_line(a: tuple, b: tuple) -> bool:
    from decimal import Decimal

    return all(
        (Decimal(x) == Decimal(y)) if isinstance(x, Decimal) or isinstance(y, Decimal) else x == y for x, y in zip(a, b)
    )
