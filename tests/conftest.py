"""Test fixtures. The suite runs against real PostgreSQL and Redis (DATABASE_URL, REDIS_URL).

Each pytest worker migrates its own fresh database once. Tests never truncate: every test
creates its own tenants, and tenant isolation (which the suite proves) keeps them apart.
"""

from __future__ import annotations

import os
import re
import tempfile

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from tests.support import TenantHandle, make_tenant

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"

os.environ.setdefault("TRADELANE_INSTANCE_DIR", tempfile.mkdtemp(prefix="tradelane-test-"))

# Property tests judge correctness, not speed: a busy CI machine must not fail them on time.
settings.register_profile("tradelane", deadline=None)
settings.load_profile("tradelane")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def database_url():
    """A database of this test process's own beside the configured one (named after the
    pid, so concurrent runs never collide), dropped at the end. Databases of dead runs are
    dropped on the way."""
    base = os.environ.get("DATABASE_URL") or DEFAULT_DB
    url = base.replace("postgresql://", "postgresql+psycopg://", 1) if base.startswith("postgresql://") else base
    match = re.match(r"^(.*/)([^/?]+)(\?.*)?$", url)
    if not match:
        raise RuntimeError(f"cannot parse DATABASE_URL {base!r}")
    prefix = f"{match.group(2)}_tl_"
    name = f"{prefix}{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for (stale,) in conn.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": prefix + "%"}
        ):
            suffix = stale[len(prefix) :]
            if suffix.isdigit() and not _pid_alive(int(suffix)):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{stale}" WITH (FORCE)'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{match.group(1)}{name}{match.group(3) or ''}"
    from core.db import db

    if db.engine is not None:
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS


@pytest.fixture(scope="session")
def queue_prefix() -> str:
    """RQ queue names of this run, so concurrent runs on one Redis never take each other's jobs."""
    return f"test{os.getpid()}-"


@pytest.fixture(scope="session")
def app(database_url: str):
    from core.app import create_app
    from core.db import db
    from core.migrate import upgrade

    application = create_app(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": None,
            "JOBS_INLINE": True,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "TRADELANE_ENCRYPTION_KEY": "aADf7Xrw0bOYO9214ZDDjcnw24WdGbL1QmnWxyFUiME=",
            "MOUNT_EMULATORS": True,
            # Every test client comes from 127.0.0.1: the per-address limits are tested on
            # their own (tests/core/test_ratelimit.py), the rest of the suite must not hit them.
            "LOGIN_RATE_LIMIT": "100000/60",
            "SIGNUP_RATE_LIMIT": "100000/60",
        }
    )
    upgrade(db.require_engine())
    _register_test_plugins()
    return application


def _register_test_plugins() -> None:
    """The foundation's tests use a small in-memory plugin and a few job kinds of their own."""
    import tests.fixtures.jobs  # noqa: F401 - registers job kinds and event handlers
    from core.plugins import registry
    from tests.fixtures import dummy_plugin, parcel_carrier

    if "dummy" not in registry().records:
        registry().register(dummy_plugin, name="dummy", kind="channel")
    if "parcelbox" not in registry().records:
        registry().register(parcel_carrier, name="parcelbox", kind="carrier")


@pytest.fixture
def tenant_a(app) -> TenantHandle:
    return make_tenant(app, "Tenant A")


@pytest.fixture
def tenant_b(app) -> TenantHandle:
    return make_tenant(app, "Tenant B")


@pytest.fixture
def tenants(tenant_a, tenant_b) -> tuple[TenantHandle, TenantHandle]:
    return tenant_a, tenant_b
