import pytest

from core.testing import ChannelContract, EmulatorHarness
from plugins.channels.aliexpress.emulator import AliExpressEmulator
from plugins.channels.aliexpress.plugin import AliExpressAdapter


class TestAliExpressContract(ChannelContract):
    paging_orders = 120  # three pages of 50

    @pytest.fixture
    def harness(self):
        return EmulatorHarness(AliExpressAdapter, AliExpressEmulator, list_path="/sync")
