import pytest

from core.testing import ChannelContract, EmulatorHarness
from plugins.channels.shopify.emulator import ShopifyEmulator
from plugins.channels.shopify.plugin import ShopifyAdapter


class TestShopifyContract(ChannelContract):
    paging_orders = 520  # three pages of 250

    @pytest.fixture
    def harness(self):
        return EmulatorHarness(ShopifyAdapter, ShopifyEmulator, list_path="/orders.json")
