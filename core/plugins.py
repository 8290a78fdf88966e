"""Finding and loading plugins (DESIGN §6).

One `PluginManager("tradelane")`. Plugins come from the entry-point groups below; bundled
plugins are registered through the same entry points as third-party ones. Loading a plugin,
and calling each of its registration hooks, happens inside its own try/except: a plugin that
fails is recorded (and listed at `GET /api/v1/plugins`), never fatal.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from core import hookspecs
from core.ports import ADAPTER_BASES, Adapter

log = logging.getLogger("tradelane.plugins")

GROUPS = {
    "tradelane.channels": "channel",
    "tradelane.carriers": "carrier",
    "tradelane.accounting": "accounting",
    "tradelane.payments": "payment",
}
_REGISTRATION_HOOKS = {
    "channel": "register_channels",
    "carrier": "register_carriers",
    "accounting": "register_accounting_targets",
    "payment": "register_payment_sources",
}


@dataclass
class PluginRecord:
    name: str
    group: str
    kind: str
    module: str
    distribution: str | None = None
    version: str | None = None
    status: str = "loaded"  # loaded | failed
    error: str | None = None
    adapters: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AdapterInfo:
    kind: str
    name: str
    display_name: str
    cls: type[Adapter]
    plugin: str
    capabilities: frozenset[str]

    def settings_schema(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "secret": f.secret,
                "default": f.default,
                "help": f.help,
                "choices": list(f.choices),
            }
            for f in self.cls.settings
        ]


class PluginRegistry:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.adapters: dict[str, dict[str, AdapterInfo]] = {k: {} for k in _REGISTRATION_HOOKS}
        self.emulators: dict[str, Callable[..., Any]] = {}
        self.event_filters: dict[str, tuple[str, ...]] = {}  # plugin -> the events its on_event wants

    # -- loading --------------------------------------------------------------------------

    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        wanted = set(only) if only else None
        for group, kind in GROUPS.items():
            for ep in entry_points(group=group):
                if wanted is not None and ep.name not in wanted:
                    continue
                self._load_one(ep, group, kind)

    def _load_one(self, ep: EntryPoint, group: str, kind: str) -> None:
        dist = getattr(ep, "dist", None)
        record = PluginRecord(
            name=ep.name,
            group=group,
            kind=kind,
            module=ep.value,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
        )
        self.records[ep.name] = record
        try:
            plugin = ep.load()
            self.pm.register(plugin, name=ep.name)
        except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, not fatal
            record.status, record.error = "failed", _describe(exc)
            log.error("plugin %s failed to load: %s", ep.name, record.error)
            return
        self._collect(ep.name, kind, plugin)

    def register(self, plugin: Any, name: str, kind: str) -> PluginRecord:
        """Register an in-memory plugin object (tests, embedding)."""
        record = PluginRecord(
            name=name, group=f"tradelane.{kind}", kind=kind, module=getattr(plugin, "__name__", type(plugin).__name__)
        )
        self.records[name] = record
        self.pm.register(plugin, name=name)
        self._collect(name, kind, plugin)
        return record

    def _collect(self, name: str, kind: str, plugin: Any) -> None:
        record = self.records[name]
        for hook_kind, hook_name in _REGISTRATION_HOOKS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                if impl.plugin is not plugin:
                    continue
                try:
                    classes = impl.function() or []
                    for cls in classes:
                        info = self._adapter_info(hook_kind, cls, name)
                        self.adapters[hook_kind][info.name] = info
                        record.adapters.append(f"{hook_kind}:{info.name}")
                except Exception as exc:  # noqa: BLE001
                    record.status, record.error = "failed", _describe(exc)
                    log.error("plugin %s: %s failed: %s", name, hook_name, record.error)
        for impl in self.pm.hook.register_emulators.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            try:
                for emu_name, app in (impl.function() or {}).items():
                    if emu_name in self.emulators:
                        raise ValueError(f"emulator {emu_name!r} is already provided by another plugin")
                    self.emulators[emu_name] = app
            except Exception as exc:  # noqa: BLE001
                record.status, record.error = "failed", _describe(exc)
        for impl in self.pm.hook.event_subscriptions.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            try:
                wanted = impl.function()
                if wanted is not None:
                    self.event_filters[name] = _event_patterns(name, wanted)
            except Exception as exc:  # noqa: BLE001
                record.status, record.error = "failed", _describe(exc)
                log.error("plugin %s: event_subscriptions failed: %s", name, record.error)
        if record.status == "loaded" and not record.adapters:
            log.info("plugin %s registered no adapters", name)

    def _adapter_info(self, kind: str, cls: Any, plugin_name: str) -> AdapterInfo:
        base = ADAPTER_BASES[kind]
        if not (isinstance(cls, type) and issubclass(cls, base)):
            raise TypeError(f"{cls!r} is not a subclass of {base.__name__}")
        if not cls.name or not cls.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"{cls.__name__}.name must be a short identifier, got {cls.name!r}")
        if getattr(cls, "__abstractmethods__", None):
            missing = ", ".join(sorted(cls.__abstractmethods__))
            raise TypeError(f"{cls.__name__} does not implement {missing}")
        for op_name, op in cls.operations.items():
            for method in (op_name, op.lookup) if op.lookup else (op_name,):
                if not callable(getattr(cls, method, None)):
                    raise TypeError(f"{cls.__name__}.operations names {method!r}, which it does not have")
        existing = self.adapters[kind].get(cls.name)
        if existing is not None and existing.cls is not cls:
            raise ValueError(f"{kind} {cls.name!r} is already provided by plugin {existing.plugin!r}")
        return AdapterInfo(kind, cls.name, cls.display_name or cls.name, cls, plugin_name, frozenset(cls.capabilities))

    # -- lookups --------------------------------------------------------------------------

    def adapter(self, kind: str, name: str) -> AdapterInfo:
        try:
            return self.adapters[kind][name]
        except KeyError:
            raise KeyError(f"no {kind} plugin named {name!r} is installed") from None

    def event_subscribers(self) -> list[tuple[str, Callable[..., Any], tuple[str, ...]]]:
        """(plugin name, on_event function, the event patterns it wants) of every plugin that
        listens to events; ("*",) for a plugin without `event_subscriptions`."""
        return [
            (impl.plugin_name, impl.function, self.event_filters.get(impl.plugin_name, ("*",)))
            for impl in self.pm.hook.on_event.get_hookimpls()
        ]


def _event_patterns(plugin: str, wanted: Any) -> tuple[str, ...]:
    """The plugin's `event_subscriptions`, checked: a list of names or patterns."""
    import fnmatch

    from core.event_types import load_all

    if isinstance(wanted, str) or not all(isinstance(w, str) and w for w in wanted):
        raise TypeError("event_subscriptions must return a list of event names or patterns")
    declared = load_all()
    for pattern in wanted:
        if not any(fnmatch.fnmatchcase(n, pattern) for n in declared):
            log.warning("plugin %s subscribes to %r, which matches no declared event", plugin, pattern)
    return tuple(wanted)


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:2000]


_registry: PluginRegistry | None = None


def load(only: Iterable[str] | None = None, autoload: bool = True) -> PluginRegistry:
    global _registry
    reg = PluginRegistry()
    if autoload:
        reg.load_entry_points(only)
    _registry = reg
    return reg


def registry() -> PluginRegistry:
    global _registry
    if _registry is None:
        _registry = load()
    return _registry
