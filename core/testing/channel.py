"""ChannelContract: the behaviour every sales-channel adapter must show, as a pytest base class.

A plugin's test module subclasses it and provides one fixture, `harness`, returning a
`ChannelHarness`: the adapter under test, the clock it shares with the remote side, and handles
to make the remote side do things (create orders, cancel one, throttle, fail a page). For an
adapter that ships an emulator built on `core.testing.emulator.ChannelEmulator`, `EmulatorHarness`
does all of it::

    import pytest
    from core.testing import ChannelContract, EmulatorHarness
    from my_plugin.plugin import MyAdapter
    from my_plugin.emulator import MyEmulator

    class TestMyChannel(ChannelContract):
        paging_orders = 130  # enough for three pages

        @pytest.fixture
        def harness(self):
            return EmulatorHarness(MyAdapter, MyEmulator)

Tests that need a capability the adapter does not declare are skipped. Nothing here touches
Tradelane's database: the kit runs in a plugin's own repository.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core import money
from core.ports import (
    ORDER_STATUSES,
    AdapterError,
    AuthError,
    ChannelAdapter,
    ChannelOrder,
    ListingQuantity,
    ShipmentConfirmation,
)
from core.ports import ChannelCapability as Cap
from core.testing import make_context
from core.testing.clock import VirtualClock
from core.testing.emulator import RecordingTransport


class ChannelHarness:
    """What ChannelContract needs besides the adapter. Subclass it for a recorded server or a
    sandbox; EmulatorHarness implements it for emulators built on core.testing.emulator."""

    adapter: ChannelAdapter
    clock: VirtualClock

    def seed_orders(self, count: int) -> list[str]:
        """Create `count` orders on the remote side, last changed during the hour before now;
        returns their external ids."""
        raise NotImplementedError

    def change_order(self, external_order_id: str, change: str) -> None:
        """Apply a change on the remote side: at least "cancel"."""
        raise NotImplementedError

    def shipments(self, external_order_id: str) -> list[dict[str, Any]]:
        """Shipment confirmations the remote side recorded for the order, each a dict with
        at least `tracking_number`."""
        raise NotImplementedError

    def quantity(self, seller_sku: str) -> int | None:
        """The listing's quantity as the remote side holds it."""
        raise NotImplementedError

    def skus(self) -> list[str]:
        """Seller SKUs that have listings on the remote side."""
        raise NotImplementedError

    def throttle_hard(self) -> None:
        """Make the remote side throttle much more than usual (e.g. every third call)."""
        raise NotImplementedError

    def fail_next_page(self) -> None:
        """Make the next order-list call after the first fail once with a server error."""
        raise NotImplementedError

    def signed_webhook(self, external_order_id: str) -> tuple[dict[str, str], bytes]:
        """Headers and raw body of a correctly signed order webhook (capability "webhooks")."""
        raise NotImplementedError

    def adapter_with_bad_credentials(self) -> ChannelAdapter:
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """Credential values that must never appear in logs."""
        return []


class EmulatorHarness(ChannelHarness):
    """A harness over an emulator built on `core.testing.emulator.ChannelEmulator`, reached in-process
    through httpx.WSGITransport, with a VirtualClock shared by both sides."""

    def __init__(
        self,
        adapter_cls: type[ChannelAdapter],
        emulator_cls: type[Any],
        *,
        seed: int = 7,
        base_url: str = "http://emulator.test",
        settings: dict[str, Any] | None = None,
        bad_credentials: dict[str, str] | None = None,
        list_path: str = "",
        **emulator_options: Any,
    ) -> None:
        self.clock = VirtualClock()
        self.emulator = emulator_cls(seed=seed, clock=self.clock, **emulator_options)
        self.adapter_cls = adapter_cls
        self.values = {**self.emulator.connection_settings(base_url), **(settings or {})}
        self.bad_credentials = bad_credentials
        self.list_path = list_path  # substring of the order-list path, for fail_next_page
        self.adapter = self.connect(self.values)

    def connect(self, values: dict[str, Any], **context: Any) -> ChannelAdapter:
        """A new adapter on the emulator; keywords go to make_context (e.g. state=...)."""
        self.transport = RecordingTransport(httpx.WSGITransport(app=self.emulator))
        ctx = make_context(self.adapter_cls, values, transport=self.transport, clock=self.clock, **context)
        return self.adapter_cls(ctx)

    def seed_orders(self, count: int) -> list[str]:
        now = self.clock.now()
        ids = self.emulator.generate_orders(count, start=now - timedelta(hours=1), end=now - timedelta(seconds=1))
        return [str(i) for i in ids]

    def change_order(self, external_order_id: str, change: str) -> None:
        self.emulator.change_order(external_order_id, change)

    def shipments(self, external_order_id: str) -> list[dict[str, Any]]:
        return [s for s in self.emulator.shipments if str(s["order_id"]) == str(external_order_id)]

    def quantity(self, seller_sku: str) -> int | None:
        return self.emulator.quantities().get(seller_sku)

    def skus(self) -> list[str]:
        return sorted(self.emulator.quantities())

    def throttle_hard(self) -> None:
        self.emulator.faults.throttle_every = 3

    def fail_next_page(self) -> None:
        self.emulator.fail_next(self.list_path, skip=1)

    def signed_webhook(self, external_order_id: str) -> tuple[dict[str, str], bytes]:
        return self.emulator.build_webhook(
            self.emulator.ORDER_WEBHOOK_TOPIC, external_order_id, f"contract-{external_order_id}"
        )

    def adapter_with_bad_credentials(self) -> ChannelAdapter:
        if self.bad_credentials is not None:
            wrong = self.bad_credentials
        else:
            wrong = {
                f.name: "wrong-" + str(self.values.get(f.name, "x"))[-6:]
                for f in self.adapter_cls.settings
                if f.secret and f.name in self.values
            }
        return self.connect({**self.values, **wrong})

    def secrets(self) -> list[str]:
        return [str(self.values[f.name]) for f in self.adapter_cls.settings if f.secret and self.values.get(f.name)]


def list_window(adapter: ChannelAdapter, start: datetime, end: datetime) -> list[ChannelOrder]:
    """Every order of a window, page by page. A failed request is sent again by the adapter's
    client under the context's retry policy, as in production; nothing retries on top."""
    out: list[ChannelOrder] = []
    cursor: str | None = None
    for _ in range(10_000):
        page = adapter.list_orders(start, end, cursor)
        out.extend(page.orders)
        cursor = page.next_cursor
        if cursor is None:
            return out
    raise AssertionError("list_orders kept returning a next_cursor")


class ChannelContract:
    """Subclass as `Test<Channel>Contract` and provide the `harness` fixture."""

    paging_orders = 120  # orders seeded to exercise paging: set it above two pages' worth

    @pytest.fixture
    def harness(self) -> ChannelHarness:
        raise NotImplementedError("provide a `harness` fixture returning a ChannelHarness")

    @pytest.fixture
    def adapter(self, harness: ChannelHarness) -> ChannelAdapter:
        return harness.adapter

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def settle(harness: ChannelHarness) -> None:
        """Let the channel's listing lag pass, so everything seeded so far is listable."""
        harness.clock.advance((harness.adapter.list_lag + timedelta(minutes=1)).total_seconds())

    def all_orders(
        self, harness: ChannelHarness, start: datetime | None = None, end: datetime | None = None
    ) -> list[ChannelOrder]:
        end = end or harness.adapter.window_end()
        start = start or end - timedelta(days=3)
        return list_window(harness.adapter, start, end)

    @staticmethod
    def complete(harness: ChannelHarness, order: ChannelOrder) -> ChannelOrder:
        if order.lines_complete:
            return order
        return harness.adapter.fetch_order_lines(order)

    @staticmethod
    def require(adapter: ChannelAdapter, capability: str) -> None:
        if capability not in adapter.capabilities:
            pytest.skip(f"{adapter.name} does not declare {capability!r}")

    # -- metadata ---------------------------------------------------------------------------

    def test_metadata_is_complete(self, adapter: ChannelAdapter) -> None:
        assert adapter.name and adapter.display_name
        assert set(adapter.capabilities) <= Cap.ALL, set(adapter.capabilities) - Cap.ALL
        assert Cap.ORDERS in adapter.capabilities
        names = [f.name for f in adapter.settings]
        assert len(names) == len(set(names)), "setting names must be unique"
        assert adapter.list_lag >= timedelta(0)

    def test_check_connection_describes_the_account(self, adapter: ChannelAdapter) -> None:
        description = adapter.check_connection()
        assert isinstance(description, str) and description

    def test_refused_credentials_raise_auth_error(self, harness: ChannelHarness) -> None:
        with pytest.raises(AuthError):
            harness.adapter_with_bad_credentials().check_connection()

    # -- listing ----------------------------------------------------------------------------

    def test_paging_returns_each_order_exactly_once(self, harness: ChannelHarness) -> None:
        seeded = set(harness.seed_orders(self.paging_orders))
        self.settle(harness)
        ids = [o.external_order_id for o in self.all_orders(harness)]
        assert len(ids) == len(set(ids)), "an order came twice"
        assert set(ids) == seeded

    def test_window_bounds_are_honoured(self, harness: ChannelHarness) -> None:
        early = set(harness.seed_orders(4))
        harness.clock.advance(hours=2)
        middle = harness.clock.now() - timedelta(minutes=90)  # between the two batches
        late = set(harness.seed_orders(5))
        self.settle(harness)
        end = harness.adapter.window_end()
        first = self.all_orders(harness, middle - timedelta(days=1), middle)
        second = self.all_orders(harness, middle, end)
        assert {o.external_order_id for o in first} == early
        assert {o.external_order_id for o in second} == late
        for order in first:
            assert order.updated_at < middle
        for order in second:
            assert middle <= order.updated_at < end

    def test_windows_end_no_later_than_window_end(self, harness: ChannelHarness) -> None:
        harness.seed_orders(2)
        self.settle(harness)
        end = harness.adapter.window_end()
        assert end <= harness.clock.now() - harness.adapter.list_lag
        assert len(self.all_orders(harness, end - timedelta(days=1), end)) == 2

    def test_lines_are_complete_after_fetch(self, harness: ChannelHarness) -> None:
        harness.seed_orders(12)
        self.settle(harness)
        for order in self.all_orders(harness):
            full = self.complete(harness, order)
            assert full.lines_complete
            assert full.external_order_id == order.external_order_id
            assert full.lines, f"order {order.external_order_id} has no lines"
            assert len({line.external_line_id for line in full.lines}) == len(full.lines)
            for line in full.lines:
                assert line.seller_sku and line.quantity > 0 and line.external_line_id

    def test_money_is_decimal_in_the_order_currency(self, harness: ChannelHarness) -> None:
        harness.seed_orders(20)
        self.settle(harness)
        for order in map(lambda o: self.complete(harness, o), self.all_orders(harness)):
            assert money.is_currency(order.currency), order.currency
            places = money.minor_unit(order.currency)
            amounts = [order.total] if order.total is not None else []
            for line in order.lines:
                assert isinstance(line.unit_price, Decimal)
                amounts += [line.amount, line.item_tax, line.shipping_price, line.shipping_tax, line.discount]
            for amount in amounts:
                assert isinstance(amount, Decimal), f"{amount!r} is not a Decimal"
                assert amount == amount.quantize(money.quantum(order.currency)), (
                    f"{amount} has more than {places} decimals for {order.currency}"
                )
            if order.total is not None and order.lines:
                goods = sum((line.amount - line.discount + line.shipping_price for line in order.lines), Decimal(0))
                taxes = sum((line.item_tax + line.shipping_tax for line in order.lines), Decimal(0))
                expected = goods if order.prices_include_tax else goods + taxes
                assert expected == order.total, (
                    f"order {order.external_order_id}: lines add up to {expected}, total is {order.total}"
                )

    def test_statuses_and_times_are_normalised(self, harness: ChannelHarness) -> None:
        harness.seed_orders(20)
        self.settle(harness)
        for order in self.all_orders(harness):
            assert order.status in ORDER_STATUSES, order.status
            assert order.external_status
            assert order.fulfilment in ("merchant", "platform")
            for stamp in (order.purchased_at, order.updated_at):
                assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
            assert order.purchased_at <= order.updated_at

    def test_cancelled_order_shows_cancelled_in_the_next_window(self, harness: ChannelHarness) -> None:
        harness.seed_orders(3)
        self.settle(harness)
        end = harness.adapter.window_end()
        first = self.all_orders(harness, end - timedelta(days=1), end)
        target = next(o for o in first if o.status in ("pending", "unshipped"))
        harness.clock.advance(minutes=5)
        harness.change_order(target.external_order_id, "cancel")
        self.settle(harness)
        later = self.all_orders(harness, end - timedelta(minutes=5), harness.adapter.window_end())
        changed = [o for o in later if o.external_order_id == target.external_order_id]
        assert changed and changed[-1].status == "cancelled"

    def test_get_order_returns_the_current_state(self, harness: ChannelHarness) -> None:
        (oid,) = harness.seed_orders(1)
        self.settle(harness)
        try:
            order = harness.adapter.get_order(oid)
        except AdapterError as exc:
            if "cannot look up" in str(exc):
                pytest.skip("no single-order lookup")
            raise
        assert order.external_order_id == oid and order.lines_complete and order.lines

    # -- shipments --------------------------------------------------------------------------

    def _shippable(self, harness: ChannelHarness, min_lines: int = 1) -> ChannelOrder:
        for _ in range(10):
            harness.seed_orders(10)
            self.settle(harness)
            for order in self.all_orders(harness):
                order = self.complete(harness, order)
                if order.status == "unshipped" and order.fulfilment == "merchant" and len(order.lines) >= min_lines:
                    return order
        raise AssertionError("the remote side produced no shippable order")

    def test_confirm_shipment_is_recorded_once(self, harness: ChannelHarness) -> None:
        self.require(harness.adapter, Cap.SHIP_CONFIRM)
        order = self._shippable(harness)
        confirmation = ShipmentConfirmation(
            order.external_order_id,
            carrier="UPS",
            service="Ground",
            tracking_number="1Z999AA10123456784",
            shipped_at=harness.clock.now(),
            reference=f"SHP-{order.external_order_id}",
        )
        harness.adapter.confirm_shipment(confirmation)
        harness.adapter.confirm_shipment(confirmation)  # a retried job
        recorded = harness.shipments(order.external_order_id)
        assert len(recorded) == 1, recorded
        assert recorded[0]["tracking_number"] == "1Z999AA10123456784"
        harness.clock.advance(minutes=1)
        self.settle(harness)
        later = self.all_orders(harness, order.updated_at, harness.adapter.window_end())
        assert [o.status for o in later if o.external_order_id == order.external_order_id][-1] == "shipped"

    def test_partial_shipment_leaves_the_order_partially_shipped(self, harness: ChannelHarness) -> None:
        self.require(harness.adapter, Cap.PARTIAL_SHIPMENT)
        order = self._shippable(harness, min_lines=2)
        line = order.lines[0]
        confirmation = ShipmentConfirmation(
            order.external_order_id,
            carrier="DHL",
            service="Express",
            tracking_number="JD014600006281230000",
            shipped_at=harness.clock.now(),
            lines=((line.external_line_id, line.quantity),),
            reference=f"SHP-{order.external_order_id}-1",
        )
        harness.adapter.confirm_shipment(confirmation)
        self.settle(harness)
        later = self.all_orders(harness, order.updated_at, harness.adapter.window_end())
        assert [o.status for o in later if o.external_order_id == order.external_order_id][-1] == "partially_shipped"

    # -- stock ------------------------------------------------------------------------------

    def test_push_quantities_sets_each_listing(self, harness: ChannelHarness) -> None:
        self.require(harness.adapter, Cap.PUSH_QUANTITY)
        skus = harness.skus()[:3]
        assert len(skus) == 3, "the remote side needs at least three listings"
        wanted = [
            ListingQuantity(skus[0], 7),
            ListingQuantity(skus[1], 0),
            ListingQuantity(skus[2], 125),
            ListingQuantity("NO-SUCH-SKU-4711", 3),
        ]
        results = harness.adapter.push_quantities(wanted)
        assert [r.seller_sku for r in results] == [q.seller_sku for q in wanted]
        assert [r.ok for r in results] == [True, True, True, False]
        assert results[3].message
        for q in wanted[:3]:
            assert harness.quantity(q.seller_sku) == q.quantity

    # -- webhooks ---------------------------------------------------------------------------

    def test_webhooks_are_verified_and_deduplicated(self, harness: ChannelHarness) -> None:
        self.require(harness.adapter, Cap.WEBHOOKS)
        (oid,) = harness.seed_orders(1)
        headers, body = harness.signed_webhook(oid)
        adapter = harness.adapter
        assert adapter.verify_webhook(headers, body)
        assert adapter.verify_webhook({k.lower(): v for k, v in headers.items()}, body), "headers are case-blind"
        event = adapter.parse_webhook(headers, body)
        assert event.external_order_id == oid and event.dedupe_key
        again = adapter.parse_webhook(dict(headers), bytes(body))
        assert again.dedupe_key == event.dedupe_key, "a redelivery must deduplicate"

    def test_webhooks_with_bad_signatures_are_refused(self, harness: ChannelHarness) -> None:
        self.require(harness.adapter, Cap.WEBHOOKS)
        (oid,) = harness.seed_orders(1)
        headers, body = harness.signed_webhook(oid)
        adapter = harness.adapter
        assert not adapter.verify_webhook(headers, body + b" ")
        flipped = bytearray(body)
        flipped[len(flipped) // 2] ^= 0x01
        assert not adapter.verify_webhook(headers, bytes(flipped))
        tampered = {
            k: (v[:-4] + ("AAAA" if not v.endswith("AAAA") else "BBBB"))
            if "sig" in k.lower() or "hmac" in k.lower()
            else v
            for k, v in headers.items()
        }
        assert not adapter.verify_webhook(tampered, body)
        unsigned = {k: v for k, v in headers.items() if "sig" not in k.lower() and "hmac" not in k.lower()}
        assert not adapter.verify_webhook(unsigned, body)

    # -- resilience -------------------------------------------------------------------------

    def test_throttling_is_survived(self, harness: ChannelHarness) -> None:
        seeded = set(harness.seed_orders(self.paging_orders))
        self.settle(harness)
        harness.throttle_hard()
        orders = [self.complete(harness, o) for o in self.all_orders(harness)]
        ids = [o.external_order_id for o in orders]
        assert len(ids) == len(set(ids)) and set(ids) == seeded

    def test_a_page_that_fails_once_is_retried(self, harness: ChannelHarness) -> None:
        seeded = set(harness.seed_orders(self.paging_orders))
        self.settle(harness)
        harness.fail_next_page()
        ids = [o.external_order_id for o in self.all_orders(harness)]
        assert len(ids) == len(set(ids)) and set(ids) == seeded

    def test_a_window_resumes_from_a_saved_cursor(self, harness: ChannelHarness) -> None:
        seeded = set(harness.seed_orders(self.paging_orders))
        self.settle(harness)
        end = harness.adapter.window_end()
        start = end - timedelta(days=3)
        first = harness.adapter.list_orders(start, end)
        assert first.next_cursor, "seed more orders (paging_orders) so the window has several pages"
        # A worker dies after saving the cursor; a new adapter instance picks up from it.
        fresh = type(harness.adapter)(replace(harness.adapter.ctx))
        rest, cursor = [], first.next_cursor
        while cursor:
            page = fresh.list_orders(start, end, cursor)
            rest.extend(page.orders)
            cursor = page.next_cursor
        ids = [o.external_order_id for o in first.orders] + [o.external_order_id for o in rest]
        assert len(ids) == len(set(ids)) and set(ids) == seeded

    def test_credentials_never_reach_the_logs(self, harness: ChannelHarness, caplog: pytest.LogCaptureFixture) -> None:
        secrets = harness.secrets()
        with caplog.at_level(logging.DEBUG):
            harness.seed_orders(3)
            self.settle(harness)
            harness.adapter.check_connection()
            for order in self.all_orders(harness):
                self.complete(harness, order)
            logging.getLogger("contract").info("context: %r", harness.adapter.ctx)
            try:
                harness.adapter_with_bad_credentials().check_connection()
            except AdapterError as exc:
                logging.getLogger("contract").info("refused: %s", exc)
        text = caplog.text
        for secret in secrets:
            assert secret not in text, "a credential was logged"
