"""Roles and what they may do.

Permissions are "<area>:<action>". Endpoints declare the permission they need; a role grants
a set of permissions, where "*" in either part is a wildcard ("*:read" reads everything).
"""

from __future__ import annotations

from collections.abc import Iterable

from core.messages import Msg

ROLES = ("owner", "admin", "operations", "purchasing", "warehouse", "finance", "viewer")

AREAS = (
    "catalog",
    "suppliers",
    "purchasing",
    "inventory",
    "orders",
    "shipping",
    "finance",
    "connections",
    "jobs",
    "settings",
    "audit",
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "owner": frozenset({"*"}),
    "admin": frozenset({"*"}),
    "operations": frozenset(
        {
            "orders:*",
            "shipping:*",
            "connections:read",
            "connections:sync",
            "catalog:read",
            "catalog:map",
            "inventory:read",
            "suppliers:read",
            "purchasing:read",
            "jobs:*",
        }
    ),
    "purchasing": frozenset(
        {
            "catalog:*",
            "suppliers:*",
            "purchasing:*",
            "inventory:read",
            "orders:read",
            "jobs:*",
        }
    ),
    "warehouse": frozenset(
        {
            "inventory:*",
            "purchasing:read",
            "purchasing:receive",
            "shipping:*",
            "orders:read",
            "orders:fulfil",
            "catalog:read",
            "suppliers:read",
            "jobs:*",
        }
    ),
    "finance": frozenset({"finance:*", "*:read", "orders:pii", "audit:read", "audit:park"}),
    "viewer": frozenset({"*:read"}),
}

# Reading these needs more than "*:read": they hold personal data or security settings.
SENSITIVE = frozenset({"orders:pii", "audit:read", "settings:read"})


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for role in roles:
        out |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(out)


def allows(granted: Iterable[str], needed: str) -> bool:
    area, _, action = needed.partition(":")
    for grant in granted:
        if grant == "*" or grant == needed:
            return True
        g_area, _, g_action = grant.partition(":")
        if needed in SENSITIVE and g_area == "*":
            continue  # "*:read" does not open personal data or security settings
        if g_area in ("*", area) and g_action in ("*", action):
            return True
    return False


def validate_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        from core.errors import ValidationError

        raise ValidationError.field(
            "roles", Msg("tenants.unknown_role_use", items=", ".join(unknown), items_2=", ".join(ROLES))
        )
    if not roles:
        from core.errors import ValidationError

        raise ValidationError.field("roles", Msg("tenants.role_required"))
    return roles
