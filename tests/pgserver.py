"""A throwaway PostgreSQL server for tests that restart the database (as dev.py's Throwaway
starts one): its own data directory and port, from the installed binaries, never the shared
server on 5432."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """`start()` a cluster, `restart()` it (every session ends, as in a crash or a failover),
    `stop()` and remove it. `url` reaches its database `test` as the superuser."""

    def __init__(self) -> None:
        self.initdb, self.pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.data = Path(tempfile.mkdtemp(prefix="tradelane-pg-"))
        self.port = _free_port()
        self.run_as: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.run_as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.data, "postgres")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/test"

    @property
    def available(self) -> bool:
        return bool(self.initdb and self.pg_ctl)

    def _ctl(self, *args: str) -> None:
        subprocess.run(self.run_as + [self.pg_ctl, "-D", str(self.data), *args], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> ThrowawayPostgres:
        subprocess.run(
            self.run_as + [self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self._run()
        createdb = _binary("createdb") or "createdb"
        subprocess.run([createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "test"], check=True)
        return self

    def _run(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.data / "log"), "-w", "-o", options, "start")

    def restart(self) -> None:
        self._ctl("-w", "-m", "fast", "restart")

    def crash(self) -> None:
        """Stop at once, as a crash or a killed container would: sessions end mid-statement."""
        self._ctl("-m", "immediate", "stop")

    def recover(self) -> None:
        """Start again after `crash()` (the server replays its log first)."""
        self._run()

    def stop(self) -> None:
        try:
            self._ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.data, ignore_errors=True)
