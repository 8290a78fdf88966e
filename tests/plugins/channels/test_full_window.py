"""A thousand orders per channel at the platform's real rate limits (on a virtual clock), with
extra throttling and a page that fails once: every order exactly once, a second window empty,
and a change after the first window seen in the next one."""

from datetime import timedelta

import pytest

from core.testing import EmulatorHarness
from core.testing.channel import list_window
from plugins.channels.aliexpress.emulator import AliExpressEmulator
from plugins.channels.aliexpress.plugin import AliExpressAdapter
from plugins.channels.amazon.emulator import AmazonEmulator
from plugins.channels.amazon.plugin import AmazonAdapter
from plugins.channels.shopify.emulator import ShopifyEmulator
from plugins.channels.shopify.plugin import ShopifyAdapter
from plugins.channels.woocommerce.emulator import WooCommerceEmulator
from plugins.channels.woocommerce.plugin import WooCommerceAdapter

CASES = [
    (ShopifyAdapter, ShopifyEmulator, "/orders.json"),
    (WooCommerceAdapter, WooCommerceEmulator, "/orders"),
    (AmazonAdapter, AmazonEmulator, "/orders/v0/orders"),
    (AliExpressAdapter, AliExpressEmulator, "/sync"),
]


@pytest.mark.parametrize("adapter_cls, emulator_cls, list_path", CASES, ids=lambda c: getattr(c, "name", ""))
def test_a_thousand_orders_under_throttling_and_a_failing_page(adapter_cls, emulator_cls, list_path):
    h = EmulatorHarness(adapter_cls, emulator_cls)
    now = h.clock.now()
    seeded = set(h.emulator.generate_orders(1000, start=now - timedelta(days=2), end=now - timedelta(minutes=5)))
    h.emulator.faults.throttle_every = 7
    h.emulator.fail_next(list_path, skip=2)
    adapter = h.adapter
    end = adapter.window_end()
    orders = list_window(adapter, end - timedelta(days=3), end)
    complete = [adapter.fetch_order_lines(o) for o in orders]
    ids = [o.external_order_id for o in complete]
    assert len(ids) == len(set(ids)) == 1000 and set(ids) == seeded
    assert all(o.lines_complete and o.lines for o in complete)

    # Nothing changed: the next window is empty.
    h.clock.advance(600)
    assert list_window(adapter, end, adapter.window_end()) == []

    # An order cancelled now shows cancelled in the window after.
    target = next(o for o in complete if o.status in ("pending", "unshipped"))
    second_end = adapter.window_end()
    h.emulator.change_order(target.external_order_id, "cancel")
    h.clock.advance(600)
    later = list_window(adapter, second_end, adapter.window_end())
    assert [(o.external_order_id, o.status) for o in later] == [(target.external_order_id, "cancelled")]
