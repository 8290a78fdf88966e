"""Property: whatever vouchers, reversals and period closes happen, every voucher balances,
the balance rows equal the lines, and every period's trial balance sums to zero."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from core.finance import service
from core.finance.service.verify import check_ledger
from tests.support import make_tenant

ACCOUNTS = ["1002.01", "1122", "1405", "2202.01", "4001", "6001.01", "6401", "6601.05", "6603.02"]
DAYS = [date(2026, m, d) for m in (1, 2, 3) for d in (1, 15, 28)]

amount = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
voucher = st.tuples(
    st.just("voucher"),
    st.sampled_from(DAYS),
    st.lists(st.tuples(st.sampled_from(ACCOUNTS), amount), min_size=1, max_size=4),
    st.sampled_from(ACCOUNTS),
)
reverse = st.tuples(st.just("reverse"), st.integers(0, 50), st.sampled_from(DAYS))
toggle = st.tuples(st.just("toggle"), st.sampled_from(["2026-01", "2026-02", "2026-03"]))


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.one_of(voucher, voucher, reverse, toggle), min_size=1, max_size=15))
def test_the_ledger_always_balances(app, actions):
    tenant = make_tenant(app)
    posted: list = []
    with tenant.scope():
        service.set_up("cn")
    for action in actions:
        with tenant.scope():
            if action[0] == "voucher":
                _, day, debits, credit_account = action
                lines = [{"account": a, "debit": str(x)} for a, x in debits]
                lines.append({"account": credit_account, "credit": str(sum(x for _, x in debits))})
                posted.append(service.create_manual({"date": day, "memo": "p", "lines": lines}).id)
            elif action[0] == "reverse" and posted:
                try:
                    service.reverse(posted[action[1] % len(posted)], on=action[2])
                except DomainError:
                    pass  # already reversed
            elif action[0] == "toggle":
                period = service.period_by_key(action[1], create=True)
                (service.reopen if period.status == "closed" else service.close)(period.id)
    with tenant.scope():
        report = check_ledger()
        assert report.ok, report.to_json()
        for key in ("2026-01", "2026-02", "2026-03", "2026-04"):
            tb = service.trial_balance(key)
            assert tb.balanced, (key, tb.totals)
