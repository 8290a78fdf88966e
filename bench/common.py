"""What the benchmarks share: a PostgreSQL server with autovacuum on as production runs one, a
database of their own on it, events left in the outbox, and the machine's load."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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

    os.environ.setdefault(
        "TRADELANE_INSTANCE_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tl-bench-{os.getpid()}")
    )
    init_services(
        load_config(
            {
                "DATABASE_URL": url,
                "REDIS_URL": None,
                "JOBS_INLINE": False,
                "SECRET_KEY": "bench",
                "TRADELANE_ENCRYPTION_KEY": ENCRYPTION_KEY,
                "TRADELANE_PLUGINS": plugins,
            }
        )
    )
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


class BenchServer:
    """A PostgreSQL server of the benchmark's own, configured as production runs one:
    autovacuum on (the planner's statistics follow the tables as they grow and dead row
    versions are cleared while the run goes on), fsync on, the default 128 MB of shared
    buffers. The shared development server runs with autovacuum off, and a run there measures
    a database no production server would have (an import's tables keep the statistics of
    their first minute). Its own data directory and port; removed by `stop()`."""

    def __init__(self) -> None:
        import shutil
        import socket
        import tempfile
        from pathlib import Path

        def binary(name: str) -> str:
            found = shutil.which(name) or next(
                (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
            )
            if not found:
                raise SystemExit(f"{name} is not installed: give --database-url of a server with autovacuum on")
            return found

        self.initdb, self.pg_ctl = binary("initdb"), binary("pg_ctl")
        self.data = Path(tempfile.mkdtemp(prefix="tradelane-bench-pg-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.run_as: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.run_as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.data, "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> BenchServer:
        import subprocess

        subprocess.run(
            [*self.run_as, self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c autovacuum=on -c max_connections=200"
        subprocess.run(
            [
                *self.run_as,
                self.pg_ctl,
                "-D",
                str(self.data),
                "-l",
                str(self.data / "log"),
                "-w",
                "-o",
                options,
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return self

    def stop(self) -> None:
        import shutil
        import subprocess

        try:
            subprocess.run(
                [*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "fast", "stop"],
                check=False,
                stdout=subprocess.DEVNULL,
            )
        finally:
            shutil.rmtree(self.data, ignore_errors=True)


@contextmanager
def bench_server(url: str | None) -> Iterator[str]:
    """The server a benchmark runs on: `url` when given (a server of yours: it should run
    with autovacuum on, as production does; a warning is printed when it does not), else a
    server of the benchmark's own with autovacuum on, stopped and removed afterwards."""
    if url:
        engine = create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
        )
        with engine.connect() as conn:
            if conn.execute(text("SHOW autovacuum")).scalar() != "on":
                print(
                    "  WARNING: autovacuum is off on this server; figures measured here are not what a "
                    "production server gives (statistics of empty tables, dead rows piling up)",
                    flush=True,
                )
        engine.dispose()
        yield url
        return
    server = BenchServer().start()
    try:
        yield server.url
    finally:
        server.stop()


def machine_load() -> str:
    """The load averages (1, 5, 15 min) and core count, printed with every figure: the
    development machine is shared and the figures move with its load."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"
