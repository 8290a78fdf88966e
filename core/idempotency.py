"""`Idempotency-Key` on creating requests (DESIGN §8).

The first successful response to a key is stored in the same transaction as the writes it
made. Repeating the same request with the key replays that response and creates nothing;
reusing the key for a different request is refused with 422. Two concurrent requests with one
key cannot both commit: the unique key makes the second fail, and it is answered with 409.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantMixin, session, utcnow
from core.jobs import JobContext, job, periodic

MAX_KEY_LENGTH = 200
RETENTION = timedelta(days=1)


class IdempotencyRecord(TenantMixin, Base):
    __tablename__ = "idempotency_keys"
    __audit__ = False
    __table_args__ = (UniqueConstraint("tenant_id", "key"), Index(None, "tenant_id", "created_at"))

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    principal: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100), default="application/json")
    body: Mapped[str] = mapped_column(Text)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    h = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        h.update(part)
    return h.hexdigest()


def find(key: str) -> IdempotencyRecord | None:
    return session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.key == key,
                                        IdempotencyRecord.created_at > utcnow() - RETENTION)
    ).scalar_one_or_none()


def store(*, key: str, principal: str, method: str, path: str, fingerprint: str, status_code: int,
          content_type: str, body: str) -> None:
    # An expired record under the same key is replaced.
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key == key))
    session.add(IdempotencyRecord(key=key, principal=principal, method=method, path=path[:500],
                                  request_hash=fingerprint, status_code=status_code,
                                  content_type=content_type[:100], body=body))
    session.flush()


def purge_expired() -> int:
    return session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= utcnow() - RETENTION)
    ).rowcount


@job("idempotency.purge", max_attempts=1)
def _purge_job(ctx: JobContext) -> dict:
    return {"purged": purge_expired()}


periodic("idempotency.purge", timedelta(hours=6))
