"""What the benchmarks share: a database of their own, events left in the outbox, and tables
vacuumed and analyzed as autovacuum keeps them on a production server."""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import create_engine, text


class NoDispatch:
    """Leaves events in the outbox: dispatching them is the consumers' work, not the work
    being measured."""

    def nudge(self, tenant_id: Any) -> None:
        return None


ENCRYPTION_KEY = "aADf7Xrw0bOYO9214ZDDjcnw24WdGbL1QmnWxyFUiME="


def start_services(url: str, plugins: str) -> None:
    """The services without the web layer, as a worker runs them, on `url` with `plugins`
    loaded; events stay in the outbox."""
    from core import events
    from core.app import init_services
    from core.config import load_config

    os.environ.setdefault("TRADELANE_INSTANCE_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                                 f"tl-bench-{os.getpid()}"))
    init_services(load_config({"DATABASE_URL": url, "REDIS_URL": None, "JOBS_INLINE": False, "SECRET_KEY": "bench",
                               "TRADELANE_ENCRYPTION_KEY": ENCRYPTION_KEY, "TRADELANE_PLUGINS": plugins}))
    events._dispatcher = NoDispatch()  # type: ignore[assignment]


def own_database(base: str, purpose: str) -> tuple[str, Any, str]:
    """Create the database `<name>_bench_<purpose>_<pid>` beside `base`; returns its URL, an
    autocommit engine on `base` (to drop it afterwards) and its name."""
    url = base.replace("postgresql://", "postgresql+psycopg://", 1) if base.startswith("postgresql://") else base
    match = re.match(r"^(.*/)([^/?]+)(\?.*)?$", url)
    if not match:
        raise SystemExit(f"cannot parse the database URL {base!r}")
    name = f"{match.group(2)}_bench_{purpose}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return f"{match.group(1)}{name}{match.group(3) or ''}", admin, name


def drop_database(admin: Any, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def table_statistics(url: str, every: float = 30.0) -> Iterator[bool]:
    """Vacuum and analyze while the block runs, as autovacuum does on any production server.
    Development and CI servers may run with autovacuum off; then a growing import's tables
    keep the statistics of their first minute (the planner believes them empty and looks up
    existing orders by scanning every order of the connection) and the stock balances, each
    updated on every page, fill with dead row versions. Yields whether the stand-in runs
    (autovacuum off)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        autovacuum = conn.execute(text("SHOW autovacuum")).scalar() == "on"
    stop = threading.Event()

    def analyze() -> None:
        while not stop.wait(every):
            with engine.connect() as conn:
                conn.execute(text("VACUUM (ANALYZE)"))

    thread = None if autovacuum else threading.Thread(target=analyze, name="analyze", daemon=True)
    if thread is not None:
        thread.start()
    try:
        yield thread is not None
    finally:
        stop.set()
        if thread is not None:
            thread.join()
        engine.dispose()
