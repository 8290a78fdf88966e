"""Keyset (cursor) pagination: a page starts after the last row of the page before, found by
its sort key, so the 500th page costs what the first does and rows written between two pages
are neither skipped nor repeated (an offset counts from the top and moves with every insert).

A list that pages this way sorts by `keys` (columns of one mapped class, each `.asc()` or
`.desc()`), the last of them unique (the row's id), so that every row has one place. The cursor
a client gets is opaque: the last row's key values, signed with HMAC-SHA256 under a key derived
from the app's secret and bound to the tenant, the list (its path) and its filters. A cursor
that was altered, cut short, made for another tenant, list or filter is refused (400 naming
`cursor`), never read as a position somewhere else. No Flask import: the HTTP layer hands in
the secret and what the cursor is bound to (core.http.paged).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import literal, tuple_
from sqlalchemy.sql import operators

from core.errors import DomainError
from core.messages import Msg

# The longest cursor a client may send: a few key values and a signature fit in far less.
MAX_CURSOR_LENGTH = 512

_CONTEXT = b"tradelane.keyset.v1"
_SIGNATURE_BYTES = 32


class BadCursor(DomainError):
    """A cursor that this list did not issue (400, naming `cursor`)."""

    def __init__(self, why: Msg) -> None:
        super().__init__(Msg("http.cursor_start_again", why=why), {"cursor": [why]})


def _column(key: Any) -> tuple[Any, bool]:
    """(the mapped attribute, descending?) of a sort key such as `Order.id.desc()`."""
    modifier = getattr(key, "modifier", None)
    if modifier in (operators.desc_op, operators.asc_op):
        return key.element, modifier is operators.desc_op
    return key.__clause_element__(), False


def _attribute(key: Any) -> Any:
    """The ORM attribute behind a key (`Order.purchased_at`), whose class and name read the
    value off a loaded row."""
    column = _column(key)[0]
    annotations = getattr(column, "_annotations", {})
    entity, name = annotations.get("parententity"), annotations.get("proxy_key")
    if entity is None or name is None:
        raise TypeError(f"a keyset sort key must be a mapped column, not {column!r}")
    return entity.class_, name


def order_by(stmt: Any, keys: tuple[Any, ...]) -> Any:
    return stmt.order_by(None).order_by(*keys)


def after(stmt: Any, keys: tuple[Any, ...], values: list[Any]) -> Any:
    """`stmt` restricted to the rows that sort after `values` (the key of the last row seen):
    one row-value comparison, which PostgreSQL answers from an index on the keys (led by
    tenant_id) as one range. The keys sort one way, all descending or all ascending."""
    columns = [_column(k) for k in keys]
    directions = {desc for _, desc in columns}
    if len(directions) != 1:
        raise TypeError("keyset sort keys must all be descending or all ascending")
    left = tuple_(*(c for c, _ in columns))
    right = tuple_(*(literal(v, c.type) for (c, _), v in zip(columns, values, strict=True)))
    return stmt.where(left < right if directions == {True} else left > right)


def values_of(row: Any, keys: tuple[Any, ...]) -> list[Any]:
    """The key values of a result row: a mapped object, or a Row holding one."""
    out = []
    for key in keys:
        cls, name = _attribute(key)
        holder = row if isinstance(row, cls) else next((part for part in row if isinstance(part, cls)), None)
        if holder is None:
            raise TypeError(f"the rows of this list hold no {cls.__name__} to read {name} from")
        out.append(getattr(holder, name))
    return out


def _signing_key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, _CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if value is None or isinstance(value, bool | float):
        raise TypeError(f"a keyset sort key cannot hold {value!r}")
    return value  # int or str


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "t" and isinstance(text, str):
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                raise ValueError("naive timestamp")
            return parsed
        if tag == "u" and isinstance(text, str):
            return uuid.UUID(text)
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise ValueError("unknown value")


def encode(values: list[Any], *, secret: str | bytes, bound_to: str) -> str:
    """The opaque cursor of a position: its key values, signed together with `bound_to`
    (tenant, list and filters), which the cursor does not carry."""
    payload = json.dumps([_plain(v) for v in values], separators=(",", ":")).encode()
    signature = hmac.new(_signing_key(secret), bound_to.encode() + b"\0" + payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def decode(cursor: str, *, secret: str | bytes, bound_to: str, size: int) -> list[Any]:
    """The key values of a cursor this list issued, or BadCursor. The signature is checked
    before anything of the payload is read."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor(Msg("http.cursor_too_long", max_len=MAX_CURSOR_LENGTH))
    head, dot, tail = cursor.partition(".")
    try:
        payload, signature = _unb64(head), _unb64(tail)
    except (binascii.Error, ValueError):
        raise BadCursor(Msg("http.cursor_not_this_list")) from None
    expected = hmac.new(_signing_key(secret), bound_to.encode() + b"\0" + payload, hashlib.sha256).digest()
    if not dot or len(signature) != _SIGNATURE_BYTES or not hmac.compare_digest(signature, expected):
        raise BadCursor(Msg("http.cursor_altered"))
    try:
        values = [_typed(v) for v in json.loads(payload)]
    except (ValueError, TypeError, AttributeError):
        raise BadCursor(Msg("http.cursor_not_this_list")) from None
    if len(values) != size:
        raise BadCursor(Msg("http.cursor_not_this_list"))
    return values
