"""Who is acting, and for which tenant.

The current tenant lives in a ContextVar that raises when unset: there is no "no tenant means
no filter". It is entered at exactly three doors: a web request (from the authenticated user
or API key), a job (the tenant id travels as a job argument) and the CLI. Code that must work
across tenants (authentication lookups, the scheduler's fan-out) uses `core.db.system_session`
instead, which is explicit and greppable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class NoTenantError(RuntimeError):
    """Raised when tenant-owned data is touched outside a tenant context."""


_tenant: ContextVar[uuid.UUID | None] = ContextVar("tradelane_tenant", default=None)


def current_tenant_id() -> uuid.UUID:
    tenant_id = _tenant.get()
    if tenant_id is None:
        raise NoTenantError("no tenant is set: enter tenant_context() first")
    return tenant_id


def maybe_tenant_id() -> uuid.UUID | None:
    return _tenant.get()


@contextmanager
def tenant_context(tenant_id: uuid.UUID | str) -> Iterator[uuid.UUID]:
    tid = tenant_id if isinstance(tenant_id, uuid.UUID) else uuid.UUID(str(tenant_id))
    token = _tenant.set(tid)
    try:
        yield tid
    finally:
        _tenant.reset(token)


@dataclass(frozen=True)
class Actor:
    """Who performs a write: recorded in the audit log and on document timelines."""

    kind: str  # "user" | "api_key" | "job" | "cli" | "system"
    id: str | None = None
    label: str = ""

    def __str__(self) -> str:
        return self.label or f"{self.kind}:{self.id}"


SYSTEM = Actor("system", None, "system")
_actor: ContextVar[Actor] = ContextVar("tradelane_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _actor.get()


@contextmanager
def actor_context(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)
