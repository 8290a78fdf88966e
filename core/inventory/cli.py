"""`tradelane inventory ...`: stock maintenance from the command line."""

from __future__ import annotations

import click


@click.group("inventory")
def inventory_group() -> None:
    """Stock balances, the ledger and reservations."""


@inventory_group.command("verify")
@click.option("--fix", is_flag=True, help="Repair every balance that differs from the ledger and reservations")
@click.option("--tenant", default=None, help="Tenant id or exact name (default: every active tenant)")
def verify_cmd(fix: bool, tenant: str | None) -> None:
    """Recompute every stock balance from the ledger and the reservation rows and report
    (or with --fix, repair) the differences. Exits with status 1 when drift is left unrepaired."""
    from core.cli import _services, resolve_tenants, tenant_scope
    from core.inventory.service.reconcile import verify

    _services()
    unrepaired = 0
    for tenant_id in resolve_tenants(tenant):
        with tenant_scope(tenant_id, "inventory verify"):
            report = verify(fix=fix)
        state = "repaired" if fix and report.drifts else ("drift" if report.drifts else "ok")
        click.echo(f"tenant {tenant_id}: {report.balances} balances, {len(report.drifts)} drift(s): {state}")
        for d in report.drifts:
            click.echo(
                f"  sku {d.sku_id} warehouse {d.warehouse_id} {d.field}: stored {d.stored}, "
                f"ledger and reservations say {d.expected}"
            )
        if not fix:
            unrepaired += len(report.drifts)
    if unrepaired:
        raise SystemExit(1)


commands = [inventory_group]
