#!/usr/bin/env python3
"""Tradelane's developer entry point; needs nothing but Python 3.11+.

    python3 dev.py demo     run the embedded demo (SQLite, in-process jobs, emulated channels)
    python3 dev.py test     run the whole test suite against PostgreSQL and Redis
    python3 dev.py lint     ruff check and ruff format --check (as CI does)

Both create `.venv` and install Tradelane into it on first use (and again whenever
pyproject.toml changes). `test` uses DATABASE_URL and REDIS_URL (default 127.0.0.1); when
nothing answers there (or with `--fresh-postgres`) it starts throwaway servers from installed
binaries, and otherwise stops and names what to install. Other arguments go to `tradelane demo`
or to pytest.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is installed
        sys.exit("Tradelane needs Python 3.11 or newer")
    stamp = VENV / ".tradelane-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and stamp.exists() and stamp.read_text() == wanted:
        return
    if not PY.exists():
        say("creating .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    say("installing Tradelane and its dependencies into .venv")
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"], check=True)
    stamp.write_text(wanted)


def answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
        return True
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


class Throwaway:
    """Servers started for this run only, stopped at exit."""

    def __init__(self) -> None:
        self.stops: list = []

    def postgres(self) -> str:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not (initdb and pg_ctl):
            sys.exit(
                "PostgreSQL does not answer at DATABASE_URL and is not installed.\n"
                "Install it (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) "
                "or set DATABASE_URL to a server where the user may create databases."
            )
        data = Path(tempfile.mkdtemp(prefix="tradelane-pg-"))
        port = free_port()
        run_as: list[str] = []
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # PostgreSQL refuses to run as root
            run_as = ["runuser", "-u", "postgres", "--"]
            shutil.chown(data, "postgres")
        say(f"starting a throwaway PostgreSQL on port {port}")
        subprocess.run(
            run_as + [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            run_as
            + [
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(data / "log"),
                "-w",
                "-o",
                f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.stops.append(
            lambda: subprocess.run(
                run_as + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], stdout=subprocess.DEVNULL
            )
        )
        subprocess.run(
            run_as
            + [find_binary("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "test"],
            check=True,
        )
        return f"postgresql://postgres@127.0.0.1:{port}/test"

    def redis(self) -> str:
        server = shutil.which("redis-server")
        if not server:
            sys.exit(
                "Redis does not answer at REDIS_URL and is not installed.\n"
                "Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) "
                "or set REDIS_URL."
            )
        port = free_port()
        say(f"starting a throwaway Redis on port {port}")
        proc = subprocess.Popen(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        self.stops.append(proc.terminate)
        for _ in range(50):
            if answers("127.0.0.1", port):
                break
            time.sleep(0.1)
        return f"redis://127.0.0.1:{port}/15"

    def stop(self) -> None:
        for stop in reversed(self.stops):
            with contextlib.suppress(Exception):
                stop()


def service_urls(throwaway: Throwaway, fresh_postgres: bool) -> dict[str, str]:
    db_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    db = urlparse(db_url)
    if fresh_postgres or not answers(db.hostname or "127.0.0.1", db.port or 5432):
        db_url = throwaway.postgres()
    r = urlparse(redis_url)
    if not answers(r.hostname or "127.0.0.1", r.port or 6379):
        redis_url = throwaway.redis()
    return {"DATABASE_URL": db_url, "REDIS_URL": redis_url}


CHROMIUM = "/usr/bin/chromium"


def browser_check() -> None:
    """Say up front what a missing Chromium costs; on CI it is a failure, not a skip."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        sys.exit(f"[dev] CI: {CHROMIUM} is missing; the browser tests must run (apt-get install chromium)")
    say(f"{CHROMIUM} is not installed: the browser tests (marked `browser`) will be skipped (apt-get install chromium)")


def cmd_test(args: list[str]) -> int:
    ensure_venv()
    browser_check()
    # --fresh-postgres: a throwaway cluster that has never seen Tradelane (no roles), as CI uses
    fresh_postgres = "--fresh-postgres" in args
    args = [a for a in args if a != "--fresh-postgres"]
    throwaway = Throwaway()
    try:
        env = {**os.environ, **service_urls(throwaway, fresh_postgres)}
        workers = ["-n", os.environ.get("TEST_WORKERS", "2")] if "-n" not in args else []
        say(f"testing against {env['DATABASE_URL']} and {env['REDIS_URL']}")
        return subprocess.run([str(PY), "-m", "pytest", *workers, *args], cwd=ROOT, env=env).returncode
    finally:
        throwaway.stop()


def cmd_lint(args: list[str]) -> int:
    ensure_venv()
    ruff = str(BIN / "ruff")
    checks = [[ruff, "check", *args, "."], [ruff, "format", "--check", "."]]
    return max(subprocess.run(check, cwd=ROOT).returncode for check in checks)


def cmd_demo(args: list[str]) -> int:
    ensure_venv()
    return subprocess.run([str(BIN / "tradelane"), "demo", *args], cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    commands = {"test": cmd_test, "demo": cmd_demo, "lint": cmd_lint}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
