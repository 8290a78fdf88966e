"""Input cleaning shared by the catalogue's API, its file import and the suppliers module.

Every cleaner takes what a user typed (a JSON value or a spreadsheet cell, often a string),
returns the stored value, and records a message under the field's path in `Errors` instead of
raising, so one response (or one import report) lists every problem at once.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from core import money
from core.errors import ValidationError

# ISO 3166-1 alpha-2.
COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

EMPTY = (None, "")


class Errors:
    """Collects field -> messages; `raise_if_any()` turns them into one ValidationError."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def text(errors: Errors, field: str, value: Any, *, max_len: int = 200, required: bool = False,
         default: str = "") -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if required and not value:
        errors.add(field, "is required")
    if len(value) > max_len:
        errors.add(field, f"use at most {max_len} characters")
        value = value[:max_len]
    return value or default


def optional_text(errors: Errors, field: str, value: Any, *, max_len: int = 200) -> str | None:
    return text(errors, field, value, max_len=max_len) or None


def integer(errors: Errors, field: str, value: Any, *, minimum: int | None = 0, maximum: int | None = None,
            required: bool = False) -> int | None:
    if value in EMPTY:
        if required:
            errors.add(field, "is required")
        return None
    if isinstance(value, bool):
        errors.add(field, "must be a whole number")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets store whole numbers as floats
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(field, f"{value!r} is not a whole number")
        return None
    if minimum is not None and number < minimum:
        errors.add(field, f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        errors.add(field, f"must be at most {maximum}")
    return number


def decimal(errors: Errors, field: str, value: Any, *, places: int = 4, minimum: Decimal | None = Decimal(0),
            below: Decimal | None = None, required: bool = False, max_digits: int = 19) -> Decimal | None:
    if value in EMPTY:
        if required:
            errors.add(field, "is required")
        return None
    if isinstance(value, bool):
        errors.add(field, "must be a number")
        return None
    if isinstance(value, float):
        value = repr(value)  # a spreadsheet cell: its shortest exact decimal spelling
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(field, f"{value!r} is not a number")
        return None
    if not number.is_finite():
        errors.add(field, "must be a finite number")
        return None
    exact = number.quantize(Decimal(1).scaleb(-places))
    if number != exact:
        errors.add(field, f"use at most {places} decimal places")
        return None
    if minimum is not None and number < minimum:
        errors.add(field, f"must be at least {minimum}")
    if below is not None and number >= below:
        errors.add(field, f"must be below {below}")
    if abs(number) >= Decimal(10) ** (max_digits - places):
        errors.add(field, "is too large")
    return exact  # at the stored scale, so a response reads the same before and after a reload


def currency(errors: Errors, field: str, value: Any, *, required: bool = False) -> str | None:
    code = (str(value).strip().upper() if value not in EMPTY else "")
    if not code:
        if required:
            errors.add(field, "is required")
        return None
    if not money.is_currency(code):
        errors.add(field, f"{code} is not an ISO 4217 currency code")
        return None
    return code


def country(errors: Errors, field: str, value: Any) -> str | None:
    code = (str(value).strip().upper() if value not in EMPTY else "")
    if not code:
        return None
    if code not in COUNTRIES:
        errors.add(field, f"{code} is not an ISO 3166 two-letter country code")
        return None
    return code


def choice(errors: Errors, field: str, value: Any, choices: Iterable[str], *, required: bool = False) -> str | None:
    choices = tuple(choices)
    if value in EMPTY:
        if required:
            errors.add(field, "is required")
        return None
    value = str(value).strip()
    if value not in choices:
        errors.add(field, f"use one of {', '.join(choices)}")
        return None
    return value


def a_date(errors: Errors, field: str, value: Any) -> date | None:
    if value in EMPTY:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors.add(field, f"{value!r} is not a date (YYYY-MM-DD)")
        return None


def money_pair(errors: Errors, field: str, value: Any, *, places: int = 4) -> tuple[Decimal | None, str | None]:
    """{"amount": "12.50", "currency": "USD"} (or None) -> (Decimal, "USD"); both or neither."""
    if value in EMPTY:
        return None, None
    if not isinstance(value, dict):
        errors.add(field, 'use {"amount": "12.50", "currency": "USD"}')
        return None, None
    amount = decimal(errors, f"{field}.amount", value.get("amount"), places=places)
    code = currency(errors, f"{field}.currency", value.get("currency"))
    if amount is not None and code is None and f"{field}.currency" not in errors.errors:
        errors.add(f"{field}.currency", "is required with an amount")
    if amount is None and code is not None and f"{field}.amount" not in errors.errors:
        errors.add(f"{field}.amount", "is required with a currency")
    return amount, code


def vat_rate(errors: Errors, field: str, value: Any) -> Decimal | None:
    """A VAT rate as a fraction (0.13); "13%" is accepted as well."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = decimal(errors, field, value.strip()[:-1], places=2, below=Decimal(100))
        return None if number is None else number / 100
    return decimal(errors, field, value, places=4, below=Decimal(1))


_HS_RE = re.compile(r"^\d{6,10}$")


def hs_code(errors: Errors, field: str, value: Any) -> str | None:
    """Harmonized System code: 6 digits worldwide, up to 10 nationally; dots and spaces dropped."""
    if value in EMPTY:
        return None
    if isinstance(value, float):
        # A spreadsheet turned "6109.10" into the number 6109.1: digits after the heading come
        # in pairs, so the dropped zero is restored.
        whole, _, frac = repr(value).partition(".")
        frac = "" if frac == "0" else frac
        value = whole + frac + "0" * (len(frac) % 2)
    code = re.sub(r"[.\s]", "", str(value))
    if not _HS_RE.match(code):
        errors.add(field, f"{value!r} is not an HS code (6 to 10 digits)")
        return None
    return code


def gtin_valid(digits: str) -> bool:
    """Check digit of EAN-8, UPC-A (12), EAN-13 and GTIN-14."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == int(digits[-1])


_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")


def barcode(errors: Errors, field: str, value: Any) -> str | None:
    """A GTIN (8, 12, 13 or 14 digits) must carry a correct check digit; other printable
    codes (Code 128 labels of the seller's own) are accepted as they are."""
    if value in EMPTY:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = str(value).strip()
    if code.isdigit() and len(code) in (8, 12, 13, 14):
        if not gtin_valid(code):
            errors.add(field, f"{code} has a wrong check digit for a GTIN/EAN/UPC")
            return None
        return code
    if len(code) > 64 or not _CODE_RE.match(code):
        errors.add(field, "use letters, digits and . _ / - (at most 64)")
        return None
    return code


def code(errors: Errors, field: str, value: Any, *, max_len: int = 64) -> str | None:
    """A seller-facing code (SKU, SPU, category): letters, digits and . _ / - ."""
    if value in EMPTY:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text_value = str(value).strip()
    if len(text_value) > max_len:
        errors.add(field, f"use at most {max_len} characters")
        return None
    if not _CODE_RE.match(text_value):
        errors.add(field, "use letters, digits and . _ / - (starting with a letter or digit)")
        return None
    return text_value
