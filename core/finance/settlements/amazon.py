"""Amazon's settlement report, Flat File V2 (`GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2`,
tab-delimited; reference finance.md §3.1), read as a stream: one row at a time, so a file of
a million lines never sits in memory whole. Pure: no database.

- Columns are found by header name (some files add `promotion-id` and others), never by
  position; the header must name the columns in `REQUIRED`.
- The first data row is the settlement summary (settlement-id, dates, deposit-date,
  total-amount, currency); detail rows follow with an empty total-amount.
- Amounts are in the marketplace's own number format (`1.234,56` on EU sites, `1,234.56`
  on others). The locale is given, or read from the first row's marketplace-name, or from
  the currency; the raw text is kept beside the parsed Decimal.
- Dates come as `2024-03-10`, `2024-03-10 08:00:00 UTC`, ISO 8601 with an offset,
  `10.03.2024` (EU) or `03/10/24` (month first on US sites, day first elsewhere).

Every problem names its line number (the header is line 1); the caller imports nothing of a
file with problems.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import NamedTuple, TextIO

from core.finance.settlements.categories import categorise
from core.messages import Msg
from core.money import is_currency

REQUIRED = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "amount-type",
    "amount-description",
    "amount",
)
OPTIONAL = (
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
)
LOCALES = ("us", "eu")
# Marketplaces whose reports write a decimal comma (reference §3.1, "Formatting traps").
COMMA_MARKETPLACES = frozenset(
    m.casefold()
    for m in (
        "Amazon.de",
        "Amazon.fr",
        "Amazon.it",
        "Amazon.es",
        "Amazon.nl",
        "Amazon.se",
        "Amazon.pl",
        "Amazon.com.be",
        "Amazon.com.tr",
        "Amazon.com.br",
    )
)
COMMA_CURRENCIES = frozenset(("EUR", "PLN", "SEK", "TRY", "BRL"))
MAX_FIELD = 500
LIMIT = Decimal("1e15")  # amounts are Numeric(19, 4)

_US = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,4})?$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_EU = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d{1,3}( \d{3})+|\d+)(,\d{1,4})?$")


class FileProblem(ValueError):
    """A problem of the file as a whole (no header, not tab-delimited)."""


@dataclass(frozen=True)
class Summary:
    line: int
    settlement_id: str
    start: datetime | None
    end: datetime | None
    deposit_date: date | None
    total: Decimal
    currency: str
    locale: str


class Row(NamedTuple):
    """One detail row, parsed. `raw_amount` is the text as the file wrote it. A tuple (not a
    dataclass): a million of them are made per report, and its fields are in the order of the
    staging table the import copies them into (`service.STAGED`)."""

    line: int
    transaction_type: str
    order_id: str
    merchant_order_id: str
    adjustment_id: str
    shipment_id: str
    marketplace: str
    amount_type: str
    amount_description: str
    amount: Decimal
    raw_amount: str
    fulfillment_id: str
    posted: date | None
    order_item_code: str
    merchant_order_item_id: str
    merchant_adjustment_item_id: str
    sku: str
    quantity: int | None
    category: str
    known: bool


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return self.as_message()

    def as_message(self) -> Msg:
        """The problem with its line (and column) as a coded message, for the file's refusal."""
        if self.field:
            return Msg("finance.file_line_column", line=self.line, column=self.field, problem=self.message)
        return Msg("finance.file_line", line=self.line, problem=self.message)


def parse_amount(raw: str, locale: str) -> Decimal:
    """The Decimal of an amount in the locale's format; ValueError naming the text if it is
    not one (`95,00` on a US file is refused rather than read as 9500)."""
    text = raw.strip().replace("\u00a0", " ")
    pattern = _EU if locale == "eu" else _US
    if not pattern.match(text):
        raise ValueError(Msg("finance.not_an_amount_in_format", value=repr(raw), number_format=locale.upper()))
    if locale == "eu":
        text = text.replace(".", "").replace(" ", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(Msg("finance.not_an_amount", value=repr(raw))) from None


_DATE_FORMATS = (
    ("%Y-%m-%d %H:%M:%S UTC", True),
    ("%Y-%m-%d %H:%M:%S %Z", True),
    ("%Y-%m-%d %H:%M:%S", True),
    ("%Y-%m-%d", False),
    ("%d.%m.%Y %H:%M:%S UTC", True),
    ("%d.%m.%Y %H:%M:%S", True),
    ("%d.%m.%Y", False),
)


def parse_datetime(raw: str, locale: str) -> datetime:
    """A settlement date as an aware UTC datetime (a bare date is midnight UTC)."""
    text = raw.strip()
    if _ISO.match(text):
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(Msg("finance.not_a_date", value=repr(raw))) from None
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    for fmt, _has_time in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    if "/" in text:
        head = text.split(" ", 1)[0]
        order = ("%m/%d/%Y", "%m/%d/%y") if locale == "us" else ("%d/%m/%Y", "%d/%m/%y")
        for fmt in order:
            try:
                return datetime.strptime(head, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
    raise ValueError(Msg("finance.not_an_amazon_date", value=repr(raw)))


def detect_locale(marketplace: str, currency: str) -> str:
    if marketplace:
        return "eu" if marketplace.strip().casefold() in COMMA_MARKETPLACES else "us"
    return "eu" if currency.upper() in COMMA_CURRENCIES else "us"


class Reader:
    """Reads one report: `summary` after `open()`, then `rows()` yields each detail row and
    records problems in `problems` (capped in `shown`, counted in full in `count`)."""

    def __init__(self, stream: TextIO, *, locale: str | None = None, max_shown: int = 200) -> None:
        if locale is not None and locale not in LOCALES:
            raise FileProblem(Msg("finance.locale_one_of", choices=", ".join(LOCALES)))
        self._reader = csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE, strict=False)
        self.locale = locale
        self.problems: list[Problem] = []
        self.count = 0
        self.max_shown = max_shown
        self.summary: Summary | None = None
        self.detail_total = Decimal(0)
        self.detail_count = 0
        self._index: dict[str, int] = {}
        self._names: tuple[str, ...] = (*REQUIRED, *OPTIONAL)
        self._fetch = itemgetter(0)
        self._width = 0
        self._amounts: dict[str, Decimal] = {}
        self._kinds: dict[tuple[str, str, str], tuple[str, bool]] = {}
        self._dates: dict[str, date | None] = {}
        self._pending: tuple[int, list[str]] | None = None

    def problem(self, line: int, field: str, message: str) -> None:
        self.count += 1
        if len(self.problems) < self.max_shown:
            self.problems.append(Problem(line, field, message))

    # -- the header and the summary ------------------------------------------------------

    def open(self) -> Summary | None:
        try:
            header = next(self._reader)
        except StopIteration:
            raise FileProblem(Msg("finance.file_empty")) from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileProblem(Msg("finance.file_line", line=1, problem=str(exc))) from None
        names = [h.strip().lstrip("\ufeff").casefold() for h in header]
        self._index = {name: i for i, name in enumerate(names) if name}
        missing = [c for c in REQUIRED if c not in self._index]
        # A column the file lacks reads as empty: its position is one past the header's last
        # column, where every row gets an empty cell (`_row`).
        self._width = len(header)
        self._fetch = itemgetter(*(self._index.get(name, self._width) for name in self._names))
        if missing:
            if len(header) <= 1:
                raise FileProblem(Msg("finance.file_line", line=1, problem=Msg("finance.not_a_settlement_report")))
            raise FileProblem(
                Msg(
                    "finance.file_line", line=1, problem=Msg("finance.header_lacks_columns", columns=", ".join(missing))
                )
            )
        first = self._next()
        if first is None:
            raise FileProblem(Msg("finance.file_line", line=2, problem=Msg("finance.summary_row_missing")))
        line, cells = first
        get = self._getter(cells)
        settlement_id = get("settlement-id")
        currency = get("currency").upper()
        if not settlement_id:
            self.problem(line, "settlement-id", Msg("finance.summary_no_id"))
        if not is_currency(currency):
            self.problem(line, "currency", Msg("finance.not_iso_currency", value=currency or "(empty)"))
        if self.locale is None:
            # The summary has no marketplace; the first detail row has. Peek at it.
            self._pending = self._next()
            market = self._getter(self._pending[1])("marketplace-name") if self._pending else ""
            self.locale = detect_locale(market, currency)
        total = self._amount(line, "total-amount", get("total-amount"))
        self.summary = Summary(
            line=line,
            settlement_id=settlement_id[:100],
            start=self._date(line, "settlement-start-date", get("settlement-start-date"), required=True),
            end=self._date(line, "settlement-end-date", get("settlement-end-date"), required=True),
            deposit_date=(d.date() if (d := self._date(line, "deposit-date", get("deposit-date"))) else None),
            total=total if total is not None else Decimal(0),
            currency=currency[:3],
            locale=self.locale,
        )
        return self.summary

    # -- detail rows ----------------------------------------------------------------------

    def rows(self) -> Iterator[Row]:
        assert self.summary is not None, "open() first"
        while True:
            item = self._pending or self._next()
            self._pending = None
            if item is None:
                return
            line, cells = item
            row = self._row(line, cells)
            if row is not None:
                self.detail_total += row.amount
                self.detail_count += 1
                yield row

    def check_total(self, line: int) -> None:
        """Σ detail amounts = total-amount (reference §3.1 reconciliation check): a file that
        was cut short fails here."""
        s = self.summary
        if s is not None and self.detail_total != s.total:
            self.problem(
                line,
                "total-amount",
                Msg("finance.detail_rows_total", total=self.detail_total, currency=s.currency, summary_total=s.total),
            )

    @property
    def last_line(self) -> int:
        return self._reader.line_num

    def _next(self) -> tuple[int, list[str]] | None:
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return None
            except (csv.Error, UnicodeDecodeError) as exc:
                self.problem(self._reader.line_num + 1, "", Msg("finance.cannot_be_read", detail=str(exc)))
                if self.count > self.max_shown * 10:
                    return None
                continue
            if "".join(cells).strip():  # a row of blank cells is skipped
                return self._reader.line_num, cells

    def _getter(self, cells: list[str]):  # noqa: ANN202 - a small closure
        index = self._index

        def get(name: str) -> str:
            i = index.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        return get

    def _row(self, line: int, cells: list[str]) -> Row | None:
        # A million rows a report: every step here counts. The cells of the known columns are
        # fetched in one call (itemgetter), each stripped once, and amounts, dates and
        # categories that repeat are parsed once.
        width = self._width
        if len(cells) == width:
            cells.append("")
        else:  # a short row reads its missing cells as empty; a long row's extra cells are not read
            cells = cells[:width] + [""] * (width + 1 - min(len(cells), width))
        values = list(map(str.strip, self._fetch(cells)))
        (sid, _start, _end, _deposit, total, currency, tt, order_id, at, ad, raw) = values[:11]
        (moid, adjustment, shipment, market, fulfilment, posted_day, posted_time) = values[11:18]
        (item_code, merchant_item, merchant_adjustment_item, sku, quantity_text) = values[18:]
        s = self.summary
        assert s is not None
        if sid and sid != s.settlement_id:
            self.problem(
                line, "settlement-id", Msg("finance.differs_from_summary", value=sid, settlement_id=s.settlement_id)
            )
        if total:
            self.problem(line, "total-amount", Msg("finance.only_summary_total"))
        if currency and currency.upper() != s.currency:
            self.problem(
                line, "currency", Msg("finance.differs_from_settlement_currency", value=currency, currency=s.currency)
            )
        amount = self._amounts.get(raw)
        if amount is None:
            amount = self._amount(line, "amount", raw, required=True)
            if amount is not None and len(self._amounts) < 50_000:
                self._amounts[raw] = amount
        if max(map(len, values)) > MAX_FIELD:
            for name, value in zip(self._names, values, strict=True):
                if len(value) > MAX_FIELD:
                    self.problem(line, name, Msg("finance.longer_than", max_len=MAX_FIELD))
        quantity = None
        if quantity_text:
            try:
                quantity = int(quantity_text)
                if abs(quantity) > 1_000_000:
                    raise ValueError
            except ValueError:
                self.problem(line, "quantity-purchased", Msg("not_a_whole_number", value=repr(quantity_text)))
                quantity = None
        posted = self._posted(line, posted_time or posted_day)
        if not (tt or at or ad):
            self.problem(line, "transaction-type", Msg("finance.row_names_nothing"))
        if amount is None:
            return None
        kind = self._kinds.get((tt, at, ad))
        if kind is None:
            kind = self._kinds[(tt, at, ad)] = categorise(tt, at, ad)
        return Row(
            line,
            tt[:64],
            order_id[:100],
            moid[:100],
            adjustment[:100],
            shipment[:100],
            market[:64],
            at[:100],
            ad[:200],
            amount,
            raw[:40],
            fulfilment[:8],
            posted,
            item_code[:100],
            merchant_item[:100],
            merchant_adjustment_item[:100],
            sku[:200],
            quantity,
            kind[0],
            kind[1],
        )

    def _posted(self, line: int, raw: str) -> date | None:
        """Posting dates repeat across a report's rows: each distinct text is parsed once."""
        if not raw:
            return None
        if raw in self._dates:
            return self._dates[raw]
        when = self._date(line, "posted-date", raw)
        day = when.date() if when else None
        if when is not None and len(self._dates) < 10_000:
            self._dates[raw] = day
        return day

    def _amount(self, line: int, field: str, raw: str, *, required: bool = True) -> Decimal | None:
        if not raw:
            if required:
                self.problem(line, field, Msg("finance.is_empty"))
            return None
        try:
            value = parse_amount(raw, self.locale or "us")
        except ValueError as exc:
            self.problem(line, field, exc.args[0] if exc.args else str(exc))
            return None
        if abs(value) >= LIMIT:  # the number format allows at most 4 decimals
            self.problem(line, field, Msg("finance.out_of_range", value=repr(raw)))
            return None
        return value

    def _date(self, line: int, field: str, raw: str, *, required: bool = False) -> datetime | None:
        if not raw:
            if required:
                self.problem(line, field, Msg("finance.is_empty"))
            return None
        try:
            return parse_datetime(raw, self.locale or "us")
        except ValueError as exc:
            self.problem(line, field, exc.args[0] if exc.args else str(exc))
            return None
