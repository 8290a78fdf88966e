"""Portal wiring: translations, section discovery, template helpers.

A section is a package `web/<name>/` (name from `SECTIONS`) whose `views.py` exposes a Flask
Blueprint `bp` named after the section; its endpoints are "web.<name>.<view>". It may also have `dashboard.py` (cards, see
`web.dashboard`) and `translations/` (its own zh_CN catalogue). docs/portal.md is the guide.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from flask import Blueprint, Flask, g, request
from flask_babel import Babel

from web import HERE, auth, i18n, labels, nav

# Portal sections in navigation order. Each is optional: a missing package is skipped, so a
# section appears as soon as its engineer adds web/<name>/views.py.
SECTIONS = ("catalog", "suppliers", "purchasing", "inventory", "orders", "shipping", "finance",
            "connections", "jobs", "audit", "settings")

babel = Babel()


def section_module(section: str, submodule: str) -> ModuleType | None:
    """Import `web.<section>.<submodule>`, or None when the section or file does not exist."""
    name = f"web.{section}.{submodule}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"web.{section}"):
            return None
        raise  # a real missing import inside the module


def translation_directories() -> list[str]:
    """The portal's own catalogue first, then each section's."""
    dirs = [str(HERE / "translations")]
    dirs += [str(HERE / s / "translations") for s in SECTIONS if (HERE / s / "translations").is_dir()]
    return dirs


def init_portal(app: Flask) -> None:
    from web import dashboard, views  # noqa: F401 - dashboard registers the foundation cards

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.jinja_env.filters["t"] = translate_message
    app.jinja_env.globals.update(
        nav=nav.visible, can=auth.can, tenant_name=lambda: auth.current_tenant().name,
        LOCALES=i18n.LOCALE_NAMES, current_locale=i18n.current_locale, role_label=labels.role_label,
        job_status_label=labels.job_status_label, audit_action_label=labels.audit_action_label,
    )

    app.register_blueprint(views.bp)
    # Sections hang under a parent blueprint "web": blueprint names are global to the app and
    # the REST API already uses the capability names, so a page's endpoint is
    # "web.<section>.<view>". A fresh parent per app, because create_app may run repeatedly.
    sections = Blueprint("web", __name__)
    for section in SECTIONS:
        module = section_module(section, "views")
        if module is None:
            continue
        bp = getattr(module, "bp", None)
        if bp is None or bp.name != section:
            raise RuntimeError(f"web/{section}/views.py must define a Blueprint `bp` named {section!r}")
        sections.register_blueprint(bp)
        section_module(section, "dashboard")  # its @card functions register on import
    app.register_blueprint(sections)

    @app.after_request
    def _no_store_for_logged_in(resp: Any) -> Any:
        # Pages of a logged-in user hold tenant data: keep them out of shared caches.
        if g.get("principal") is not None and not request.path.startswith(("/static/", "/api/")):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def translate_message(message: Any) -> str:
    """Translate a message that comes from a service (errors) when the catalogue knows it."""
    from web.messages import translate

    return translate(str(message)) if message else ""
