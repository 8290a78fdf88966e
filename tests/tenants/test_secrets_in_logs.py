"""A failing INSERT into a table that holds secrets must not write them into the log.

SQLAlchemy's error message lists the statement's parameters and PostgreSQL's DETAIL quotes the
failing row; whoever logs the error (the 500 handler, the commit's integrity log, a job's
retry) would otherwise write the argon2 password hash or the API key's hash into the log."""

from __future__ import annotations

import logging

import pytest

from tenants import service


@pytest.fixture
def log(app, caplog, monkeypatch):
    """The application log of the test, as a production process would write it."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a 500 is logged, not raised
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def key_hashes(monkeypatch):
    """Every API key hash the service computes in this test."""
    made: list[str] = []
    real = service._hash_secret

    def recording(secret):
        made.append(real(secret))
        return made[-1]

    monkeypatch.setattr(service, "_hash_secret", recording)
    return made


def _bad_text(monkeypatch, field, value):
    """The service's text check lets `value` through for `field`, as a validation gap would."""
    real = service._text
    monkeypatch.setattr(service, "_text", lambda v, f, *a, **k: value if f == field else real(v, f, *a, **k))


def _new_user(tenant):
    return tenant.api.post(
        "users", {"email": "new-hire@example.test", "password": "long enough pw", "roles": ["viewer"]}
    )


class _Unadaptable:
    """A value the driver cannot send: a bug of the kind that makes an INSERT fail with a 500."""


def test_a_failing_user_insert_logs_no_password_hash(tenant_a, log, monkeypatch):
    _bad_text(monkeypatch, "name", _Unadaptable())
    resp = _new_user(tenant_a)
    assert resp.status_code == 500
    assert "INSERT INTO users" in log.text, "the failure is logged with its statement"
    assert "$argon2" not in log.text
    assert "parameters hidden" in log.text


def test_a_failing_api_key_insert_logs_no_key_hash(tenant_a, log, monkeypatch, key_hashes):
    _bad_text(monkeypatch, "name", _Unadaptable())
    resp = tenant_a.api.post("api-keys", {"name": "bridge", "roles": ["viewer"]})
    assert resp.status_code == 500
    assert "INSERT INTO api_keys" in log.text and key_hashes
    assert not [h for h in key_hashes if h in log.text]


def test_a_value_the_database_refuses_logs_no_password_hash(tenant_a, log, monkeypatch):
    """The door answers 422 for what the database cannot hold and logs its first line only;
    the password hash stays out of that path too."""
    _bad_text(monkeypatch, "name", "nul\x00byte")
    resp = _new_user(tenant_a)
    assert resp.status_code == 422
    assert "$argon2" not in log.text


def test_the_databases_detail_of_a_failing_row_is_not_kept(app, tenant_a):
    """PostgreSQL quotes a failing row in its DETAIL unless row-level security hides it, which
    it does not for a role that bypasses it: the schema owner with BYPASSRLS that system
    sessions (login, API key lookup) run as in production. The message keeps the primary error."""
    from sqlalchemy.exc import IntegrityError

    from core.db import system_session
    from tenants.models import User

    stored = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    with pytest.raises(IntegrityError) as failed, system_session() as s:
        s.add(User(tenant_id=tenant_a.id, email=None, password_hash=stored, roles=["viewer"]))
        s.flush()
    message = str(failed.value)
    assert 'null value in column "email" of relation "users"' in message
    assert stored not in message and "Failing row" not in message


def test_errors_of_tables_without_secrets_keep_their_parameters(app, tenant_a):
    """Only secret-holding tables lose the detail: elsewhere it is what makes a failure
    debuggable."""
    from sqlalchemy import text
    from sqlalchemy.exc import DataError

    from core.db import session

    with tenant_a.scope(), pytest.raises(DataError) as failed:
        session.execute(text("SELECT CAST(:v AS integer)"), {"v": "not a number"})
    assert "not a number" in str(failed.value)
