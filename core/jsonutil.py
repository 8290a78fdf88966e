"""Turn domain values into JSON values: Decimal and UUID as strings (never float), datetimes
as ISO 8601. Used by the audit log, the outbox and job results."""

from __future__ import annotations

import enum
import uuid
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    # Exact types first, by one dict lookup: imports turn hundreds of thousands of payloads
    # a minute into JSON values, nearly all of them made of these.
    convert = _EXACT.get(type(value))
    if convert is not None:
        return convert(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _same(value: Any) -> Any:
    return value


_EXACT: dict[type, Any] = {
    type(None): _same,
    bool: _same,
    int: _same,
    str: _same,
    Decimal: str,
    uuid.UUID: str,
    datetime: datetime.isoformat,
    date: date.isoformat,
    dict: lambda value: {str(k): jsonable(v) for k, v in value.items()},
    list: lambda value: [jsonable(v) for v in value],
    tuple: lambda value: [jsonable(v) for v in value],
}
