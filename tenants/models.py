"""Tables of tenants, users, API keys and plugin connections."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantMixin, utcnow, uuid7


class Tenant(Base):
    """A seller's company. The tenant row itself is the root of isolation: on PostgreSQL its
    policy lets a tenant session see only its own row."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(200))
    functional_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    default_locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    # Separation of duties: products, suppliers, purchase orders and stocking requests must be
    # approved by another person than the one who submitted (or created) them.
    separate_approver: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class User(TenantMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Login finds the tenant from the e-mail address, so an address is unique across
        # tenants (docs/decisions/0002-login-directory.md).
        UniqueConstraint("email"),
        Index(None, "tenant_id", "created_at"),
    )

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200), info={"secret": True})
    roles: Mapped[list] = mapped_column(default=list)
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Bumped when the password changes: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Password guessing: failures since the last success or lock; logins refused until then.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()


class ApiKey(TenantMixin, Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("prefix"),  # looked up before the tenant is known, like users.email
        Index(None, "tenant_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), info={"secret": True})
    roles: Mapped[list] = mapped_column(default=list)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class PluginConnection(TenantMixin, Base):
    """A tenant's account at a channel, carrier or accounting system."""

    __tablename__ = "plugin_connections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "display_name"),
        Index(None, "tenant_id", "kind", "plugin"),
    )

    kind: Mapped[str] = mapped_column(String(16))  # channel | carrier | accounting
    plugin: Mapped[str] = mapped_column(String(64))  # the adapter's name, e.g. "shopify"
    display_name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict] = mapped_column(default=dict)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, info={"secret": True})
    # What the adapter keeps between calls (cached access tokens...): encrypted like credentials.
    state_encrypted: Mapped[str | None] = mapped_column(Text, info={"secret": True})
    account: Mapped[str] = mapped_column(String(200), default="")  # what check_connection reported
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="untested")  # untested | ok | error
    last_checked_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
