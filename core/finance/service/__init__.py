"""Finance use cases. Plain Python: the door (request, job, CLI) owns the transaction."""

from core.finance.service.accounts import (
    Resolver,
    account_by_code,
    all_accounts,
    create_account,
    delete_account,
    get_account,
    list_accounts,
    list_mappings,
    remove_mapping,
    set_mapping,
    update_account,
)
from core.finance.service.periods import close, get_period, list_periods, period_by_key, reopen
from core.finance.service.posting import PostingError, book_waiting, post
from core.finance.service.reports import trial_balance
from core.finance.service.setup import find_settings, functional_currency, set_up, settings, tenant_facts
from core.finance.service.vouchers import (
    create_manual,
    get_voucher,
    lines_of,
    reversal_of,
    reverse,
    voucher_query,
    vouchers_for_document,
)

__all__ = [
    "PostingError",
    "Resolver",
    "account_by_code",
    "all_accounts",
    "book_waiting",
    "close",
    "create_account",
    "create_manual",
    "delete_account",
    "find_settings",
    "functional_currency",
    "get_account",
    "get_period",
    "get_voucher",
    "lines_of",
    "list_accounts",
    "list_mappings",
    "list_periods",
    "period_by_key",
    "post",
    "remove_mapping",
    "reopen",
    "reversal_of",
    "reverse",
    "set_mapping",
    "set_up",
    "settings",
    "tenant_facts",
    "trial_balance",
    "update_account",
    "voucher_query",
    "vouchers_for_document",
]
