"""The dashboard shows real figures of the caller's own tenant."""

from __future__ import annotations

import re

from core import events, jobs
from tests.fixtures.events import Counted
from web import dashboard
from web.dashboard import Card


def _cards(client) -> dict[str, str]:
    body = client.get("/").get_data(as_text=True)
    titles = re.findall(r'<div class="card-title">([^<]+)</div>', body)
    values = [
        re.sub(r"<[^>]+>", "", v).strip() for v in re.findall(r'<div class="card-value">(.*?)</div>', body, re.DOTALL)
    ]
    return dict(zip(titles, values))


def test_figures_count_only_the_tenants_own_records(portal, tenant_a, tenant_b):
    assert (
        tenant_a.api.post(
            "connections",
            {
                "kind": "channel",
                "plugin": "dummy",
                "display_name": "Good shop",
                "settings": {"shop": "g", "api_token": "good-token"},
            },
        ).status_code
        == 201
    )
    assert (
        tenant_a.api.post(
            "connections",
            {
                "kind": "channel",
                "plugin": "dummy",
                "display_name": "Bad shop",
                "settings": {"shop": "b", "api_token": "wrong"},
            },
        ).status_code
        == 201
    )
    for conn_id in [c["id"] for c in tenant_a.api.get("connections").get_json()]:
        assert tenant_a.api.post(f"connections/{conn_id}/test").status_code == 200
    with tenant_a.scope():
        jobs.enqueue("test.broken")
        events.emit("test.fails", Counted(counter="dash"), entity_type="tenant", entity_id=tenant_a.id)
    events.dispatcher().wait_idle()
    cards = _cards(portal(tenant_a))
    assert cards["Connections OK"] == "1" and cards["Connections with errors"] == "1"
    assert cards["Jobs failed (24 h)"] == "1" and cards["Jobs running"] == "0"
    assert cards["Failed event deliveries"] == "1"
    assert cards["Active users"] == "1" and cards["API keys in use"] == "1"

    other = _cards(portal(tenant_b))
    assert other["Connections with errors"] == "0" and other["Jobs failed (24 h)"] == "0"
    assert other["Failed event deliveries"] == "0"


def test_cards_follow_the_role(portal, tenant_a):
    viewer = _cards(portal(tenant_a, "viewer"))
    assert "Jobs running" in viewer and "Connections OK" in viewer
    assert "Active users" not in viewer and "Failed event deliveries" not in viewer


def test_a_broken_card_is_reported_and_the_others_still_show(portal, tenant_a, monkeypatch):
    def broken() -> Card:
        raise RuntimeError("card bug")

    sources = dict(dashboard._sources)
    monkeypatch.setattr(dashboard, "_sources", sources)
    dashboard.card("jobs:read", order=1)(broken)
    client = portal(tenant_a)
    page = client.text("/")
    assert "Some figures could not be loaded" in page
    assert "Jobs running" in _cards(client)
