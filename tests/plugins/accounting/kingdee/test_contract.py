"""Kingdee 云星空 passes AccountingContract against its emulator, in both login styles, and the
wire rules of finance.md §4.1: LoginBySign, session expiry (MsgCode 1) with one re-login, the
Save/Submit/Audit state machine, ExecuteBillQuery paging, ResponseStatus errors, HTTP 519; and
its business documents (SAL_OUTSTOCK, SAL_RETURNSTOCK, STK_TransferDirect): turned on per
connection, audited, with the site's own form ids and field keys."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.ports import OutcomeUnknown, RemoteRejected
from core.testing import VirtualClock, make_context
from core.testing.accounting import AccountingContract, AccountingHarness, post_document_like_core, post_like_core
from core.testing.emulator import RecordingTransport
from plugins.accounting.kingdee.emulator import ACCOUNTS, FORMS, KingdeeEmulator
from plugins.accounting.kingdee.mapping import FORMS as KIND_FORMS
from plugins.accounting.kingdee.plugin import KingdeeTarget

BASE = "https://kingdee.test"


class KingdeeHarness(AccountingHarness):
    accounts = {"bank": "1002.01", "receivable": "1122", "revenue": "6001", "expense": "6601"}
    customer = "AMZ-US"
    bad_account = "9999"
    document_codes = {"customer": "AMZ-US", "material": "TEE-01", "warehouse": "CK001", "to_warehouse": "CK003"}
    documents_on = {f"documents_{kind}": True for kind in KIND_FORMS}

    def __init__(self, login: str = "session") -> None:
        self.clock = VirtualClock()
        self.emulator = KingdeeEmulator(clock=self.clock)
        self.transport = RecordingTransport(httpx.WSGITransport(app=self.emulator))
        self.login = login
        self.adapter = self.make({**self.emulator.connection_settings(BASE), **self.documents_on})

    def make(self, values: dict[str, Any]) -> KingdeeTarget:
        values = {**values, "login": self.login}
        return KingdeeTarget(make_context(KingdeeTarget, values, transport=self.transport, clock=self.clock))

    def documents(self, kind: str, reference: str, form: str | None = None) -> list[dict[str, Any]]:
        form = form or KIND_FORMS[kind]
        layout = self.emulator.forms[form]
        out = []
        for fid, doc in self.emulator.documents.get(form, {}).items():
            if doc.get("FNote") == reference:
                lines = [
                    (e[layout["material"]]["FNumber"], int(Decimal(str(e[layout["quantity"]]))))
                    for e in doc[layout["entity"]]
                ]
                out.append({"id": fid, "lines": lines, "status": doc["FDocumentStatus"], "number": doc["FBillNo"]})
        return out

    def lose_next_document_answer(self) -> None:
        self.lose_next_answer()

    def entries(self, reference: str) -> list[dict[str, Any]]:
        out = []
        for vid, v in self.emulator.vouchers.items():
            if any(e.get("FBUSNO") == reference for e in v["FEntity"]):
                lines = [
                    (e["FACCOUNTID"]["FNumber"], Decimal(str(e["FDEBIT"])) - Decimal(str(e["FCREDIT"])))
                    for e in v["FEntity"]
                ]
                out.append({"id": vid, "lines": lines, "status": v["FDocumentStatus"]})
        return out

    def lose_next_answer(self) -> None:
        self.emulator.fail_next("DynamicFormService.Save", method="POST", lose="after")

    def adapter_with_bad_credentials(self) -> KingdeeTarget:
        return self.make({**self.emulator.connection_settings(BASE), "app_secret": "wrong-secret"})

    def secrets(self) -> list[str]:
        return [s.reveal() for s in self.adapter.ctx.credentials.values()]


class TestKingdeeSessionLogin(AccountingContract):
    @pytest.fixture
    def harness(self) -> KingdeeHarness:
        return KingdeeHarness("session")

    def test_posted_vouchers_are_audited_and_numbered(self, harness: KingdeeHarness) -> None:
        voucher = self.sale(harness)
        result = post_like_core(harness.adapter, voucher)
        assert result.number.startswith("记-")
        assert harness.entries(voucher.reference)[0]["status"] == "C"

    def test_a_save_whose_answer_was_lost_is_found_and_taken_through_audit(self, harness: KingdeeHarness) -> None:
        voucher = self.sale(harness)
        harness.lose_next_answer()
        with pytest.raises(OutcomeUnknown):  # a Save is never sent twice by the client
            post_like_core(harness.adapter, voucher)
        assert harness.entries(voucher.reference)[0]["status"] == "A"  # saved, not submitted
        post_like_core(harness.adapter, voucher, uncertain=True)
        assert [e["status"] for e in harness.entries(voucher.reference)] == ["C"]
        assert harness.emulator.saves == 1

    def test_an_expired_session_logs_in_again_once(self, harness: KingdeeHarness) -> None:
        post_like_core(harness.adapter, self.sale(harness))
        assert harness.emulator.logins == 1
        harness.clock.advance(21 * 60)  # sessions idle out after 20 minutes
        post_like_core(harness.adapter, self.sale(harness))
        assert harness.emulator.logins == 2

    def test_the_state_machine_refuses_what_kingdee_refuses(self, harness: KingdeeHarness) -> None:
        result = post_like_core(harness.adapter, self.sale(harness))
        client = harness.adapter.client
        with pytest.raises(RemoteRejected, match="单据未提交|只有创建"):
            client.form("Audit", "GL_VOUCHER", {"Ids": result.external_id})  # already audited
        model = {"Model": {"FVOUCHERID": int(result.external_id), "FEntity": []}}
        with pytest.raises(RemoteRejected, match="已审核"):
            client.form("Save", "GL_VOUCHER", model)
        client.form("UnAudit", "GL_VOUCHER", {"Ids": result.external_id})
        client.form("Submit", "GL_VOUCHER", {"Ids": result.external_id})  # D -> B
        assert harness.emulator.vouchers[int(result.external_id)]["FDocumentStatus"] == "B"

    def test_queries_page_through_every_row(self, harness: KingdeeHarness) -> None:
        rows = harness.adapter.client.query("BD_Account", ["FNumber", "FName"], limit=4)
        assert len(rows) == len(ACCOUNTS)
        assert len({r[0] for r in rows}) == len(ACCOUNTS)
        pages = [r for r in harness.transport.requests if "ExecuteBillQuery" in r.url.path]
        assert [json.loads(r.content)["data"]["StartRow"] for r in pages] == list(range(0, len(ACCOUNTS) + 1, 4))

    def test_errors_carry_kingdees_words_and_519_is_retried(self, harness: KingdeeHarness) -> None:
        harness.emulator.fail_gateway()
        assert harness.adapter.list_codes("customer")  # a read: sent again after the 519
        assert 519 in harness.transport.statuses()
        v = self.sale(harness)
        from dataclasses import replace

        bad = replace(v, lines=(v.lines[0], replace(v.lines[1], account="6001", dimensions={"customer": "NOPE"})))
        with pytest.raises(RemoteRejected, match="核算维度"):
            post_like_core(harness.adapter, bad)

    def test_every_envelope_is_accepted(self, harness: KingdeeHarness) -> None:
        harness.adapter.check_connection()
        sid = harness.adapter.ctx.state["kingdee_session"]
        http = httpx.Client(transport=harness.transport, base_url=BASE)
        url = "/k3cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.ExecuteBillQuery.common.kdsvc"
        query = {"FormId": "BD_Customer", "FieldKeys": "FNumber", "StartRow": 0, "Limit": 10}
        for body in (
            {"data": query},
            {"formid": "BD_Customer", "data": json.dumps(query)},
            {"parameters": ["BD_Customer", json.dumps(query)]},
        ):
            rows = http.post(url, json=body, headers={"kdservice-sessionid": sid}).json()
            assert ["AMZ-US"] in rows

    def test_documents_are_audited_with_the_sites_numbers_and_codes(self, harness: KingdeeHarness) -> None:
        for kind, form in KIND_FORMS.items():
            document = self.document(harness, kind)
            result = post_document_like_core(harness.adapter, document)
            [saved] = harness.documents(kind, document.reference)
            assert saved["status"] == "C" and result.number == saved["number"]
            assert result.number.startswith(FORMS[form]["prefix"])
            doc = harness.emulator.documents[form][int(result.external_id)]
            layout = FORMS[form]
            entry = doc[layout["entity"]][0]
            assert entry[layout["warehouse"]] == {"FNumber": "CK001"}
            if kind == "transfer":
                assert entry[layout["to_warehouse"]] == {"FNumber": "CK003"}
            else:
                assert doc[layout["customer"]] == {"FNumber": "AMZ-US"}
                assert Decimal(str(entry["FTaxPrice"])) == Decimal("19.90")

    def test_a_document_kind_turned_off_is_refused(self, harness: KingdeeHarness) -> None:
        settings = {**harness.emulator.connection_settings(BASE), "documents_sales_outbound": True}
        adapter = harness.make(settings)
        assert KingdeeTarget.documents_on(adapter.ctx.settings) == ("sales_outbound",)
        with pytest.raises(RemoteRejected, match="does not push transfers"):
            post_document_like_core(adapter, self.document(harness, "transfer"))
        assert harness.emulator.documents.get("STK_TransferDirect", {}) == {}

    def test_the_sites_own_form_id_and_field_keys_are_used(self, harness: KingdeeHarness) -> None:
        harness.emulator.add_form("SAL_OUTSTOCK_TL", like="SAL_OUTSTOCK", customer="FCustId", quantity="FQty")
        settings = {**harness.emulator.connection_settings(BASE), "documents_sales_outbound": True}
        renamed = harness.make({**settings, "form_sales_outbound": "SAL_OUTSTOCK_TL"})
        document = self.document(harness, "sales_outbound")
        with pytest.raises(RemoteRejected, match="FCustId"):  # the form's keys are not the standard ones
            post_document_like_core(renamed, document)
        fields = "sales_outbound.customer=FCustId,sales_outbound.quantity=FQty"
        adapter = harness.make({**settings, "form_sales_outbound": "SAL_OUTSTOCK_TL", "document_fields": fields})
        result = post_document_like_core(adapter, document)
        [saved] = harness.documents("sales_outbound", document.reference, form="SAL_OUTSTOCK_TL")
        assert str(saved["id"]) == result.external_id and saved["status"] == "C"
        assert harness.emulator.documents.get("SAL_OUTSTOCK", {}) == {}, "the standard form was not used"
        bad = harness.make({**settings, "document_fields": "sales_outbound.custmer=FCustId"})
        with pytest.raises(RemoteRejected, match="document_fields"):
            post_document_like_core(bad, self.document(harness, "sales_outbound"))


class TestKingdeeSignedHeaders(AccountingContract):
    @pytest.fixture
    def harness(self) -> KingdeeHarness:
        return KingdeeHarness("signed")

    def test_no_login_call_and_every_call_signed(self, harness: KingdeeHarness) -> None:
        post_like_core(harness.adapter, self.sale(harness))
        assert harness.emulator.logins == 0
        calls = harness.transport.requests
        assert calls and all(
            r.headers.get("X-Kd-Signature") and r.headers["X-Api-Auth-Version"] == "2.0" for r in calls
        )
