"""A Kingdee 云星空 WebAPI emulator with state (shared/reference/finance.md §4.1, §4.4).

Reproduced: `LoginBySign` with positional and named bodies (the SHA-256 sign checked), the
session in a cookie and the `kdservice-sessionid` header, sessions idling out after 20 minutes
(`MsgCode: 1`), the signed-header style (X-Kd-Signature checked against the stored AppSecret),
the three request envelopes (`{"formid","data"}`, `data` as a JSON string, positional
`parameters`), GL_VOUCHER `Save` / `Submit` / `Audit` / `UnAudit` with its state machine (A
created, B in review, C audited, D re-audit; Audit needs a submitted voucher, Save refuses an
audited one), `IsDeleteEntry` on updates, base data checked (accounts, currencies, flex
values), unbalanced vouchers refused (configurable: `reject_unbalanced`), `ExecuteBillQuery`
answering a bare 2-D array paged with StartRow/Limit and simple filters, the
`Result.ResponseStatus` shape with `IsSuccess` sometimes a string, and HTTP 519 on demand.

Business documents (SAL_OUTSTOCK, SAL_RETURNSTOCK, STK_TransferDirect) go through the same
Save / Submit / Audit state machine. The site knows its forms (`forms`: a form id and the
field keys of its layout, the standard ones by default; `add_form` adds a site's own, e.g. a
renamed form with other keys): a Save of an unknown form, one missing a required field, or one
naming a customer, material or warehouse (BD_STOCK) the site does not have is refused in
Kingdee's words.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from core.testing.emulator import Emulator, json_response

ACCT_ID = "6512ab34cd56ef"
USER = "tradelane"
APP_ID = "312456_Ve2ahyOp0mC+x9XvUZ1BT/0J8qz5Xq1S"
APP_SECRET = "8a7d0c2b5e6f41b3a9d8c7b6a5f4e3d2"
SESSION_IDLE = 20 * 60
ACCOUNTS = {
    "1001": "库存现金",
    "1002": "银行存款",
    "1012": "其他货币资金",
    "1221": "其他应收款",
    "1406": "发出商品",
    "2204": "合同负债",
    "4001": "实收资本",
    "4103": "本年利润",
    "6301": "营业外收入",
    "6602": "管理费用",
    "1002.01": "银行存款—人民币",
    "1002.02": "银行存款—美元",
    "1122": "应收账款",
    "1123": "预付账款",
    "1402": "在途物资",
    "1405": "库存商品",
    "1901": "待处理财产损溢",
    "2202": "应付账款",
    "2202.01": "应付账款—暂估",
    "2221": "应交税费",
    "4104": "利润分配",
    "6001": "主营业务收入",
    "6401": "主营业务成本",
    "6601": "销售费用",
    "6603": "财务费用",
    "6711": "营业外支出",
}
MASTER = {
    "BD_Account": ACCOUNTS,
    "BD_AccountBook": {"001": "深圳贸易有限公司账簿"},
    "BD_Currency": {"PRE001": "人民币", "PRE002": "港币", "PRE003": "欧元", "PRE007": "美元"},
    "BD_Customer": {"AMZ-US": "Amazon US", "SHOP-01": "Shopify 店铺"},
    "BD_Supplier": {"V001": "深圳纺织", "V002": "货代公司"},
    "BD_MATERIAL": {"TEE-01": "T 恤", "CAP-01": "帽子"},
    "BD_Department": {"SZ": "深圳仓", "USW": "美西仓"},
    "BD_STOCK": {"CK001": "深圳成品仓", "CK002": "美西海外仓", "CK003": "FBA 美国仓"},
}
# The standard document forms of the site: their number prefix and the field keys of their
# layout (the same keys the plugin sends by default; a site's own form may differ).
FORMS: dict[str, dict[str, Any]] = {
    "SAL_OUTSTOCK": {
        "prefix": "XSCKD",
        "customer": "FCustomerID",
        "entity": "FEntity",
        "material": "FMaterialID",
        "quantity": "FRealQty",
        "warehouse": "FStockID",
    },
    "SAL_RETURNSTOCK": {
        "prefix": "XSTHD",
        "customer": "FRetcustId",
        "entity": "FEntity",
        "material": "FMaterialId",
        "quantity": "FRealQty",
        "warehouse": "FStockId",
    },
    "STK_TransferDirect": {
        "prefix": "ZJDB",
        "entity": "FBillEntry",
        "material": "FMaterialId",
        "quantity": "FQty",
        "warehouse": "FSrcStockId",
        "to_warehouse": "FDestStockId",
    },
}
FLEX_TABLE = {"FFLEX6": "BD_Customer", "FFLEX4": "BD_Supplier", "FFLEX5": "BD_Department", "FFLEX8": "BD_MATERIAL"}
CONDITION = re.compile(r"^\s*([A-Za-z_.]+)\s*(=|>=|<=)\s*'((?:[^']|'')*)'\s*$")


def status(
    ok: bool,
    errors: list[dict[str, Any]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    msg_code: int = 0,
    as_string: bool = False,
) -> dict[str, Any]:
    flag: Any = ("True" if ok else "False") if as_string else ok
    return {
        "Result": {
            "ResponseStatus": {
                "ErrorCode": 0 if ok else 500,
                "IsSuccess": flag,
                "Errors": errors or [],
                "SuccessEntitys": entities or [],
                "SuccessMessages": [],
                "MsgCode": msg_code,
            },
            "Id": entities[0]["Id"] if entities else "",
            "Number": entities[0]["Number"] if entities else "",
            "NeedReturnData": [{}],
        }
    }


def refused(*messages: str, field: str = "") -> dict[str, Any]:
    return status(False, [{"FieldName": field, "Message": m, "DIndex": 0} for m in messages])


class KingdeeEmulator(Emulator):
    name = "kingdee"
    LIMITS = {"api": (50.0, 100.0)}

    def reset_state(self) -> None:
        self.sessions: dict[str, float] = {}  # session id -> last used (emulator clock)
        self.vouchers: dict[int, dict[str, Any]] = {}
        self.by_busno: dict[str, set[int]] = {}  # FBUSNO -> vouchers, so a lookup is not a scan
        self.next_id = 100100
        self.numbers: dict[str, int] = {}
        self.reject_unbalanced = True
        self.string_success_every = 3  # every third success says IsSuccess "True" (§4.1)
        self.answers = 0
        self.gateway_failures = 0
        self.saves = 0
        self.logins = 0
        self.documents: dict[str, dict[int, dict[str, Any]]] = {}  # other forms: id -> model
        self.forms: dict[str, dict[str, Any]] = {k: dict(v) for k, v in FORMS.items()}
        self.document_saves = 0

    def add_form(self, form_id: str, like: str, **fields: str) -> None:
        """A site's own document form: the layout of `like` with some keys renamed."""
        self.forms[form_id] = {**FORMS[like], "prefix": form_id[:6].upper(), **fields}

    def bills(self, form_id: str) -> dict[int, dict[str, Any]]:
        return self.vouchers if form_id == "GL_VOUCHER" else self.documents.setdefault(form_id, {})

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "vouchers": len(self.vouchers), "saves": self.saves, "logins": self.logins}

    def connection_settings(self, base_url: str) -> dict[str, Any]:
        return {
            "base_url": base_url.rstrip("/") + "/k3cloud/",
            "acct_id": ACCT_ID,
            "user_name": USER,
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "login": "session",
        }

    def expire_sessions(self) -> None:
        self.sessions.clear()

    def fail_gateway(self, times: int = 1) -> None:
        """Answer the next `times` business calls with the public cloud's HTTP 519."""
        self.gateway_failures += times

    def api_rules(self) -> list[Rule]:
        return [
            Rule(
                "/k3cloud/Kingdee.BOS.WebApi.ServicesStub.AuthService.<method>.common.kdsvc",
                endpoint="auth",
                methods=["POST"],
            ),
            Rule(
                "/k3cloud/Kingdee.BOS.WebApi.ServicesStub.DynamicFormService.<op>.common.kdsvc",
                endpoint="form",
                methods=["POST"],
            ),
        ]

    # -- auth --------------------------------------------------------------------------------

    def auth(self, request: Request, method: str) -> Response:
        if method != "LoginBySign":
            return json_response({"LoginResultType": 0, "Message": f"{method} is not enabled on this site"})
        try:
            body = json.loads(request.data or b"{}")
        except ValueError:
            body = {}
        if isinstance(body.get("parameters"), list):
            p = body["parameters"] + [None] * 6
            acct, user, app_id, ts, sign = (str(x) for x in p[:5])
        else:
            acct, user, app_id = str(body.get("acctID")), str(body.get("username")), str(body.get("appId"))
            ts, sign = str(body.get("timestamp")), str(body.get("sign"))
        expected = hashlib.sha256("".join(sorted([acct, user, app_id, APP_SECRET, ts])).encode()).hexdigest()
        if (acct, user, app_id) != (ACCT_ID, USER, APP_ID) or not hmac.compare_digest(sign, expected):
            return json_response({"LoginResultType": 0, "Message": "用户名或密码错误 (sign check failed)"})
        sid = secrets.token_hex(16)
        self.sessions[sid] = self.clock.monotonic()
        self.logins += 1
        response = json_response(
            {
                "LoginResultType": 1,
                "KDSVCSessionId": sid,
                "Message": "",
                "Context": {"UserName": USER, "DBid": ACCT_ID, "LogLocale": "zh-CN"},
            }
        )
        response.set_cookie("kdservice-sessionid", sid)
        return response

    def _session_ok(self, request: Request) -> bool:
        if request.headers.get("X-Kd-Appkey"):
            app_data = request.headers.get("X-Kd-Appdata", "")
            mac = hmac.new(APP_SECRET.encode(), (APP_ID + app_data).encode(), hashlib.sha256).hexdigest()
            expected = base64.b64encode(mac.encode()).decode()
            return request.headers.get("X-Kd-Appkey") == APP_ID and hmac.compare_digest(
                request.headers.get("X-Kd-Signature", ""), expected
            )
        sid = request.headers.get("kdservice-sessionid") or request.cookies.get("kdservice-sessionid")
        last = self.sessions.get(sid or "")
        now = self.clock.monotonic()
        if last is None or now - last > SESSION_IDLE:
            self.sessions.pop(sid or "", None)
            return False
        self.sessions[sid] = now
        return True

    # -- envelope ----------------------------------------------------------------------------

    @staticmethod
    def _envelope(request: Request) -> tuple[str, dict[str, Any]]:
        body = json.loads(request.data or b"{}", parse_float=Decimal)
        if isinstance(body.get("parameters"), list):
            params = body["parameters"]
            form_id, data = str(params[0]), params[1] if len(params) > 1 else {}
        else:
            form_id, data = str(body.get("formid") or ""), body.get("data") or {}
        if isinstance(data, str):
            data = json.loads(data, parse_float=Decimal)
        if not form_id and isinstance(data, dict):
            form_id = str(data.get("FormId") or "")
        return form_id, data

    def _ok(self, entities: list[dict[str, Any]]) -> Response:
        self.answers += 1
        return json_response(status(True, entities=entities, as_string=self.answers % self.string_success_every == 0))

    def form(self, request: Request, op: str) -> Response:
        if self.gateway_failures > 0:
            self.gateway_failures -= 1
            return Response("gateway timeout", status=519)
        if not self._session_ok(request):
            body = status(False, [{"FieldName": "", "Message": "会话信息已丢失，请重新登录", "DIndex": 0}], msg_code=1)
            return json_response([[body]] if op == "ExecuteBillQuery" else body)
        wait = self.limit("api")
        if wait is not None:
            return json_response(refused("请求过于频繁"), 429, {"Retry-After": f"{wait:.1f}"})
        try:
            form_id, data = self._envelope(request)
        except (ValueError, IndexError, TypeError):
            return json_response(refused("请求数据格式错误"))
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            return json_response(refused(f"不支持的操作 {op}"))
        return handler(form_id, data)

    # -- GL_VOUCHER --------------------------------------------------------------------------

    def op_Save(self, form_id: str, data: dict[str, Any]) -> Response:  # noqa: N802 - Kingdee's op name
        model = data.get("Model") if isinstance(data, dict) else None
        if not isinstance(model, dict):
            return json_response(refused("Model 不能为空"))
        if form_id != "GL_VOUCHER":
            return self._save_document(form_id, model)
        vid = int(model.get("FVOUCHERID") or 0)
        if vid:
            current = self.vouchers.get(vid)
            if current is None:
                return json_response(refused(f"单据 {vid} 不存在"))
            if current["FDocumentStatus"] == "C":
                return json_response(refused("已审核的单据不允许修改"))
            entries = model.get("FEntity")
            if entries is not None:
                if str(data.get("IsDeleteEntry", "true")).lower() == "true":
                    current["FEntity"] = entries  # entries not sent are dropped (§4.1's trap)
                else:
                    current["FEntity"] = current["FEntity"] + entries
            current.update({k: v for k, v in model.items() if k not in ("FEntity", "FVOUCHERID")})
            self._index(vid)
            return self._ok([{"Id": vid, "Number": current["FBillNo"], "DIndex": 0}])
        problems = self._problems(model)
        if problems:
            return json_response(status(False, problems))
        self.next_id += 1
        group = str((model.get("FVOUCHERGROUPID") or {}).get("FNumber") or "PRE001")
        self.numbers[group] = self.numbers.get(group, 0) + 1
        number = f"记-{self.numbers[group]:04d}"
        self.vouchers[self.next_id] = {**model, "FVOUCHERID": self.next_id, "FBillNo": number, "FDocumentStatus": "A"}
        self._index(self.next_id, new=True)
        self.saves += 1
        return self._ok([{"Id": self.next_id, "Number": number, "DIndex": 0}])

    def _index(self, vid: int, *, new: bool = False) -> None:
        if not new:
            for ids in self.by_busno.values():
                ids.discard(vid)
        for e in self.vouchers[vid].get("FEntity") or []:
            if e.get("FBUSNO"):
                self.by_busno.setdefault(str(e["FBUSNO"]), set()).add(vid)

    def _problems(self, model: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        book = (model.get("FAccountBookID") or {}).get("FNumber")
        if book not in MASTER["BD_AccountBook"]:
            out.append({"FieldName": "FAccountBookID", "Message": f"账簿 {book} 不存在", "DIndex": 0})
        entries = model.get("FEntity")
        if not isinstance(entries, list) or not entries:
            return out + [{"FieldName": "FEntity", "Message": "凭证分录不能为空", "DIndex": 0}]
        debit = credit = Decimal(0)
        for i, e in enumerate(entries):
            account = (e.get("FACCOUNTID") or {}).get("FNumber")
            if account not in ACCOUNTS:
                out.append(
                    {"FieldName": "FACCOUNTID", "Message": f"第{i + 1}行分录：科目 {account} 不存在", "DIndex": i}
                )
            currency = (e.get("FCURRENCYID") or {}).get("FNumber")
            if currency not in MASTER["BD_Currency"]:
                out.append(
                    {"FieldName": "FCURRENCYID", "Message": f"第{i + 1}行分录：币别 {currency} 不存在", "DIndex": i}
                )
            for key, ref in (e.get("FDetailID") or {}).items():
                table = FLEX_TABLE.get(key.replace("FDETAILID__", ""))
                value = (ref or {}).get("FNumber")
                if table is None or value not in MASTER[table]:
                    out.append(
                        {
                            "FieldName": "FDetailID",
                            "Message": f"第{i + 1}行分录：核算维度 {key}={value} 不存在",
                            "DIndex": i,
                        }
                    )
            try:
                debit += Decimal(str(e.get("FDEBIT") or 0))
                credit += Decimal(str(e.get("FCREDIT") or 0))
            except InvalidOperation:
                out.append({"FieldName": "FDEBIT", "Message": f"第{i + 1}行分录：金额无效", "DIndex": i})
        if self.reject_unbalanced and debit != credit:
            out.append({"FieldName": "FEntity", "Message": f"借贷不平衡：借方 {debit}，贷方 {credit}", "DIndex": 0})
        return out

    def _by_ids(self, form_id: str, data: dict[str, Any]) -> list[int] | Response:
        bills = self.bills(form_id)
        ids = [int(x) for x in str(data.get("Ids") or "").split(",") if x.strip().isdigit()]
        numbers = data.get("Numbers") or []
        if numbers:
            ids += [vid for vid, v in bills.items() if v["FBillNo"] in numbers]
        missing = [i for i in ids if i not in bills]
        if not ids or missing:
            return json_response(refused(f"单据不存在：{missing or 'Ids/Numbers 为空'}"))
        return ids

    def _transition(
        self, form_id: str, data: dict[str, Any], allowed: tuple[str, ...], to: str, message: str
    ) -> Response:
        ids = self._by_ids(form_id, data)
        if isinstance(ids, Response):
            return ids
        bills = self.bills(form_id)
        bad = [bills[i]["FBillNo"] for i in ids if bills[i]["FDocumentStatus"] not in allowed]
        if bad:
            return json_response(refused(f"{message}：{', '.join(bad)}"))
        for i in ids:
            bills[i]["FDocumentStatus"] = to
        return self._ok([{"Id": i, "Number": bills[i]["FBillNo"], "DIndex": n} for n, i in enumerate(ids)])

    def op_Submit(self, form_id: str, data: dict[str, Any]) -> Response:  # noqa: N802
        return self._transition(form_id, data, ("A", "Z", "D"), "B", "只有创建或重新审核状态的单据才能提交")

    def op_Audit(self, form_id: str, data: dict[str, Any]) -> Response:  # noqa: N802
        return self._transition(form_id, data, ("B",), "C", "单据未提交，不能审核")

    def op_UnAudit(self, form_id: str, data: dict[str, Any]) -> Response:  # noqa: N802
        return self._transition(form_id, data, ("C",), "D", "单据未审核，不能反审核")

    def op_View(self, form_id: str, data: dict[str, Any]) -> Response:  # noqa: N802
        v = self.bills(form_id).get(int(data.get("Id") or 0))
        if v is None:
            return json_response(refused("单据不存在"))
        body = status(True)
        body["Result"]["Result"] = v
        return json_response(body)

    # -- purchase requisitions ---------------------------------------------------------------

    def add_requisition(
        self, lines: list[tuple[str, int, str, str]], *, applied: str = "2026-03-01", status: str = "C"
    ) -> str:
        """A requisition (采购申请单) on the site: lines of (material, quantity, arrival date,
        warehouse). Returns its number."""
        self.next_id += 1
        number = f"CGSQ{self.next_id:06d}"
        self.documents.setdefault("PUR_Requisition", {})[self.next_id] = {
            "FBillNo": number,
            "FDocumentStatus": status,
            "FApplicationDate": applied,
            "FEntity": [
                {"FMaterialId": {"FNumber": m}, "FReqQty": q, "FArrivalDate": d, "FStockId": {"FNumber": w}}
                for m, q, d, w in lines
            ],
        }
        return number

    def _requisition_rows(self) -> list[dict[str, Any]]:
        rows = []
        for fid, doc in sorted(self.documents.get("PUR_Requisition", {}).items()):
            for n, e in enumerate(doc.get("FEntity") or []):
                rows.append(
                    {
                        "FID": fid,
                        "FBillNo": doc["FBillNo"],
                        "FDocumentStatus": doc.get("FDocumentStatus", "A"),
                        "FApplicationDate": doc.get("FApplicationDate", ""),
                        "FEntity_FEntryID": n + 1,
                        "FMaterialId.FNumber": (e.get("FMaterialId") or {}).get("FNumber"),
                        "FReqQty": e.get("FReqQty"),
                        "FArrivalDate": e.get("FArrivalDate"),
                        "FStockId.FNumber": (e.get("FStockId") or {}).get("FNumber"),
                    }
                )
        return rows

    # -- other forms (business documents) ----------------------------------------------------

    def _save_document(self, form_id: str, model: dict[str, Any]) -> Response:
        layout = self.forms.get(form_id)
        if layout is None:
            return json_response(refused(f"业务对象 {form_id} 不存在或未授权"))
        table = self.documents.setdefault(form_id, {})
        fid = int(model.get("FID") or 0)
        if fid:
            current = table.get(fid)
            if current is None:
                return json_response(refused(f"单据 {fid} 不存在"))
            if current["FDocumentStatus"] == "C":
                return json_response(refused("已审核的单据不允许修改"))
            current.update({k: v for k, v in model.items() if k != "FID"})
            return self._ok([{"Id": fid, "Number": current["FBillNo"], "DIndex": 0}])
        problems = self._document_problems(layout, model)
        if problems:
            return json_response(status(False, problems))
        self.next_id += 1
        number = f"{layout['prefix']}{self.next_id:06d}"
        table[self.next_id] = {**model, "FID": self.next_id, "FBillNo": number, "FDocumentStatus": "A"}
        self.document_saves += 1
        return self._ok([{"Id": self.next_id, "Number": number, "DIndex": 0}])

    def _document_problems(self, layout: dict[str, Any], model: dict[str, Any]) -> list[dict[str, Any]]:
        out = []

        def check(field: str, value: Any, table: str, row: int | None = None) -> None:
            code = (value or {}).get("FNumber") if isinstance(value, dict) else None
            where = f"第{row + 1}行分录：" if row is not None else ""
            if code is None:
                out.append({"FieldName": field, "Message": f"{where}字段 {field} 是必填项", "DIndex": row or 0})
            elif code not in MASTER[table]:
                out.append({"FieldName": field, "Message": f"{where}{field} {code} 不存在", "DIndex": row or 0})

        if "customer" in layout:
            check(layout["customer"], model.get(layout["customer"]), "BD_Customer")
        entries = model.get(layout["entity"])
        if not isinstance(entries, list) or not entries:
            return out + [{"FieldName": layout["entity"], "Message": "单据分录不能为空", "DIndex": 0}]
        for i, e in enumerate(entries):
            check(layout["material"], e.get(layout["material"]), "BD_MATERIAL", i)
            check(layout["warehouse"], e.get(layout["warehouse"]), "BD_STOCK", i)
            if "to_warehouse" in layout:
                check(layout["to_warehouse"], e.get(layout["to_warehouse"]), "BD_STOCK", i)
            try:
                qty = Decimal(str(e.get(layout["quantity"])))
            except InvalidOperation:
                qty = Decimal(0)
            if not qty > 0:
                out.append(
                    {"FieldName": layout["quantity"], "Message": f"第{i + 1}行分录：数量必须大于零", "DIndex": i}
                )
        return out

    def document_rows(self, form_id: str) -> list[dict[str, Any]]:
        """A form's bills as query rows: head fields, base data also as `<key>.FNumber`."""
        rows = []
        for fid, doc in sorted(self.documents.get(form_id, {}).items()):
            row = {"FID": fid}
            for key, value in doc.items():
                row[key] = value
                if isinstance(value, dict) and "FNumber" in value:
                    row[f"{key}.FNumber"] = value["FNumber"]
            rows.append(row)
        return rows

    # -- queries -----------------------------------------------------------------------------

    def op_ExecuteBillQuery(self, form_id: str, data: dict[str, Any]) -> Response:  # noqa: N802
        fields = [f.strip() for f in str(data.get("FieldKeys") or "").split(",") if f.strip()]
        start, limit = int(data.get("StartRow") or 0), int(data.get("Limit") or 2000)
        form = form_id or str(data.get("FormId") or "")
        try:
            rows = self._rows(form, fields, str(data.get("FilterString") or ""))
        except ValueError as exc:
            return json_response([[refused(str(exc))]])
        return json_response(rows[start : start + limit] if limit else rows[start:])

    def _rows(self, form: str, fields: list[str], where: str) -> list[list[Any]]:
        conditions = []
        for part in re.split(r"\s+AND\s+", where, flags=re.I) if where.strip() else []:
            m = CONDITION.match(part)
            if not m:
                raise ValueError(f"过滤条件无法解析：{part}")
            conditions.append((m.group(1), m.group(2), m.group(3).replace("''", "'")))
        if form in MASTER:
            records = [{"FNumber": k, "FName": n} for k, n in MASTER[form].items()]
            flat = records
        elif form == "GL_VOUCHER":
            entry_level = any(
                f.startswith("FEntity_") or f in ("FACCOUNTID.FNumber", "FDEBIT", "FCREDIT", "FBUSNO", "FEXPLANATION")
                for f in fields
            )
            flat = []
            candidates = sorted(self.vouchers)
            for field, op, value in conditions:
                if field == "FBUSNO" and op == "=":
                    candidates = sorted(self.by_busno.get(value, ()))
            for vid in candidates:
                v = self.vouchers[vid]
                head = {
                    "FVOUCHERID": vid,
                    "FBillNo": v["FBillNo"],
                    "FDate": v.get("FDate"),
                    "FDocumentStatus": v["FDocumentStatus"],
                    "FSourceBillKey": v.get("FSourceBillKey", ""),
                }
                entries = v.get("FEntity") or [{}]
                rows = []
                for n, e in enumerate(entries):
                    rows.append(
                        {
                            **head,
                            "FEntity_FEntryID": n + 1,
                            "FACCOUNTID.FNumber": (e.get("FACCOUNTID") or {}).get("FNumber"),
                            "FDEBIT": e.get("FDEBIT"),
                            "FCREDIT": e.get("FCREDIT"),
                            "FBUSNO": e.get("FBUSNO", ""),
                            "FEXPLANATION": e.get("FEXPLANATION", ""),
                        }
                    )
                matching = [r for r in rows if self._match(r, conditions)]
                flat.extend(matching if entry_level else matching[:1])
            return [[r.get(f) for f in fields] for r in flat]
        elif form == "PUR_Requisition":
            flat = self._requisition_rows()
        else:
            flat = self.document_rows(form)
        return [[r.get(f) for f in fields] for r in flat if self._match(r, conditions)]

    @staticmethod
    def _match(row: dict[str, Any], conditions: list[tuple[str, str, str]]) -> bool:
        for field, op, value in conditions:
            have = "" if row.get(field) is None else str(row.get(field))
            if op == "=" and have != value or op == ">=" and have < value or op == "<=" and have > value:
                return False
        return True
