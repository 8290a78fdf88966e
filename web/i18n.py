"""Languages of the portal: which locale a request gets, and the catalogue tooling.

Locale order: an explicit switch (kept in the cookie session) -> the user's saved locale ->
the browser's Accept-Language -> the tenant's default -> English.

Catalogues: the portal's own strings (web/*.py, web/templates) live in web/translations; each
section keeps its own in web/<section>/translations, so nobody edits a shared .po file.

    python -m web.i18n update [owner ...]   extract strings and merge them into the .po files
    python -m web.i18n compile              compile every .po into its .mo
    python -m web.i18n check                list untranslated strings, strings two catalogues
                                            translate differently, and stale .mo files

An owner is "portal" or a section name; without one, every catalogue is processed.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from flask import g, request
from flask import session as cookie

from web import HERE

LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"zh_CN": "中文", "en": "English"}
# Catalogue directories, named as Babel names the locales: Babel reads "zh_CN" as
# zh_Hans_CN and looks for that directory. English is the source language.
CATALOGUE_LOCALES = {"zh_CN": "zh_Hans_CN"}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
}


# ---------------------------------------------------------------------------------------------
# Locale and time zone of a request


def browser_locale() -> str | None:
    """The first supported language in Accept-Language (any Chinese variant -> zh_CN)."""
    for tag, _quality in request.accept_languages:
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary == "zh":
            return "zh_CN"
        if primary == "en":
            return "en"
    return None


def select_locale() -> str:
    chosen = cookie.get("locale")
    if chosen in LOCALES:
        return chosen
    principal = g.get("principal")
    if principal is not None and principal.locale in LOCALES:
        return principal.locale
    browser = browser_locale()
    if browser:
        return browser
    if principal is not None:
        from web.auth import current_tenant

        default = current_tenant().default_locale
        if default in LOCALES:
            return default
    return "en"


def select_timezone() -> str | None:
    if g.get("principal") is None:
        return None
    from web.auth import current_tenant

    return current_tenant().timezone


def current_locale() -> str:
    """The request's locale as one of LOCALES ("zh_CN", not Babel's "zh_Hans_CN")."""
    from flask_babel import get_locale

    locale = get_locale()
    if locale is None:
        return "en"
    return f"{locale.language}_{locale.territory}" if locale.territory else locale.language


# ---------------------------------------------------------------------------------------------
# Catalogue tooling


def owners() -> dict[str, Path]:
    """Every catalogue owner and its source directory."""
    from web.portal import SECTIONS

    out = {"portal": HERE}
    out.update({s: HERE / s for s in SECTIONS if (HERE / s).is_dir()})
    return out


def _method_map(owner: str) -> list[tuple[str, str]]:
    # The portal's catalogue covers web/*.py and web/templates only; sections keep theirs.
    if owner == "portal":
        return [("*.py", "python"), ("templates/**.html", "jinja2")]
    return [("**.py", "python"), ("templates/**.html", "jinja2")]


def translations_dir(owner: str) -> Path:
    return owners()[owner] / "translations"


def extract(owner: str) -> Catalog:
    """The strings marked for translation in an owner's sources."""
    catalog = Catalog(project="Tradelane", charset="utf-8")
    base = owners()[owner]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(base), _method_map(owner), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(owner: str, locale: str) -> Path:
    return translations_dir(owner) / locale / "LC_MESSAGES" / "messages.po"


def update(owner: str) -> list[Path]:
    """Merge the extracted strings into the owner's .po files (new ones untranslated)."""
    template = extract(owner)
    written = []
    for locale in CATALOGUE_LOCALES.values():
        path = po_path(owner, locale)
        if path.exists():
            with path.open("rb") as f:
                catalog = read_po(f, locale=locale)
        elif not len(template):
            continue
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(
                locale=locale,
                project="Tradelane",
                version="1",
                charset="utf-8",
                fuzzy=False,
                header_comment=f"# {locale} translations of the Tradelane portal ({owner}).",
                msgid_bugs_address="",
                last_translator="Tradelane contributors",
                language_team=f"{locale} <tradelane>",
            )
        # No fuzzy matching: a guessed translation of a different string is worse than none.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
        with path.open("wb") as f:
            # File names without line numbers: moving code does not rewrite the catalogue.
            write_po(f, catalog, width=100, ignore_obsolete=True, include_lineno=False)
        written.append(path)
    return written


def catalogues() -> list[Path]:
    return sorted(HERE.glob("**/translations/*/LC_MESSAGES/messages.po"))


def compiled(po: Path) -> bytes:
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_all() -> list[Path]:
    written = []
    for po in catalogues():
        mo = po.with_suffix(".mo")
        data = compiled(po)
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            written.append(mo)
    return written


def key(msgid: str, context: str | None = None) -> str:
    """A message's key as a .mo file has it: "context\x04msgid" when it has a context."""
    return f"{context}\x04{msgid}" if context else msgid


def translations(path: Path, reader: str = "po") -> dict[str, str]:
    """key -> translation of the translated, non-fuzzy messages of a .po or .mo file."""
    with path.open("rb") as f:
        catalog = read_po(f) if reader == "po" else read_mo(f)
    out = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id if isinstance(message.id, str) else "\x00".join(message.id)
        key_ = key(msgid, message.context)
        text = message.string if isinstance(message.string, str) else "\x00".join(message.string)
        if text:
            out[key_] = text
    return out


def owner_of(po: Path) -> str:
    """The owner of a catalogue: "portal" for web/translations, else the section."""
    section = po.relative_to(HERE).parts[0]
    return "portal" if section == "translations" else section


def conflicts(paths: Iterable[Path] | None = None) -> dict[str, dict[str, str]]:
    """Messages (msgid and context) that two catalogues translate differently: key ->
    {owner: translation}. Flask-Babel merges the catalogues into one, the later section
    winning, so such a message reads as another section's word on every page; give the
    meanings a context (pgettext) or make the catalogues agree."""
    seen: dict[str, dict[str, str]] = {}
    for po in catalogues() if paths is None else paths:
        for k, text in translations(po).items():
            seen.setdefault(k, {})[owner_of(po) if po.is_relative_to(HERE) else str(po)] = text
    return {k: found for k, found in sorted(seen.items()) if len(set(found.values())) > 1}


def stale_mo_files() -> list[Path]:
    """.mo files whose translations differ from their .po (someone forgot to compile)."""
    stale = []
    for po in catalogues():
        mo = po.with_suffix(".mo")
        if not mo.exists() or translations(po) != translations(mo, "mo"):
            stale.append(mo)
    return stale


def untranslated(owner: str) -> list[str]:
    """Strings in an owner's sources that its zh_CN catalogue does not translate."""
    wanted = {key(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in extract(owner) if m.id}
    path = po_path(owner, CATALOGUE_LOCALES["zh_CN"])
    have = {k.split("\x00")[0] for k in translations(path)} if path.exists() else set()
    return sorted(wanted - have)


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("update", "compile", "check"):
        print(__doc__)
        return 2
    command, names = args[0], args[1:] or list(owners())
    unknown = [n for n in names if n not in owners()]
    if unknown:
        print(f"unknown owner(s): {', '.join(unknown)}; use one of {', '.join(owners())}")
        return 2
    if command == "update":
        for name in names:
            for path in update(name):
                missing = untranslated(name)
                print(f"{path.relative_to(HERE.parent)}: {len(missing)} untranslated")
        return 0
    if command == "compile":
        for path in compile_all():
            print(f"compiled {path.relative_to(HERE.parent)}")
        return 0
    problems = 0
    for name in names:
        for msgid in untranslated(name):
            problems += 1
            print(f"{name}: untranslated: {msgid!r}")
    for k, found in conflicts().items():
        problems += 1
        print(f"translated two ways: {k.replace(chr(4), ' | ')!r}: {found}")
    for mo in stale_mo_files():
        problems += 1
        print(f"stale: {mo.relative_to(HERE.parent)} (run python -m web.i18n compile)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
