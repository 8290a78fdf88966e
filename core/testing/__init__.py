"""Test kits shipped to plugin authors (DESIGN §6), and the emulator toolkit plugins build on.

Importing this package does not import pytest: emulators run in production processes (the
demo). The pytest-based contract suites load on first use::

    from core.testing import ChannelContract, EmulatorHarness, VirtualClock, make_context
    from core.testing import CarrierContract, CarrierEmulatorHarness
    from core.testing import AccountingContract, AccountingHarness
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.ports import DEFAULT_RETRY, SYSTEM_CLOCK, Adapter, Clock, ConnectionContext, RetryPolicy, Secret
from core.testing.clock import VirtualClock

__all__ = [
    "VirtualClock",
    "make_context",
    "split_settings",
    "ChannelContract",
    "ChannelHarness",
    "EmulatorHarness",
    "CarrierContract",
    "CarrierHarness",
    "CarrierEmulatorHarness",
    "AccountingContract",
    "AccountingHarness",
]


def split_settings(adapter_cls: type[Adapter], values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Secret]]:
    """Split connection values into settings and credentials by the adapter's schema (secret
    fields become credentials) and fill in defaults, the way core stores a connection."""
    known = {f.name: f for f in adapter_cls.settings}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"{adapter_cls.__name__} has no settings {sorted(unknown)}")
    settings: dict[str, Any] = {}
    credentials: dict[str, Secret] = {}
    for name, f in known.items():
        value = values.get(name, f.default)
        if value is None or value == "":
            if f.required and f.default is None:
                raise ValueError(f"{adapter_cls.__name__} needs setting {name!r}")
            continue
        if f.secret:
            credentials[name] = Secret(str(value))
        else:
            settings[name] = value
    return settings, credentials


def make_context(
    adapter_cls: type[Adapter],
    values: Mapping[str, Any],
    *,
    transport: Any = None,
    clock: Clock = SYSTEM_CLOCK,
    state: dict[str, Any] | None = None,
    connection_id: str = "test-connection",
    tenant_id: str = "test-tenant",
    retry: RetryPolicy = DEFAULT_RETRY,
) -> ConnectionContext:
    """A ConnectionContext for `adapter_cls` built from plain connection values, without a
    database: what a plugin's own tests (and ChannelContract) connect adapters with. `retry`
    is the policy its requests are sent again under, as core's runtime would give it."""
    settings, credentials = split_settings(adapter_cls, values)
    return ConnectionContext(
        connection_id=connection_id,
        tenant_id=tenant_id,
        settings=settings,
        credentials=credentials,
        state=state if state is not None else {},
        transport=transport,
        clock=clock,
        retry=retry,
    )


def __getattr__(name: str) -> Any:
    if name in ("ChannelContract", "ChannelHarness", "EmulatorHarness"):
        from core.testing import channel

        return getattr(channel, name)
    if name in ("CarrierContract", "CarrierHarness", "CarrierEmulatorHarness"):
        from core.testing import carrier

        return getattr(carrier, name)
    if name in ("AccountingContract", "AccountingHarness"):
        from core.testing import accounting

        return getattr(accounting, name)
    raise AttributeError(name)
