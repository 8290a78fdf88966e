"""Kingdee 云星空 (K3Cloud WebAPI): vouchers saved, submitted and audited as GL_VOUCHER, and,
where the connection turns them on, the business documents of the same story: sales outbound
(SAL_OUTSTOCK) from shipped orders, sales returns (SAL_RETURNSTOCK) and direct transfers
(STK_TransferDirect), with form ids and field keys the site may override (shared/reference/
finance.md §4.1, "Integration strategy choice").

Exactly once: before every Save the plugin queries GL_VOUCHER by our reference in the
external-number field (`ExecuteBillQuery`, declared as the post's lookup), so a voucher whose
Save timed out, or that is posted again, is found instead of saved twice. A voucher found
saved but not yet submitted or audited is taken through the rest of the state machine
(A -> B -> C). Documents work the same way, on their head's external-number field
(`document_external_field`). Both login styles; session expiry (MsgCode 1) logs in again once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core.hookspecs import hookimpl
from core.ports import (
    BUSINESS_DOCUMENT_KINDS,
    AccountingTarget,
    BusinessDocument,
    Operation,
    PostResult,
    PurchaseRequisition,
    RemoteRejected,
    SettingField,
    Voucher,
)
from plugins.accounting.kingdee import mapping
from plugins.accounting.kingdee.client import KingdeeClient, success

VOUCHER = "GL_VOUCHER"
# PUR_Requisition (采购申请单): id, number, entry id, material, quantity, arrival date,
# warehouse, application date. Sites differ: the connection's `requisition_fields` overrides.
REQUISITION_FIELDS = (
    "FID",
    "FBillNo",
    "FEntity_FEntryID",
    "FMaterialId.FNumber",
    "FReqQty",
    "FArrivalDate",
    "FStockId.FNumber",
    "FApplicationDate",
)
MASTER_DATA = {
    "account": "BD_Account",
    "customer": "BD_Customer",
    "supplier": "BD_Supplier",
    "material": "BD_MATERIAL",
    "department": "BD_Department",
    "warehouse": "BD_STOCK",
}
DOCUMENT_LABELS = {
    "sales_outbound": "sales outbound (SAL_OUTSTOCK) from shipped orders",
    "sales_return": "sales returns (SAL_RETURNSTOCK)",
    "transfer": "transfers (STK_TransferDirect)",
}


class KingdeeTarget(AccountingTarget):
    name = "kingdee"
    display_name = "Kingdee 云星空"
    client_class = KingdeeClient
    mapping_kinds = ("customer", "supplier", "material", "department", "warehouse")
    pulls_requisitions = True
    document_kinds = BUSINESS_DOCUMENT_KINDS
    operations = {
        **AccountingTarget.operations,
        "post_voucher": Operation(idempotent=False, lookup="find_voucher"),
        "post_document": Operation(idempotent=False, lookup="find_document"),
    }
    settings = (
        SettingField("base_url", "Site URL", type="url", help="e.g. https://host/k3cloud/"),
        SettingField("acct_id", "Data centre (acctId)"),
        SettingField("user_name", "User name"),
        SettingField("app_id", "App ID", secret=True),
        SettingField("app_secret", "App secret", secret=True),
        SettingField("login", "Login style", type="choice", choices=("session", "signed"), default="session"),
        SettingField("lcid", "Language (lcid)", type="int", required=False, default=2052),
        SettingField("org_num", "Organisation number", required=False, default="0"),
        SettingField("account_book", "Account book (FNumber)", required=False, default="001"),
        SettingField("voucher_group", "Voucher group (凭证字 FNumber)", required=False, default="PRE001"),
        SettingField(
            "currency_codes", "Currency codes", required=False, default="CNY=PRE001,USD=PRE007,EUR=PRE003,HKD=PRE002"
        ),
        SettingField("rate_type", "Rate type", required=False, default="HLTX01_SYS"),
        SettingField(
            "flex_fields",
            "Auxiliary flex fields",
            required=False,
            default="customer=FFLEX6,supplier=FFLEX4,department=FFLEX5,material=FFLEX8",
        ),
        SettingField("external_field", "Field holding our reference", required=False, default="FBUSNO"),
        SettingField("audit", "Submit and audit saved vouchers", type="bool", required=False, default=True),
        SettingField("requisition_form", "Purchase requisition form", required=False, default="PUR_Requisition"),
        SettingField(
            "requisition_fields",
            "Requisition fields (id, number, entry, material, quantity, arrival date, warehouse, date)",
            required=False,
            default=",".join(REQUISITION_FIELDS),
            help="The site's field keys, in this order; confirm them on the site's form",
        ),
        *(
            SettingField(f"documents_{kind}", f"Push {label}", type="bool", required=False, default=False)
            for kind, label in DOCUMENT_LABELS.items()
        ),
        *(
            SettingField(f"form_{kind}", f"Form id for {kind.replace('_', ' ')}", required=False, default=form)
            for kind, form in mapping.FORMS.items()
        ),
        SettingField(
            "document_fields",
            "Document field keys that differ on this site",
            required=False,
            default="",
            help="<kind>.<field>=<key>, e.g. sales_outbound.customer=FCustId,transfer.quantity=FQty",
        ),
        SettingField(
            "bill_types",
            "Document bill types",
            required=False,
            default=",".join(f"{k}={v}" for k, v in mapping.BILL_TYPES.items()),
        ),
        SettingField("document_org", "Sales and stock organisation (FNumber)", required=False, default="100"),
        SettingField(
            "document_external_field",
            "Document head field holding our reference",
            required=False,
            default="FNote",
            help="Better a custom text field of the site's forms than the note",
        ),
    )

    def check_connection(self) -> str:
        if self.client.login_style == "session":
            self.client.login()
        books = self.client.query("BD_AccountBook", ["FNumber", "FName"], limit=10)
        name = books[0][1] if books and len(books[0]) > 1 else self.ctx.settings.get("acct_id")
        return f"Kingdee {name}"

    def _settings(self) -> dict[str, Any]:
        return dict(self.ctx.settings)

    def find_voucher(self, voucher: Voucher) -> PostResult | None:
        field = str(self.ctx.settings.get("external_field") or "FBUSNO")
        return self._find(VOUCHER, "FVOUCHERID", field, voucher.reference)

    def _find(self, form: str, id_field: str, field: str, reference: str) -> PostResult | None:
        """The bill holding `reference` in `field`, taken through the rest of Submit and Audit."""
        ref = reference.replace("'", "''")
        rows = self.client.query(form, [id_field, "FBillNo", "FDocumentStatus"], f"{field}='{ref}'", limit=10)
        if not rows:
            return None
        bill_id, number, status = rows[0][0], rows[0][1], rows[0][2]
        self._advance(form, str(bill_id), str(status))
        return PostResult(external_id=str(bill_id), number=str(number))

    def _advance(self, form: str, bill_id: str, status: str) -> None:
        """Take a saved bill through Submit (A/Z/D -> B) and Audit (B -> C)."""
        if not bool(self.ctx.settings.get("audit", True)):
            return
        ids = {"CreateOrgId": 0, "Numbers": [], "Ids": bill_id}
        if status in ("A", "Z", "D"):
            self.client.form("Submit", form, ids, idempotent=True)
            status = "B"
        if status == "B":
            self.client.form("Audit", form, ids, idempotent=True)

    def _saved(self, form: str, data: dict[str, Any]) -> PostResult:
        result = data.get("Result") or {}
        status = result.get("ResponseStatus") or {}
        entities = status.get("SuccessEntitys") or []
        if not success(status) or not entities:
            raise RemoteRejected("Kingdee saved nothing and gave no reason")
        bill_id, number = str(entities[0].get("Id")), str(entities[0].get("Number") or "")
        self._advance(form, bill_id, "A")
        return PostResult(external_id=bill_id, number=number)

    def post_voucher(self, voucher: Voucher) -> PostResult:
        if not voucher.balanced:
            raise RemoteRejected(f"the voucher does not balance: {voucher.total_debit} / {voucher.total_credit}")
        return self._saved(VOUCHER, self.client.form("Save", VOUCHER, mapping.model(voucher, self._settings())))

    # -- business documents ------------------------------------------------------------------

    @classmethod
    def documents_on(cls, settings: Any) -> tuple[str, ...]:
        return tuple(k for k in cls.document_kinds if settings.get(f"documents_{k}") is True)

    def _document_form(self, document: BusinessDocument) -> str:
        if document.kind not in self.documents_on(self.ctx.settings):
            raise RemoteRejected(f"this connection does not push {DOCUMENT_LABELS.get(document.kind, document.kind)}")
        return mapping.document_form(document.kind, self._settings())

    def find_document(self, document: BusinessDocument) -> PostResult | None:
        form = self._document_form(document)
        return self._find(form, "FID", mapping.external_field(self._settings()), document.reference)

    def post_document(self, document: BusinessDocument) -> PostResult:
        form = self._document_form(document)
        if not document.lines:
            raise RemoteRejected(f"{document.number} has no line with stock to send")
        try:
            model = mapping.document_model(document, self._settings())
        except ValueError as exc:
            raise RemoteRejected(str(exc)) from None
        return self._saved(form, self.client.form("Save", form, model))

    def list_codes(self, kind: str) -> list[tuple[str, str]]:
        form = MASTER_DATA.get(kind)
        if form is None:
            return []
        return [(str(r[0]), str(r[1])) for r in self.client.query(form, ["FNumber", "FName"])]

    def list_accounts(self) -> list[tuple[str, str]]:
        return self.list_codes("account")

    def list_requisitions(self, since: date) -> list[PurchaseRequisition]:
        """Audited requisition lines applied for from `since`, every page."""
        form = str(self.ctx.settings.get("requisition_form") or "PUR_Requisition")
        fields = [f.strip() for f in str(self.ctx.settings.get("requisition_fields") or "").split(",") if f.strip()]
        if len(fields) != len(REQUISITION_FIELDS):
            fields = list(REQUISITION_FIELDS)
        where = f"FDocumentStatus='C' AND {fields[7]}>='{since.isoformat()}'"
        out = []
        for row in self.client.query(form, fields, where, order=f"{fields[1]}"):
            bill, number, entry, material, qty, arrival, stock = row[:7]
            try:
                quantity = int(Decimal(str(qty)))
                needed_by = date.fromisoformat(str(arrival)[:10])
            except (ValueError, ArithmeticError):
                raise RemoteRejected(f"Kingdee requisition {number} has a line without quantity or date") from None
            out.append(
                PurchaseRequisition(
                    external_id=f"{bill}:{entry}",
                    number=str(number),
                    material=str(material or ""),
                    quantity=quantity,
                    needed_by=needed_by,
                    warehouse=str(stock or ""),
                )
            )
        return out


@hookimpl
def register_accounting_targets() -> list[type[AccountingTarget]]:
    return [KingdeeTarget]


@hookimpl
def register_emulators() -> dict[str, Any]:
    from plugins.accounting.kingdee.emulator import KingdeeEmulator

    return {"kingdee": KingdeeEmulator()}
