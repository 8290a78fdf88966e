"""PostgreSQL row-level security as the backstop (DESIGN §2), proven as the app role: raw
SQL that bypasses the ORM still sees and changes only the current tenant's rows."""

import pytest
from sqlalchemy import create_engine, inspect, text

from core.db import db, tenant_tables


@pytest.fixture
def app_role_conn(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row-level security exists on PostgreSQL only")
    engine = create_engine(database_url)
    with engine.connect() as conn:
        conn.execute(text("SET ROLE tradelane_app"))
        yield conn
        conn.rollback()
    engine.dispose()


def _as_tenant(conn, tenant_id):
    conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})


def test_app_role_cannot_bypass_rls(app_role_conn):
    row = app_role_conn.execute(text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert row == (False, False)


def test_raw_select_without_tenant_returns_no_rows(app_role_conn, tenants):
    for table in ("users", "api_keys", "tenants", "audit_log"):
        assert app_role_conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0, table


def test_raw_select_with_tenant_returns_only_its_rows(app_role_conn, tenants):
    a, b = tenants
    _as_tenant(app_role_conn, a.id)
    emails = set(app_role_conn.execute(text("SELECT email FROM users")).scalars())
    assert emails == {a.owner_email}
    tenant_names = set(app_role_conn.execute(text("SELECT name FROM tenants")).scalars())
    assert tenant_names == {a.name}


def test_raw_update_and_delete_of_another_tenant_change_nothing(app_role_conn, tenants):
    a, b = tenants
    _as_tenant(app_role_conn, a.id)
    assert app_role_conn.execute(text("UPDATE users SET name = 'x' WHERE id = :id"), {"id": b.owner_id}).rowcount == 0
    assert app_role_conn.execute(text("DELETE FROM api_keys WHERE tenant_id = :t"), {"t": b.id}).rowcount == 0


def test_raw_insert_for_another_tenant_is_refused(app_role_conn, tenants):
    from sqlalchemy.exc import ProgrammingError

    a, b = tenants
    _as_tenant(app_role_conn, a.id)
    with pytest.raises(ProgrammingError, match="row-level security"):
        app_role_conn.execute(
            text(
                "INSERT INTO number_sequences (id, tenant_id, created_at, updated_at, name, last_value) "
                "VALUES (gen_random_uuid(), :t, now(), now(), 'x', 0)"
            ),
            {"t": b.id},
        )


def test_every_tenant_table_has_forced_rls_and_a_policy(app):
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL only")
    with db.require_engine().connect() as conn:
        rows = {
            r.relname: (r.relrowsecurity, r.relforcerowsecurity)
            for r in conn.execute(
                text(
                    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                )
            )
        }
        policies = set(
            conn.execute(text("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'")).scalars()
        )
        db_tables = inspect(conn).get_table_names()
    missing = []
    for table in db_tables:
        cols = {c["name"] for c in inspect(db.require_engine()).get_columns(table)}
        if "tenant_id" in cols or table == "tenants":
            if rows.get(table) != (True, True) or table not in policies:
                missing.append(table)
    assert not missing, f"tables without forced RLS: {missing}"
    assert set(tenant_tables()) <= set(db_tables)


def test_tenant_sessions_run_as_the_app_role(tenant_a):
    from core.db import session

    with tenant_a.scope():
        assert session.execute(text("SELECT current_user")).scalar_one() == "tradelane_app"
        assert session.execute(text("SELECT current_setting('app.tenant_id')")).scalar_one() == str(tenant_a.id)
