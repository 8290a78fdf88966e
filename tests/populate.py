"""Give a tenant one of everything, through the API and services, for the cross-tenant tests.

Every capability registers a populator in its own `tests/**/populate.py` module with
`@populator`; `tests/core/test_isolation.py` runs them all for tenant B and then proves that
tenant A can neither read nor change any of it through any endpoint.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from tests.fixtures.events import Counted
from tests.support import TenantHandle

POPULATORS: list[Callable[[TenantHandle], None]] = []


def populator(func: Callable[[TenantHandle], None]) -> Callable[[TenantHandle], None]:
    POPULATORS.append(func)
    return func


@populator
def foundation(tenant: TenantHandle) -> None:
    from core import events, jobs

    api = tenant.api
    assert (
        api.post(
            "users",
            {
                "email": f"staff-{secrets.token_hex(6)}@example.test",
                "password": "long enough pw",
                "roles": ["operations"],
            },
        ).status_code
        == 201
    )
    assert api.post("api-keys", {"name": "robot", "roles": ["viewer"]}).status_code == 201
    assert (
        api.post(
            "connections",
            {
                "kind": "channel",
                "plugin": "dummy",
                "display_name": "Shop",
                "settings": {"shop": "s", "api_token": "good-token"},
            },
        ).status_code
        == 201
    )
    with tenant.scope():
        jobs.enqueue("test.count", name="populate")
        events.emit("test.populated", Counted(counter="populate"), entity_type="tenant", entity_id=tenant.id)
