"""Declared business events: each capability's contracts (DESIGN §5).

A capability lists its events in `core/<capability>/events.py`, one `declare()` per name::

    @dataclass(frozen=True, kw_only=True)
    class ProductChanged(Payload):
        id: uuid.UUID
        spu_code: str

    declare("product.created", ProductChanged, "A product was created as a draft.")

`core.events.emit` refuses a name nobody declared and a payload that is not an instance of the
declared class, or whose fields do not hold their annotated types (an id that is not a UUID,
an amount that is not a Decimal). The stored form is JSON: the payload's fields (ids and
Decimals as strings, times in ISO 8601) plus `"version"`, the class's `version`. `decode()`
reads it back into the class, tolerating rows written before the declaration (no version:
version 1) and fields added since (their defaults); a class that changes incompatibly bumps
`version` and overrides `upgrade()` to read the older rows.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import sys
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from core.jsonutil import jsonable


class UndeclaredEvent(LookupError):
    """An event name no capability declared (a typo, or a missing `core/<cap>/events.py` entry)."""


class PayloadError(TypeError):
    """A payload of the wrong class, or a field that does not hold its declared type."""


class Payload:
    """Base of event payload classes: frozen, keyword-only dataclasses.

    `version` is the payload's schema version, stored with every event. Bump it when a field
    changes meaning or is removed, and override `upgrade` to turn older stored payloads into
    the current shape (adding a field with a default needs neither)."""

    version: ClassVar[int] = 1

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        return data


@dataclass(frozen=True)
class Declaration:
    name: str
    payload: type[Payload]
    doc: str
    capability: str


_declared: dict[str, Declaration] = {}

RESERVED = frozenset({"version"})


def declare(name: str, payload: type[Payload], doc: str) -> Declaration:
    """Declare event `name` with its payload class and what it means (the docstring of the
    contract, shown in docs/events.md). The capability is the declaring module's package."""
    if not (isinstance(payload, type) and issubclass(payload, Payload) and dataclasses.is_dataclass(payload)):
        raise TypeError(f"event {name}: the payload must be a dataclass subclassing core.event_types.Payload")
    if not payload.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"event {name}: the payload class {payload.__name__} must be frozen")
    clash = RESERVED & {f.name for f in dataclasses.fields(payload)}
    if clash:
        raise TypeError(f"event {name}: {payload.__name__} may not have a field named {sorted(clash)[0]}")
    if not doc.strip():
        raise TypeError(f"event {name}: a declaration needs a docstring")
    module = sys._getframe(1).f_globals.get("__name__", "")
    parts = module.split(".")
    capability = parts[1] if len(parts) == 3 and parts[0] == "core" and parts[2] == "events" else module
    existing = _declared.get(name)
    if existing is not None and existing.payload.__qualname__ != payload.__qualname__:
        raise ValueError(f"event {name} is declared twice ({existing.capability} and {capability})")
    decl = Declaration(name, payload, " ".join(doc.split()), capability)
    _declared[name] = decl
    return decl


def declaration(name: str) -> Declaration:
    try:
        return _declared[name]
    except KeyError:
        raise UndeclaredEvent(
            f"event {name!r} is not declared: add it to core/<capability>/events.py (see docs/events.md)"
        ) from None


def load_all() -> dict[str, Declaration]:
    """Import every `core/<capability>/events.py` and return all declarations by name."""
    root = Path(__file__).resolve().parent
    for info in pkgutil.iter_modules([str(root)]):
        if info.ispkg and (root / info.name / "events.py").exists():
            importlib.import_module(f"core.{info.name}.events")
    return dict(_declared)


# ---------------------------------------------------------------------------------------------
# Checking a payload against its annotations (once per class, compiled)

_SCALARS = (uuid.UUID, Decimal, str, int, bool, datetime, date, float)
Check = Callable[[Any, str], None]


def _compile(tp: Any) -> Check | None:
    """A function that raises PayloadError when a value does not fit `tp`, or None when the
    annotation constrains nothing we check (Any, a bare mapping of anything)."""
    origin = typing.get_origin(tp)
    if tp is Any or tp is object:
        return None
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(options) < len(typing.get_args(tp))
        inner = [_compile(a) for a in options]
        if any(c is None for c in inner):
            return None

        def check_union(value: Any, where: str) -> None:
            if value is None and optional:
                return
            errors = []
            for c in inner:
                try:
                    c(value, where)  # type: ignore[misc]
                    return
                except PayloadError as exc:
                    errors.append(exc)
            raise PayloadError(f"{where} must be {_label(tp)}, not {type(value).__name__}") from errors[0]

        return check_union
    if origin in (tuple, list):
        args = typing.get_args(tp)
        item = _compile(args[0]) if args else None

        def check_seq(value: Any, where: str) -> None:
            if not isinstance(value, (tuple, list)):  # either is stored as a JSON array
                raise PayloadError(f"{where} must be a sequence, not {type(value).__name__}")
            if item is not None:
                for i, v in enumerate(value):
                    item(v, f"{where}[{i}]")

        return check_seq
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        args = typing.get_args(tp)
        val = _compile(args[1]) if len(args) == 2 else None

        def check_map(value: Any, where: str) -> None:
            if not isinstance(value, Mapping):
                raise PayloadError(f"{where} must be a mapping, not {type(value).__name__}")
            if val is not None:
                for k, v in value.items():
                    val(v, f"{where}[{k!r}]")

        return check_map
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return lambda value, where: check(value, tp, where)
    if isinstance(tp, type) and issubclass(tp, _SCALARS):
        exact_int = tp is int

        def check_scalar(value: Any, where: str) -> None:
            # a bool is an int to Python, never to a payload; an int is no Decimal (money is exact)
            if not isinstance(value, tp) or (exact_int and isinstance(value, bool)):
                raise PayloadError(f"{where} must be {_label(tp)}, not {type(value).__name__} ({value!r:.60})")

        return check_scalar
    return None


def _label(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


_plans: dict[type, list[tuple[str, Check]]] = {}
_hint_cache: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _hint_cache.get(cls)
    if hints is None:
        hints = _hint_cache[cls] = typing.get_type_hints(cls)
    return hints


def _plan(cls: type) -> list[tuple[str, Check]]:
    plan = _plans.get(cls)
    if plan is None:
        hints = _hints(cls)
        plan = []
        for f in dataclasses.fields(cls):
            c = _compile(hints[f.name])
            if c is not None:
                plan.append((f.name, c))
        _plans[cls] = plan
    return plan


def check(value: Any, cls: type, where: str = "payload") -> None:
    if type(value) is not cls:
        raise PayloadError(f"{where} must be a {cls.__name__}, not {type(value).__name__}")
    for name, c in _plan(cls):
        c(getattr(value, name), f"{where}.{name}")


# ---------------------------------------------------------------------------------------------
# The stored form


_STORED_AS: dict[type, Callable[[Any], Any]] = {
    type(None): lambda v: v,
    bool: lambda v: v,
    int: lambda v: v,
    str: lambda v: v,
    Decimal: str,
    uuid.UUID: str,
    datetime: datetime.isoformat,
    date: date.isoformat,
}
# Per payload class: (field, whether it is left out while None). An optional field (default
# None) is left out while it is None: the kinds of an event that lack it store what they
# stored before it was declared.
_fields_of: dict[type, tuple[tuple[str, bool], ...] | None] = {}


def _stored_fields(cls: type) -> tuple[tuple[str, bool], ...] | None:
    try:
        return _fields_of[cls]
    except KeyError:
        plan = (
            tuple((f.name, f.default is None) for f in dataclasses.fields(cls))
            if dataclasses.is_dataclass(cls)
            else None
        )
        _fields_of[cls] = plan
        return plan


def _enc(value: Any) -> Any:
    # By exact type first: an import encodes hundreds of thousands of payloads a minute, and
    # nearly every value in them is one of these scalars.
    convert = _STORED_AS.get(type(value))
    if convert is not None:
        return convert(value)
    fields = _stored_fields(type(value))
    if fields is not None:
        out = {}
        for name, optional in fields:
            v = getattr(value, name)
            if v is not None or not optional:
                out[name] = _enc(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_enc(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _enc(v) for k, v in value.items()}
    return jsonable(value)


def encode(payload: Payload) -> dict[str, Any]:
    """The JSON stored in the outbox and handed to subscribers and plugins: the fields under
    their names, and the schema version."""
    data = _enc(payload)
    data["version"] = type(payload).version
    return data


def _dec(value: Any, tp: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(tp):
            if option is type(None):
                continue
            try:
                return _dec(value, option)
            except (ValueError, TypeError, ArithmeticError, KeyError):
                continue
        return value
    if origin in (tuple, list):
        args = typing.get_args(tp)
        items = [_dec(v, args[0]) if args else v for v in value]
        return tuple(items) if origin is tuple else items
    if origin in (dict, Mapping):
        args = typing.get_args(tp)
        return {k: _dec(v, args[1]) for k, v in value.items()} if len(args) == 2 else dict(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value)
    if tp is uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    if tp is Decimal:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    if tp is datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if tp is date:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if tp is int and isinstance(value, str):
        return int(value)
    return value


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _dec(data[f.name], hints[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            kwargs[f.name] = None  # a field the stored row predates
    return cls(**kwargs)


def decode(name: str, data: Mapping[str, Any] | None) -> Payload:
    """The typed payload of a stored event (any version since the declaration, or a row from
    before it, which has no version and reads as version 1)."""
    decl = declaration(name)
    raw = dict(data or {})
    version = int(raw.pop("version", 1) or 1)
    if version != decl.payload.version:
        raw = decl.payload.upgrade(raw, version)
    return _build(decl.payload, raw)
