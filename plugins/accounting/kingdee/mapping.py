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

from core.ports import BusinessDocument, Voucher

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


# ---------------------------------------------------------------------------------------------
# Business documents (SAL_OUTSTOCK, SAL_RETURNSTOCK, STK_TransferDirect)
#
# Reference §4.1 lists the form ids, not their fields: the keys below are the standard forms'
# as Kingdee's templates name them, and every one can be overridden per connection
# (`document_fields`: "sales_outbound.customer=FCustId,transfer.quantity=FQty"), as can the
# form ids and bill types, because sites rename and extend these forms. Base-data references
# are `{"FNumber": code}` objects (§4.1).

FORMS = {"sales_outbound": "SAL_OUTSTOCK", "sales_return": "SAL_RETURNSTOCK", "transfer": "STK_TransferDirect"}
BILL_TYPES = {"sales_outbound": "XSCKD01_SYS", "sales_return": "XSTHD01_SYS", "transfer": "ZJDB01_SYS"}
FIELDS: dict[str, dict[str, str]] = {
    "sales_outbound": {
        "bill_type": "FBillTypeID",
        "date": "FDate",
        "org": "FSaleOrgId",
        "stock_org": "FStockOrgId",
        "customer": "FCustomerID",
        "finance": "SubHeadEntity",
        "currency": "FSettleCurrID",
        "entity": "FEntity",
        "material": "FMaterialID",
        "quantity": "FRealQty",
        "warehouse": "FStockID",
        "price": "FTaxPrice",
        "note": "FEntryNote",
    },
    "sales_return": {
        "bill_type": "FBillTypeID",
        "date": "FDate",
        "org": "FSaleOrgId",
        "stock_org": "FStockOrgId",
        "customer": "FRetcustId",
        "finance": "SubHeadEntity",
        "currency": "FSettleCurrId",
        "entity": "FEntity",
        "material": "FMaterialId",
        "quantity": "FRealQty",
        "warehouse": "FStockId",
        "price": "FTaxPrice",
        "note": "FNote",
    },
    "transfer": {
        "bill_type": "FBillTypeID",
        "date": "FDate",
        "org": "FStockOutOrgId",
        "stock_org": "FStockOrgId",
        "entity": "FBillEntry",
        "material": "FMaterialId",
        "quantity": "FQty",
        "warehouse": "FSrcStockId",
        "to_warehouse": "FDestStockId",
        "note": "FNoteEntry",
    },
}


def document_form(kind: str, settings: dict[str, Any]) -> str:
    return str(settings.get(f"form_{kind}") or FORMS[kind]).strip()


def document_fields(kind: str, settings: dict[str, Any]) -> dict[str, str]:
    """The site's field keys of a document kind: the standard ones, with the connection's
    overrides (`document_fields`, "<kind>.<field>=<key>") on top."""
    out = dict(FIELDS[kind])
    for key, value in parse_pairs(str(settings.get("document_fields") or "")).items():
        of, _, name = key.partition(".")
        if of not in FIELDS or name not in FIELDS[of]:
            raise ValueError(f"the setting document_fields names {key!r}, which is no document field")
        if of == kind:
            out[name] = value
    return out


def document_model(document: BusinessDocument, settings: dict[str, Any]) -> dict[str, Any]:
    kind = document.kind
    f = document_fields(kind, settings)
    org = {"FNumber": str(settings.get("document_org") or "100")}
    bill_types = {**BILL_TYPES, **parse_pairs(str(settings.get("bill_types") or ""))}
    currencies = parse_pairs(str(settings.get("currency_codes") or ""))
    entries = []
    for line in document.lines:
        entry: dict[str, Any] = {
            f["material"]: {"FNumber": line.material},
            f["quantity"]: line.quantity,
            f["warehouse"]: {"FNumber": line.warehouse},
        }
        if kind == "transfer":
            entry[f["to_warehouse"]] = {"FNumber": line.to_warehouse}
        elif line.unit_price is not None:
            entry[f["price"]] = line.unit_price
        if line.description:
            entry[f["note"]] = line.description[:255]
        entries.append(entry)
    head: dict[str, Any] = {
        "FID": 0,
        f["bill_type"]: {"FNUMBER": bill_types[kind]},
        f["date"]: document.date.isoformat()[:10],
        f["org"]: org,
        f["stock_org"]: org,
        external_field(settings): document.reference,
        f["entity"]: entries,
    }
    if kind != "transfer":
        head[f["customer"]] = {"FNumber": document.customer}
        if document.currency:
            code = currencies.get(document.currency, document.currency)
            head[f["finance"]] = {f["currency"]: {"FNumber": code}}
    return {
        "NeedUpDateFields": [],
        "NeedReturnFields": ["FID", "FBillNo"],
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


def external_field(settings: dict[str, Any]) -> str:
    """The head field of a document that holds our reference (queried before every Save)."""
    return str(settings.get("document_external_field") or "FNote").strip()
