"""Vouchers as Kingdee GL_VOUCHER models (shared/reference/finance.md §4.1).

- Head: the account book, date, voucher group (凭证字, e.g. PRE001 = 记), and our reference in
  the external-number field (`external_field`, FBUSNO on every entry by default) that
  `find_voucher` queries before anything is saved: Kingdee's only practical idempotency.
- Entries (`FEntity`): explanation, account `{FNumber}`, currency and rate type, rate, the
  original amount (`FAMOUNTFOR`), FDEBIT / FCREDIT in the book's currency, and the dimensions
  as auxiliary flex fields `FDetailID{FDETAILID__FFLEXn: {FNumber}}` (which flex holds which
  dimension is the site's: settings). A reversal is red: the same sides with negative amounts,
  as Chinese books keep corrections (红字冲销).
- Balance is checked here, before anything is sent: whether Save refuses an unbalanced voucher
  is not documented.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.ports import Voucher

DEFAULT_FLEX = {"customer": "FFLEX6", "supplier": "FFLEX4", "department": "FFLEX5", "material": "FFLEX8"}


def parse_pairs(text: str) -> dict[str, str]:
    """ "CNY=PRE001,USD=PRE007" -> {"CNY": "PRE001", "USD": "PRE007"}."""
    out = {}
    for part in (text or "").split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            out[key.strip()] = value.strip()
    return out


def model(voucher: Voucher, settings: dict[str, Any]) -> dict[str, Any]:
    currencies = parse_pairs(str(settings.get("currency_codes") or ""))
    flex = {**DEFAULT_FLEX, **parse_pairs(str(settings.get("flex_fields") or ""))}
    field = str(settings.get("external_field") or "FBUSNO")
    rate_type = str(settings.get("rate_type") or "HLTX01_SYS")
    entries = []
    for line in voucher.lines:
        foreign = bool(line.foreign_currency and line.amount_foreign is not None)
        currency = line.foreign_currency if foreign else line.currency
        local = line.debit - line.credit
        entry: dict[str, Any] = {
            "FEXPLANATION": (line.description or voucher.description)[:200],
            "FACCOUNTID": {"FNumber": line.account},
            "FCURRENCYID": {"FNumber": currencies.get(currency, currency)},
            "FEXCHANGERATETYPE": {"FNumber": rate_type},
            "FEXCHANGERATE": line.rate if foreign else Decimal(1),
            "FAMOUNTFOR": line.amount_foreign if foreign else local,
            "FDEBIT": line.debit,
            "FCREDIT": line.credit,
            "FDC": 1 if line.debit != 0 else -1,
        }
        if field != "FSourceBillKey":
            entry[field] = voucher.reference
        detail = {
            f"FDETAILID__{flex[k]}": {"FNumber": code} for k, code in sorted(line.dimensions.items()) if k in flex
        }
        if detail:
            entry["FDetailID"] = detail
        entries.append(entry)
    head: dict[str, Any] = {
        "FVOUCHERID": 0,
        "FAccountBookID": {"FNumber": str(settings.get("account_book") or "001")},
        "FDate": voucher.date.isoformat()[:10],
        "FBUSDATE": voucher.date.isoformat()[:10],
        "FVOUCHERGROUPID": {"FNumber": str(settings.get("voucher_group") or "PRE001")},
        "FATTACHMENTS": 0,
        "FEntity": entries,
    }
    if field == "FSourceBillKey":
        head[field] = voucher.reference
    return {
        "NeedUpDateFields": [],
        "NeedReturnFields": ["FVOUCHERID", "FBillNo"],
        "IsDeleteEntry": "true",
        "SubSystemId": "",
        "IsVerifyBaseDataField": "true",
        "IsEntryBatchFill": "true",
        "ValidateFlag": "true",
        "NumberSearch": "true",
        "InterationFlags": "",
        "IsAutoSubmitAndAudit": "false",
        "Model": head,
    }
