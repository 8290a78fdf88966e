"""The messages services give people, each under a stable code with named parameters.

A message is a `Msg`: a `str` (the English text, so logs, the API's `message` and `errors`
read as before) that also carries `code` and `params`. The API returns the codes beside the
English (`core.http.json_error`: `message_code`, `error_codes`); the portal translates by code
from one catalogue (`web/messages.py`), so a wording change in English never loses the
Chinese. Codes are stable: add new ones, never rename one in use.

A parameter is a value (a number, a code, a document number), a message of its own (the
reason inside "split into SO-1-1, SO-1-2: {reason}") or a list of either; in English a list
of values reads "SZ, LA" and a list of messages "first; second" (`joined`). The portal renders
each part in the reader's language (a state by its name, a list with the locale's separator).

Stored messages (the order timeline, hold reasons) keep the English text and, where the
table has room for it, `detail()`; `parse` reads either back into a `Msg`: from the detail,
or from text written before codes existed by matching it against the templates.
"""

from __future__ import annotations

import re
from functools import lru_cache
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
    "joined": "{parts}",  # several messages in one line: `joined(...)`
    # Stock (core/inventory).
    "stock.short": "not enough stock to {action}: {lines}",
    "stock.line_short": "line {ref} needs {requested}, {available} available",
    "stock.needs": "needs {requested}, {available} available",
    # The order timeline and hold reasons (core/orders/service).
    "order.imported": "imported from {channel} ({ref})",
    "order.created": "created by hand",
    "order.created_ref": "created by hand (reference {ref})",
    "order.unknown_country": "the channel gave the unknown country code {value}",
    "order.gone_before_import": "{channel_status} on the channel before it was imported",
    "order.not_paid": "the channel reports the order as not paid yet",
    "order.shipped_on_channel": (
        "the channel says the order shipped, but no shipment was recorded here: record it to move the stock"
    ),
    "order.review_needed": "no auto-approval rule matches: a person must review it",
    "order.rule_matched": "{rule}: {facts}",
    "order.approved": "approved",
    "order.approved_note": "approved: {note}",
    "order.approved_by_rule": "approved by rule: {rule}",
    "order.reserved": "stock reserved in {warehouse}",
    "order.platform_reserved": "platform stock reserved in {warehouse}",
    "order.reserved_after_split": "stock moved from {parent}, still in {warehouse}",
    "order.no_platform_warehouse": (
        "no platform warehouse is set up for this shop's marketplace {marketplace}: recorded without reserving stock"
    ),
    "order.platform_short": "the platform warehouse shows too little stock; recorded without reserving ({detail})",
    "order.ran_out": "stock ran out while allocating: {detail}",
    "order.no_stock": "no warehouse has enough stock: {detail}",
    "order.line_short": "{sku}: {needed} needed, at most {available} in one warehouse",
    "order.line_no_warehouse": "{sku}: {needed} needed, no warehouse to ship from",
    "order.unmapped_sku": "seller SKU {seller_sku} is not mapped to a local SKU",
    "order.unsellable_sku": "SKU {sku} (seller SKU {seller_sku}) cannot be sold: {reason}",
    "order.component_unusable": "its component {sku} cannot be used: {reason}",
    "order.split_warehouses": "no single warehouse holds every line; shipping from {codes}",
    "order.split_into": "split into {children}: {reason}",
    "order.split_from": "split from {parent}: {reason}",
    "order.merged_from": "merged from {sources}",
    "order.merged_from_note": "merged from {sources}: {note}",
    "order.merged_into": "merged into {order}",
    "order.released_from": "released from the {hold_type} hold",
    "order.document_printed": "{document} produced",
    "order.document_reprinted": "{document} produced again",
    "order.shipped_by_platform": "shipped by the platform",
    "order.shipped_with": "shipped with {carrier}",
    "order.shipped_tracking": "shipped with {carrier}, tracking {tracking}",
    "order.platform_stock_short": (
        "shipped by the platform, but {warehouse} shows too little stock, so no stock moved: "
        "reconcile the platform warehouse ({detail})"
    ),
    "order.platform_not_moved": (
        "shipped by the platform; no platform warehouse is set up for this shop's marketplace, so no stock moved"
    ),
    "order.unmapped_not_moved": "no stock moved for unmapped seller SKUs: {skus}",
    "order.delivered": "delivered to the buyer",
    "order.refunded": "{refund_method} refund of {amount} {currency} ({refund_type}): {reason}",
    "order.refund_reason": "refunded: {reason}",
    "order.return_authorised": "return {number} authorised: {reason}",
    "order.return_authorised_tracking": "return {number} authorised: {reason} (tracking {tracking})",
    "order.return_tracking": "return {number}: tracking {tracking}",
    "order.return_received": "return {number} received: {restocked} restocked, {damaged} damaged",
    "order.stock_requested": "stocking requests {numbers} raised for the missing units",
    "order.transfer_drafted": "transfer {number} from {warehouse} drafted for the missing units",
    "order.edited": "changed {fields}",
    "order.tags": "tags: {tags}",
    "order.address_changed": "the channel changed the shipping address",
    "order.address_after_label": "the buyer changed the address after the label was produced: produce a new label",
    "order.paid": "the channel reports the order paid",
    "order.channel_change": "{field}: {before} → {after}",
    "order.channel_provided": "{field} provided",
    "order.channel_status": "channel status: {before_status} → {after_status}",
    "order.channel_gone": "{channel_status} on the channel",
    "order.cancelled_after_shipping": (
        "the channel reports the order cancelled after it shipped: check for a refund or a return"
    ),
}


class Msg(str):
    """An English message with its code and parameters (see the module docstring)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Msg:
        template = MESSAGES[code]
        english = {k: _english(v) for k, v in params.items()}
        obj = super().__new__(cls, template.format(**english) if params else template.format())
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


def _english(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ("; " if any(isinstance(v, Msg) for v in value) else ", ").join(_english(v) for v in value)
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Msg):
        return value.detail()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)


def msg(code: str, **params: Any) -> Msg:
    return Msg(code, **params)


def detail(message: Any) -> dict[str, Any] | None:
    """{code, params} of a coded message, None for a plain string."""
    return message.detail() if isinstance(message, Msg) else None


def joined(parts: Any) -> str:
    """Several messages as one ("first; second"); one alone is itself, none is ""."""
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return parts[0] if parts else ""
    return Msg("joined", parts=parts)


# ---------------------------------------------------------------------------------------------
# Reading stored messages back


def parse(text: str, stored: Any = None) -> str:
    """A stored message as a `Msg`: from its stored detail ({code, params}) when there is one
    and its code is known, else from its English text matched against the templates (rows
    written before they had codes); text that matches none comes back as it is."""
    if isinstance(text, Msg):
        return text
    rebuilt = _from_detail(stored)
    if isinstance(rebuilt, Msg):
        return rebuilt
    return _from_text(text or "")


def _from_detail(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"code", "params"} and value["code"] in MESSAGES:
        try:
            return Msg(value["code"], **{k: _from_detail(v) for k, v in (value["params"] or {}).items()})
        except (KeyError, IndexError, TypeError, ValueError):
            return None  # a template whose parameters changed since: the stored English stands
    if isinstance(value, list):
        return [_from_detail(v) for v in value]
    return value


# Parameters that hold a message of their own when read back from text.
NESTED = frozenset({"reason", "detail", "parts", "facts"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str] | None:
    literal = template.replace("{{", "\x00").replace("}}", "\x01")
    names = _PLACEHOLDER.findall(literal)
    if len(names) != len(set(names)):
        return None
    pieces = _PLACEHOLDER.split(literal)
    regex = "".join(
        f"(?P<{piece}>.+?)" if i % 2 else re.escape(piece.replace("\x00", "{").replace("\x01", "}"))
        for i, piece in enumerate(pieces)
    )
    return re.compile(regex + r"\Z", re.DOTALL)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Templates with text of their own, the most specific (the longest literal text) first,
    so "stock reserved in {warehouse}" does not claim "platform stock reserved in FBA-US"."""
    out = []
    for code, template in MESSAGES.items():
        literal = _PLACEHOLDER.sub("", template)
        pattern = _pattern(template)
        if pattern is not None and re.search(r"[A-Za-z]{2}", literal):
            out.append((len(literal), code, pattern))
    return [(code, pattern) for _, code, pattern in sorted(out, key=lambda x: -x[0])]


def _from_text(text: str, depth: int = 0) -> str:
    if depth > 3 or not text:
        return text
    for code, pattern in _patterns():
        found = pattern.match(text)
        if found:
            params = {k: (_from_text(v, depth + 1) if k in NESTED else v) for k, v in found.groupdict().items()}
            return Msg(code, **params)
    if "; " in text:  # messages joined with "; " (a hold that collected several reasons)
        parts = [_from_text(p, depth + 1) for p in text.split("; ")]
        if any(isinstance(p, Msg) for p in parts):
            return Msg("joined", parts=parts)
    return text
