"""Schema migrations (Alembic) and the PostgreSQL security that goes with them.

Each capability keeps its migrations beside its models, in `core/<capability>/migrations/`,
as its own Alembic branch (branch label = capability name) that `depends_on` what it
references. `tradelane db upgrade` applies every head, then makes sure on PostgreSQL that:

- the role `tradelane_app` exists, has table privileges, and the migrating user may SET ROLE
  to it (tenant sessions switch to it per transaction: core.db);
- every table with a `tenant_id` column has row-level security enabled *and forced*, with the
  policy `tenant_id = current_setting('app.tenant_id')`, so no table can be forgotten.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from core.db import APP_ROLE_DEFAULT, Base

ROOT = Path(__file__).resolve().parent
CAPABILITY_DIRS_GLOB = "*/migrations"
TENANT_EXPR = "NULLIF(current_setting('app.tenant_id', true), '')::uuid"
# Transaction-level advisory lock key of `upgrade` (per database; any constant of our own).
UPGRADE_LOCK = 0x7472_6164_656C  # "tradel"


def version_locations() -> list[str]:
    dirs = [str(ROOT / "migrations" / "versions")]
    for path in sorted(ROOT.glob(CAPABILITY_DIRS_GLOB)):
        if path.is_dir() and path != ROOT / "migrations":
            dirs.append(str(path))
    return dirs


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("version_locations", " ".join(version_locations()))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "heads", app_role: str | None = APP_ROLE_DEFAULT) -> None:
    from core.app import load_models

    load_models()
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two upgrades of one database at once (a rolling deploy) take turns: the second
            # waits here, then finds the first's revisions applied and has nothing to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if conn.dialect.name == "postgresql" and app_role:
            secure_postgres(conn, app_role)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def secure_postgres(conn: Connection, role: str) -> None:
    if not role.replace("_", "").isalnum():
        raise ValueError(f"unsafe role name {role!r}")
    # Roles are cluster-wide, so two migrations in different databases (parallel test
    # workers, a rolling deploy) can race here; an advisory lock would not help, being per
    # database. "Already exists" is success: the loser of the race finds the winner's role.
    conn.execute(
        text(f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$;
    """)
    )
    conn.execute(
        text(f"""
        DO $$
        BEGIN
            IF NOT pg_has_role(CURRENT_USER, '{role}', 'MEMBER') THEN
                GRANT {role} TO CURRENT_USER;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$;
    """)
    )
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    conn.execute(text(f"REVOKE ALL ON alembic_version FROM {role}"))
    insp = inspect(conn)
    for table in insp.get_table_names():
        columns = {c["name"] for c in insp.get_columns(table)}
        if table == "tenants":
            _policy(conn, table, f"id = {TENANT_EXPR}")
        elif "tenant_id" in columns:
            _policy(conn, table, f"tenant_id = {TENANT_EXPR}")


def _policy(conn: Connection, table: str, predicate: str) -> None:
    conn.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
    conn.execute(text(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY'))
    conn.execute(text(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"'))
    conn.execute(text(f'CREATE POLICY tenant_isolation ON "{table}" USING ({predicate}) WITH CHECK ({predicate})'))


def unmigrated_changes(engine: Engine) -> list:
    """Differences between the models and the migrated database (empty when in sync)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.app import load_models

    load_models()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)
