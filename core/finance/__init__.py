"""Finance (业财一体化): the tenant's double-entry ledger, fed by business events.

Accounts from a chart template, monthly periods, vouchers (凭证) with lines in the functional
currency and their original currency, balances per account and period kept as vouchers post,
voucher rules that turn each business event into one voucher, landed cost, payables and the
reports. See docs/finance.md.
"""
