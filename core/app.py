"""The composition root: `create_app()` wires configuration, database, jobs, events, plugins,
the REST API and the portal. Nothing else in Tradelane builds these objects."""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from flask import Flask
from sqlalchemy.orm import configure_mappers

from core import events, jobs, plugins
from core.config import load_config
from core.db import db
from core.tenancy import maybe_tenant_id

# The business capabilities, in dependency order. Each is a package under core/ with any of
# models.py, service.py, api.py (a `blp` Blueprint), handlers.py (event subscribers),
# jobs.py (job kinds) and cli.py (a `commands` list); create_app finds them here.
CAPABILITIES = ("fx", "catalog", "suppliers", "inventory", "purchasing", "orders", "shipping", "finance", "sync")

# Foundation modules that define tables.
FOUNDATION_MODELS = ("core.audit", "core.jobs", "core.events", "core.numbering", "core.idempotency", "tenants.models")


def capability_modules(submodule: str) -> Iterator[ModuleType]:
    """Import `core.<capability>.<submodule>` for every capability that has one."""
    for cap in CAPABILITIES:
        name = f"core.{cap}.{submodule}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"core.{cap}"):
                raise  # a real missing dependency inside the module
            continue
        if getattr(module, "__file__", None):  # a bare folder is not a capability (yet)
            yield module


def load_models() -> None:
    """Import every module that defines tables, so the metadata is complete."""
    for name in FOUNDATION_MODELS:
        importlib.import_module(name)
    for _ in capability_modules("models"):
        pass


def load_behaviour() -> None:
    """Import event handlers and job kinds, which register themselves."""
    load_models()
    for sub in ("handlers", "jobs"):
        for _ in capability_modules(sub):
            pass


class TenantLogFilter(logging.Filter):
    """Every log record names its tenant (DESIGN §2)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.tenant = str(maybe_tenant_id() or "-")
        return True


def configure_logging() -> None:
    root = logging.getLogger()
    if any(getattr(h, "tradelane", False) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.tradelane = True  # type: ignore[attr-defined]
    handler.addFilter(TenantLogFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [tenant=%(tenant)s] %(message)s"))
    root.addHandler(handler)
    if root.level == logging.WARNING:
        root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def init_services(cfg: dict[str, Any]) -> None:
    """Everything but the web layer: used by create_app, the worker and the CLI."""
    from tenants import secrets

    configure_logging()
    db.configure(cfg["DATABASE_URL"], app_role=cfg["DATABASE_APP_ROLE"])
    secrets.configure(cfg["TRADELANE_ENCRYPTION_KEY"])
    jobs.configure(
        cfg["REDIS_URL"], eager=cfg["JOBS_INLINE"], queue_prefix=cfg["QUEUE_PREFIX"], heartbeat=cfg["JOBS_HEARTBEAT"]
    )
    events.configure(cfg["REDIS_URL"], eager=cfg["JOBS_INLINE"], queue_prefix=cfg["QUEUE_PREFIX"])
    only = [p.strip() for p in cfg["TRADELANE_PLUGINS"].split(",")] if cfg.get("TRADELANE_PLUGINS") else None
    plugins.load(only=only, autoload=not cfg["TRADELANE_DISABLE_PLUGIN_AUTOLOAD"])
    load_behaviour()
    # What starting made (modules, mappers, plugins, compiled statements) lives as long as
    # the process. Frozen out of the cyclic collector's generations, a full collection no
    # longer walks it again: in an order import those walks took 40 % of the worker's CPU
    # (bench/order_ingest.py, bench/README.md). The mappers are configured first, as the
    # first query would, so that what they make is frozen too.
    configure_mappers()
    gc.freeze()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    cfg = load_config(config)
    init_services(cfg)

    import web
    from core import headers, http, ratelimit
    from core.platform.api import blp as platform_blp
    from tenants.api import blp as tenants_blp

    app = Flask("tradelane", template_folder=web.TEMPLATES, static_folder=web.STATIC, static_url_path="/static")
    app.config.update(cfg)
    if cfg["TRUSTED_PROXIES"]:
        # Behind N reverse proxies the client's address and scheme are in their X-Forwarded-*
        # headers (the rate limits count per client address; Secure cookies need https).
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = cfg["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    http.install(app)
    headers.install(app)
    ratelimit.install(app)
    http.api.register_blueprint(tenants_blp)
    http.api.register_blueprint(platform_blp)
    for module in capability_modules("api"):
        http.api.register_blueprint(module.blp)
    web.init_app(app)
    if cfg["MOUNT_EMULATORS"]:
        mount_emulators(app)
    return app


def mount_emulators(app: Flask) -> None:
    """Serve every plugin's API emulator at /_emulators/<name> in this process, and those of
    capabilities that call an outside service (`emulator.py` with an `emulator` WSGI app, at
    /_emulators/<capability>)."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    mounts = {f"/_emulators/{name}": emu for name, emu in plugins.registry().emulators.items()}
    for module in capability_modules("emulator"):
        mounts[f"/_emulators/{module.__name__.split('.')[1]}"] = module.emulator
    if mounts:
        app.wsgi_app = DispatcherMiddleware(app.wsgi_app, mounts)  # type: ignore[method-assign]
