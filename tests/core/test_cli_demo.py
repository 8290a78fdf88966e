"""`tradelane demo` (what `python3 dev.py demo` runs): a second demo names the port in use and
the option to choose another, before it touches the database; emulator request lines stay out
of the log unless --verbose."""

from __future__ import annotations

import logging
import socket

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
