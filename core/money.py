"""Money: Decimal amounts with an ISO 4217 currency (DESIGN §3), and the one dated exchange
rate lookup, `rate(base, quote, on)`.

Round only at document-line boundaries, with the currency's minor unit; split totals by the
largest remainder so the parts always add up to the whole.

Rates are stored per tenant by the `fx` capability, which registers the lookup that reads
them (`register_rate_lookup`), so this module, which plugins import too, touches no database.
Which stored rate answers a question is decided here, by `choose_rate`, a pure function; the
rule is docs/decisions/0010-dated-exchange-rates.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import ValidationError
from core.messages import Msg

# ISO 4217 active codes and their minor units (exponent). Codes missing here are refused.
MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "AFN": 2,
    "ALL": 2,
    "AMD": 2,
    "ANG": 2,
    "AOA": 2,
    "ARS": 2,
    "AUD": 2,
    "AWG": 2,
    "AZN": 2,
    "BAM": 2,
    "BBD": 2,
    "BDT": 2,
    "BGN": 2,
    "BHD": 3,
    "BIF": 0,
    "BMD": 2,
    "BND": 2,
    "BOB": 2,
    "BRL": 2,
    "BSD": 2,
    "BTN": 2,
    "BWP": 2,
    "BYN": 2,
    "BZD": 2,
    "CAD": 2,
    "CDF": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "CRC": 2,
    "CUP": 2,
    "CVE": 2,
    "CZK": 2,
    "DJF": 0,
    "DKK": 2,
    "DOP": 2,
    "DZD": 2,
    "EGP": 2,
    "ERN": 2,
    "ETB": 2,
    "EUR": 2,
    "FJD": 2,
    "FKP": 2,
    "GBP": 2,
    "GEL": 2,
    "GHS": 2,
    "GIP": 2,
    "GMD": 2,
    "GNF": 0,
    "GTQ": 2,
    "GYD": 2,
    "HKD": 2,
    "HNL": 2,
    "HTG": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "IQD": 3,
    "IRR": 2,
    "ISK": 0,
    "JMD": 2,
    "JOD": 3,
    "JPY": 0,
    "KES": 2,
    "KGS": 2,
    "KHR": 2,
    "KMF": 0,
    "KPW": 2,
    "KRW": 0,
    "KWD": 3,
    "KYD": 2,
    "KZT": 2,
    "LAK": 2,
    "LBP": 2,
    "LKR": 2,
    "LRD": 2,
    "LSL": 2,
    "LYD": 3,
    "MAD": 2,
    "MDL": 2,
    "MGA": 2,
    "MKD": 2,
    "MMK": 2,
    "MNT": 2,
    "MOP": 2,
    "MRU": 2,
    "MUR": 2,
    "MVR": 2,
    "MWK": 2,
    "MXN": 2,
    "MYR": 2,
    "MZN": 2,
    "NAD": 2,
    "NGN": 2,
    "NIO": 2,
    "NOK": 2,
    "NPR": 2,
    "NZD": 2,
    "OMR": 3,
    "PAB": 2,
    "PEN": 2,
    "PGK": 2,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "PYG": 0,
    "QAR": 2,
    "RON": 2,
    "RSD": 2,
    "RUB": 2,
    "RWF": 0,
    "SAR": 2,
    "SBD": 2,
    "SCR": 2,
    "SDG": 2,
    "SEK": 2,
    "SGD": 2,
    "SHP": 2,
    "SLE": 2,
    "SOS": 2,
    "SRD": 2,
    "SSP": 2,
    "STN": 2,
    "SVC": 2,
    "SYP": 2,
    "SZL": 2,
    "THB": 2,
    "TJS": 2,
    "TMT": 2,
    "TND": 3,
    "TOP": 2,
    "TRY": 2,
    "TTD": 2,
    "TWD": 2,
    "TZS": 2,
    "UAH": 2,
    "UGX": 0,
    "USD": 2,
    "UYU": 2,
    "UZS": 2,
    "VES": 2,
    "VND": 0,
    "VUV": 0,
    "WST": 2,
    "XAF": 0,
    "XCD": 2,
    "XOF": 0,
    "XPF": 0,
    "YER": 2,
    "ZAR": 2,
    "ZMW": 2,
    "ZWL": 2,
}


def is_currency(code: str | None) -> bool:
    return bool(code) and code in MINOR_UNITS


def minor_unit(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise ValueError(f"unknown ISO 4217 currency {currency!r}") from None


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def to_decimal(value: object) -> Decimal:
    """Parse an amount without ever passing through float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a string or Decimal")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def round_money(amount: Decimal | str | int, currency: str) -> Decimal:
    return to_decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def allocate(total: Decimal | str, weights: Sequence[Decimal | int | str], currency: str) -> list[Decimal]:
    """Split `total` in proportion to `weights` by the largest remainder method.

    The parts are in the currency's minor unit and always sum exactly to the rounded total.
    Zero weights receive zero unless every weight is zero, in which case the split is equal.
    """
    total = round_money(total, currency)
    ws = [to_decimal(w) for w in weights]
    if not ws:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in ws):
        raise ValueError("weights must not be negative")
    if sum(ws) == 0:
        ws = [Decimal(1)] * len(ws)
    q = quantum(currency)
    units = int((total / q).to_integral_value())
    wsum = sum(ws)
    sign = -1 if units < 0 else 1
    units = abs(units)
    raw = [Decimal(units) * w / wsum for w in ws]
    floors = [int(r) for r in raw]
    leftover = units - sum(floors)
    # Largest fractional remainder first; ties go to the earlier line, so results are stable.
    order = sorted(range(len(ws)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return [sign * Decimal(f) * q for f in floors]


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        minor_unit(self.currency)
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", to_decimal(self.amount))

    def rounded(self) -> Money:
        return Money(round_money(self.amount, self.currency), self.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply money by Decimal or int, never float")
        return Money(self.amount * factor, self.currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


# ---------------------------------------------------------------------------------------------
# Dated exchange rates

# A stored rate is used for its own date and for the days after it, up to this many: it covers
# weekends and holidays without a published rate, and a monthly rate (CAS 19's 月初汇率)
# through its month, but a rate older than that is stale and refused.
RATE_WINDOW_DAYS = 31

RATE_SOURCES = ("manual", "file", "feed")
# Rates are stored, used and copied onto documents with this many decimals (core.db.Rate): an
# inverse or a cross is rounded to it, so a document's amount is its rate times its amount.
RATE_PLACES = Decimal("1E-10")


@dataclass(frozen=True, slots=True)
class Quote:
    """A stored rate: one `base` is worth `rate` units of `quote` on the day `on`."""

    base: str
    quote: str
    on: date
    rate: Decimal
    source: str = "manual"

    @property
    def pair(self) -> str:
        return f"{self.base}/{self.quote}"


@dataclass(frozen=True, slots=True)
class FxRate:
    """The answer to "how many `quote` is one `base` worth on `on`", and how it was found:
    `legs` are the stored rates it comes from (none for the same currency); a leg whose pair is
    the other way round was inverted, and two legs make a cross through `via`."""

    base: str
    quote: str
    on: date
    rate: Decimal
    legs: tuple[Quote, ...] = ()

    @property
    def rate_date(self) -> date:
        """The date of the oldest stored rate used (the day asked for when none was needed)."""
        return min((leg.on for leg in self.legs), default=self.on)

    @property
    def via(self) -> str | None:
        if len(self.legs) < 2:
            return None
        first = self.legs[0]
        return first.quote if first.base == self.base else first.base

    @property
    def source(self) -> str:
        """manual, file or feed; several joined by "+" when the legs of a cross differ."""
        if not self.legs:
            return "identity"
        return "+".join(dict.fromkeys(leg.source for leg in self.legs))

    def describe(self) -> str:
        """Where the rate comes from, short enough for a document's rate source field:
        "manual USD/CNY 2026-11-20", "file 1/(CNY/USD) 2026-11-20", "file EUR/USD+EUR/CNY 2026-11-20"."""
        if not self.legs:
            return "same currency"
        pairs = "+".join(leg.pair if leg.base == b else f"1/({leg.pair})" for leg, b in self._leg_bases())
        return f"{self.source} {pairs} {self.rate_date.isoformat()}"

    def _leg_bases(self) -> list[tuple[Quote, str]]:
        """Each leg with the currency it converts from, in the order of the conversion."""
        out, current = [], self.base
        for leg in self.legs:
            out.append((leg, current))
            current = leg.quote if leg.base == current else leg.base
        return out


class RateNotFound(ValidationError, LookupError):
    """No rate is known for the pair on the day or in the window before it. Never replaced by
    1.0: the caller refuses (422 naming its field) or holds the work and says why. It is a
    LookupError too, for callers that catch "not found" without knowing Tradelane's errors."""

    def __init__(self, base: str, quote: str, on: date, window_days: int = RATE_WINDOW_DAYS) -> None:
        self.base, self.quote, self.on, self.window_days = base, quote, on, window_days
        message = Msg("fx.no_rate", base=base, quote=quote, day=on.isoformat(), n=window_days)
        super().__init__({"rate": [message]}, message)


@dataclass(frozen=True, slots=True)
class RateBook:
    """What a lookup found: the stored rates dated in the window that name either currency,
    and the intermediate to try first for a cross (the tenant's functional currency)."""

    quotes: tuple[Quote, ...] = ()
    prefer_via: str | None = None


# lookup(base, quote, first_day, last_day) -> RateBook
RateLookup = Callable[[str, str, date, date], RateBook]
_lookup: list[RateLookup] = []


def register_rate_lookup(lookup: RateLookup) -> RateLookup:
    """Install the function that reads stored rates (the `fx` capability does, on import)."""
    _lookup[:] = [lookup]
    return lookup


def rate(base: str, quote: str, on: date, *, window_days: int = RATE_WINDOW_DAYS) -> Decimal:
    """How many `quote` one `base` is worth on `on`: 1 for the same currency, else the
    tenant's stored rates by the rule of `choose_rate`. Raises RateNotFound naming the pair
    and the date when none answers."""
    return find_rate(base, quote, on, window_days=window_days).rate


def find_rate(base: str, quote: str, on: date, *, window_days: int = RATE_WINDOW_DAYS) -> FxRate:
    """`rate` with its provenance (the stored rates used), for documents that record it."""
    minor_unit(base), minor_unit(quote)  # unknown codes are a caller's bug: ValueError
    if base == quote:
        return FxRate(base, quote, on, Decimal(1))
    if not _lookup:
        raise RuntimeError("no exchange-rate lookup is registered (the fx capability is not loaded)")
    book = _lookup[0](base, quote, on - timedelta(days=window_days), on)
    found = choose_rate(base, quote, on, book.quotes, prefer_via=book.prefer_via, window_days=window_days)
    if found is None:
        raise RateNotFound(base, quote, on, window_days)
    return found


def choose_rate(
    base: str,
    quote: str,
    on: date,
    quotes: Iterable[Quote],
    *,
    prefer_via: str | None = None,
    window_days: int = RATE_WINDOW_DAYS,
) -> FxRate | None:
    """The rule (docs/decisions/0010-dated-exchange-rates.md), over plain data:

    1. the same currency is 1;
    2. else the latest stored rate of the pair, either way round (B/A inverted), dated on or
       before `on` and at most `window_days` before it; on the same day the pair as asked wins;
    3. else a cross through one intermediate currency X (A/X then X/B, each leg by rule 2):
       the tenant's functional currency first, then the X whose older leg is the latest,
       then the X first in alphabetical order;
    4. else None: no rate is known.
    """
    if base == quote:
        return FxRate(base, quote, on, Decimal(1))
    first = on - timedelta(days=window_days)
    usable = [q for q in quotes if first <= q.on <= on and q.rate > 0]
    direct = _leg(base, quote, usable)
    if direct is not None:
        return FxRate(base, quote, on, _places(direct[0]), (direct[1],))
    crosses = []
    for via in sorted({c for q in usable for c in (q.base, q.quote)} - {base, quote}):
        one, two = _leg(base, via, usable), _leg(via, quote, usable)
        if one is not None and two is not None:
            legs = (one[1], two[1])
            crosses.append(((via != prefer_via, -min(leg.on for leg in legs).toordinal(), via), one[0] * two[0], legs))
    if not crosses:
        return None
    _key, value, legs = min(crosses, key=lambda c: c[0])
    return FxRate(base, quote, on, _places(value), legs)


def _places(value: Decimal) -> Decimal:
    return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _leg(base: str, quote: str, quotes: Sequence[Quote]) -> tuple[Decimal, Quote] | None:
    """The latest rate of base/quote, or the inverse of the latest quote/base (the pair as
    asked wins on the same day)."""
    best: tuple[tuple[int, int], Decimal, Quote] | None = None
    for q in quotes:
        if q.base == base and q.quote == quote:
            key, value = (q.on.toordinal(), 1), q.rate
        elif q.base == quote and q.quote == base:
            key, value = (q.on.toordinal(), 0), Decimal(1) / q.rate
        else:
            continue
        if best is None or key > best[0]:
            best = (key, value, q)
    return None if best is None else (best[1], best[2])
