import pytest

from core.testing import ChannelContract, EmulatorHarness
from plugins.channels.amazon.emulator import AmazonEmulator
from plugins.channels.amazon.plugin import AmazonAdapter


class TestAmazonContract(ChannelContract):
    paging_orders = 230  # three pages of 100

    @pytest.fixture
    def harness(self):
        return EmulatorHarness(AmazonAdapter, AmazonEmulator, list_path="/orders/v0/orders")
