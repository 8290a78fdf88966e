"""Posting the books to accounting targets (docs/accounting.md).

A tenant connects a target (a plugin connection of kind "accounting": Kingdee 云星空,
QuickBooks Online, Xero, a beancount file, or a third-party plugin), maps its accounts and
dimensions to the target's codes, and runs postings: every posted voucher from a start date,
in date and number order, on the `finance` queue; and, for a target that takes business
documents and a connection that turned them on, the documents of the business events from
that date beside them (core.finance.posting_documents), through the same rows and rules.

Exactly once, whatever fails:
- one `finance_postings` row per (connection, voucher), unique: a voucher is enrolled once;
- before a voucher is sent, its row is marked `uncertain` and committed. A send that then
  times out, or a worker killed in the call, leaves that mark, and the next attempt asks the
  target (`find_voucher`) before it sends anything again. Each target adds its own mechanism
  on top: QBO's `requestid`, Xero's `Idempotency-Key`, Kingdee's check-first query;
- the result is committed voucher by voucher, so a run resumes where it stopped.

A reversal (a voucher of kind "reversal") is posted as a new entry naming the entry it
reverses, never as an edit of the posted one. Results per voucher: posted (the target's id and
number), refused (the target's message, or the items not mapped), waiting (rate-limited, or
an outcome to check). Refused vouchers are retried one by one or all at once.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update

from core import connections
from core import validation as f
from core.db import session, utcnow
from core.errors import Conflict, NotFound, ValidationError
from core.finance import posting_documents as documents
from core.finance.models import Account, Period, Voucher, VoucherLine
from core.finance.posting_models import MAPPING_KINDS, Posting, PostingMapping, PostingRun
from core.messages import Msg
from core.ports import (
    AccountingTarget,
    AdapterError,
    AuthError,
    OutcomeUnknown,
    PostResult,
    RateLimited,
    RemoteRejected,
    TransientError,
)
from core.ports import Voucher as PortVoucher
from core.ports import VoucherLine as PortLine
from core.tenancy import current_actor
from tenants import service as tenants

log = logging.getLogger("tradelane.finance.posting")

JOB = "finance.post_vouchers"
ACTIVE_RUNS = ("queued", "running", "waiting")
BATCH = 200
# The voucher line's dimension each mapping kind is read from.
DIMENSION_OF = {
    "customer": "shop_id",
    "supplier": "supplier_id",
    "material": "sku_id",
    "department": "warehouse_id",
    "warehouse": "warehouse_id",
}


class Throttled(Exception):
    """The target throttled the run: the job tries again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# ---------------------------------------------------------------------------------------------
# Connections


def connection(connection_id: uuid.UUID | str) -> Any:
    conn = tenants.get_connection(uuid.UUID(str(connection_id)))
    if conn.kind != "accounting":
        raise NotFound("accounting connection", connection_id)
    return conn


def target_class(conn: Any) -> type[AccountingTarget]:
    return tenants.adapter_info("accounting", conn.plugin).cls


def list_connections() -> list[Any]:
    return list(session.execute(tenants.list_connections("accounting")).scalars())


def counts(connection_id: uuid.UUID | None = None, run_id: uuid.UUID | None = None) -> dict[str, int]:
    stmt = select(Posting.status, func.count()).group_by(Posting.status)
    if connection_id is not None:
        stmt = stmt.where(Posting.connection_id == connection_id)
    if run_id is not None:
        stmt = stmt.where(Posting.run_id == run_id)
    out = {"pending": 0, "posted": 0, "refused": 0, "waiting": 0}
    out.update({status: n for status, n in session.execute(stmt).all()})
    return out


# ---------------------------------------------------------------------------------------------
# Mappings


@dataclass
class Item:
    """One of our items that a target needs a code for, with the code it has (or not)."""

    kind: str
    local_key: str
    label: str
    external_code: str = ""
    external_name: str = ""
    required: bool = True
    vouchers: int = 0  # how many vouchers from the start date use it

    @property
    def mapped(self) -> bool:
        return bool(self.external_code)


def _kinds(cls: type[AccountingTarget]) -> tuple[str, ...]:
    return ("account",) + tuple(k for k in cls.mapping_kinds if k in DIMENSION_OF)


def mappings(connection_id: uuid.UUID) -> dict[tuple[str, str], PostingMapping]:
    rows = session.execute(select(PostingMapping).where(PostingMapping.connection_id == connection_id)).scalars()
    return {(m.kind, m.local_key): m for m in rows}


def _lines_since(start_date: date | None) -> Any:
    stmt = select(VoucherLine).join(Voucher, Voucher.id == VoucherLine.voucher_id).where(Voucher.status == "posted")
    if start_date is not None:
        stmt = stmt.where(Voucher.date >= start_date)
    return stmt


def items(connection_id: uuid.UUID, start_date: date | None = None) -> list[Item]:
    """Everything the connection's target needs a code for: the accounts and the dimensions
    (shops as customers, suppliers, SKUs as materials, warehouses as departments) that the
    vouchers from `start_date` use, plus whatever is mapped already. Unmapped items first."""
    conn = connection(connection_id)
    cls = target_class(conn)
    kinds = _kinds(cls)
    # The kinds the turned-on documents name must be mapped too (a document is refused without).
    needed = set(cls.required_mappings) | documents.needs(cls.documents_on(conn.settings))
    used: dict[tuple[str, str], set[uuid.UUID]] = defaultdict(set)
    accounts = {a.id: a for a in session.execute(select(Account)).scalars()}
    cols = [VoucherLine.voucher_id, VoucherLine.account_id] + [
        getattr(VoucherLine, DIMENSION_OF[k]) for k in kinds if k != "account"
    ]
    base = _lines_since(start_date).with_only_columns(*cols)
    for row in session.execute(base).all():
        vid, account_id, *dims = row
        used[("account", accounts[account_id].code)].add(vid)
        for kind, value in zip([k for k in kinds if k != "account"], dims):
            if value is not None:
                used[(kind, str(value))].add(vid)
    mapped = mappings(conn.id)
    keys = set(used) | {k for k in mapped if k[0] in kinds}
    labels = _labels(keys, {a.code: a for a in accounts.values()})
    out = []
    for kind, key in keys:
        m = mapped.get((kind, key))
        out.append(
            Item(
                kind=kind,
                local_key=key,
                label=labels.get((kind, key), key),
                external_code=m.external_code if m else "",
                external_name=m.external_name if m else "",
                required=kind == "account" or kind in needed,
                vouchers=len(used.get((kind, key), ())),
            )
        )
    order = {k: i for i, k in enumerate(MAPPING_KINDS)}
    out.sort(key=lambda i: (i.mapped, not i.required, order[i.kind], i.local_key if i.kind == "account" else i.label))
    return out


def unmapped(connection_id: uuid.UUID, start_date: date | None = None) -> list[Item]:
    """The items that must be mapped before the vouchers from `start_date` can be posted."""
    return [i for i in items(connection_id, start_date) if i.required and not i.mapped and i.vouchers]


def _labels(keys: Iterable[tuple[str, str]], accounts: dict[str, Account]) -> dict[tuple[str, str], str]:
    from core.catalog.service.reads import sku_codes
    from core.finance.service.accounts import dimension_label
    from core.suppliers.service import supplier_labels

    keys = list(keys)
    out: dict[tuple[str, str], str] = {}
    uuids = {kind: [] for kind in DIMENSION_OF}
    for kind, key in keys:
        if kind == "account":
            a = accounts.get(key)
            out[(kind, key)] = f"{key} {a.name}" if a else key
        else:
            try:
                uuids[kind].append(uuid.UUID(key))
            except ValueError:
                out[(kind, key)] = key
    for sid, label in supplier_labels(uuids["supplier"]).items() if uuids["supplier"] else ():
        out[("supplier", str(sid))] = label
    for sid, code in sku_codes(uuids["material"]).items() if uuids["material"] else ():
        out[("material", str(sid))] = code
    for value in uuids["customer"]:
        out[("customer", str(value))] = dimension_label("shop", str(value))
    for kind in ("department", "warehouse"):
        for value in uuids[kind]:
            out[(kind, str(value))] = dimension_label("warehouse", str(value))
    return out


def label(kind: str, key: str) -> str:
    """What a person reads for one of our items (an unmapped one named in a refusal)."""
    return _labels([(kind, key)], {}).get((kind, key), key)


def set_mappings(connection_id: uuid.UUID, rows: list[dict[str, Any]]) -> list[PostingMapping]:
    """Map items to the target's codes; an empty `external_code` removes the mapping. All or
    nothing: a bad row refuses the lot, naming its field."""
    conn = connection(connection_id)
    kinds = _kinds(target_class(conn))
    errors = f.Errors()
    clean = []
    for i, row in enumerate(rows):
        kind = f.choice(errors, f"mappings.{i}.kind", row.get("kind"), kinds, required=True)
        key = f.text(errors, f"mappings.{i}.local_key", row.get("local_key"), max_len=64)
        code = f.optional_text(errors, f"mappings.{i}.external_code", row.get("external_code"), max_len=200) or ""
        name = f.optional_text(errors, f"mappings.{i}.external_name", row.get("external_name"), max_len=200) or ""
        if kind and kind != "account" and key:
            try:
                uuid.UUID(key)
            except ValueError:
                errors.add(f"mappings.{i}.local_key", Msg("finance.named_by_id", kind=kind))
        clean.append((kind, key, code.strip(), name.strip()))
    errors.raise_if_any()
    existing = mappings(conn.id)
    out = []
    for kind, key, code, name in clean:
        row = existing.get((kind, key))
        if not code:
            if row is not None:
                session.delete(row)
            continue
        if row is None:
            row = PostingMapping(connection_id=conn.id, kind=kind, local_key=key, external_code=code)
            session.add(row)
            existing[(kind, key)] = row
        row.external_code, row.external_name = code, name
        out.append(row)
    session.flush()
    return out


# ---------------------------------------------------------------------------------------------
# Runs


def start_run(connection_id: uuid.UUID, start_date: date, *, enqueue: bool = True) -> PostingRun:
    """Queue a run posting every voucher from `start_date` that is not on the target yet.
    Refused (409) while items it needs are not mapped (they are listed) or while another run
    of the connection is still going. `enqueue=False` leaves the run for the caller to
    `execute` (the demo's seed, which posts while the emulator is reachable in process)."""
    from core import jobs

    conn = connection(connection_id)
    if not conn.enabled:
        raise Conflict(Msg("finance.connection_switched_off", display_name=conn.display_name))
    missing = unmapped(conn.id, start_date)
    if missing:
        names = ", ".join(f"{i.kind} {i.label}" for i in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise Conflict(
            Msg("finance.map_these_before_posting", display_name=conn.display_name, names=names, more=more),
            {"unmapped": [{"kind": i.kind, "local_key": i.local_key, "label": i.label} for i in missing]},
        )
    active = session.execute(
        select(PostingRun).where(PostingRun.connection_id == conn.id, PostingRun.status.in_(ACTIVE_RUNS))
    ).scalar_one_or_none()
    if active is not None:
        raise Conflict(
            Msg("finance.posting_run_already", display_name=conn.display_name, status=active.status, id=active.id)
        )
    run = PostingRun(connection_id=conn.id, start_date=start_date, created_by=str(current_actor())[:200])
    session.add(run)
    session.flush()
    if enqueue:
        run.job_id = jobs.enqueue(JOB, run_id=str(run.id)).id
        session.flush()
    return run


def get_run(run_id: uuid.UUID) -> PostingRun:
    run = session.get(PostingRun, run_id)
    if run is None:
        raise NotFound("posting run", run_id)
    return run


def list_runs(connection_id: uuid.UUID | None = None) -> Any:
    stmt = select(PostingRun).order_by(PostingRun.created_at.desc(), PostingRun.id.desc())
    if connection_id is not None:
        stmt = stmt.where(PostingRun.connection_id == connection_id)
    return stmt


def posting_query(
    *, connection_id: uuid.UUID | None = None, run_id: uuid.UUID | None = None, status: str | None = None
) -> Any:
    stmt = select(Posting).order_by(Posting.voucher_date, Posting.voucher_seq, Posting.id)
    if connection_id is not None:
        stmt = stmt.where(Posting.connection_id == connection_id)
    if run_id is not None:
        stmt = stmt.where(Posting.run_id == run_id)
    if status:
        stmt = stmt.where(Posting.status == status)
    return stmt


def postings_of_voucher(voucher_id: uuid.UUID) -> list[Posting]:
    """Where a voucher was posted: one row per connection it went to (or tried)."""
    return list(session.execute(select(Posting).where(Posting.voucher_id == voucher_id)).scalars())


def retry(connection_id: uuid.UUID, posting_ids: list[uuid.UUID] | None = None) -> PostingRun:
    """Send refused vouchers again: the ones named, or every refused one of the connection.
    They join a new run (or the connection's run still going)."""
    from core import jobs

    conn = connection(connection_id)
    stmt = select(Posting).where(Posting.connection_id == conn.id, Posting.status == "refused")
    if posting_ids is not None:
        stmt = stmt.where(Posting.id.in_(posting_ids))
    rows = list(session.execute(stmt).scalars())
    if posting_ids is not None and len(rows) != len(set(posting_ids)):
        found = {r.id for r in rows}
        missing = [str(p) for p in posting_ids if p not in found]
        raise Conflict(Msg("finance.only_refused_vouchers_can", items=", ".join(missing)))
    if not rows:
        raise Conflict(Msg("finance.no_voucher_refused", display_name=conn.display_name))
    run = session.execute(
        select(PostingRun).where(PostingRun.connection_id == conn.id, PostingRun.status.in_(ACTIVE_RUNS))
    ).scalar_one_or_none()
    if run is None:
        run = PostingRun(
            connection_id=conn.id,
            start_date=min(r.voucher_date for r in rows),
            created_by=str(current_actor())[:200],
            message="retry of refused vouchers",
        )
        session.add(run)
        session.flush()
        run.job_id = jobs.enqueue(JOB, run_id=str(run.id)).id
    for r in rows:
        r.status, r.run_id = "pending", run.id
    session.flush()
    return run


def retry_one(posting_id: uuid.UUID) -> PostingRun:
    row = session.get(Posting, posting_id)
    if row is None:
        raise NotFound("posting", posting_id)
    return retry(row.connection_id, [row.id])


# ---------------------------------------------------------------------------------------------
# What a target is sent


def reference(period_key: str, number: str) -> str:
    """Our voucher's identity towards a target, and its idempotency key: unique per tenant."""
    return f"{period_key}/{number}"


class Builder:
    """Turns our vouchers into the port's, with the connection's mapping applied."""

    def __init__(self, conn: Any) -> None:
        self.cls = target_class(conn)
        self.kinds = _kinds(self.cls)
        self.mapped = mappings(conn.id)
        self.accounts = {a.id: a for a in session.execute(select(Account)).scalars()}
        self.periods: dict[uuid.UUID, str] = {}
        self.documents = documents.DocumentBuilder(self.mapped, label)

    def period_key(self, period_id: uuid.UUID) -> str:
        if period_id not in self.periods:
            p = session.get(Period, period_id)
            self.periods[period_id] = p.key if p else ""
        return self.periods[period_id]

    def build(self, v: Voucher, lines: list[VoucherLine]) -> tuple[PortVoucher, list[str]]:
        """The port's voucher and the items it needs that are not mapped."""
        problems: list[str] = []
        out = []
        for ln in lines:
            code = self.accounts[ln.account_id].code
            m = self.mapped.get(("account", code))
            if m is None:
                problems.append(f"account {code}")
            dims = {}
            for kind in self.kinds[1:]:
                value = getattr(ln, DIMENSION_OF[kind])
                if value is None:
                    continue
                dm = self.mapped.get((kind, str(value)))
                if dm is not None:
                    dims[kind] = dm.external_code
                elif kind in self.cls.required_mappings:
                    problems.append(f"{kind} {value}")
            value = Decimal(ln.value)
            foreign = ln.currency != v.currency
            out.append(
                PortLine(
                    account=m.external_code if m else code,
                    debit=value if ln.side == "debit" else Decimal(0),
                    credit=value if ln.side == "credit" else Decimal(0),
                    currency=v.currency,
                    description=(ln.memo or v.memo)[:200],
                    amount_foreign=Decimal(ln.amount) if foreign else None,
                    foreign_currency=ln.currency if foreign else None,
                    dimensions=dims,
                    rate=Decimal(ln.rate) if foreign else None,
                )
            )
        reverses = ""
        if v.reverses_id is not None:
            original = session.get(Voucher, v.reverses_id)
            if original is not None:
                reverses = reference(self.period_key(original.period_id), original.number or "")
        pv = PortVoucher(
            reference=reference(self.period_key(v.period_id), v.number or ""),
            date=v.date,
            description=(v.memo or v.number or "")[:500],
            currency=v.currency,
            lines=tuple(out),
            source_event=str(v.event_id or ""),
            number=v.number or "",
            reverses=reverses,
        )
        return pv, sorted(set(problems))


# ---------------------------------------------------------------------------------------------
# Running (the job's body)


def _enrol(run: PostingRun, document_kinds: tuple[str, ...] = ()) -> None:
    """Give the run every posted voucher from its start date that has no posting row on the
    connection yet, and the documents of the turned-on `document_kinds`, and take over the
    connection's pending and waiting ones."""
    # Documents' rows have no voucher: a NULL in NOT IN's list would match nothing at all.
    have = select(Posting.voucher_id).where(Posting.connection_id == run.connection_id, Posting.voucher_id.is_not(None))
    stmt = (
        select(Voucher.id, Voucher.date, Voucher.seq, Voucher.period_id, Voucher.number)
        .where(Voucher.status == "posted", Voucher.date >= run.start_date, Voucher.id.not_in(have))
        .order_by(Voucher.date, Voucher.seq)
    )
    builder_periods: dict[uuid.UUID, str] = {}
    rows = session.execute(stmt).all()
    for vid, vdate, seq, period_id, number in rows:
        if period_id not in builder_periods:
            p = session.get(Period, period_id)
            builder_periods[period_id] = p.key if p else ""
        session.add(
            Posting(
                connection_id=run.connection_id,
                voucher_id=vid,
                voucher_date=vdate,
                voucher_seq=seq or 0,
                run_id=run.id,
                reference=reference(builder_periods[period_id], number or ""),
            )
        )
    documents.enrol(run, document_kinds)
    session.execute(
        update(Posting)
        .where(
            Posting.connection_id == run.connection_id,
            Posting.status.in_(("pending", "waiting")),
            Posting.voucher_date >= run.start_date,
        )
        .values(run_id=run.id)
    )
    session.flush()


def _tally(run: PostingRun) -> dict[str, int]:
    c = counts(run_id=run.id)
    run.total = sum(c.values())
    run.posted, run.refused, run.waiting = c["posted"], c["refused"], c["waiting"] + c["pending"]
    return c


def execute(run_id: uuid.UUID, progress: Any = None) -> dict[str, Any]:
    """Post the run's vouchers in order, committing each result. Raises Throttled (after
    committing what was done) when the target throttles, for the job to try again later."""
    run = get_run(run_id)
    if run.status == "done":
        return {"run": str(run.id), "status": run.status}
    conn = connection(run.connection_id)
    with connections.exclusive(f"posting:{conn.id}") as lock:
        if not lock:
            raise Throttled(f"another worker is posting to {conn.display_name}", retry_after=30)
        run.status, run.message = "running", ""
        _enrol(run, target_class(conn).documents_on(conn.settings))
        _tally(run)
        lock.check()
        session.commit()
        builder = Builder(conn)
        try:
            with connections.using(conn, "accounting") as target:
                _post_all(run, target, builder, lock, progress)
        except Throttled as exc:
            session.rollback()
            run = get_run(run_id)
            run.status, run.message = "waiting", str(exc)[:500]
            _tally(run)
            session.commit()
            raise
        except AuthError as exc:
            session.rollback()
            run = get_run(run_id)
            run.status, run.message = "failed", connections.describe(exc)[:500]
            run.finished_at = utcnow()
            _tally(run)
            session.commit()
            return {"run": str(run.id), "status": run.status, "message": run.message}
        run = get_run(run_id)
        c = _tally(run)
        run.status = "done" if not (c["pending"] or c["waiting"]) else "waiting"
        run.finished_at = utcnow() if run.status == "done" else None
        lock.check()
        session.commit()
        if run.status == "waiting":
            raise Throttled(f"{c['waiting'] + c['pending']} vouchers wait to be sent again", retry_after=60)
    return {"run": str(run.id), "status": run.status, **c}


def _post_all(run: PostingRun, target: Any, builder: Builder, lock: Any, progress: Any) -> None:
    done = 0
    last_id: uuid.UUID | None = None
    last_key: tuple[date, int] | None = None
    while True:
        stmt = (
            select(Posting)
            .where(Posting.run_id == run.id, Posting.status.in_(("pending", "waiting")))
            .order_by(Posting.voucher_date, Posting.voucher_seq, Posting.id)
            .limit(BATCH)
        )
        if last_key is not None:
            d, s = last_key
            stmt = stmt.where(
                (Posting.voucher_date > d)
                | ((Posting.voucher_date == d) & (Posting.voucher_seq > s))
                | ((Posting.voucher_date == d) & (Posting.voucher_seq == s) & (Posting.id > last_id))
            )
        batch = list(session.execute(stmt).scalars())
        if not batch:
            return
        voucher_ids = [p.voucher_id for p in batch if p.voucher_id is not None]
        vouchers = {v.id: v for v in session.execute(select(Voucher).where(Voucher.id.in_(voucher_ids))).scalars()}
        from core.finance.service.vouchers import lines_of

        lines = lines_of(list(vouchers)) if vouchers else {}
        events = documents.events_of(batch)
        for p in batch:
            if p.voucher_id is None:
                _post_document(p, events.get(p.event_id), target, builder, lock)
            else:
                _post_one(p, vouchers[p.voucher_id], lines[p.voucher_id], target, builder, lock)
            done += 1
            last_key, last_id = (p.voucher_date, p.voucher_seq), p.id
        if progress is not None:
            c = counts(run_id=run.id)
            total = sum(c.values()) or 1
            progress(int(100 * (c["posted"] + c["refused"]) / total), f"{c['posted']} posted, {c['refused']} refused")


def _finish(p: Posting, status: str, message: str = "", result: PostResult | None = None) -> None:
    p.status, p.message = status, message[:4000]
    if result is not None:
        p.external_id, p.external_number = result.external_id[:200], (result.number or "")[:200]
        p.posted_at = utcnow()
        p.uncertain = False


def _post_one(p: Posting, v: Voucher, lines: list[VoucherLine], target: Any, builder: Builder, lock: Any) -> None:
    pv, problems = builder.build(v, lines)
    name = target.display_name or target.name
    if problems:
        _finish(p, "refused", "not mapped: " + ", ".join(problems))
        _commit(target, lock)
        return
    if v.reverses_id is not None:
        original = session.execute(
            select(Posting).where(Posting.connection_id == p.connection_id, Posting.voucher_id == v.reverses_id)
        ).scalar_one_or_none()
        if original is not None and original.status != "posted":
            _finish(p, "refused", f"the voucher it reverses ({original.reference}) is not posted to {name} yet")
            _commit(target, lock)
            return
        if original is not None:
            from dataclasses import replace

            pv = replace(pv, reverses_external_id=original.external_id)
    _send(p, target, lock, "voucher", pv)


def _post_document(p: Posting, ev: Any, target: Any, builder: Builder, lock: Any) -> None:
    if ev is None:  # the outbox keeps events; a missing one is a bug worth seeing, not a crash
        _finish(p, "refused", "the business event of this document is gone")
        _commit(target, lock)
        return
    document, problems = builder.documents.build(p, ev)
    if problems:
        _finish(p, "refused", "not mapped: " + ", ".join(problems))
        _commit(target, lock)
        return
    _send(p, target, lock, "document", document)


def _send(p: Posting, target: Any, lock: Any, what: str, item: Any) -> None:
    """Send one voucher or document (`what`) with the exactly-once rules: ask the target
    first when an earlier send may have been performed; mark the row uncertain and commit
    before the send; record the outcome."""
    name = target.display_name or target.name
    try:
        if p.uncertain:
            # An earlier send may have been performed: ask before sending again.
            found = getattr(target, f"find_{what}")(item)
            if found is not None:
                _finish(p, "posted", "found at the target after an interrupted send", found)
                _commit(target, lock)
                return
        p.uncertain, p.attempts, p.sent_at = True, p.attempts + 1, utcnow()
        _commit(target, lock)
        result = getattr(target, f"post_{what}")(item)
    except RateLimited as exc:
        # Refused by the throttle: nothing was done.
        p.uncertain = False
        _finish(p, "waiting", connections.describe(exc))
        _commit(target, lock)
        raise Throttled(f"{name} throttled posting: {exc}", retry_after=exc.retry_after) from exc
    except OutcomeUnknown as exc:
        if exc.retryable or _can_check(target, what):
            _finish(p, "waiting", connections.describe(exc))
            _commit(target, lock)
            raise Throttled(f"{name} did not answer; it is asked before sending again", retry_after=60) from exc
        _finish(p, "refused", connections.describe(exc))
    except TransientError as exc:
        _finish(p, "waiting", connections.describe(exc))
        _commit(target, lock)
        raise Throttled(f"{name} failed for now: {exc}", retry_after=60) from exc
    except AuthError:
        _commit(target, lock)
        raise
    except RemoteRejected as exc:
        p.uncertain = False
        _finish(p, "refused", str(exc) or connections.describe(exc))
    except AdapterError as exc:
        p.uncertain = False
        _finish(p, "refused", connections.describe(exc))
    except Exception as exc:  # noqa: BLE001 - a plugin's bug refuses its voucher, not the run
        log.exception("posting %s to connection %s raised", p.reference, p.connection_id)
        p.uncertain = False
        _finish(p, "refused", connections.describe(exc))
    else:
        _finish(p, "posted", result.message, result)
    _commit(target, lock)


def _can_check(target: Any, what: str = "voucher") -> bool:
    lookup = f"find_{what}"
    return getattr(type(target._adapter), lookup) is not getattr(AccountingTarget, lookup)


def _commit(target: Any, lock: Any) -> None:
    connections.save_state(target)
    lock.check()
    session.commit()


def find_run_for_job(job_id: uuid.UUID) -> PostingRun | None:
    return session.execute(select(PostingRun).where(PostingRun.job_id == job_id)).scalar_one_or_none()


def mark_failed(run_id: uuid.UUID, message: str) -> None:
    run = session.get(PostingRun, run_id)
    if run is not None and run.status != "done":
        run.status, run.message, run.finished_at = "failed", message[:500], utcnow()


def validate_start(errors: f.Errors, value: Any) -> date | None:
    return f.a_date(errors, "start_date", value)


__all__ = [
    "Item",
    "Throttled",
    "ValidationError",
    "counts",
    "execute",
    "items",
    "list_connections",
    "list_runs",
    "posting_query",
    "postings_of_voucher",
    "retry",
    "retry_one",
    "set_mappings",
    "start_run",
    "unmapped",
]
