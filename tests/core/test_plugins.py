"""Plugins (DESIGN §6): entry-point discovery of real distributions, failure isolation, the
registry API, and a test that exercises every hook."""

from __future__ import annotations

import inspect
import textwrap

import pytest
from sqlalchemy import select

from core import hookspecs, plugins
from core.db import session
from core.events import EventDelivery, OutboxEvent
from core.plugins import PluginRegistry
from tests.fixtures.events import Counted
from tests.support import body


def _write_dist(root, dist: str, module: str, group: str, entry: str, code: str, version: str = "1.2.0"):
    """A minimal installed distribution: the module plus its .dist-info with entry points."""
    (root / f"{module}.py").write_text(textwrap.dedent(code))
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{entry} = {module}\n")


ACME = """
from core.hookspecs import hookimpl
from core.ports import ChannelAdapter, OrderPage, SettingField

class AcmeChannel(ChannelAdapter):
    name = "acme"
    display_name = "ACME Marketplace"
    capabilities = frozenset({"orders"})
    settings = (SettingField("token", "Token", secret=True),)

    def check_connection(self):
        return "acme"

    def list_orders(self, updated_after, updated_before, cursor=None):
        return OrderPage(orders=())

    def confirm_shipment(self, confirmation):
        return None

    def push_quantities(self, quantities):
        return []

@hookimpl
def register_channels():
    return [AcmeChannel]
"""


@pytest.fixture
def thirdparty(tmp_path, monkeypatch):
    _write_dist(tmp_path, "tradelane-acme", "tradelane_acme", "tradelane.channels", "acme", ACME)
    _write_dist(
        tmp_path,
        "tradelane-broken",
        "tradelane_broken",
        "tradelane.carriers",
        "broken",
        "import a_module_that_is_not_installed\n",
    )
    _write_dist(
        tmp_path,
        "tradelane-halfdone",
        "tradelane_halfdone",
        "tradelane.accounting",
        "halfdone",
        """
        from core.hookspecs import hookimpl
        from core.ports import AccountingTarget

        class HalfDone(AccountingTarget):
            name = "halfdone"  # forgets post_voucher and check_connection

        @hookimpl
        def register_accounting_targets():
            return [HalfDone]
    """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = PluginRegistry()
    reg.load_entry_points()
    return reg


def test_a_third_party_distribution_is_found_through_its_entry_point(thirdparty):
    record = thirdparty.records["acme"]
    assert record.status == "loaded" and record.distribution == "tradelane-acme" and record.version == "1.2.0"
    info = thirdparty.adapter("channel", "acme")
    assert info.display_name == "ACME Marketplace" and info.plugin == "acme"
    assert info.settings_schema()[0]["secret"] is True


def test_a_plugin_that_fails_to_import_is_reported_not_fatal(thirdparty):
    broken = thirdparty.records["broken"]
    assert broken.status == "failed" and "a_module_that_is_not_installed" in broken.error
    assert thirdparty.records["acme"].status == "loaded"


def test_an_incomplete_adapter_is_refused_with_the_reason(thirdparty):
    record = thirdparty.records["halfdone"]
    assert record.status == "failed" and "post_voucher" in record.error
    assert "halfdone" not in thirdparty.adapters["accounting"]


def test_plugins_endpoint_lists_plugins_and_load_errors(app, tenant_a, thirdparty, monkeypatch):
    monkeypatch.setattr(plugins, "_registry", thirdparty)
    data = {p["name"]: p for p in body(tenant_a.api.get("plugins"))}
    assert data["acme"]["adapters"][0]["name"] == "acme" and data["acme"]["kind"] == "channel"
    assert data["broken"]["status"] == "failed" and data["broken"]["error"]
    assert tenant_a.client_with_roles("viewer").get("plugins").status_code == 200


def test_only_selected_plugins_load(tmp_path, monkeypatch):
    _write_dist(tmp_path, "tradelane-acme", "tradelane_acme2", "tradelane.channels", "acme2", ACME)
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = PluginRegistry()
    reg.load_entry_points(only=["nothing-else"])
    assert "acme2" not in reg.records


def test_a_second_plugin_cannot_take_an_adapter_name(thirdparty):
    from tests.fixtures import dummy_plugin

    class Impostor:
        @hookspecs.hookimpl
        def register_channels(self):
            class Fake(dummy_plugin.DummyChannel):
                name = "acme"

            return [Fake]

    record = thirdparty.register(Impostor(), name="impostor", kind="channel")
    assert record.status == "failed" and "already provided" in record.error
    assert thirdparty.adapter("channel", "acme").plugin == "acme"


# --- every hook is exercised -------------------------------------------------------------------


class EverythingPlugin:
    """Implements every hook once, recording each call."""

    def __init__(self):
        self.events = []

    @hookspecs.hookimpl
    def register_channels(self):
        from tests.fixtures.dummy_plugin import DummyChannel

        class EveryChannel(DummyChannel):
            name = "every_channel"

        return [EveryChannel]

    @hookspecs.hookimpl
    def register_carriers(self):
        from core.ports import CarrierAdapter, Label, RateQuote

        class EveryCarrier(CarrierAdapter):
            name = "every_carrier"

            def check_connection(self):
                return "ok"

            def quote(self, request):
                return [RateQuote(service="std", amount=__import__("decimal").Decimal("9.90"), currency="USD")]

            def create_label(self, request):
                return Label(tracking_number="1Z", label_data=b"%PDF", label_format="PDF")

            def track(self, tracking_numbers):
                return []

        return [EveryCarrier]

    @hookspecs.hookimpl
    def register_accounting_targets(self):
        from core.ports import AccountingTarget, PostResult

        class EveryBooks(AccountingTarget):
            name = "every_books"

            def check_connection(self):
                return "ok"

            def post_voucher(self, voucher):
                return PostResult(external_id=voucher.reference)

        return [EveryBooks]

    @hookspecs.hookimpl
    def register_payment_sources(self):
        from core.ports import PaymentSourceAdapter

        class EveryPayments(PaymentSourceAdapter):
            name = "every_payments"

            def check_connection(self):
                return "ok"

            def list_payouts(self, paid_since):
                return []

        return [EveryPayments]

    @hookspecs.hookimpl
    def register_emulators(self):
        def hello(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"emulated " + environ.get("PATH_INFO", "").encode()]

        return {"every": hello}

    @hookspecs.hookimpl
    def on_event(self, event):
        self.events.append(event)

    @hookspecs.hookimpl
    def event_subscriptions(self):
        return ["test.hooked", "order.*"]


def test_every_hookspec_is_exercised():
    """EverythingPlugin implements every hook, and the test below calls each (the sections in
    docs/plugins.md are checked by tests/test_docs.py)."""
    specs = {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "tradelane_spec")}
    impls = {
        name for name, fn in inspect.getmembers(EverythingPlugin, inspect.isfunction) if hasattr(fn, "tradelane_impl")
    }
    assert specs == impls, (
        "a new hook needs an implementation in EverythingPlugin and a check in test_every_hook_is_called"
    )


def test_every_hook_is_called(app, tenant_a, monkeypatch):
    from core import events
    from core.app import mount_emulators

    reg = PluginRegistry()
    plugin = EverythingPlugin()
    record = reg.register(plugin, name="everything", kind="channel")
    assert record.status == "loaded", record.error
    assert {
        "channel:every_channel",
        "carrier:every_carrier",
        "accounting:every_books",
        "payment:every_payments",
    } <= set(record.adapters)
    assert reg.adapter("payment", "every_payments").cls.kind == "payment"
    assert reg.emulators["every"] is not None
    monkeypatch.setattr(plugins, "_registry", reg)

    assert reg.event_filters["everything"] == ("test.hooked", "order.*")
    with tenant_a.scope():
        events.emit("test.hooked", Counted(counter="hooked"), entity_type="thing", entity_id="h-1")
        events.emit("test.created", Counted(counter="not-wanted"), entity_type="thing", entity_id="h-2")
    assert [e.name for e in plugin.events] == ["test.hooked"], "on_event is called only for what it subscribed to"
    assert plugin.events[0].tenant_id == str(tenant_a.id) and plugin.events[0].payload["version"] == 1
    with tenant_a.scope():
        handlers = {
            d.handler
            for d in session.execute(
                select(EventDelivery).join(OutboxEvent).where(OutboxEvent.entity_id == "h-2")
            ).scalars()
        }
    assert "plugin:everything" not in handlers and "test.counter" in handlers

    from flask import Flask

    host = Flask("host")
    mount_emulators(host)
    resp = host.test_client().get("/_emulators/every/orders")
    assert resp.data == b"emulated /orders"


def test_event_subscriptions_must_be_names(caplog):
    class Confused:
        @hookspecs.hookimpl
        def on_event(self, event):
            pass

        @hookspecs.hookimpl
        def event_subscriptions(self):
            return "order.shipped"  # a string, not a list of them

    class Hopeful:
        @hookspecs.hookimpl
        def on_event(self, event):
            pass

        @hookspecs.hookimpl
        def event_subscriptions(self):
            return ["parcel.teleported"]

    reg = PluginRegistry()
    bad = reg.register(Confused(), name="confused", kind="channel")
    assert bad.status == "failed" and "list of event names" in bad.error
    good = reg.register(Hopeful(), name="hopeful", kind="channel")
    assert good.status == "loaded" and reg.event_filters["hopeful"] == ("parcel.teleported",)
    assert "matches no declared event" in caplog.text
