"""Dated exchange rates: set, list and delete a tenant's rates, and the lookup that
`core.money.rate` reads them through (registered by `core.fx` on import).

A rate is one row per pair and day. Setting it again replaces it; a rate imported from a
file or a feed never replaces one entered by hand unless asked to, because a person's
correction must survive the next scheduled fetch. Which row answers `money.rate(A, B, day)`
is the pure rule `core.money.choose_rate` (docs/decisions/0010-dated-exchange-rates.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, event, or_, select
from sqlalchemy.orm import Session

from core import events, money
from core import validation as f
from core.db import get_or_none, session, utcnow
from core.errors import NotFound
from core.fx.events import RateDeleted, RatesSet
from core.fx.models import ExchangeRate
from core.messages import Msg
from core.tenancy import current_tenant_id

CACHE = "fx.books"
FIRST_DAY = date(1900, 1, 1)
MAX_DAYS_AHEAD = 366  # a rate may be entered ahead (next month's fixed rate), not decades ahead
MAX_IMPORT = 50_000


# ---------------------------------------------------------------------------------------------
# The tenant's calendar and currency


def _tenant() -> tuple[str, str]:
    """(functional currency, time zone) of the current tenant, read once per session."""
    from tenants.service import current_tenant

    cache = session().info.setdefault("fx.tenant", {})
    tid = current_tenant_id()
    if tid not in cache:
        tenant = current_tenant()
        cache[tid] = (tenant.functional_currency, tenant.timezone)
    return cache[tid]


def functional_currency() -> str:
    return _tenant()[0]


def local_date(moment: datetime | None = None) -> date:
    """The calendar day of `moment` (default now) in the tenant's time zone: the day whose
    rate applies to a document made or an order placed at that moment."""
    try:
        zone = ZoneInfo(_tenant()[1])
    except Exception:  # noqa: BLE001 - an unknown zone name counts days in UTC rather than failing
        zone = ZoneInfo("UTC")
    return (moment or utcnow()).astimezone(zone).date()


# ---------------------------------------------------------------------------------------------
# The lookup behind core.money.rate


def lookup(base: str, quote: str, first: date, last: date) -> money.RateBook:
    """The tenant's rates dated `first`..`last` that name `base` or `quote` (enough for a
    direct, inverse or cross rate), cached for the transaction."""
    cache = session().info.setdefault(CACHE, {})
    key = (current_tenant_id(), base, quote, first, last)
    if key not in cache:
        pair = (base, quote)
        rows = session.execute(
            select(
                ExchangeRate.base, ExchangeRate.quote, ExchangeRate.rate_date, ExchangeRate.rate, ExchangeRate.source
            )
            .where(ExchangeRate.rate_date.between(first, last))
            .where(or_(ExchangeRate.base.in_(pair), ExchangeRate.quote.in_(pair)))
        ).all()
        quotes = tuple(money.Quote(r.base, r.quote, r.rate_date, r.rate, r.source) for r in rows)
        cache[key] = money.RateBook(quotes, prefer_via=functional_currency())
    return cache[key]


def _forget(s: Session, *_: Any) -> None:
    s.info.pop(CACHE, None)


# Another transaction may change the rates: what one transaction read is not kept past it.
event.listen(Session, "after_commit", _forget)
event.listen(Session, "after_rollback", _forget)


# ---------------------------------------------------------------------------------------------
# Setting, listing and deleting


@dataclass(frozen=True)
class SetResult:
    """What `set_rates` did: rows created and replaced, and manual rows a file or feed kept."""

    created: int = 0
    replaced: int = 0
    kept: int = 0

    def to_json(self) -> dict[str, int]:
        return {"created": self.created, "replaced": self.replaced, "kept": self.kept}


def _clean(errors: f.Errors, path: str, item: Any) -> tuple[str, str, date, Decimal, str] | None:
    """(base, quote, date, rate, note) of one rate, or None with the problems in `errors`."""
    if not isinstance(item, Mapping):
        errors.add(path.rstrip(".") or "_schema", Msg("not_object"))
        return None
    for name in sorted(set(item) - {"base", "quote", "date", "rate", "note"}):
        errors.add(f"{path}{name}", Msg("unknown_field"))
    base = f.currency(errors, f"{path}base", item.get("base"), required=True)
    quote = f.currency(errors, f"{path}quote", item.get("quote"), required=True)
    if base and base == quote:
        errors.add(f"{path}quote", Msg("fx.differ_from_base"))
    on = _day(errors, f"{path}date", item.get("date"))
    value = f.decimal(errors, f"{path}rate", item.get("rate"), places=10, minimum=None, max_digits=20, required=True)
    if value is not None and value <= 0:
        errors.add(f"{path}rate", Msg("above_zero"))
        value = None
    note = f.text(errors, f"{path}note", item.get("note"), max_len=200)
    if base and quote and base != quote and on and value is not None:
        return base, quote, on, value, note
    return None


def _day(errors: f.Errors, field: str, value: Any) -> date | None:
    if value in f.EMPTY:
        errors.add(field, Msg("required"))
        return None
    if isinstance(value, datetime):
        errors.add(field, Msg("fx.date_not_time"))
        return None
    on = f.a_date(errors, field, value)
    if on is None:
        return None
    latest = local_date() + timedelta(days=MAX_DAYS_AHEAD)
    if on < FIRST_DAY or on > latest:
        errors.add(field, Msg("fx.must_between_and", first=FIRST_DAY.isoformat(), latest=latest.isoformat()))
        return None
    return on


def set_rate(base: Any, quote: Any, on: Any, rate: Any, *, source: str = "manual", note: Any = "") -> ExchangeRate:
    """Set one rate (create it, or replace the pair's rate of that day); errors name the
    fields (`base`, `date`, `rate`, ...)."""
    _result, rows = _set([{"base": base, "quote": quote, "date": on, "rate": rate, "note": note}], source, None, "")
    return rows[0]


def set_rates(
    items: Iterable[Any], *, source: str, replace_manual: bool | None = None, prefix: str = "rates"
) -> SetResult:
    """Set many rates at once (a file import, a feed), all or none: every problem is named
    by its row (`rates.3.rate`). A `file` or `feed` rate keeps a `manual` one of the same pair
    and day unless `replace_manual`; a manual rate replaces whatever was there."""
    return _set(items, source, replace_manual, prefix)[0]


def _set(
    items: Iterable[Any], source: str, replace_manual: bool | None, prefix: str
) -> tuple[SetResult, list[ExchangeRate]]:
    errors = f.Errors()
    src = f.choice(errors, "source", source, money.RATE_SOURCES, required=True)
    items = list(items)
    if not items or len(items) > MAX_IMPORT:
        errors.add(prefix or "_schema", Msg("fx.give_between_and_rates", max_import=MAX_IMPORT))
        errors.raise_if_any()
    cleaned: dict[tuple[str, str, date], tuple[Decimal, str]] = {}
    for i, item in enumerate(items):
        path = f"{prefix}.{i}." if prefix else ""
        row = _clean(errors, path, item)
        if row is None:
            continue
        if row[:3] in cleaned:
            errors.add(f"{path}date", Msg("fx.given_twice_for", base=row[0], quote=row[1], day=row[2].isoformat()))
        cleaned[row[:3]] = (row[3], row[4])
    errors.raise_if_any()
    replace = src == "manual" if replace_manual is None else replace_manual
    existing = _existing(cleaned)
    created = replaced = kept = 0
    rows = []
    for (base, quote, on), (value, note) in cleaned.items():
        row = existing.get((base, quote, on))
        if row is None:
            row = ExchangeRate(base=base, quote=quote, rate_date=on, rate=value, source=src, note=note)
            session.add(row)
            created += 1
        elif row.source == "manual" and src != "manual" and not replace:
            kept += 1
        else:
            row.rate, row.source, row.note = value, src, note
            replaced += 1
        rows.append(row)
    session.flush()
    session().info.pop(CACHE, None)
    if created or replaced:
        days = [key[2] for key in cleaned]
        events.emit(
            "exchange_rate.set",
            RatesSet(
                source=src,
                created=created,
                replaced=replaced,
                pairs=tuple(sorted({f"{b}/{q}" for b, q, _ in cleaned})),
                first_date=min(days),
                last_date=max(days),
            ),
            entity_type="exchange_rate",
            entity_id=rows[0].id if len(rows) == 1 else f"{src}:{min(days).isoformat()}..{max(days).isoformat()}",
        )
    return SetResult(created, replaced, kept), rows


def _existing(keys: Iterable[tuple[str, str, date]]) -> dict[tuple[str, str, date], ExchangeRate]:
    """The stored rows of these (base, quote, day) keys, locked until the transaction ends."""
    keys = list(keys)
    if not keys:
        return {}
    days = [k[2] for k in keys]
    stmt = (
        select(ExchangeRate)
        .where(ExchangeRate.base.in_({k[0] for k in keys}), ExchangeRate.quote.in_({k[1] for k in keys}))
        .where(ExchangeRate.rate_date.between(min(days), max(days)))
        .with_for_update()
    )
    wanted = set(keys)
    return {
        (r.base, r.quote, r.rate_date): r
        for r in session.execute(stmt).scalars()
        if (r.base, r.quote, r.rate_date) in wanted
    }


def list_rates(
    *,
    base: str | None = None,
    quote: str | None = None,
    currency: str | None = None,
    source: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Select:
    """Rates, newest day first: of a pair (`base`, `quote`, either or both), of any pair that
    names `currency`, of a source, dated `date_from`..`date_to` (both included)."""
    stmt = select(ExchangeRate).order_by(
        ExchangeRate.rate_date.desc(), ExchangeRate.base, ExchangeRate.quote, ExchangeRate.id
    )
    if base:
        stmt = stmt.where(ExchangeRate.base == base.upper())
    if quote:
        stmt = stmt.where(ExchangeRate.quote == quote.upper())
    if currency:
        code = currency.upper()
        stmt = stmt.where(or_(ExchangeRate.base == code, ExchangeRate.quote == code))
    if source:
        stmt = stmt.where(ExchangeRate.source == source)
    if date_from:
        stmt = stmt.where(ExchangeRate.rate_date >= date_from)
    if date_to:
        stmt = stmt.where(ExchangeRate.rate_date <= date_to)
    return stmt


def get_rate(rate_id: uuid.UUID) -> ExchangeRate:
    row = get_or_none(ExchangeRate, rate_id)
    if row is None:
        raise NotFound("exchange rate", rate_id)
    return row


def delete_rate(rate_id: uuid.UUID) -> ExchangeRate:
    """Delete a rate. Documents that used it keep their copy; later lookups no longer find it."""
    row = get_rate(rate_id)
    session.delete(row)
    session.flush()
    session().info.pop(CACHE, None)
    events.emit(
        "exchange_rate.deleted",
        RateDeleted(base=row.base, quote=row.quote, date=row.rate_date, rate=row.rate, source=row.source),
        entity_type="exchange_rate",
        entity_id=row.id,
    )
    return row


def find(base: Any, quote: Any, on: Any) -> money.FxRate:
    """The rate that applies to `base`/`quote` on a day, with how it was found; the request's
    fields are checked first (422 naming them), a missing rate is RateNotFound."""
    errors = f.Errors()
    b = f.currency(errors, "base", base, required=True)
    q = f.currency(errors, "quote", quote, required=True)
    day = _day(errors, "date", on) if on not in f.EMPTY else local_date()
    errors.raise_if_any()
    return money.find_rate(b, q, day)  # type: ignore[arg-type]


def view(row: ExchangeRate) -> dict[str, Any]:
    return {
        "id": row.id,
        "base": row.base,
        "quote": row.quote,
        "date": row.rate_date,
        "rate": row.rate,
        "source": row.source,
        "note": row.note,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def found_view(found: money.FxRate) -> dict[str, Any]:
    return {
        "base": found.base,
        "quote": found.quote,
        "date": found.on,
        "rate": found.rate,
        "rate_date": found.rate_date,
        "source": found.source,
        "via": found.via,
        "description": found.describe(),
        "legs": [
            {"base": leg.base, "quote": leg.quote, "date": leg.on, "rate": leg.rate, "source": leg.source}
            for leg in found.legs
        ],
    }
