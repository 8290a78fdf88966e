"""Servers of a test's own, for tests that cross process boundaries.

- `serving(app, database_url, count)` starts `count` processes of `tradelane serve` (Flask's
  threaded server, as in production each behind its own port) against the test database, waits
  until each answers, and stops them at the end. The database is the one the `app` fixture
  migrated, so tenants made in the test process are seen by every server.
- For the fault tests: a Redis started from the installed binary on a free port, which the test
  may kill and restart (the shared one on 6379 is never touched; a PostgreSQL of a test's own
  is tests/pgserver.py), a fresh database on the shared server, and real `tradelane worker`
  processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from flask import Flask
from sqlalchemy import create_engine, text

from dev import answers

ROOT = Path(__file__).resolve().parents[1]
ENCRYPTION_KEY = "aADf7Xrw0bOYO9214ZDDjcnw24WdGbL1QmnWxyFUiME="


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app: Flask, database_url: str, count: int = 1, env: dict[str, str] | None = None) -> Iterator[list[str]]:
    """Base URLs ("http://127.0.0.1:PORT") of `count` server processes (`env` added to theirs)."""
    instance = tempfile.mkdtemp(prefix="tradelane-serve-")
    env = {
        **os.environ,
        **(env or {}),
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "TRADELANE_ENCRYPTION_KEY": app.config["TRADELANE_ENCRYPTION_KEY"],
        "TRADELANE_INSTANCE_DIR": instance,
    }
    env.pop("REDIS_URL", None)  # jobs on the in-process worker of each server
    procs: list[subprocess.Popen] = []
    urls: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            log = open(Path(instance) / f"server-{port}.log", "wb")  # noqa: SIM115 - closed with the process
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "core.cli", "serve", "--port", str(port)],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls):
            _wait_until_up(proc, url, Path(instance))
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def _wait_until_up(proc: subprocess.Popen, url: str, instance: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in instance.glob("server-*.log"))
            raise AssertionError(f"the server at {url} exited with {proc.returncode}:\n{logs}")
        try:
            if httpx.get(f"{url}/api/v1/openapi.json", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server at {url} did not answer within 90 s")


def wait_until(predicate, timeout: float, what: str, step: float = 0.1):
    """Poll `predicate` until it returns something true; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)


class RedisServer:
    """A redis-server without persistence: a restart loses everything it held, as a Redis
    that was replaced, or flushed by an operator, does."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (apt-get install redis-server)"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(lambda: answers("127.0.0.1", self.port), 10, f"redis-server on port {self.port}", 0.02)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        self.kill()
        time.sleep(down_for)
        self.start()


@contextmanager
def fresh_database(shared_url: str) -> Iterator[str]:
    """A new, empty database on the shared server, dropped afterwards: a real worker's scheduler
    then sees only the test's own tenants, not every tenant the suite has made so far."""
    url = shared_url.replace("postgresql://", "postgresql+psycopg://", 1)
    base, _, _ = url.rpartition("/")
    name = f"tlfault_{os.getpid()}_{time.monotonic_ns()}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def using_database(url: str) -> Iterator[None]:
    """Point this process at another database (migrated here) for the block, then back."""
    from core.db import db
    from core.migrate import upgrade

    previous = db.require_engine().url.render_as_string(hide_password=False)
    db.configure(url)
    try:
        upgrade(db.require_engine())
        yield
    finally:
        db.configure(previous)


@contextmanager
def using_redis(url: str, queue_prefix: str) -> Iterator[None]:
    """Jobs and event nudges of this process go to RQ on `url` for the block, then back to the
    suite's inline transport."""
    from core import events, jobs

    jobs.configure(url, queue_prefix=queue_prefix)
    events.configure(url, queue_prefix=queue_prefix)
    try:
        yield
    finally:
        jobs.configure(None, eager=True)
        events.configure(None, eager=True)


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants (RQ starts each work horse in a session of
    its own, so a process group does not reach it)."""
    victims, todo = [], [pid]
    while todo:
        current = todo.pop()
        victims.append(current)
        todo.extend(_children(current))
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Worker:
    """A real `tradelane worker` process (with the test job kinds registered), in a process
    group of its own so that the test can kill it and everything it started."""

    def __init__(self, database_url: str, redis_url: str, queue_prefix: str, *args: str, heartbeat: float = 1.0):
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "TRADELANE_QUEUE_PREFIX": queue_prefix,
            "TRADELANE_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "SECRET_KEY": "test-secret",
            "TRADELANE_JOBS_HEARTBEAT": str(heartbeat),
        }
        self.log = tempfile.NamedTemporaryFile(prefix="tradelane-worker-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fixtures.worker", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-20000:]

    def kill(self) -> None:
        """SIGKILL the worker, its work horse and its schedulers: nothing gets to clean up."""
        _kill_tree(self.proc.pid)
        self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20.0) -> int | None:
        """Warm shutdown (SIGTERM), then SIGKILL whatever is left of the group."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        _kill_tree(self.proc.pid)
        self.proc.wait(timeout=10)
        return self.proc.returncode

    def close(self) -> None:
        self.stop()
        os.unlink(self.log.name)
