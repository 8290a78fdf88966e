"""Tenant isolation through the ORM guard (DESIGN §2): reads, updates and deletes aimed at
another tenant's rows see and change nothing; inserts are stamped with the current tenant."""

import uuid

import pytest
from sqlalchemy import delete, select, update

from core.db import session
from core.tenancy import NoTenantError, current_tenant_id, tenant_context
from tenants.models import ApiKey, User


def test_queries_see_only_the_current_tenant(tenants):
    a, b = tenants
    with a.scope():
        emails = set(session.execute(select(User.email)).scalars())
    assert emails == {a.owner_email}
    with b.scope():
        emails = set(session.execute(select(User.email)).scalars())
    assert emails == {b.owner_email}


def test_same_statement_twice_in_one_process_gives_each_tenant_its_rows(tenants):
    """Regression guard for cached loader criteria (SQLAlchemy #6139, #8399)."""
    a, b = tenants
    stmt = select(User.id)
    seen = []
    for t in (a, b, a):
        with t.scope():
            seen.append(set(session.execute(stmt).scalars()))
    assert seen[0] == {a.owner_id} and seen[1] == {b.owner_id} and seen[2] == seen[0]


def test_get_by_id_of_another_tenant_finds_nothing(tenants):
    a, b = tenants
    with a.scope():
        assert session.execute(select(User).where(User.id == b.owner_id)).scalar_one_or_none() is None


def test_update_aimed_at_another_tenant_changes_nothing(tenants):
    a, b = tenants
    with a.scope():
        result = session.execute(update(User).where(User.id == b.owner_id).values(name="hijacked"))
        assert result.rowcount == 0
    with b.scope():
        assert session.execute(select(User.name).where(User.id == b.owner_id)).scalar_one() != "hijacked"


def test_delete_aimed_at_another_tenant_deletes_nothing(tenants):
    a, b = tenants
    with a.scope():
        assert session.execute(delete(ApiKey)).rowcount == 1  # only A's own key
    with b.scope():
        assert session.execute(select(ApiKey)).scalars().all(), "B's key must survive A's delete"


def test_insert_is_stamped_with_the_current_tenant(tenants):
    a, _ = tenants
    with a.scope():
        key = ApiKey(name="stamped", prefix=uuid.uuid4().hex[:12], secret_hash="x" * 64, roles=["viewer"])
        session.add(key)
        session.flush()
        assert key.tenant_id == a.id


def test_writing_another_tenants_id_is_refused(tenants):
    a, b = tenants
    with pytest.raises(NoTenantError), a.scope():
        session.add(ApiKey(tenant_id=b.id, name="x", prefix=uuid.uuid4().hex[:12], secret_hash="x" * 64, roles=[]))
        session.flush()


def test_no_tenant_means_no_query(app):
    with pytest.raises(NoTenantError):
        current_tenant_id()
    with pytest.raises(NoTenantError):
        session.execute(select(User)).all()
    session.remove()


def test_tenant_context_is_restored_after_nesting(tenants):
    a, b = tenants
    with tenant_context(a.id):
        with tenant_context(b.id):
            assert current_tenant_id() == b.id
        assert current_tenant_id() == a.id
