"""Identifiers, column types and bulk writes shared by every table."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
from sqlalchemy import Column, MetaData, Numeric, Table, Uuid, create_engine, event, func, select
from sqlalchemy.exc import DBAPIError

from core.audit import AuditEntry
from core.db import JSONType, bulk_insert, bulk_update, get_or_none, locked, session, utcnow, uuid7
from core.errors import NotFound
from core.tenancy import tenant_context
from tenants.models import User


def test_uuid7_ids_are_unique_ordered_and_version_7():
    ids = [uuid7() for _ in range(20000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert {i.version for i in ids} == {7} and {i.variant for i in ids} == {"specified in RFC 4122"}


def _audit_row(tenant_id, entity_id, after):
    now = utcnow()
    return {
        "id": uuid7(),
        "tenant_id": tenant_id,
        "created_at": now,
        "updated_at": now,
        "actor_type": "system",
        "actor_id": None,
        "actor_label": "test",
        "action": "create",
        "entity_type": "thing",
        "entity_id": entity_id,
        "before": None,
        "after": after,
    }


def test_bulk_insert_and_update_write_every_value_as_given(tenant_a):
    rows = [_audit_row(tenant_a.id, f"bulk-{i}", {"n": i, "nested": [str(i), None]}) for i in range(3)]
    with tenant_a.scope():
        bulk_insert(AuditEntry.__table__, rows)
        bulk_update(AuditEntry.__table__, [{"id": rows[1]["id"], "action": "update", "before": {"was": 1}}])
    with tenant_a.scope():
        got = {
            e.entity_id: e
            for e in session.execute(select(AuditEntry).where(AuditEntry.entity_id.like("bulk-%"))).scalars()
        }
    assert sorted(got) == ["bulk-0", "bulk-1", "bulk-2"]
    assert got["bulk-2"].after == {"n": 2, "nested": ["2", None]} and got["bulk-2"].before is None
    assert got["bulk-2"].actor_id is None and got["bulk-2"].created_at == rows[2]["created_at"]
    assert (got["bulk-1"].action, got["bulk-1"].before) == ("update", {"was": 1})
    assert got["bulk-0"].action == "create"


def test_bulk_insert_cannot_write_into_another_tenant(tenant_a, tenant_b):
    with pytest.raises(DBAPIError):
        with tenant_a.scope():
            bulk_insert(AuditEntry.__table__, [_audit_row(tenant_b.id, "bulk-foreign", {})])
    with tenant_b.scope():
        assert session.execute(select(AuditEntry).where(AuditEntry.entity_id == "bulk-foreign")).first() is None


def test_bulk_insert_and_update_on_sqlite(tmp_path):
    table = Table(
        "things",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("price", Numeric(18, 4)),
        Column("data", JSONType, nullable=True),
    )
    engine = create_engine(f"sqlite:///{tmp_path / 'bulk.db'}")
    table.create(engine)
    a, b = uuid7(), uuid7()
    with engine.begin() as conn:
        bulk_insert(
            table,
            [{"id": a, "price": Decimal("1.5"), "data": {"x": [1]}}, {"id": b, "price": Decimal("2"), "data": None}],
            conn,
        )
        bulk_update(table, [{"id": b, "price": Decimal("3.25")}], connection=conn)
    with engine.connect() as conn:
        got = {r.id: r for r in conn.execute(select(table))}
    engine.dispose()
    assert (got[a].price, got[a].data) == (Decimal("1.5"), {"x": [1]})
    assert (got[b].price, got[b].data) == (Decimal("3.25"), None)


@contextmanager
def _statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_get_or_none_reads_a_held_row_from_the_identity_map(tenant_a):
    with tenant_a.scope():
        first = get_or_none(User, tenant_a.owner_id)
        assert first is not None and first.id == tenant_a.owner_id
        with _statements() as seen:
            again = get_or_none(User, str(tenant_a.owner_id))
        assert again is first and seen == []
        assert get_or_none(User, "not-a-uuid") is None and get_or_none(User, None) is None


def test_get_or_none_never_answers_another_tenants_row_from_the_identity_map(tenant_a, tenant_b):
    with tenant_b.scope():
        held = get_or_none(User, tenant_b.owner_id)
        assert held is not None
        with tenant_context(tenant_a.id):  # the same session, its identity map holding B's user
            assert get_or_none(User, tenant_b.owner_id) is None
        assert get_or_none(User, tenant_b.owner_id) is held
    with tenant_a.scope():
        assert get_or_none(User, tenant_b.owner_id) is None  # not held: the tenant filter


def test_locked_reads_its_own_tenants_row_and_refuses_any_other_as_not_found(tenant_a, tenant_b):
    with tenant_a.scope():
        row = locked(User, str(tenant_a.owner_id), "user")
        assert row.id == tenant_a.owner_id
        for ident in (tenant_b.owner_id, "not-a-uuid", None):
            with pytest.raises(NotFound) as refused:
                locked(User, ident, "user")
            assert "user" in str(refused.value)


def test_get_or_none_does_not_answer_a_row_deleted_in_the_session(tenant_a):
    with pytest.raises(RuntimeError), tenant_a.scope():
        user = get_or_none(User, tenant_a.owner_id)
        session.delete(user)
        assert get_or_none(User, tenant_a.owner_id) is None
        raise RuntimeError("roll back")


def test_a_long_list_gives_an_estimated_total_and_a_short_one_an_exact_count(tenant_a, monkeypatch):
    import json

    from core import db

    with tenant_a.scope():
        bulk_insert(AuditEntry.__table__, [_audit_row(tenant_a.id, f"many-{i}", {}) for i in range(6)])
    resp = tenant_a.api.get("audit")
    meta = json.loads(resp.headers["X-Pagination"])
    with tenant_a.scope():
        exact = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert meta["total"] == exact and "estimated" not in meta
    monkeypatch.setattr(db, "EXACT_COUNT_LIMIT", 3)
    resp = tenant_a.api.get("audit")
    meta = json.loads(resp.headers["X-Pagination"])
    assert resp.status_code == 200 and meta["estimated"] is True and meta["total"] >= 4
    assert len(resp.get_json()) == min(25, exact)
