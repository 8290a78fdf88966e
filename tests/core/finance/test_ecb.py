"""The ECB reference-rate files in their three shapes, and the emulator that serves them."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.finance import ecb
from core.finance.emulator import EcbEmulator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ecb"


def test_daily_xml_keeps_trailing_zeros_and_both_quote_styles():
    rates = ecb.parse((FIXTURES / "eurofxref-daily.xml").read_bytes())
    assert {(r.currency, str(r.per_euro)) for r in rates} == {
        ("USD", "1.0850"),
        ("JPY", "162.40"),
        ("GBP", "0.84310"),
        ("CNY", "7.7035"),
    }
    assert {r.on for r in rates} == {date(2026, 3, 10)}


def test_daily_csv_with_spaces_and_a_trailing_comma():
    rates = ecb.parse((FIXTURES / "eurofxref.csv").read_bytes())
    assert {r.currency: r.per_euro for r in rates}["CNY"] == Decimal("7.7035")
    assert {r.on for r in rates} == {date(2026, 3, 10)}


def test_history_csv_skips_na_and_retired_currencies_and_reads_a_zip():
    data = (FIXTURES / "eurofxref-hist.csv").read_bytes()
    rates = ecb.parse(data)
    assert {r.currency for r in rates} == {"USD", "JPY", "CNY"}  # CYP is retired, N/A skipped
    assert len(rates) == 6
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("eurofxref-hist.csv", data)
    assert ecb.parse(buf.getvalue()) == rates


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<html>hello</html>", "no <Cube"),
        (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x/>", "document type"),
        (b"Date, USD,\n10 March 2026, abc,\n", "not a number"),
        (b"Price, USD\n", "header starting with Date"),
        (b"PK\x03\x04broken", "zip"),
    ],
)
def test_other_files_are_refused_with_a_reason(data, message):
    with pytest.raises(ecb.EcbFormatError, match=message) as refused:
        ecb.parse(data)
    # The reason is a coded message: the rate import's field error keeps it (exc.args[0]).
    assert refused.value.args[0].code.startswith("finance.ecb_")


def test_the_emulator_serves_working_days_newest_first_in_the_real_shape():
    from werkzeug.test import Client

    client = Client(EcbEmulator(today=date(2026, 3, 16)))  # a Monday
    daily = ecb.parse(client.get("/eurofxref-daily.xml").data)
    assert {r.on for r in daily} == {date(2026, 3, 16)}
    hist = ecb.parse(client.get("/eurofxref-hist-90d.xml").data)
    days = sorted({r.on for r in hist}, reverse=True)
    assert days[0] == date(2026, 3, 16) and days[1] == date(2026, 3, 13)  # the weekend is skipped
    assert client.get("/nothing").status_code == 404
