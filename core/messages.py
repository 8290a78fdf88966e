"""The messages services give people, each under a stable code with named parameters.

A message is a `Msg`: a `str` (the English text, so logs, the API's `message` and `errors`
read as before) that also carries `code` and `params`. The API returns the codes beside the
English (`core.http.json_error`: `message_code`, `error_codes`); the portal translates by code
from one catalogue (`web/messages.py`), so a wording change in English never loses the
Chinese. Codes are stable: add new ones, never rename one in use.
"""

from __future__ import annotations

from typing import Any

# code -> English template; `{name}` marks a parameter.
MESSAGES: dict[str, str] = {
    "required": "is required",
    "too_long": "use at most {max_len} characters",
    "not_whole_number": "must be a whole number",
    "not_a_whole_number": "{value} is not a whole number",
    "min_value": "must be at least {minimum}",
    "max_value": "must be at most {maximum}",
    "not_number": "must be a number",
    "not_a_number": "{value} is not a number",
    "not_finite": "must be a finite number",
    "too_large": "is too large",
    "decimal_places": "use at most {places} decimal places",
    "below": "must be below {below}",
    "not_currency": "{value} is not an ISO 4217 currency code",
    "not_country": "{value} is not an ISO 3166 two-letter country code",
    "one_of": "use one of {choices}",
    "not_date": "{value} is not a date (YYYY-MM-DD)",
    "money_shape": 'use {{"amount": "12.50", "currency": "USD"}}',
    "currency_with_amount": "is required with an amount",
    "amount_with_currency": "is required with a currency",
    "not_hs_code": "{value} is not an HS code (6 to 10 digits)",
    "gtin_check_digit": "{value} has a wrong check digit for a GTIN/EAN/UPC",
    "barcode_chars": "use letters, digits and . _ / - (at most 64)",
    "code_chars": "use letters, digits and . _ / - (starting with a letter or digit)",
    "not_timezone": "is not an IANA time zone (e.g. Asia/Shanghai)",
    "not_a_timezone": "{value} is not an IANA time zone",
    "not_found": "{entity} {ident} not found",
    "not_found_entity": "{entity} not found",
    "invalid_transition": "cannot {action} {entity}: it is {current}",
    "invalid_transition_hint": "cannot {action} {entity}: it is {current} ({hint})",
    "invalid_input": "invalid input",
    "title_required": "give the product a title in Chinese or English",
}


class Msg(str):
    """An English message with its code and parameters (see the module docstring)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Msg:
        template = MESSAGES[code]
        obj = super().__new__(cls, template.format(**params) if params else template.format())
        obj.code = code
        obj.params = params
        return obj

    def __reduce__(self) -> Any:  # pickles (jobs, caches) keep the code
        return (_rebuild, (self.code, self.params))

    def detail(self) -> dict[str, Any]:
        """The code and parameters as JSON values (for the API)."""
        return {"code": self.code, "params": {k: _jsonable(v) for k, v in self.params.items()}}


def _rebuild(code: str, params: dict[str, Any]) -> Msg:
    return Msg(code, **params)


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)


def msg(code: str, **params: Any) -> Msg:
    return Msg(code, **params)


def detail(message: Any) -> dict[str, Any] | None:
    """{code, params} of a coded message, None for a plain string."""
    return message.detail() if isinstance(message, Msg) else None
