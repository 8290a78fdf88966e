"""The hooks a Tradelane plugin may implement.

A plugin is a module (or object) registered through an entry point in one of the groups
`tradelane.channels`, `tradelane.carriers`, `tradelane.accounting` or `tradelane.payments`. It implements hooks
with the `hookimpl` marker from this module::

    from core.hookspecs import hookimpl

    @hookimpl
    def register_channels():
        return [MyShopAdapter]

Every hook below is documented in docs/plugins.md and exercised by tests/core/test_plugins.py.
Registration hooks are called once per process, each plugin separately, so one plugin's
failure is recorded against it and never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

from core.ports import AccountingTarget, CarrierAdapter, ChannelAdapter, EventRecord, PaymentSourceAdapter

PROJECT = "tradelane"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_channels() -> list[type[ChannelAdapter]]:
    """Return the sales-channel adapter classes this plugin provides.

    Each class subclasses `core.ports.ChannelAdapter` and sets `name` (unique among
    channels), `display_name`, `capabilities` and `settings`. Core instantiates one adapter
    per tenant connection. Added in plugin API 0.1.
    """


@hookspec
def register_carriers() -> list[type[CarrierAdapter]]:
    """Return the carrier adapter classes this plugin provides (subclasses of
    `core.ports.CarrierAdapter`). Added in plugin API 0.1."""


@hookspec
def register_accounting_targets() -> list[type[AccountingTarget]]:
    """Return the accounting target classes this plugin provides (subclasses of
    `core.ports.AccountingTarget`). Added in plugin API 0.1."""


@hookspec
def register_payment_sources() -> list[type[PaymentSourceAdapter]]:
    """Return the payment source classes this plugin provides (subclasses of
    `core.ports.PaymentSourceAdapter`: payment providers that are not sales channels, such as
    PayPal; docs/decisions/0014-payment-sources.md). Added in plugin API 0.2."""


@hookspec
def register_emulators() -> dict[str, Callable[..., Any]]:
    """Return `{name: wsgi_app}` for local emulators of the remote APIs this plugin talks to.

    The embedded demo and the tests mount each at `/_emulators/<name>` in the Tradelane
    process, and point connections at that base URL; an emulator speaks the real wire format
    (auth, pagination, throttling, signatures, error shapes). Names must be unique.
    Added in plugin API 0.1.
    """


@hookspec
def on_event(event: EventRecord) -> None:
    """Receive a committed business event (e.g. `order.shipped`).

    Called at least once per event after its transaction committed, from a background job,
    inside the event's tenant context. Raise to have the delivery retried with backoff; it
    is recorded per plugin, so a failing plugin delays only its own deliveries. Must be
    idempotent on `event.id`. `event.payload` is the event's stored JSON, with its
    `"version"` (the declared contracts are in docs/events.md). Called only for the events
    the plugin's `event_subscriptions` names, or for every event without it. Added in plugin
    API 0.1.
    """


@hookspec
def event_subscriptions() -> list[str] | None:
    """Return the business events this plugin's `on_event` wants: names (`"order.shipped"`)
    or patterns (`"order.*"`).

    Called once, when the plugin is registered. Without this hook (or returning None) the
    plugin gets every event; with it, only the matching ones, so a plugin is not called, and
    no delivery is recorded, for events it ignores. A name that matches no declared event is
    logged as a warning against the plugin (it may be an event of a newer Tradelane). Added
    in plugin API 0.2.
    """
