"""Seeding the embedded demo: a demo tenant and user, then each capability's demo data.

A capability adds demo data with a module `core/<capability>/demo.py` defining
`seed(base_url: str) -> None`; it runs inside the demo tenant's context, once, when the tenant
is created, in the order of `core.app.CAPABILITIES`.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from core.app import capability_modules
from core.db import system_session, unit_of_work
from core.tenancy import Actor, actor_context, tenant_context


def seed_demo(email: str, password: str, base_url: str) -> tuple[uuid.UUID, bool]:
    """Create the demo tenant unless its user exists. Returns (tenant id, created)."""
    from tenants import service
    from tenants.models import User

    with system_session() as s:
        existing = s.execute(select(User.tenant_id).where(User.email == email)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    with actor_context(Actor("system", None, "demo seed")):
        with unit_of_work():
            tenant, _user = service.signup(company="Demo Trading Co. 演示贸易", email=email, password=password,
                                           name="Demo Owner", currency="CNY", timezone="Asia/Shanghai",
                                           locale="zh_CN")
            tenant_id = tenant.id
        for module in capability_modules("demo"):
            with tenant_context(tenant_id), unit_of_work():
                module.seed(base_url)
    return tenant_id, True
