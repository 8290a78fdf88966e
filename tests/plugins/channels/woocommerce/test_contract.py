import pytest

from core.testing import ChannelContract, EmulatorHarness
from plugins.channels.woocommerce.emulator import WooCommerceEmulator
from plugins.channels.woocommerce.plugin import WooCommerceAdapter


class TestWooCommerceContract(ChannelContract):
    paging_orders = 230  # three pages of 100

    @pytest.fixture
    def harness(self):
        return EmulatorHarness(WooCommerceAdapter, WooCommerceEmulator, list_path="/orders")
