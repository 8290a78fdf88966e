"""DESIGN §8: error bodies, status codes, pagination, idempotency, OpenAPI, auth on every route."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.db import session
from core.idempotency import IdempotencyRecord
from tests.support import body, pagination


def test_validation_error_names_the_field(tenant_a):
    resp = tenant_a.api.post("users", {"email": "not-an-email", "password": "long enough pw", "roles": ["viewer"]})
    assert resp.status_code == 422
    data = body(resp)
    assert set(data) == {"code", "status", "message", "errors", "error_codes"}
    assert data["code"] == 422 and "email" in data["errors"]
    assert data["error_codes"]["email"] == [{"code": "tenants.email_invalid", "params": {}}]


def test_schema_errors_are_flat_and_name_every_bad_field(tenant_a):
    resp = tenant_a.api.post("users", {"email": "a@b.co", "roles": ["wizard"], "surprise": 1})
    data = body(resp)
    assert resp.status_code == 422
    assert {"password", "roles.0", "surprise"} <= set(data["errors"]), data
    assert data["message"].startswith("password: "), "the message names the first bad field"


def test_malformed_json_is_a_4xx_not_a_500(tenant_a):
    resp = tenant_a.api.client.post(
        "/api/v1/users",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {tenant_a.keys['owner']}"},
    )
    assert 400 <= resp.status_code < 500
    assert body(resp)["code"] == resp.status_code


def test_invalid_state_transition_is_409_naming_the_state(tenant_a):
    key_id = body(tenant_a.api.post("api-keys", {"name": "temp", "roles": ["viewer"]}))["id"]
    assert tenant_a.api.delete(f"api-keys/{key_id}").status_code == 204
    resp = tenant_a.api.delete(f"api-keys/{key_id}")
    assert resp.status_code == 409
    assert "revoked" in body(resp)["message"]


def test_unknown_route_and_id_are_json_404(tenant_a):
    assert body(tenant_a.api.get("no-such-thing"))["code"] == 404
    resp = tenant_a.api.get("users/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 404 and body(resp)["status"] == "Not Found"


def test_lists_paginate_with_x_pagination(tenant_a):
    for i in range(3):
        tenant_a.api.post("api-keys", {"name": f"k{i}", "roles": ["viewer"]})
    resp = tenant_a.api.get("api-keys?page=2&page_size=2")
    assert resp.status_code == 200
    meta = pagination(resp)
    assert meta["total"] == 4 and meta["total_pages"] == 2 and meta["page"] == 2
    assert len(body(resp)) == 2
    assert tenant_a.api.get("api-keys?page_size=100000").status_code == 422


def test_idempotency_key_replays_and_creates_nothing_new(tenant_a):
    headers = {"Idempotency-Key": "create-robot-1"}
    first = tenant_a.api.post("api-keys", {"name": "robot", "roles": ["viewer"]}, headers=headers)
    second = tenant_a.api.post("api-keys", {"name": "robot", "roles": ["viewer"]}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    # The new key is shown once: the replay answers it masked, and nothing stored holds it.
    secret = body(first)["key"]
    assert body(second) == {**body(first), "key": secret.rsplit("_", 1)[0] + "_****"}
    with tenant_a.scope():
        stored = session.execute(select(IdempotencyRecord.body)).scalars().all()
    assert stored and not any(secret in b or secret.rsplit("_", 1)[1] in b for b in stored)
    names = [k["name"] for k in body(tenant_a.api.get("api-keys"))]
    assert names.count("robot") == 1


def test_idempotency_key_with_another_body_is_422(tenant_a):
    headers = {"Idempotency-Key": "create-robot-2"}
    assert tenant_a.api.post("api-keys", {"name": "one", "roles": ["viewer"]}, headers=headers).status_code == 201
    resp = tenant_a.api.post("api-keys", {"name": "two", "roles": ["viewer"]}, headers=headers)
    assert resp.status_code == 422 and "Idempotency-Key" in body(resp)["errors"]


def test_idempotency_keys_are_per_tenant(tenants):
    a, b = tenants
    headers = {"Idempotency-Key": "shared-key"}
    ra = a.api.post("api-keys", {"name": "a", "roles": ["viewer"]}, headers=headers)
    rb = b.api.post("api-keys", {"name": "b", "roles": ["viewer"]}, headers=headers)
    assert ra.status_code == rb.status_code == 201 and body(ra)["id"] != body(rb)["id"]


def test_failed_request_with_idempotency_key_is_not_stored(tenant_a):
    headers = {"Idempotency-Key": "retry-after-fix"}
    bad = tenant_a.api.post("api-keys", {"name": "", "roles": ["viewer"]}, headers=headers)
    assert bad.status_code == 422
    # A refused request stored nothing, so the corrected request may reuse its key...
    good = tenant_a.api.post("api-keys", {"name": "fixed", "roles": ["viewer"]}, headers=headers)
    assert good.status_code == 201
    # ...and from then on the key belongs to the corrected request.
    again = tenant_a.api.post("api-keys", {"name": "fixed", "roles": ["viewer"]}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and body(again)["id"] == body(good)["id"]


def test_openapi_documents_the_api(app):
    resp = app.test_client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = json.loads(resp.data)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/jobs/{job_id}" in spec["paths"] and "/api/v1/connections" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    # OpenAPI 3 has no `formData` parameters: a multipart upload is one requestBody.
    in_form_data = [
        (path, method)
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
        if isinstance(op, dict)
        for param in op.get("parameters", [])
        if param.get("in") not in ("path", "query", "header", "cookie")
    ]
    assert in_form_data == []
    upload = spec["paths"]["/api/v1/products/{product_id}/images"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


def test_every_api_endpoint_declares_its_permission(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        targets = [getattr(view_class, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}] if view_class else [view]
        for target in targets:
            if not hasattr(target, "tradelane_permission"):
                missing.append(f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {rule.rule}")
    assert not missing, f"endpoints without @requires/@public: {missing}"


def test_anonymous_requests_are_401(app):
    resp = app.test_client().get("/api/v1/users")
    assert resp.status_code == 401 and body(resp)["code"] == 401
    resp = app.test_client().get("/api/v1/users", headers={"Authorization": "Bearer tl_nope_nope"})
    assert resp.status_code == 401


def test_roles_decide_what_a_key_may_do(tenant_a):
    viewer = tenant_a.client_with_roles("viewer")
    assert viewer.get("jobs").status_code == 200
    assert viewer.post("api-keys", {"name": "x", "roles": ["viewer"]}).status_code == 403
    assert viewer.get("users").status_code == 403  # settings are not for every reader
    ops = tenant_a.client_with_roles("operations")
    assert ops.get("connections").status_code == 200
    assert (
        ops.post(
            "connections",
            {"kind": "channel", "plugin": "dummy", "display_name": "x", "settings": {"shop": "s", "api_token": "t"}},
        ).status_code
        == 403
    )


def test_cookie_session_writes_need_the_csrf_token(app, tenant_a):
    client = app.test_client()
    resp = client.post("/api/v1/auth/login", json={"email": tenant_a.owner_email, "password": tenant_a.password})
    assert resp.status_code == 200, body(resp)
    token = body(resp)["csrf_token"]
    refused = client.post("/api/v1/api-keys", json={"name": "x", "roles": ["viewer"]})
    assert refused.status_code == 400 and "csrf_token" in body(refused)["errors"]
    resp = client.post("/api/v1/api-keys", json={"name": "x", "roles": ["viewer"]}, headers={"X-CSRFToken": token})
    assert resp.status_code == 201


def test_nested_field_errors_use_dotted_paths(tenant_a):
    resp = tenant_a.api.post(
        "connections",
        {
            "kind": "channel",
            "plugin": "dummy",
            "display_name": "x",
            "settings": {"shop": "s", "api_token": "t"},
            "enabled": "maybe",
        },
    )
    assert resp.status_code == 422 and "enabled" in body(resp)["errors"]
    resp = tenant_a.api.patch("users/00000000-0000-0000-0000-000000000000", {"roles": ["viewer", 5]})
    assert resp.status_code == 422 and "roles.1" in body(resp)["errors"], body(resp)


def test_permission_is_checked_before_the_body(app, tenant_a):
    viewer = tenant_a.client_with_roles("viewer")
    resp = viewer.post("api-keys", {"name": 12345, "roles": "not a list"})
    assert resp.status_code == 403, body(resp)
    resp = app.test_client().post("/api/v1/users", json={"bogus": True})
    assert resp.status_code == 401


def test_health_answers_without_authentication_after_reaching_the_database(app):
    resp = app.test_client().get("/api/v1/health")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}
