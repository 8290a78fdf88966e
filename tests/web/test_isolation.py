"""No portal page shows another tenant's records, opens them, or changes them. Sweeps every
portal route, so each section's pages are covered as soon as they land."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from sqlalchemy import func, select
from werkzeug.routing import UUIDConverter

import tests
from core.audit import AuditEntry
from core.db import session
from core.events import OutboxEvent
from core.jobs import Job
from tenants.models import ApiKey, User
from tests.populate import POPULATORS


def _portal_rules(app, method):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/", "/_emulators", "/webhooks")) or method not in rule.methods:
            continue
        yield rule


def _uuid_only(rule) -> bool:
    return bool(rule.arguments) and all(isinstance(c, UUIDConverter) for c in rule._converters.values())


def _fill(rule, ident: str) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<uuid:{name}>", ident)
    return path


@pytest.fixture
def populated(portal, tenants):
    for mod in pkgutil.walk_packages(tests.__path__, "tests."):
        if mod.name.endswith(".populate"):
            importlib.import_module(mod.name)
    a, b = tenants
    for populate in POPULATORS:
        populate(b)
    with b.scope():
        ids = set(session.execute(select(AuditEntry.entity_id)).scalars())
        ids |= {str(i) for i in session.execute(select(Job.id)).scalars()}
        ids |= {str(i) for i in session.execute(select(OutboxEvent.id)).scalars()}
        secrets = set(session.execute(select(User.email)).scalars())
        secrets |= {f"tl_{p}" for p in session.execute(select(ApiKey.prefix)).scalars()}
    return portal(a), b, sorted(ids), sorted(secrets)


def test_pages_never_show_another_tenants_records(app, populated):
    client, b, b_ids, b_secrets = populated
    checked = 0
    for rule in _portal_rules(app, "GET"):
        if rule.arguments:
            continue
        text = client.get(rule.rule).get_data(as_text=True)
        leaked = [i for i in b_ids + b_secrets + [str(b.id), b.name] if i in text]
        assert not leaked, f"GET {rule.rule} shows tenant B's {leaked[:3]}"
        checked += 1
    assert checked >= 6


def test_another_tenants_ids_are_not_found(app, populated):
    client, _b, b_ids, _ = populated
    checked = 0
    for rule in _portal_rules(app, "GET"):
        if not _uuid_only(rule):
            continue
        for ident in b_ids:
            resp = client.get(_fill(rule, ident))
            assert resp.status_code == 404, f"GET {rule.rule} with B's id {ident}: {resp.status_code}"
            checked += 1
    assert checked > 0


def test_actions_on_another_tenants_ids_change_nothing(app, populated):
    client, b, b_ids, _ = populated
    with b.scope():
        before = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    checked = 0
    token = client.csrf_token()
    for rule in _portal_rules(app, "POST"):
        if not _uuid_only(rule):
            continue
        for ident in b_ids:
            resp = client.post(_fill(rule, ident), {"csrf_token": token, "active": "0", "name": "x",
                                                    "roles": "viewer"})
            assert resp.status_code >= 400, f"POST {rule.rule} with B's id {ident}: {resp.status_code}"
            checked += 1
    assert checked > 0
    with b.scope():
        after = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert after == before, "tenant A's requests changed tenant B's records"
