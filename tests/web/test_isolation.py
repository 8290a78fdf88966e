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
from tests.support import make_tenant
from tests.web.conftest import PortalClient


def _portal_rules(app, method):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static/", "/_emulators", "/webhooks")) or method not in rule.methods:
            continue
        yield rule


def _uuid_only(rule) -> bool:
    return bool(rule.arguments) and all(isinstance(c, UUIDConverter) for c in rule._converters.values())


def _targets(rule, samples: dict[str, str]) -> list[str]:
    """Paths of `rule` filled with tenant B's ids of the kind each argument names
    ("product_id" -> a row of "products"; "key_id" -> "api_keys"), or with one id of every
    kind when the name matches no table. Keeps the sweep fast as sections multiply."""
    choices = {}
    for name in rule.arguments:
        stem = name.removesuffix("_id")
        matching = [i for table, i in samples.items() if table.rstrip("s").endswith(stem)]
        choices[name] = matching or list(samples.values())
    paths = []
    for n in range(max(len(c) for c in choices.values())):
        path = rule.rule
        for name, ids in choices.items():
            path = path.replace(f"<uuid:{name}>", ids[n % len(ids)])
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def populated(app):
    """Tenant B with one of everything (every capability's populator), and a portal client
    of tenant A's owner. Built once per module: the populators are the slow part."""
    for mod in pkgutil.walk_packages(tests.__path__, "tests."):
        if mod.name.endswith(".populate"):
            importlib.import_module(mod.name)
    a, b = make_tenant(app, "Tenant A"), make_tenant(app, "Tenant B")
    for populate in POPULATORS:
        populate(b)
    client = PortalClient(app)
    client.log_in_as(a, a.owner_email)
    with b.scope():
        by_type: dict[str, set[str]] = {}
        for entity_type, entity_id in session.execute(select(AuditEntry.entity_type, AuditEntry.entity_id)):
            by_type.setdefault(entity_type, set()).add(entity_id)
        by_type["jobs"] = {str(i) for i in session.execute(select(Job.id)).scalars()}
        by_type["outbox_events"] = {str(i) for i in session.execute(select(OutboxEvent.id)).scalars()}
        secrets = set(session.execute(select(User.email)).scalars())
        secrets |= {f"tl_{p}" for p in session.execute(select(ApiKey.prefix)).scalars()}
    every_id = sorted(set().union(*by_type.values()))
    one_of_each = {table: min(ids) for table, ids in by_type.items() if ids}
    return client, b, every_id, one_of_each, sorted(secrets)


def test_pages_never_show_another_tenants_records(app, populated):
    client, b, b_ids, _, b_secrets = populated
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
    client, _b, _, samples, _ = populated
    checked = 0
    for rule in _portal_rules(app, "GET"):
        if not _uuid_only(rule):
            continue
        for path in _targets(rule, samples):
            resp = client.get(path)
            assert resp.status_code == 404, f"GET {path} (tenant B's id): {resp.status_code}"
            checked += 1
    assert checked > 0


def test_actions_on_another_tenants_ids_change_nothing(app, populated):
    client, b, _, samples, _ = populated
    with b.scope():
        before = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    checked = 0
    token = client.csrf_token()
    for rule in _portal_rules(app, "POST"):
        if not _uuid_only(rule):
            continue
        for path in _targets(rule, samples):
            resp = client.post(path, {"csrf_token": token, "active": "0", "name": "x", "roles": "viewer"})
            assert resp.status_code >= 400, f"POST {path} (tenant B's id): {resp.status_code}"
            checked += 1
    assert checked > 0
    with b.scope():
        after = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert after == before, "tenant A's requests changed tenant B's records"
