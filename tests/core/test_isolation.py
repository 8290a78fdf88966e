"""Every endpoint answers 404 for another tenant's ids, never lists them, and never changes
them (issue 2: tenancy tests with two tenants)."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from sqlalchemy import func, select

import tests
from core.audit import AuditEntry
from core.db import session
from core.events import OutboxEvent
from core.jobs import Job
from tests.populate import POPULATORS


def _load_populators() -> None:
    for mod in pkgutil.walk_packages(tests.__path__, "tests."):
        if mod.name.endswith(".populate"):
            importlib.import_module(mod.name)


@pytest.fixture
def populated(tenants):
    _load_populators()
    a, b = tenants
    for populate in POPULATORS:
        populate(b)
    with b.scope():
        # One record of every kind B has (every table its writes touched), plus a job and an
        # event: each endpoint is tried with each kind, which is what a leak would need.
        by_kind = dict(
            session.execute(
                select(AuditEntry.entity_type, func.min(AuditEntry.entity_id)).group_by(AuditEntry.entity_type)
            ).all()
        )
        ids = set(by_kind.values())
        ids |= {str(i) for i in session.execute(select(Job.id).limit(1)).scalars()}
        ids |= {str(i) for i in session.execute(select(OutboxEvent.id).limit(1)).scalars()}
    return a, b, sorted(ids)


def _api_rules(app, method):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and method in rule.methods and "openapi" not in rule.rule:
            yield rule


def _fill(rule, value):
    return re.sub(r"<[^>]+>", value, rule.rule)


def test_reads_of_other_tenants_ids_are_404(app, populated):
    a, _b, b_ids = populated
    checked = 0
    for rule in _api_rules(app, "GET"):
        if not any(conv for conv in rule._converters.values()):
            continue
        for ident in b_ids:
            resp = a.api.get(_fill(rule, ident))
            assert resp.status_code in (404, 405), f"GET {rule.rule} with B's id {ident}: {resp.status_code}"
            checked += 1
    assert checked > 0


def test_lists_never_show_other_tenants_records(app, populated):
    a, b, b_ids = populated
    for rule in _api_rules(app, "GET"):
        if rule.arguments:
            continue
        resp = a.api.get(rule.rule)
        text = resp.get_data(as_text=True)
        leaked = [i for i in b_ids if i in text]
        assert not leaked, f"GET {rule.rule} shows tenant B's ids {leaked[:3]}"
        assert b.owner_email not in text and str(b.id) not in text, f"GET {rule.rule} leaks tenant B"


def test_writes_aimed_at_other_tenants_ids_change_nothing(app, populated):
    a, b, b_ids = populated
    with b.scope():
        before = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        for rule in _api_rules(app, method):
            if not rule.arguments:
                continue
            for ident in b_ids:
                resp = a.api.request(method, _fill(rule, ident), {})
                assert resp.status_code in (404, 405, 422), (
                    f"{method} {rule.rule} with B's id {ident}: {resp.status_code} {resp.get_data(as_text=True)[:200]}"
                )
    with b.scope():
        after = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert after == before, "tenant A's requests changed tenant B's records"


def test_unknown_ids_are_404_on_every_endpoint(app, tenant_a):
    import uuid

    ghost = str(uuid.uuid4())
    for rule in _api_rules(app, "GET"):
        if rule.arguments:
            resp = tenant_a.api.get(_fill(rule, ghost))
            assert resp.status_code == 404, f"GET {rule.rule}: {resp.status_code}"
            assert resp.get_json()["code"] == 404
