"""`tradelane demo` (what `python3 dev.py demo` runs): a second demo names the port in use and
the option to choose another, before it touches the database; emulator request lines stay out
of the log unless --verbose."""

from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from core.cli import _QuietEmulators, main


def test_a_second_demo_names_the_port_in_use_and_the_option():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["demo", "--port", str(port)])
    assert result.exit_code != 0
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert f"--port {port + 1}" in result.output


def test_emulator_requests_are_left_out_of_the_log():
    quiet = _QuietEmulators()

    def line(path: str) -> logging.LogRecord:
        return logging.LogRecord(
            "werkzeug", logging.INFO, __file__, 1, '127.0.0.1 - - "GET %s HTTP/1.1" 200 -', (path,), None
        )

    assert not quiet.filter(line("/_emulators/amazon/orders/v0/orders"))
    assert quiet.filter(line("/orders/"))


def test_the_options_are_documented():
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert "--port" in result.output and "--verbose" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_demos_first_syncs_succeed_and_its_first_ledger_check_is_ok(tmp_path):
    """The whole demo in its own process: jobs queued while it seeds wait for the server that
    emulates the channels, and the books are checked only once the seed's bookings are done."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["TRADELANE_INSTANCE_DIR"] = str(tmp_path)
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "demo", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        verified = _wait_for_ledger_check(tmp_path / "tradelane.db", demo, deadline=time.monotonic() + 900)
        with sqlite3.connect(tmp_path / "tradelane.db") as db:
            syncs = db.execute("SELECT status, attempts, error FROM jobs WHERE kind = 'sync.connection'").fetchall()
    finally:
        demo.terminate()
        demo.wait(30)
    log.seek(0)
    output = log.read()
    before_banner = output.split("Tradelane demo (new demo shop)")[0]
    assert syncs and all(status == "succeeded" and attempts == 1 and not error for status, attempts, error in syncs)
    assert json.loads(verified)["ok"] is True, verified
    assert "tradelane.connections" not in before_banner and "tradelane.jobs" not in before_banner


def _wait_for_ledger_check(path, demo, deadline: float) -> str:
    while time.monotonic() < deadline:
        assert demo.poll() is None, "the demo stopped"
        if path.exists():
            try:
                with sqlite3.connect(path) as db:
                    row = db.execute(
                        "SELECT result FROM jobs WHERE kind = 'finance.verify' AND status = 'succeeded'"
                    ).fetchone()
            except sqlite3.OperationalError:  # the schema is still being made
                row = None
            if row:
                return row[0]
        time.sleep(2)
    raise AssertionError("the demo's first ledger check did not run")
