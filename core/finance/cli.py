"""`tradelane finance ...`: checking the books from the command line."""

from __future__ import annotations

import json

import click


@click.group("finance")
def finance_group() -> None:
    """The ledger: vouchers, balances and the stock valuation."""


@finance_group.command("verify")
@click.option("--tenant", default=None, help="Tenant id or exact name (default: every active tenant)")
@click.option("--json", "as_json", is_flag=True, help="Print each tenant's report as JSON")
def verify_cmd(tenant: str | None, as_json: bool) -> None:
    """Prove the books: every voucher balances, balances equal their lines, the trial balance
    sums to zero, and the inventory accounts equal the stock valuation per warehouse. Exits
    with status 1 when a check fails."""
    from core.cli import _services, resolve_tenants, tenant_scope
    from core.finance.service.verify import verify

    _services()
    failed = 0
    for tenant_id in resolve_tenants(tenant):
        with tenant_scope(tenant_id, "finance verify"):
            report = verify()
        if as_json:
            click.echo(json.dumps({"tenant": str(tenant_id), **report.to_json()}))
        else:
            state = "ok" if report.ok else f"{len(report.problems)} problem(s)"
            click.echo(f"tenant {tenant_id}: {report.vouchers} vouchers, {report.lines} lines: {state}")
            for p in report.problems:
                click.echo(f"  {p.check}: {p.subject}: {p.detail}")
        failed += not report.ok
    if failed:
        raise SystemExit(1)


commands = [finance_group]
