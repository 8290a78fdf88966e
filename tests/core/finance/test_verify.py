"""`tradelane finance verify`: the books are proved, and a corrupted balance row is found."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from sqlalchemy import text

from core.db import db
from core.finance import service


def _book(tenant):
    with tenant.scope():
        service.set_up("cn")
        service.create_manual(
            {
                "date": date(2026, 3, 5),
                "memo": "m",
                "lines": [{"account": "6601.05", "debit": "12.30"}, {"account": "1002.01", "credit": "12.30"}],
            }
        )


def test_cli_proves_the_books_and_reports_a_tampered_balance(app, tenant_a, tenant_b, monkeypatch):
    import core.cli

    monkeypatch.setattr(core.cli, "_services", lambda overrides=None: app.config)
    _book(tenant_a)
    _book(tenant_b)
    runner = CliRunner()
    ok = runner.invoke(core.cli.main, ["finance", "verify", "--tenant", str(tenant_a.id)])
    assert ok.exit_code == 0 and "1 vouchers, 2 lines: ok" in ok.output, ok.output
    with db.require_engine().begin() as conn:  # as the owner: row-level security does not apply
        conn.execute(
            text("UPDATE finance_balances SET debit = debit + 1 WHERE tenant_id = :t AND debit > 0"),
            {"t": str(tenant_a.id)},
        )
    bad = runner.invoke(core.cli.main, ["finance", "verify", "--tenant", str(tenant_a.id)])
    assert bad.exit_code == 1
    assert "balances equal lines" in bad.output and "trial balance is zero" in bad.output
    other = runner.invoke(core.cli.main, ["finance", "verify", "--tenant", str(tenant_b.id)])
    assert other.exit_code == 0, other.output
