"""Tradelane's channel contract, run against the TinyShop emulator."""

import pytest
from tradelane_tinyshop.emulator import TinyShopEmulator
from tradelane_tinyshop.plugin import TinyShopAdapter

from core.testing import ChannelContract, EmulatorHarness


class TestTinyShopContract(ChannelContract):
    paging_orders = 120  # three pages of 50

    @pytest.fixture
    def harness(self):
        return EmulatorHarness(TinyShopAdapter, TinyShopEmulator, list_path="/api/orders")


def test_the_entry_point_is_discovered():
    from core.plugins import load

    registry = load(only=["tinyshop"])
    record = registry.records["tinyshop"]
    assert record.status == "loaded", record.error
    assert record.distribution == "tradelane-tinyshop"
    assert registry.adapter("channel", "tinyshop").cls is TinyShopAdapter
    assert "tinyshop" in registry.emulators
