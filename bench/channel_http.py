"""Channel adapters over HTTP: list and complete N orders from each emulator.

    .venv/bin/python bench/channel_http.py --orders 10000 [--channel shopify ...]

For each channel an emulator (in process, through httpx.WSGITransport) gets N generated orders;
the adapter then pages through one window holding all of them and completes every order that
needs it (Amazon's getOrderItems, AliExpress's order detail), with pacing and the emulator's
throttling off, as a bulk import or a benchmark runs.

Baseline, same run: the exact requests the adapter made, replayed with a bare httpx client
against the same emulator, decoding the JSON and nothing else. The ratio says what the adapter
adds (signing, error mapping, Decimal parsing, mapping to ChannelOrder) over the HTTP round
trips it cannot avoid.

A second figure, "at platform limits", replays the sync with pacing on and the platform's rate
limits enforced, on a virtual clock: how long the same sync takes against the real API.

Prints, per channel: generation time, requests, orders per second (adapter and baseline), the
ratio, the virtual duration at platform limits, and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from core.testing import EmulatorHarness  # noqa: E402
from core.testing.channel import list_window  # noqa: E402
from plugins.channels.aliexpress.emulator import AliExpressEmulator  # noqa: E402
from plugins.channels.aliexpress.plugin import AliExpressAdapter  # noqa: E402
from plugins.channels.amazon.emulator import AmazonEmulator  # noqa: E402
from plugins.channels.amazon.plugin import AmazonAdapter  # noqa: E402
from plugins.channels.shopify.emulator import ShopifyEmulator  # noqa: E402
from plugins.channels.shopify.plugin import ShopifyAdapter  # noqa: E402
from plugins.channels.woocommerce.emulator import WooCommerceEmulator  # noqa: E402
from plugins.channels.woocommerce.plugin import WooCommerceAdapter  # noqa: E402

CHANNELS = {
    "shopify": (ShopifyAdapter, ShopifyEmulator),
    "woocommerce": (WooCommerceAdapter, WooCommerceEmulator),
    "amazon": (AmazonAdapter, AmazonEmulator),
    "aliexpress": (AliExpressAdapter, AliExpressEmulator),
}


def sync(harness: EmulatorHarness) -> int:
    adapter = harness.adapter
    end = adapter.window_end()
    count = 0
    for order in list_window(adapter, end - timedelta(days=30), end):
        full = adapter.fetch_order_lines(order)
        count += len(full.lines) > 0
    return count


def setup(name: str, orders: int, pacing: bool) -> tuple[EmulatorHarness, float]:
    adapter_cls, emulator_cls = CHANNELS[name]
    harness = EmulatorHarness(adapter_cls, emulator_cls, settings={"pacing": pacing})
    now = harness.clock.now()
    started = time.perf_counter()
    harness.emulator.generate_orders(orders, start=now - timedelta(days=20), end=now - timedelta(hours=1))
    generated = time.perf_counter() - started
    harness.emulator.faults.throttle = pacing
    harness.clock.advance(600)
    return harness, generated


def run(name: str, orders: int) -> None:
    harness, generated = setup(name, orders, pacing=False)
    started = time.perf_counter()
    synced = sync(harness)
    adapter_seconds = time.perf_counter() - started
    assert synced == orders, f"{name}: synced {synced} of {orders}"
    requests = harness.adapter.ctx.transport.requests

    bare = httpx.Client(transport=httpx.WSGITransport(app=harness.emulator))
    # WooCommerce refuses an OAuth nonce it has seen: forgotten, each is taken once more.
    getattr(harness.emulator, "nonces", {}).clear()
    started = time.perf_counter()
    for request in requests:
        replayed = bare.send(
            bare.build_request(request.method, request.url, headers=request.headers, content=request.content)
        )
        replayed.json() if replayed.content else None
        assert replayed.status_code < 400, f"{name}: the replay was refused ({replayed.status_code})"
    baseline_seconds = time.perf_counter() - started

    paced, _ = setup(name, orders, pacing=True)
    virtual_start = paced.clock.now()
    assert sync(paced) == orders
    at_limits = paced.clock.now() - virtual_start

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{name:12} generate {generated:6.1f}s  requests {len(requests):6}  "
        f"adapter {orders / adapter_seconds:8.0f} orders/s  baseline {orders / baseline_seconds:8.0f} orders/s  "
        f"ratio {adapter_seconds / baseline_seconds:4.2f}  at platform limits {at_limits}  peak RSS {rss_mb:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--channel", action="append", choices=sorted(CHANNELS))
    args = parser.parse_args()
    print(f"{args.orders} orders per channel; ratio = adapter time / bare replay of its requests")
    for name in args.channel or CHANNELS:
        run(name, args.orders)


if __name__ == "__main__":
    main()
