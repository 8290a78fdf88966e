"""The audit log: every write to a tenant-owned row, who made it, and the values before/after.

It is written by a flush listener, so no service can forget it, and in the same transaction as
the change, so it never records a write that did not happen. Columns marked
`info={"secret": True}` are recorded as "***". Append-only logs that are their own trail (the
stock ledger, the outbox, the job table) opt out with `__audit__ = False`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Index, String, event, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, TenantMixin, bulk_insert, utcnow, uuid7
from core.jsonutil import jsonable
from core.tenancy import current_actor


class AuditEntry(TenantMixin, Base):
    __tablename__ = "audit_log"
    __audit__ = False
    __table_args__ = (
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "entity_type", "entity_id"),
    )

    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(16))  # create | update | delete
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column()
    after: Mapped[dict | None] = mapped_column()


_SKIP = {"tenant_id", "created_at", "updated_at"}


def _columns(obj: Any) -> list[Any]:
    return [c for c in inspect(type(obj)).column_attrs if c.key not in _SKIP]


def _value(prop: Any, value: Any) -> Any:
    if any(col.info.get("secret") for col in prop.columns):
        return "***" if value is not None else None
    return jsonable(value)


def _snapshot(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {p.key: _value(p, state.dict.get(p.key)) for p in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for prop in _columns(obj):
        hist = state.attrs[prop.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        before[prop.key] = _value(prop, old)
        after[prop.key] = _value(prop, new)
    return before, after


@event.listens_for(Session, "after_flush")
def _write_audit(s: Session, _ctx: Any) -> None:
    if s.info.get("no_audit"):
        return
    rows: list[dict[str, Any]] = []
    actor = current_actor()
    now = utcnow()

    def add(obj: Any, action: str, before: dict | None, after: dict | None) -> None:
        rows.append(
            {
                "id": uuid7(),
                "tenant_id": obj.tenant_id,
                "created_at": now,
                "updated_at": now,
                "actor_type": actor.kind,
                "actor_id": actor.id,
                "actor_label": actor.label[:200],
                "action": action,
                "entity_type": type(obj).__tablename__,
                "entity_id": str(obj.id),
                "before": before,
                "after": after,
            }
        )

    for obj in s.new:
        if isinstance(obj, TenantMixin) and obj.__audit__:
            add(obj, "create", None, _snapshot(obj))
    for obj in s.dirty:
        if isinstance(obj, TenantMixin) and obj.__audit__ and s.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                add(obj, "update", before, after)
    for obj in s.deleted:
        if isinstance(obj, TenantMixin) and obj.__audit__:
            add(obj, "delete", _snapshot(obj), None)
    bulk_insert(AuditEntry.__table__, rows, s.connection())


def created_entries(objects: Iterable[Any]) -> list[dict[str, Any]]:
    """The "create" entries of rows inserted in bulk, outside the unit of work (whose flush
    listener writes them otherwise). The caller inserts them in the same transaction."""
    actor, now = current_actor(), utcnow()
    columns: dict[type, list[tuple[str, bool]]] = {}
    rows = []
    for obj in objects:
        cls = type(obj)
        if not (isinstance(obj, TenantMixin) and obj.__audit__):
            continue
        if cls not in columns:  # what _snapshot works out per object, once per class
            columns[cls] = [(p.key, any(c.info.get("secret") for c in p.columns)) for p in _columns(obj)]
        values = inspect(obj).dict
        after = {
            k: ("***" if values.get(k) is not None else None) if secret else jsonable(values.get(k))
            for k, secret in columns[cls]
        }
        rows.append(
            {
                "id": uuid7(),
                "tenant_id": obj.tenant_id,
                "created_at": now,
                "updated_at": now,
                "actor_type": actor.kind,
                "actor_id": actor.id,
                "actor_label": actor.label[:200],
                "action": "create",
                "entity_type": cls.__tablename__,
                "entity_id": str(obj.id),
                "before": None,
                "after": after,
            }
        )
    return rows


def summary_entries(items: Iterable[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    """ "create" entries that name what a row was made from instead of copying its values:
    one per (row, summary). An import writes one per order, naming the digest of the channel
    payload it came from (the order's and lines' initial values are that payload, normalised,
    and are the rows themselves; every later change is audited in full by the flush
    listener). The caller inserts them in the same transaction, as `created_entries`."""
    actor, now = current_actor(), utcnow()
    return [
        {
            "id": uuid7(),
            "tenant_id": obj.tenant_id,
            "created_at": now,
            "updated_at": now,
            "actor_type": actor.kind,
            "actor_id": actor.id,
            "actor_label": actor.label[:200],
            "action": "create",
            "entity_type": type(obj).__tablename__,
            "entity_id": str(obj.id),
            "before": None,
            "after": jsonable(summary),
        }
        for obj, summary in items
    ]


# Newest first, the id breaking ties (keyset pages: core.keyset).
AUDIT_KEYS = (AuditEntry.created_at.desc(), AuditEntry.id.desc())


def audit_query(entity_type: str | None = None, entity_id: str | None = None, actor_id: str | None = None) -> Any:
    """The tenant's audit entries, newest first."""
    stmt = select(AuditEntry)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    return stmt.order_by(*AUDIT_KEYS)
