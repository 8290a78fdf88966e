"""Reading the ECB's euro reference rates (reference finance.md §2.2), as pure functions.

The files quote units of a currency per 1 EUR; EUR itself is absent. They come as
- XML (`eurofxref-daily.xml`, `-hist-90d.xml`, `-hist.xml`): a GESMES envelope whose
  `<Cube time="YYYY-MM-DD">` holds `<Cube currency="USD" rate="1.0812"/>`, either quote;
- the daily CSV (`eurofxref.csv`): a header `Date, USD, JPY, ...` with a space after each
  comma and a trailing comma, and one row dated like `25 November 2024`;
- the history CSV (`eurofxref-hist.csv`): ISO dates, newest first, `N/A` where there is no
  rate, a trailing comma, retired currencies (CYP, EEK, ...).
Values are read as Decimal strings (trailing zeros are kept by the ECB), never as floats.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from core.messages import Msg
from core.money import is_currency

ECB_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class EcbRate:
    on: date
    currency: str
    per_euro: Decimal


class EcbFormatError(ValueError):
    """The file is not an ECB reference-rate file in a shape we know."""


def parse(data: bytes, filename: str = "") -> list[EcbRate]:
    """Every rate in an ECB file (XML, CSV, or a zip holding one), skipping `N/A` and
    currencies that ISO 4217 no longer lists."""
    if len(data) > MAX_BYTES:
        raise EcbFormatError(Msg("finance.ecb_too_large"))
    if data[:2] == b"PK":
        return parse_zip(data)
    text = data.decode("utf-8-sig", errors="strict").lstrip()
    if text.startswith("<"):
        return parse_xml(text)
    return parse_csv(text)


def parse_zip(data: bytes) -> list[EcbRate]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [n for n in z.namelist() if n.lower().endswith((".csv", ".xml"))]
            if not names:
                raise EcbFormatError(Msg("finance.ecb_zip_empty"))
            info = z.getinfo(names[0])
            if info.file_size > MAX_BYTES:
                raise EcbFormatError(Msg("finance.ecb_zip_member_too_large"))
            return parse(z.read(names[0]), names[0])
    except zipfile.BadZipFile:
        raise EcbFormatError(Msg("finance.ecb_not_zip")) from None


def parse_xml(text: str) -> list[EcbRate]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise EcbFormatError(Msg("finance.ecb_no_doctype"))
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise EcbFormatError(Msg("finance.ecb_bad_xml", detail=str(exc))) from None
    out: list[EcbRate] = []
    for day in root.iter(f"{{{ECB_NS}}}Cube"):
        when = day.get("time")
        if not when:
            continue
        on = _iso(when)
        for cube in day:
            currency, rate = cube.get("currency"), cube.get("rate")
            if currency and rate:
                _add(out, on, currency, rate)
    if not out:
        raise EcbFormatError(Msg("finance.ecb_no_cube"))
    return out


def parse_csv(text: str) -> list[EcbRate]:
    rows = [r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if any(c.strip() for c in r)]
    if len(rows) < 2 or rows[0][0].strip().lower() != "date":
        raise EcbFormatError(Msg("finance.ecb_csv_header"))
    header = [c.strip() for c in rows[0]]
    out: list[EcbRate] = []
    for row in rows[1:]:
        on = _csv_date(row[0].strip())
        for currency, value in zip(header[1:], row[1:]):
            if currency:
                _add(out, on, currency, value.strip())
    return out


def _add(out: list[EcbRate], on: date, currency: str, value: str) -> None:
    currency = currency.strip().upper()
    if not value or value.upper() == "N/A" or not is_currency(currency):
        return
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise EcbFormatError(
            Msg("finance.ecb_rate_not_number", currency=currency, day=on.isoformat(), value=repr(value))
        ) from None
    if rate <= 0:
        raise EcbFormatError(Msg("finance.ecb_rate_not_positive", currency=currency, day=on.isoformat()))
    out.append(EcbRate(on, currency, rate))


def _iso(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EcbFormatError(Msg("finance.ecb_not_iso_date", value=repr(value))) from None


def _csv_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise EcbFormatError(Msg("finance.ecb_not_csv_date", value=repr(value)))


def daily_xml(on: date, rates: dict[str, Decimal]) -> str:
    """An `eurofxref-daily.xml` for the given rates: what the emulator serves."""
    cubes = "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in sorted(rates.items()))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        f'xmlns="{ECB_NS}"><gesmes:subject>Reference rates</gesmes:subject>'
        "<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>"
        f"<Cube><Cube time='{on.isoformat()}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    )
