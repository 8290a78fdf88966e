"""Tradelane's carrier contract, run against the TinyParcel emulator."""

import pytest
from tradelane_tinyparcel.emulator import TinyParcelEmulator
from tradelane_tinyparcel.plugin import TinyParcel

from core.testing import CarrierContract, CarrierEmulatorHarness


class TestTinyParcelContract(CarrierContract):
    @pytest.fixture
    def harness(self):
        return CarrierEmulatorHarness(TinyParcel, TinyParcelEmulator, label_path="/v1/labels", quote_path="/v1/rates")


def test_the_entry_point_is_discovered():
    from core.plugins import load

    registry = load(only=["tinyparcel"])
    record = registry.records["tinyparcel"]
    assert record.status == "loaded", record.error
    assert record.distribution == "tradelane-tinyparcel"
    assert registry.adapter("carrier", "tinyparcel").cls is TinyParcel
    assert "tinyparcel" in registry.emulators
