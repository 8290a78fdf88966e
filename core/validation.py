"""The validation kit: input cleaning shared by every capability's API, file imports and portal.

Every cleaner takes what a user typed (a JSON value or a spreadsheet cell, often a string),
returns the stored value, and records a message under the field's path in `Errors` instead of
raising, so one response (or one import report) lists every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError as FieldError
from marshmallow import fields as ma_fields
from marshmallow import validate as ma_validate

from core import money
from core.errors import ValidationError
from core.messages import Msg, msg

# ISO 3166-1 alpha-2.
COUNTRIES = frozenset(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split()
)

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


def text(
    errors: Errors, field: str, value: Any, *, max_len: int = 200, required: bool = False, default: str = ""
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        value = str(value)
    value = value.strip()
    if required and not value:
        errors.add(field, msg("required"))
    problem = text_problem(value)
    if problem:
        errors.add(field, problem)
        return default
    if len(value) > max_len:
        errors.add(field, msg("too_long", max_len=max_len))
        value = value[:max_len]
    return value or default


def optional_text(errors: Errors, field: str, value: Any, *, max_len: int = 200) -> str | None:
    return text(errors, field, value, max_len=max_len) or None


def integer(
    errors: Errors,
    field: str,
    value: Any,
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    required: bool = False,
) -> int | None:
    if value in EMPTY:
        if required:
            errors.add(field, msg("required"))
        return None
    if isinstance(value, bool):
        errors.add(field, msg("not_whole_number"))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets store whole numbers as floats
    try:
        number = int(str(value).strip())
    except ValueError:
        errors.add(field, msg("not_a_whole_number", value=repr(value)))
        return None
    if minimum is not None and number < minimum:
        errors.add(field, msg("min_value", minimum=minimum))
    if maximum is not None and number > maximum:
        errors.add(field, msg("max_value", maximum=maximum))
    return number


def decimal(
    errors: Errors,
    field: str,
    value: Any,
    *,
    places: int = 4,
    minimum: Decimal | None = Decimal(0),
    below: Decimal | None = None,
    required: bool = False,
    max_digits: int = 19,
) -> Decimal | None:
    if value in EMPTY:
        if required:
            errors.add(field, msg("required"))
        return None
    if isinstance(value, bool):
        errors.add(field, msg("not_number"))
        return None
    if isinstance(value, float):
        value = repr(value)  # a spreadsheet cell: its shortest exact decimal spelling
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        errors.add(field, msg("not_a_number", value=repr(value)))
        return None
    if not number.is_finite():
        errors.add(field, msg("not_finite"))
        return None
    try:
        exact = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:  # more digits than Decimal's precision: far beyond any column
        errors.add(field, msg("too_large"))
        return None
    if number != exact:
        errors.add(field, msg("decimal_places", places=places))
        return None
    if minimum is not None and number < minimum:
        errors.add(field, msg("min_value", minimum=minimum))
    if below is not None and number >= below:
        errors.add(field, msg("below", below=below))
    if abs(number) >= Decimal(10) ** (max_digits - places):
        errors.add(field, msg("too_large"))
    return exact  # at the stored scale, so a response reads the same before and after a reload


def currency(errors: Errors, field: str, value: Any, *, required: bool = False) -> str | None:
    code = str(value).strip().upper() if value not in EMPTY else ""
    if not code:
        if required:
            errors.add(field, msg("required"))
        return None
    if currency_code(code) is None:
        errors.add(field, msg("not_currency", value=printable(code)[:20]))
        return None
    return currency_code(code)


def country(errors: Errors, field: str, value: Any) -> str | None:
    code = str(value).strip().upper() if value not in EMPTY else ""
    if not code:
        return None
    if code not in COUNTRIES:
        errors.add(field, msg("not_country", value=code))
        return None
    return code


def choice(errors: Errors, field: str, value: Any, choices: Iterable[str], *, required: bool = False) -> str | None:
    choices = tuple(choices)
    if value in EMPTY:
        if required:
            errors.add(field, msg("required"))
        return None
    value = str(value).strip()
    if value not in choices:
        errors.add(field, msg("one_of", choices=", ".join(choices)))
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
        errors.add(field, msg("not_date", value=repr(value)))
        return None


def money_pair(errors: Errors, field: str, value: Any, *, places: int = 4) -> tuple[Decimal | None, str | None]:
    """{"amount": "12.50", "currency": "USD"} (or None) -> (Decimal, "USD"); both or neither."""
    if value in EMPTY:
        return None, None
    if not isinstance(value, dict):
        errors.add(field, msg("money_shape"))
        return None, None
    amount = decimal(errors, f"{field}.amount", value.get("amount"), places=places)
    code = currency(errors, f"{field}.currency", value.get("currency"))
    if amount is not None and code is None and f"{field}.currency" not in errors.errors:
        errors.add(f"{field}.currency", msg("currency_with_amount"))
    if amount is None and code is not None and f"{field}.amount" not in errors.errors:
        errors.add(f"{field}.amount", msg("amount_with_currency"))
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
        errors.add(field, msg("not_hs_code", value=repr(value)))
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
            errors.add(field, msg("gtin_check_digit", value=code))
            return None
        return code
    if len(code) > 64 or not _CODE_RE.match(code):
        errors.add(field, msg("barcode_chars"))
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
        errors.add(field, msg("too_long", max_len=max_len))
        return None
    if not _CODE_RE.match(text_value):
        errors.add(field, msg("code_chars"))
        return None
    return text_value


# ---------------------------------------------------------------------------------------------
# What the door refuses in every decoded string (DESIGN §11: boundaries refuse bad input once)

# PostgreSQL text cannot hold NUL; a lone surrogate cannot be encoded as UTF-8; the other C0
# controls (all but tab, line feed and carriage return) are not text, and XML, hence XLSX,
# cannot hold them.
_NUL_OR_SURROGATE = re.compile("[\x00\ud800-\udfff]")
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 2 * 1024 * 1024  # a JSON body; files come as multipart up to MAX_CONTENT_LENGTH


def text_problem(value: str, *, controls: bool = True) -> str | None:
    """Why `value` is not acceptable text (None when it is): NUL, a lone surrogate, or (with
    `controls`) another control character."""
    found = (_NOT_TEXT if controls else _NUL_OR_SURROGATE).search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return Msg("input.no_nul")
    if "\ud800" <= char <= "\udfff":
        return Msg("input.no_surrogates")
    return Msg("input.no_control", char=f"U+{ord(char):04X}")


def printable(value: str) -> str:
    """`value` with what text_problem refuses replaced by U+FFFD, for naming it in a message
    or writing data that came from elsewhere (a channel, an old import) to a file."""
    return _NOT_TEXT.sub("\ufffd", value)


def check_strings(data: Any, *, controls: bool = True, limit: int = 20) -> dict[str, list[str]]:
    """Every string of a decoded JSON document (keys too) and its nesting depth, walked
    without recursion: errors by field path ("lines.0.note"), at most `limit` of them."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", data, 1)]
    while stack and len(errors) < limit:
        path, value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                errors[path or "_schema"] = [Msg("input.too_deep", depth=MAX_JSON_DEPTH)]
                continue
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, inner in items:
                name = printable(str(key))
                here = f"{path}.{name}" if path else name
                problem = text_problem(key, controls=controls) if isinstance(key, str) else None
                if problem:
                    errors[here] = [Msg("input.name_problem", problem=problem)]
                    continue
                stack.append((here, inner, depth + 1))
        elif isinstance(value, str):
            problem = text_problem(value, controls=controls)
            if problem:
                errors[path or "_schema"] = [problem]
    return errors


def read_text_file(errors: Errors, field: str, data: bytes, *, encodings: tuple[str, ...] = ("utf-8-sig",)) -> str:
    """An uploaded text file (CSV) decoded, with NUL and control characters refused by line
    number, as an import report names them."""
    for encoding in encodings:
        try:
            text_value = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        errors.add(
            field, Msg("input.save_file_as_text", items=" or ".join(e.replace("-sig", "").upper() for e in encodings))
        )
        return ""
    for number, line in enumerate(text_value.splitlines(), start=1):
        problem = text_problem(line)
        if problem:
            errors.add(field, Msg("input.line", number=number, problem=problem))
            return ""
    return text_value


# ---------------------------------------------------------------------------------------------
# Bounds of the column types: every number and text field of the API is bounded by the column
# it is stored in (core.http.Schema applies them when a schema is made), else by the widest
# column type Tradelane uses for its kind.

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# Text columns (notes, reasons, descriptions) take at most this many characters from people,
# unless the column says otherwise with info={"max_length": n}.
TEXT_MAX = 10_000
# A decimal without a column: the widest Tradelane stores (Rate's 10 places, Amount's 15 digits).
DECIMAL_DEFAULT = (25, 10)


def column_type(column: Any) -> Any:
    from sqlalchemy.types import TypeDecorator

    kind = column.type
    return kind.impl if isinstance(kind, TypeDecorator) else kind


def int_bounds(column: Any | None) -> tuple[int, int]:
    from sqlalchemy import BigInteger, SmallInteger

    kind = column_type(column) if column is not None else None
    if isinstance(kind, BigInteger):
        return INT64
    if isinstance(kind, SmallInteger):
        return (-(2**15), 2**15 - 1)
    return INT32


def decimal_bounds(column: Any | None) -> tuple[int, int]:
    """(precision, scale) of a Numeric column."""
    from sqlalchemy import Numeric

    kind = column_type(column) if column is not None else None
    if isinstance(kind, Numeric) and kind.precision is not None:
        return kind.precision, kind.scale or 0
    return DECIMAL_DEFAULT


def text_length(column: Any | None) -> int:
    from sqlalchemy import String

    if column is not None:
        declared = column.info.get("max_length")
        if declared:
            return int(declared)
        kind = column_type(column)
        if isinstance(kind, String) and kind.length:
            return kind.length
    return TEXT_MAX


class DecimalPlaces:
    """A marshmallow validator: a decimal of at most `precision` digits, `scale` of them after
    the point (Numeric(precision, scale)); never rounded behind the caller's back."""

    def __init__(self, precision: int, scale: int) -> None:
        self.precision, self.scale = precision, scale

    def __call__(self, value: Decimal) -> Decimal:
        if not isinstance(value, Decimal) or not value.is_finite():
            return value  # the field itself refuses what is not a finite number
        sign, digits, exponent = value.as_tuple()
        trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        places = max(0, -(int(exponent) + trailing)) if any(digits) else 0
        if places > self.scale:
            raise FieldError(Msg("decimal_places", places=self.scale))
        if value != 0 and value.adjusted() >= self.precision - self.scale:
            raise FieldError(Msg("below_in_magnitude", below=f"{Decimal(10) ** (self.precision - self.scale):,.0f}"))
        return value


def bound(field: Any, column: Any | None) -> None:
    """Add to a marshmallow field the bounds of the column it is stored in (or of the widest
    column of its kind): whole numbers within the integer type, decimals within Numeric(p, s)
    without rounding, text within the column's length. Called as a schema binds its fields."""
    if isinstance(field, ma_fields.List):
        bound(field.inner, None)
    elif isinstance(field, ma_fields.Tuple):
        for inner in field.tuple_fields:
            bound(inner, None)
    elif isinstance(field, ma_fields.Dict):
        for inner in (field.key_field, field.value_field):
            if inner is not None:
                bound(inner, None)
    elif isinstance(field, ma_fields.Integer):
        low, high = int_bounds(column)
        field.validators.append(ma_validate.Range(min=low, max=high))
    elif isinstance(field, ma_fields.Decimal):
        precision, scale = decimal_bounds(column)
        limit = 10 ** (precision - scale)
        field.validators.append(ma_validate.Range(min=-limit, max=limit, min_inclusive=False, max_inclusive=False))
        field.validators.append(DecimalPlaces(precision, scale))
    elif isinstance(field, ma_fields.String) and not isinstance(field, ma_fields.UUID):
        field.validators.append(ma_validate.Length(max=text_length(column)))


def has_fraction(field: Any, value: Any) -> bool:
    """A JSON number with a fraction sent to a whole-number field (marshmallow would truncate
    1.5 to 1): refused instead."""
    if isinstance(field, ma_fields.List) and isinstance(value, list):
        return any(has_fraction(field.inner, v) for v in value)
    return isinstance(field, ma_fields.Integer) and isinstance(value, float) and not value.is_integer()


# ---------------------------------------------------------------------------------------------
# Field types of the API for values with a vocabulary

CURRENCY_ALIASES = {"RMB": "CNY"}  # what Chinese sellers write for the renminbi


def currency_code(value: Any) -> str | None:
    """The ISO 4217 code `value` names (RMB is CNY), or None."""
    if not isinstance(value, str) or len(value.strip()) != 3:
        return None
    code = value.strip().upper()
    code = CURRENCY_ALIASES.get(code, code)
    return code if money.is_currency(code) else None


_ZONE_RE = re.compile(r"^[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*$")


def timezone_problem(value: Any) -> str | None:
    """Why `value` is not an IANA time zone name (None when it is one)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value or len(value) > 64 or not _ZONE_RE.match(value):
        return msg("not_timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return msg("not_timezone")
    return None


class Currency(ma_fields.String):
    """A marshmallow field: an ISO 4217 currency code, upper-cased (RMB is taken as CNY)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"description": "ISO 4217, e.g. CNY, USD", **kwargs.get("metadata", {})}
        kwargs["metadata"].setdefault("pattern", "^[A-Za-z]{3}$")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text_value = super()._deserialize(value, attr, data, **kwargs)
        code = currency_code(text_value)
        if code is None:
            raise FieldError(Msg("not_currency", value=repr(printable(text_value)[:20])))
        return code


class TimeZone(ma_fields.String):
    """A marshmallow field: an IANA time zone name."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"description": "IANA time zone, e.g. Asia/Shanghai", **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text_value = super()._deserialize(value, attr, data, **kwargs)
        problem = timezone_problem(text_value)
        if problem:
            raise FieldError(problem)
        return text_value
