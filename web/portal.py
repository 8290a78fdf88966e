"""Portal wiring: translations, section discovery, template helpers.

A section is a package `web/<name>/` (name from `SECTIONS`) whose `views.py` exposes a Flask
Blueprint `bp` named after the section; its endpoints are "web.<name>.<view>". It may also have
`dashboard.py` (cards, see `web.dashboard`) and `translations/` (its own zh_CN catalogue).
docs/portal.md is the guide.
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
SECTIONS = (
    "catalog",
    "suppliers",
    "purchasing",
    "inventory",
    "orders",
    "shipping",
    "finance",
    "connections",
    "jobs",
    "audit",
    "settings",
)

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
        nav=nav.visible,
        can=auth.can,
        tenant_name=lambda: auth.current_tenant().name,
        # Stock is valued, and costs are kept, in the tenant's functional currency.
        functional_currency=lambda: auth.current_tenant().functional_currency,
        LOCALES=i18n.LOCALE_NAMES,
        current_locale=i18n.current_locale,
        role_label=labels.role_label,
        job_status_label=labels.job_status_label,
        audit_action_label=labels.audit_action_label,
        field_label=field_label,
        job_kind_label=labels.job_kind_label,
        started_by_label=labels.started_by_label,
        channel_label=labels.channel_label,
        result_rows=labels.result_rows,
        job_error=labels.job_error,
        activity_label=labels.activity_label,
        marketplace_label=labels.marketplace_label,
        when_text=when_text,
        day_text=day_text,
        money=money_text,
        title=title_text,
    )
    app.jinja_env.filters["money"] = money_text
    app.jinja_env.filters["day"] = day_text

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


def field_label(field: str) -> str:
    from web.messages import field_label as label

    return label(field)


def translate_message(message: Any) -> str:
    """Translate a message that comes from a service (errors) when the catalogue knows it."""
    from web.messages import translate

    return translate(message if isinstance(message, str) else str(message)) if message else ""


# ---------------------------------------------------------------------------------------------
# One format for dates, times and money: the tenant's time zone, the viewer's language, and
# each currency's minor units (Babel's CLDR data).


def when_text(value: Any) -> str:
    """A moment in the tenant's zone, to the minute: "Dec 2, 2026 15:52" / "2026年12月2日 15:52"."""
    from babel.dates import format_skeleton
    from flask_babel import get_locale, get_timezone

    if not value:
        return "—"
    zone, locale = get_timezone(), get_locale()
    day = format_skeleton("yMMMd", value, tzinfo=zone, locale=locale)
    return f"{day} {format_skeleton('Hm', value, tzinfo=zone, locale=locale)}"


def day_text(value: Any) -> str:
    """A calendar date: "Jan 15, 2027" / "2027年1月15日" (dates have no zone)."""
    from datetime import date, datetime

    from babel.dates import format_skeleton
    from flask_babel import get_locale

    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        return when_text(value)
    return format_skeleton("yMMMd", value, locale=get_locale())


def money_text(amount: Any, currency: str | None = None) -> str:
    """An amount with its currency, to the currency's minor units: "¥1,412.50", "US$12.99"."""
    from decimal import Decimal

    from babel.numbers import format_currency
    from flask_babel import get_locale

    if amount is None or amount == "":
        return "—"
    currency = currency or ""
    try:
        number = Decimal(str(amount))
    except ArithmeticError:
        return f"{amount} {currency}".strip()
    if not currency:
        return format(number, "f")
    return format_currency(number, currency, locale=get_locale(), currency_digits=True)


def title_text(record: Any) -> str:
    """A product's (or anything with title_zh/title_en, name_zh/name_en) name in the viewer's
    language when it has one, else in the other."""
    if record is None:
        return ""
    zh_first = current_locale_is_chinese()
    for stem in ("title", "name"):
        zh, en = getattr(record, f"{stem}_zh", None), getattr(record, f"{stem}_en", None)
        if zh or en:
            return (zh or en) if zh_first else (en or zh)
    return str(getattr(record, "name", "") or "")


def current_locale_is_chinese() -> bool:
    return i18n.current_locale().startswith("zh")
