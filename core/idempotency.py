"""`Idempotency-Key` on creating requests (DESIGN §8; the IETF draft "The Idempotency-Key HTTP
Header Field", draft-ietf-httpapi-idempotency-key-header, and Stripe's behaviour).

A key is claimed before its request runs, in a short transaction of its own: a row "in
progress", unique per tenant, principal, method, path and key. Then

- the request's own transaction locks that row first (SELECT ... FOR UPDATE) and, when the
  request succeeds, stores the response in it: the writes and the record commit together;
- a request that fails (a status of 400 or more, or an exception) releases its claim, so the
  client may retry with the same key;
- a concurrent copy finds the row in progress and locked: it waits up to `wait` seconds for the
  first to finish and replays its response, or else is told 409 (`InProgress`);
- the same key with another body is refused (`KeyReused`, 422);
- a row in progress that no transaction holds, older than `GRACE`, belongs to a request whose
  process died: the next request with the key takes it over (the dead one's writes were rolled
  back with it). A claim carries a random token, so a request whose claim was taken over
  before it could lock it finds out, and runs nothing.

Records are per principal (user or API key): another caller of the same tenant who happens to
send the same key gets a request of its own, never the first caller's response.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, TenantMixin, new_session, session, utcnow, uuid7
from core.jobs import JobContext, job, periodic
from core.tenancy import current_tenant_id

MAX_KEY_LENGTH = 200
RETENTION = timedelta(days=1)
POLL = 0.05  # seconds between looks at a claim held by a concurrent copy
# A claim is committed a moment before its request locks it: a claim younger than this is
# presumed alive even when unlocked, so a copy arriving in that moment waits instead of taking
# it over. SQLite (the embedded demo) has no row locks to tell a live claim from a dead one:
# there a claim is taken over only when it is older than any request can run.
GRACE = timedelta(seconds=5)
SQLITE_LEASE = timedelta(minutes=10)

IN_PROGRESS = "in_progress"
DONE = "done"


class IdempotencyRecord(TenantMixin, Base):
    __tablename__ = "idempotency_keys"
    __audit__ = False
    __table_args__ = (
        UniqueConstraint("tenant_id", "principal", "method", "path", "key"),
        Index(None, "tenant_id", "created_at"),
    )

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    principal: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS)
    token: Mapped[str] = mapped_column(String(32))  # which claim holds the row
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    token: str


@dataclass(frozen=True)
class Replay:
    status_code: int
    content_type: str
    body: str


class InProgress(Exception):
    """A request with this key is still running (the caller answers 409)."""


class KeyReused(Exception):
    """The key was already used for a different request (the caller answers 422)."""


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        h.update(part)
    return h.hexdigest()


def claim(*, key: str, principal: str, method: str, path: str, fingerprint: str, wait: float) -> Claim | Replay:
    """Claim `key` for this request, or return the response of the request that had it.
    Raises InProgress after `wait` seconds of a concurrent copy still running, KeyReused when
    the key belongs to a different request."""
    scope = {"key": key, "principal": principal, "method": method, "path": path[:500]}
    deadline = time.monotonic() + wait
    while True:
        with new_session() as s, s.begin():
            outcome = _try_claim(s, scope, fingerprint)
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            raise InProgress
        time.sleep(POLL)


def _try_claim(s: Session, scope: dict[str, str], fingerprint: str) -> Claim | Replay | None:
    """One attempt in one short transaction; None while a live request holds the key."""
    token = secrets.token_hex(16)
    values = {**scope, "id": uuid7(), "tenant_id": current_tenant_id(), "request_hash": fingerprint}
    values |= {"state": IN_PROGRESS, "token": token, "created_at": utcnow(), "updated_at": utcnow()}
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    columns = ("tenant_id", *scope)
    stmt = insert(IdempotencyRecord).values(**values).on_conflict_do_nothing(index_elements=columns)
    if s.execute(stmt.returning(IdempotencyRecord.id)).scalar_one_or_none() is not None:
        return Claim(values["id"], token)
    match = [getattr(IdempotencyRecord, name) == value for name, value in scope.items()]
    row = s.execute(select(IdempotencyRecord).where(*match).with_for_update(skip_locked=True)).scalar_one_or_none()
    if row is None:
        # Locked by the live request that holds it, or released a moment ago: look again.
        return None
    now = utcnow()
    if row.created_at <= now - RETENTION:
        s.delete(row)  # an expired record: the key is free again
        s.flush()
        return _try_claim(s, scope, fingerprint)
    if row.request_hash != fingerprint:
        raise KeyReused
    if row.state == DONE:
        return Replay(row.status_code or 200, row.content_type or "application/json", row.body or "")
    if row.created_at > now - (SQLITE_LEASE if s.get_bind().dialect.name == "sqlite" else GRACE):
        return None
    # In progress, yet no transaction holds it: its request died. Take the claim over.
    row.token, row.created_at = token, now
    return Claim(row.id, token)


def hold(c: Claim) -> bool:
    """Lock the claimed row in the request's own transaction (the scoped session) until it ends.
    False when the claim was taken over before the lock: the request must not run."""
    row = session.execute(
        select(IdempotencyRecord.id)
        .where(IdempotencyRecord.id == c.id, IdempotencyRecord.token == c.token)
        .with_for_update()
    ).scalar_one_or_none()
    return row is not None


def complete(c: Claim, *, status_code: int, content_type: str, body: str) -> None:
    """Store the response in the claimed row, in the request's transaction (committed with its
    writes by the door)."""
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == c.id, IdempotencyRecord.token == c.token)
        .values(state=DONE, status_code=status_code, content_type=content_type[:100], body=body, updated_at=utcnow())
    )


def release(c: Claim) -> None:
    """Give the key back after a failed request. Runs in a transaction of its own, after the
    request's transaction has ended (it held the row's lock)."""
    with new_session() as s, s.begin():
        s.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.id == c.id, IdempotencyRecord.token == c.token, IdempotencyRecord.state == IN_PROGRESS
            )
        )


def find(key: str, *, principal: str | None = None) -> IdempotencyRecord | None:
    """The live record of `key` in the current tenant (of one principal when given)."""
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.key == key, IdempotencyRecord.created_at > utcnow() - RETENTION
    )
    if principal is not None:
        stmt = stmt.where(IdempotencyRecord.principal == principal)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def purge_expired() -> int:
    return session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= utcnow() - RETENTION)
    ).rowcount


@job("idempotency.purge", max_attempts=1)
def _purge_job(ctx: JobContext) -> dict:
    return {"purged": purge_expired()}


periodic("idempotency.purge", timedelta(hours=6))
