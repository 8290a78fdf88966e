"""A portal list whose total is the planner's estimate (beyond core.db.EXACT_COUNT_LIMIT rows)
says "about N" ("约 N" in zh-CN); an exact count says N."""

from __future__ import annotations

import re

from core.audit import AuditEntry
from core.db import bulk_insert, utcnow, uuid7
from tests.web.conftest import visible_text


def _audit_rows(tenant, n):
    now = utcnow()
    rows = [
        {
            "id": uuid7(),
            "tenant_id": tenant.id,
            "created_at": now,
            "updated_at": now,
            "actor_type": "system",
            "actor_id": None,
            "actor_label": "test",
            "action": "create",
            "entity_type": "thing",
            "entity_id": f"estimate-{i}",
            "before": None,
            "after": {},
        }
        for i in range(n)
    ]
    with tenant.scope():
        bulk_insert(AuditEntry.__table__, rows)


def test_an_estimated_total_reads_about_n_and_an_exact_one_n(portal, tenant_a, monkeypatch):
    from core import db

    _audit_rows(tenant_a, 8)
    owner = portal(tenant_a)
    exact = owner.text("/audit/")
    assert re.search(r"1–\d+ of \d+", exact) and "of about" not in exact

    monkeypatch.setattr(db, "EXACT_COUNT_LIMIT", 3)
    assert re.search(r"1–\d+ of about \d+", owner.text("/audit/"))
    owner.post("/locale", {"locale": "zh_CN", "next": "/audit/"})
    zh = visible_text(owner.get("/audit/").get_data(as_text=True))
    assert re.search(r"第 1–\d+ 条，约 \d+ 条", zh), zh[-400:]
