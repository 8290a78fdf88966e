"""Migrations run on PostgreSQL and SQLite, up and down, and match the models exactly."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from core.db import db, tenant_tables
from core.migrate import downgrade, unmigrated_changes, upgrade


def _describe(change) -> str:
    if isinstance(change, list):  # column-level changes come grouped
        return "; ".join(_describe(c) for c in change)
    op, *rest = change
    names = [getattr(x, "name", None) or getattr(getattr(x, "table", None), "name", None) or str(x) for x in rest[:3]]
    return f"{op} {' '.join(str(n) for n in names if n)}"


def test_models_and_migrations_are_in_sync(app):
    diff = unmigrated_changes(db.require_engine())
    assert not diff, "models differ from migrations; write a migration:\n" + "\n".join(_describe(c) for c in diff)


def test_every_tenant_table_leads_its_indexes_with_tenant_id(app):
    from core.db import Base

    offenders = []
    for name in tenant_tables():
        table = Base.metadata.tables[name]
        keyed = [list(ix.columns) for ix in table.indexes] + [
            list(c.columns) for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"
        ]
        if not keyed:
            offenders.append(f"{name}: no index led by tenant_id")
        for cols in keyed:
            names = [c.name for c in cols]
            if names[0] != "tenant_id" and names not in (["email"], ["prefix"]):
                offenders.append(f"{name}: {names}")
    assert not offenders, offenders


def test_upgrade_and_downgrade_on_sqlite(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"tenants", "users", "jobs", "outbox_events", "audit_log"} <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    engine.dispose()


def _secure_fresh_database(url: str, role: str, barrier) -> str:
    """One process of the race below: migrate its own database, then secure it with `role`."""
    from sqlalchemy import text

    engine = create_engine(url)
    barrier.wait(timeout=60)
    try:
        from core.migrate import secure_postgres

        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num varchar(32))"))
            conn.execute(text("CREATE TABLE race_probe (tenant_id uuid)"))
            secure_postgres(conn, role)
        return "ok"
    except Exception as exc:  # reported to the parent, which names it
        return f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()


def test_concurrent_upgrades_of_a_fresh_server_race_safely_for_the_role(database_url):
    """Roles are cluster-wide: parallel test workers or a rolling deploy's two `db upgrade`s
    create the app role at once. Each must succeed (it failed with UniqueViolation on
    pg_authid_rolname_index). A role of this test's own stands in for `tradelane_app`, so the
    race is real on every run, even on a server that already has the app role."""
    import multiprocessing
    import os
    import uuid

    from sqlalchemy import text

    role = f"tradelane_race_{uuid.uuid4().hex[:12]}"
    base = database_url.rsplit("/", 1)[0]
    names = [f"race_{os.getpid()}_{i}" for i in range(4)]
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Manager().Barrier(len(names))
        with ctx.Pool(len(names)) as pool:
            results = pool.starmap(_secure_fresh_database, [(f"{base}/{n}", role, barrier) for n in names])
        assert results == ["ok"] * len(names), results
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


def _upgrade_at_the_barrier(url: str, role: str, barrier) -> str:
    """One process of the race below: upgrade the shared database to every head."""
    engine = create_engine(url)
    barrier.wait(timeout=120)
    try:
        upgrade(engine, app_role=role)
        return "ok"
    except Exception as exc:  # reported to the parent, which names it
        return f"{type(exc).__name__}: {exc}"
    finally:
        engine.dispose()


def test_two_upgrades_of_one_fresh_database_at_once_both_succeed(database_url):
    """A rolling deploy starts `tradelane db upgrade` on two machines against one database:
    the second waits for the first and then has nothing left to do (without the lock, both
    created the same tables and one failed)."""
    import multiprocessing
    import os
    import uuid

    from sqlalchemy import text

    role = f"tradelane_race_{uuid.uuid4().hex[:12]}"
    base = database_url.rsplit("/", 1)[0]
    name = f"race_upgrade_{os.getpid()}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        ctx = multiprocessing.get_context("spawn")
        barrier = ctx.Manager().Barrier(2)
        with ctx.Pool(2) as pool:
            results = pool.starmap(_upgrade_at_the_barrier, [(f"{base}/{name}", role, barrier)] * 2)
        assert results == ["ok", "ok"], results
        engine = create_engine(f"{base}/{name}")
        try:
            assert not unmigrated_changes(engine)
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()
