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
        raise EcbFormatError("the file is larger than 20 MB")
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
                raise EcbFormatError("the zip holds no .csv or .xml file")
            info = z.getinfo(names[0])
            if info.file_size > MAX_BYTES:
                raise EcbFormatError("the file in the zip is larger than 20 MB")
            return parse(z.read(names[0]), names[0])
    except zipfile.BadZipFile:
        raise EcbFormatError("not a readable zip file") from None


def parse_xml(text: str) -> list[EcbRate]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise EcbFormatError("document type declarations are not accepted")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise EcbFormatError(f"not well-formed XML: {exc}") from None
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
        raise EcbFormatError("no <Cube time=...> with rates found (is it an ECB eurofxref file?)")
    return out


def parse_csv(text: str) -> list[EcbRate]:
    rows = [r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if any(c.strip() for c in r)]
    if len(rows) < 2 or rows[0][0].strip().lower() != "date":
        raise EcbFormatError("a CSV needs a header starting with Date and at least one row")
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
        raise EcbFormatError(f"{currency} on {on.isoformat()}: {value!r} is not a number") from None
    if rate <= 0:
        raise EcbFormatError(f"{currency} on {on.isoformat()}: the rate must be positive")
    out.append(EcbRate(on, currency, rate))


def _iso(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EcbFormatError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _csv_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise EcbFormatError(f"{value!r} is not a date (YYYY-MM-DD or 25 November 2024)")


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
