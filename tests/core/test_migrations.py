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
        keyed = [list(ix.columns) for ix in table.indexes] + \
                [list(c.columns) for c in table.constraints if c.__class__.__name__ == "UniqueConstraint"]
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
