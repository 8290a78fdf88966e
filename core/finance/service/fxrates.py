"""Exchange rates for the books: the ECB's reference rates imported from a file or fetched on
a schedule from a configurable URL, stored through the one dated rates table (`core.fx`), and
the work that waited for a rate resumed once it is there.

ECB files quote units per 1 EUR; they are stored as EUR/<currency> rates, and a pair such as
USD/CNY is then found as a cross through EUR by `core.money.rate`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from core.errors import Conflict, ExternalServiceError, ValidationError
from core.finance import ecb
from core.finance.service import landed, posting
from core.finance.service.setup import settings
from core.messages import Msg

log = logging.getLogger("tradelane.finance")

CHUNK = 5000
FETCH_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


@dataclass(frozen=True)
class Imported:
    rates: int
    first: str | None
    last: str | None
    created: int
    replaced: int
    kept: int
    vouchers_posted: int
    landed_costs_applied: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_ecb(data: bytes, *, filename: str = "", source: str = "file") -> Imported:
    """Store the rates of an ECB reference-rate file (XML, CSV or zip), then post what waited."""
    try:
        found = ecb.parse(data, filename)
    except (ecb.EcbFormatError, UnicodeDecodeError) as exc:
        raise ValidationError.field("file", exc.args[0] if exc.args else str(exc)) from None
    if not found:
        raise ValidationError.field("file", Msg("finance.no_rates_in_file"))
    try:
        from core.fx.service import set_rates
    except ModuleNotFoundError:  # the dated rates table (core.fx) is not installed
        raise Conflict(Msg("finance.rates_table_missing")) from None
    created = replaced = kept = 0
    items = [{"base": "EUR", "quote": r.currency, "date": r.on, "rate": r.per_euro, "note": "ECB"} for r in found]
    for i in range(0, len(items), CHUNK):
        result = set_rates(items[i : i + CHUNK], source=source, prefix="file")
        created, replaced, kept = created + result.created, replaced + result.replaced, kept + result.kept
    applied, posted = resume_waiting()
    days = sorted({r.on for r in found})
    return Imported(len(found), days[0].isoformat(), days[-1].isoformat(), created, replaced, kept, posted, applied)


def fetch_feed() -> Imported | None:
    """Fetch the tenant's rate feed (an ECB-format file at `rate_feed_url`) and import it."""
    url = (settings().rate_feed_url or "").strip()
    if not url:
        return None
    try:
        resp = httpx.get(url, timeout=FETCH_TIMEOUT, follow_redirects=False)
        resp.raise_for_status()
    except httpx.HTTPError as exc:
        raise ExternalServiceError(Msg("finance.rate_feed_silent", url=url, detail=str(exc))) from None
    return import_ecb(resp.content, filename=url.rsplit("/", 1)[-1], source="feed")


def resume_waiting() -> tuple[int, int]:
    """Apply the landed costs and post the vouchers that waited for rates now known."""
    applied = landed.apply_waiting()
    posted = posting.book_waiting()
    if applied or posted:
        log.info("rates arrived: %d landed cost(s) applied, %d voucher(s) posted", applied, posted)
    return applied, posted
