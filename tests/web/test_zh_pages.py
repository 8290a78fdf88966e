"""Every portal page in zh-CN: no text on it is a string of the English catalogue left as it
is. Renders each GET page without arguments and each page of one record of every kind (a
tenant with one of everything, from the populators), as a Chinese browser, and compares each
piece of visible text with the catalogues' English strings that have a Chinese translation."""

from __future__ import annotations

import importlib
import pkgutil
import re
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


class English:
    """The catalogues' English strings whose Chinese differs: fixed ones as they are, and those
    with parameters as patterns ("imported from %(channel)s (%(ref)s)" matches "imported from
    Amazon (113-1)"); a template that is only parameters and punctuation says nothing."""

    def __init__(self) -> None:
        self.fixed: set[str] = set()
        self.patterns: dict[str, re.Pattern[str]] = {}
        for po in WEB.rglob("zh_Hans_CN/LC_MESSAGES/messages.po"):
            with po.open("rb") as f:
                for m in read_po(f):
                    msgid = m.id if isinstance(m.id, str) else (m.id[0] if m.id else "")
                    if not (msgid and m.string and m.string != msgid and any(c.isalpha() for c in msgid)):
                        continue
                    if "%(" not in msgid:
                        self.fixed.add(msgid)
                        continue
                    parts = PARAM.split(msgid.replace("%%", "%"))
                    if re.search(r"[A-Za-z]{2}", "".join(parts)):
                        self.patterns[msgid] = re.compile("^" + "(.+?)".join(map(re.escape, parts)) + "$")

    def __len__(self) -> int:
        return len(self.fixed) + len(self.patterns)

    def match(self, text: str) -> str | None:
        """The msgid that `text` is left in English of, or None."""
        if text in self.fixed:
            return text
        for msgid, pattern in self.patterns.items():
            found = pattern.match(text)
            # A parameter is data (a number, a code); text in Chinese around it is translated.
            if found and not any(CJK.search(g) for g in found.groups()):
                return msgid
        return None


PARAM = re.compile(r"%\(\w+\)[sd]")
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


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


def leaks(html: str, english: English) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return sorted({p for p in parser.pieces if p not in DATA and english.match(p)})


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
    english = English()
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


def test_every_coded_message_has_chinese_in_the_one_catalogue(app):
    """Each code of core/messages.py has its entry in web/messages.py BY_CODE, and it reads in
    Chinese: a service message added without its translation fails here, page or no page. A
    template of parameters and punctuation alone ("{rule}: {facts}") has no words to translate."""
    from flask_babel import refresh

    from core.messages import MESSAGES, Msg
    from web.messages import BY_CODE, translate

    missing = sorted(set(MESSAGES) - set(BY_CODE) - {"joined"})
    assert not missing, f"codes without an entry in web/messages.py BY_CODE: {missing}"
    english_left = []
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()
        for code, template in MESSAGES.items():
            names = set(re.findall(r"(?<!\{)\{(\w+)\}", template))
            if code == "joined" or not re.search(r"[A-Za-z]{2}", re.sub(r"\{\w+\}", "", template)):
                continue
            message = Msg(code, **{n: "7" for n in names})
            if translate(message) == str(message) or not CJK.search(translate(message)):
                english_left.append(f"{code}: {message}")
    assert not english_left, "coded messages left in English in zh-CN:\n" + "\n".join(english_left)
