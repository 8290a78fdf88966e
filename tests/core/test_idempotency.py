"""The Idempotency-Key protocol at the door (core/idempotency.py): a copy arriving while its
first is still running is told 409, a claim whose request died is taken over, records are per
principal, a failed request gives its key back. Two real processes racing are in
test_idempotency_concurrency.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import idempotency
from core.db import new_session, session
from core.idempotency import IdempotencyRecord
from tenants.models import ApiKey
from tests.support import body


def _key_id(tenant, plaintext: str) -> str:
    prefix = plaintext.split("_")[1]
    with tenant.scope():
        return str(session.execute(select(ApiKey.id).where(ApiKey.prefix == prefix)).scalar_one())


def _claim(tenant, key: str, payload: bytes, principal: str) -> idempotency.Claim:
    with tenant.scope():
        outcome = idempotency.claim(
            key=key,
            principal=principal,
            method="POST",
            path="/api/v1/suppliers",
            fingerprint=idempotency.request_fingerprint("POST", "/api/v1/suppliers?", payload),
            wait=0,
        )
    assert isinstance(outcome, idempotency.Claim)
    return outcome


@pytest.fixture
def short_wait(app):
    before = app.config.get("IDEMPOTENCY_WAIT_SECONDS")
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = 0.3
    yield
    app.config["IDEMPOTENCY_WAIT_SECONDS"] = before


def test_a_copy_of_a_request_still_running_is_told_409(tenant_a, short_wait):
    payload = b'{"name": "Running Co"}'
    claim = _claim(tenant_a, "busy-1", payload, _key_id(tenant_a, tenant_a.keys["owner"]))
    with tenant_a.scope():
        running = new_session()  # the first request's transaction, holding its claim
        running.begin()
        running.execute(select(IdempotencyRecord).where(IdempotencyRecord.id == claim.id).with_for_update())
        try:
            resp = tenant_a.api.client.post(
                "/api/v1/suppliers",
                data=payload,
                headers={
                    **tenant_a.api._headers(None),
                    "Idempotency-Key": "busy-1",
                    "Content-Type": "application/json",
                },
            )
        finally:
            running.rollback()
            running.close()
    assert resp.status_code == 409 and resp.headers["Retry-After"] == "1"
    assert "in progress" in body(resp)["message"] and "Idempotency-Key" in body(resp)["errors"]
    assert not [s for s in body(tenant_a.api.get("suppliers")) if s["name"] == "Running Co"]


def test_a_claim_whose_request_died_is_taken_over(tenant_a, short_wait):
    payload = b'{"name": "Orphan Co"}'
    claim = _claim(tenant_a, "died-1", payload, _key_id(tenant_a, tenant_a.keys["owner"]))
    with tenant_a.scope():  # and nobody holds it, for longer than a live request takes to lock it
        record = session.get(IdempotencyRecord, claim.id)
        record.created_at -= idempotency.GRACE * 2
    young = _claim(tenant_a, "died-2", payload, _key_id(tenant_a, tenant_a.keys["owner"]))
    assert young  # a claim just made and not yet locked is presumed alive: a copy waits, then 409
    early = tenant_a.api.client.post(
        "/api/v1/suppliers",
        data=payload,
        headers={**tenant_a.api._headers(None), "Idempotency-Key": "died-2", "Content-Type": "application/json"},
    )
    assert early.status_code == 409
    headers = {**tenant_a.api._headers(None), "Idempotency-Key": "died-1", "Content-Type": "application/json"}
    resp = tenant_a.api.client.post("/api/v1/suppliers", data=payload, headers=headers)
    assert resp.status_code == 201, body(resp)
    again = tenant_a.api.client.post("/api/v1/suppliers", data=payload, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and body(again)["id"] == body(resp)["id"]


def test_records_are_per_principal(tenant_a):
    other = tenant_a.client_with_roles("admin")
    headers = {"Idempotency-Key": "same-key-two-callers"}
    mine = tenant_a.api.post("api-keys", {"name": "mine", "roles": ["viewer"]}, headers=headers)
    theirs = other.post("api-keys", {"name": "mine", "roles": ["viewer"]}, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers and body(theirs)["id"] != body(mine)["id"]


def test_the_same_key_on_another_endpoint_is_another_request(tenant_a):
    headers = {"Idempotency-Key": "one-key-two-paths"}
    supplier = tenant_a.api.post("suppliers", {"name": "Two Paths Co"}, headers=headers)
    key = tenant_a.api.post("api-keys", {"name": "two paths", "roles": ["viewer"]}, headers=headers)
    assert supplier.status_code == key.status_code == 201 and "Idempotent-Replayed" not in key.headers


@pytest.mark.parametrize("key", ["x" * 201, "caf\u00e9", " "])
def test_a_malformed_key_is_422(tenant_a, key):
    resp = tenant_a.api.client.post(
        "/api/v1/suppliers",
        json={"name": "Key Co"},
        headers={**tenant_a.api._headers(None), "Idempotency-Key": key.encode("latin-1").decode("latin-1")},
    )
    assert resp.status_code == 422 and "Idempotency-Key" in body(resp)["errors"]


def test_a_failed_request_gives_its_key_back(tenant_a):
    headers = {"Idempotency-Key": "fails-first"}
    assert tenant_a.api.post("suppliers", {"name": ""}, headers=headers).status_code == 422
    with tenant_a.scope():
        assert idempotency.find("fails-first") is None
    assert tenant_a.api.post("suppliers", {"name": "Fixed Co"}, headers=headers).status_code == 201
