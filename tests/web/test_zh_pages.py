"""Every portal page in zh-CN: no text on it is a string of the English catalogue left as it
is. Renders each GET page without arguments and each page of one record of every kind (a
tenant with one of everything, from the populators), as a Chinese browser, and compares each
piece of visible text with the catalogues' English strings that have a Chinese translation."""

from __future__ import annotations

import importlib
import pkgutil
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

import tests
from core.audit import AuditEntry
from core.db import session
from core.jobs import Job
from tests.populate import POPULATORS
from tests.support import make_tenant
from tests.web.conftest import PortalClient
from tests.web.test_isolation import _portal_rules, _targets, _uuid_only

WEB = Path(__file__).resolve().parents[2] / "web"
# Records the populators name like catalogue strings: a product titled "Draft", a shop "Shop".
DATA = {"Draft", "Shop"}


def english_strings() -> set[str]:
    """msgids (without parameters) whose Chinese differs from the English."""
    found = set()
    for po in WEB.rglob("zh_Hans_CN/LC_MESSAGES/messages.po"):
        with po.open("rb") as f:
            for m in read_po(f):
                msgid = m.id if isinstance(m.id, str) else (m.id[0] if m.id else "")
                if msgid and m.string and m.string != msgid and "%(" not in msgid and any(c.isalpha() for c in msgid):
                    found.add(msgid)
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code", "pre", "option", "datalist"):
            self.skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.pieces.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code", "pre", "option", "datalist") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.pieces.append(" ".join(data.split()))


def leaks(html: str, english: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return sorted({p for p in parser.pieces if p in english and p not in DATA})


def test_every_page_in_chinese_has_no_english_catalogue_string_left(app):
    for mod in pkgutil.walk_packages(tests.__path__, "tests."):
        if mod.name.endswith(".populate"):
            importlib.import_module(mod.name)
    shop = make_tenant(app, "Tenant Z")
    shop.api.patch("tenant", {"default_locale": "zh_CN"})  # a Chinese shop: its chart of accounts in Chinese
    for populate in POPULATORS:
        populate(shop)
    with shop.scope():
        samples: dict[str, str] = {}
        for entity_type, entity_id in session.execute(
            AuditEntry.__table__.select().with_only_columns(AuditEntry.entity_type, AuditEntry.entity_id)
        ):
            samples.setdefault(entity_type, entity_id)
        job = session.execute(Job.__table__.select().with_only_columns(Job.id).limit(1)).scalar()
        if job is not None:
            samples["jobs"] = str(job)
    client = PortalClient(app, accept_language="zh-CN")
    client.log_in_as(shop, shop.owner_email)
    client.post("/locale", {"locale": "zh_CN"})
    english = english_strings()
    assert len(english) > 500  # the catalogues were read

    found: dict[str, list[str]] = {}
    pages = 0
    for rule in _portal_rules(app, "GET"):
        if rule.arguments and not _uuid_only(rule):
            continue
        paths = [rule.rule] if not rule.arguments else _targets(rule, samples)[:1]
        for path in paths:
            resp = client.get(path)
            if resp.status_code != 200 or not resp.mimetype == "text/html":
                continue
            pages += 1
            left = leaks(resp.get_data(as_text=True), english)
            if left:
                found[path] = left
    assert pages >= 40
    assert not found, "English left on Chinese pages:\n" + "\n".join(f"{p}: {v}" for p, v in sorted(found.items()))
