"""REST endpoints of finance: set-up and settings, accounts, periods, vouchers, reports."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from core.db import session
from core.finance import exports, rules, service
from core.finance.blueprint import blp  # shared with the settlements' endpoints
from core.finance.charts import ROLES
from core.finance.models import Account, Period, Voucher
from core.finance.schemas import (
    AccountCreateSchema,
    AccountInSchema,
    AccountMappingInSchema,
    AccountMappingSchema,
    AccountQuerySchema,
    AccountSchema,
    AgeingExportQuerySchema,
    AgeingRowSchema,
    ApplyInSchema,
    BalanceSheetSchema,
    BillQuerySchema,
    BillSchema,
    FinanceSettingsInSchema,
    FinanceSettingsSchema,
    FreightBillInSchema,
    GeneralLedgerSchema,
    JobRefSchema,
    LandedCostInSchema,
    LandedCostQuerySchema,
    LandedCostSchema,
    LedgerQuerySchema,
    ManualVoucherSchema,
    PaymentInSchema,
    PaymentQuerySchema,
    PaymentSchema,
    PeriodSchema,
    ProfitLossSchema,
    ProfitQuerySchema,
    ProfitRowSchema,
    PurchaseBillInSchema,
    RatesImportSchema,
    ReportQuerySchema,
    ReverseSchema,
    RoleSchema,
    RuleInSchema,
    RuleSchema,
    SetupSchema,
    TrendPointSchema,
    TrendQuerySchema,
    TrialBalanceSchema,
    UnbookedQuerySchema,
    UnbookedSchema,
    VerifyQuerySchema,
    VerifyReportSchema,
    VoucherQuerySchema,
    VoucherSchema,
    account_view,
    bill_view,
    landed_cost_view,
    payment_view,
    period_view,
    settings_view,
    unbooked_view,
    voucher_view,
)
from core.finance.service import booking, landed, payables, reports
from core.finance.service import profit as profit_report
from core.finance.service.accounts import used_accounts
from core.http import paged, requires
from core.messages import Msg


def voucher_views(vouchers: list[Voucher]) -> list[dict[str, Any]]:
    """Views of vouchers with their lines, accounts, periods and reversals, in four queries."""
    ids = [v.id for v in vouchers]
    lines = service.lines_of(ids)
    account_ids = {line.account_id for ls in lines.values() for line in ls}
    accounts = {a.id: a for a in session.execute(select(Account).where(Account.id.in_(account_ids))).scalars()}
    periods = {
        p.id: p.key
        for p in session.execute(select(Period).where(Period.id.in_({v.period_id for v in vouchers}))).scalars()
    }
    reversals = dict(session.execute(select(Voucher.reverses_id, Voucher.id).where(Voucher.reverses_id.in_(ids))).all())
    return [voucher_view(v, lines[v.id], accounts, periods.get(v.period_id, ""), reversals.get(v.id)) for v in vouchers]


@blp.route("/setup")
class Setup(MethodView):
    @blp.arguments(SetupSchema)
    @blp.response(201, FinanceSettingsSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Set finance up with a chart template (once). Without it, the first business event sets
        it up with the template of the tenant's language."""
        return settings_view(service.set_up(data["chart"]), service.functional_currency())


@blp.route("/settings")
class Settings(MethodView):
    @blp.response(200, FinanceSettingsSchema)
    @requires("finance:read")
    def get(self) -> Any:
        return settings_view(service.settings(), service.functional_currency())

    @blp.arguments(FinanceSettingsInSchema)
    @blp.response(200, FinanceSettingsSchema)
    @requires("finance:write")
    def patch(self, data: dict[str, Any]) -> Any:
        row = service.settings()
        for key, value in data.items():
            if key == "fee_estimates":
                value = {k: str(v) for k, v in value.items()}
            setattr(row, key, value)
        session.flush()
        return settings_view(row, service.functional_currency())


@blp.route("/accounts")
class Accounts(MethodView):
    @blp.arguments(AccountQuerySchema, location="query")
    @blp.response(200, AccountSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """The chart of accounts, by code."""
        service.settings()
        rows = paged(service.list_accounts(**args), pagination_parameters)
        used = used_accounts([a.id for a in rows])
        return [account_view(a, a.id in used) for a in rows]

    @blp.arguments(AccountCreateSchema)
    @blp.response(201, AccountSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Add an account; a dotted code (6601.07) makes it a sub-account of 6601."""
        return account_view(service.create_account(data), False)


@blp.route("/accounts/<uuid:account_id>")
class AccountView(MethodView):
    @blp.response(200, AccountSchema)
    @requires("finance:read")
    def get(self, account_id: uuid.UUID) -> Any:
        acc = service.get_account(account_id)
        return account_view(acc, bool(used_accounts([acc.id])))

    @blp.arguments(AccountInSchema)
    @blp.response(200, AccountSchema)
    @requires("finance:write")
    def patch(self, data: dict[str, Any], account_id: uuid.UUID) -> Any:
        """Rename or (de)activate an account; currency and monetary only while it is unused."""
        acc = service.update_account(account_id, data)
        return account_view(acc, bool(used_accounts([acc.id])))

    @blp.response(204)
    @requires("finance:write")
    def delete(self, account_id: uuid.UUID) -> None:
        """Delete an account that was never used (a used one can only be deactivated)."""
        service.delete_account(account_id)


@blp.route("/periods")
class Periods(MethodView):
    @blp.response(200, PeriodSchema(many=True))
    @requires("finance:read")
    def get(self) -> Any:
        """Every period the books know, newest first."""
        return [period_view(p) for p in service.list_periods()]


def _period_action(name: str, func: Any, doc: str) -> None:
    def view(period_id: uuid.UUID) -> Any:
        return period_view(func(period_id))

    view.__name__ = f"period_{name}"
    view.__doc__ = doc
    decorated = blp.response(200, PeriodSchema)(requires("finance:close")(view))
    blp.route(f"/periods/<uuid:period_id>/{name}", methods=["POST"], endpoint=f"period_{name}")(decorated)


_period_action("close", service.close, "Close a period: later documents dated in it post to the next open period.")
_period_action("reopen", service.reopen, "Reopen a closed period.")


@blp.route("/vouchers")
class Vouchers(MethodView):
    @blp.arguments(VoucherQuerySchema, location="query")
    @blp.response(200, VoucherSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Vouchers, newest first; `source_type` + `source_id` lists a document's vouchers."""
        return voucher_views(paged(service.voucher_query(**args), pagination_parameters))

    @blp.arguments(ManualVoucherSchema)
    @blp.response(201, VoucherSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Post a manual voucher (an adjustment). It must balance in the functional currency
        after rounding; foreign lines are converted at the date's rate."""
        return voucher_views([service.create_manual(data)])[0]


@blp.route("/vouchers/<uuid:voucher_id>")
class VoucherView(MethodView):
    @blp.response(200, VoucherSchema)
    @requires("finance:read")
    def get(self, voucher_id: uuid.UUID) -> Any:
        return voucher_views([service.get_voucher(voucher_id)])[0]


@blp.route("/vouchers/<uuid:voucher_id>/reverse", methods=["POST"])
@blp.arguments(ReverseSchema)
@blp.response(201, VoucherSchema)
@requires("finance:write")
def reverse_voucher(data: dict[str, Any], voucher_id: uuid.UUID) -> Any:
    """Reverse a posted voucher (红字冲销 by default): a new voucher that names it."""
    return voucher_views([service.reverse(voucher_id, on=data.get("date"), memo=data.get("memo"))])[0]


@blp.route("/reports/trial-balance")
class TrialBalanceView(MethodView):
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, TrialBalanceSchema)
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """科目余额表: opening, the period's debits and credits, closing, per account;
        `format=csv|xlsx` downloads it."""
        report = service.trial_balance(args["period"]).to_json()
        return _maybe_file(args["format"], f"trial-balance-{args['period']}", exports.trial_balance(report)) or report


@blp.route("/vouchers/<uuid:voucher_id>/rebook", methods=["POST"])
@blp.response(201, VoucherSchema)
@requires("finance:write")
def rebook_voucher(voucher_id: uuid.UUID) -> Any:
    """Book a reversed event voucher's event again, with the rule and mapping as they are now."""
    return voucher_views([booking.rebook(voucher_id)])[0]


@blp.route("/vouchers/book-waiting", methods=["POST"])
@blp.response(200, VoucherSchema(many=True))
@requires("finance:write")
def book_waiting() -> Any:
    """Post the vouchers that were waiting for exchange rates now known; lists those still waiting."""
    service.book_waiting()
    return voucher_views(list(session.execute(service.voucher_query(status="waiting_rate")).scalars()))


@blp.route("/rules")
class Rules(MethodView):
    @blp.response(200, RuleSchema(many=True))
    @requires("finance:read")
    def get(self) -> Any:
        """The voucher rules: which events each books and the roles it posts to."""
        off = booking.disabled_rules()
        return [
            {
                "key": r.key,
                "title": r.title,
                "events": list(r.events),
                "roles": list(r.roles),
                "enabled": r.key not in off,
                "waiting_for": r.waiting_for,
            }
            for r in rules.all_rules()
        ]


@blp.route("/rules/<string:rule_key>", methods=["PUT"])
@blp.arguments(RuleInSchema)
@blp.response(200, RuleSchema)
@requires("finance:write")
def set_rule(data: dict[str, Any], rule_key: str) -> Any:
    """Switch a rule on or off; while off, its events are listed as not booked."""
    row = booking.set_rule(rule_key, data["enabled"])
    r = rules.RULES[row.rule]
    return {
        "key": r.key,
        "title": r.title,
        "events": list(r.events),
        "roles": list(r.roles),
        "enabled": row.enabled,
        "waiting_for": r.waiting_for,
    }


@blp.route("/roles")
class Roles(MethodView):
    @blp.response(200, RoleSchema(many=True))
    @requires("finance:read")
    def get(self) -> Any:
        """What rules post to, and the template's account for each."""
        service.settings()
        by_role = {
            a.role: a
            for a in session.execute(select(Account).where(Account.role.is_not(None))).scalars()
            if a.dimension_value is None
        }
        out = []
        for role in ROLES:
            acc = by_role.get(role.key)
            out.append(
                {
                    "key": role.key,
                    "label": role.label,
                    "sub_per": role.sub_per,
                    "account_id": acc.id if acc else None,
                    "account_code": acc.code if acc else None,
                    "account_name": acc.name if acc else None,
                }
            )
        return out


def mapping_view(row: Any) -> dict[str, Any]:
    acc = session.get(Account, row.account_id)
    return {
        "id": row.id,
        "role": row.role,
        "rule": row.rule,
        "dimension_value": row.dimension_value,
        "account_id": row.account_id,
        "account_code": acc.code if acc else "",
        "account_name": acc.name if acc else "",
    }


@blp.route("/mappings")
class Mappings(MethodView):
    @blp.response(200, AccountMappingSchema(many=True))
    @requires("finance:read")
    def get(self) -> Any:
        """The tenant's account mapping: a role (for one rule, shop or warehouse) to an account."""
        return [mapping_view(m) for m in service.list_mappings()]

    @blp.arguments(AccountMappingInSchema)
    @blp.response(200, AccountMappingSchema)
    @requires("finance:write")
    def put(self, data: dict[str, Any]) -> Any:
        """Point a role at an account; the most specific mapping wins."""
        if data["rule"] and data["rule"] not in rules.RULES:
            from core.errors import ValidationError

            raise ValidationError.field("rule", Msg("finance.unknown_rule", rule=repr(data["rule"])))
        return mapping_view(
            service.set_mapping(
                data["role"], data["account_id"], rule=data["rule"], dimension_value=data["dimension_value"]
            )
        )


@blp.route("/mappings/<uuid:mapping_id>", methods=["DELETE"])
@blp.response(204)
@requires("finance:write")
def delete_mapping(mapping_id: uuid.UUID) -> None:
    service.remove_mapping(mapping_id)


@blp.route("/unbooked")
class Unbooked(MethodView):
    @blp.arguments(UnbookedQuerySchema, location="query")
    @blp.response(200, UnbookedSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Business events that are not booked, with the reason (no rule, rule off, an account missing)."""
        return [unbooked_view(r) for r in paged(booking.unbooked_query(args["status"]), pagination_parameters)]


@blp.route("/unbooked/<uuid:unbooked_id>/book", methods=["POST"])
@blp.response(200, UnbookedSchema)
@requires("finance:write")
def book_unbooked(unbooked_id: uuid.UUID) -> Any:
    """Try to book a not-booked event again."""
    return unbooked_view(booking.book_again(unbooked_id))


@blp.route("/unbooked/<uuid:unbooked_id>/ignore", methods=["POST"])
@blp.response(200, UnbookedSchema)
@requires("finance:write")
def ignore_unbooked(unbooked_id: uuid.UUID) -> Any:
    """Set a not-booked event aside (booked by hand, or of no account)."""
    return unbooked_view(booking.ignore(unbooked_id))


@blp.route("/verify")
class Verify(MethodView):
    @blp.arguments(VerifyQuerySchema, location="query")
    @blp.response(200, VerifyReportSchema)
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """Prove the books (as `tradelane finance verify`); `replay=true` also replays the outbox."""
        from core.finance.service.verify import verify

        report = verify().to_json()
        report["replay"] = booking.replay().to_json() if args["replay"] else None
        return report


@blp.route("/landed-costs")
class LandedCosts(MethodView):
    @blp.arguments(LandedCostQuerySchema, location="query")
    @blp.response(200, LandedCostSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Landed costs of first legs and transfers, with their allocation per SKU."""
        return [landed_cost_view(r) for r in paged(landed.landed_costs(**args), pagination_parameters)]


@blp.route("/transfers/<uuid:transfer_id>/landed-costs", methods=["POST"])
@blp.arguments(LandedCostInSchema)
@blp.response(201, LandedCostSchema)
@requires("finance:write")
def enter_landed_cost(data: dict[str, Any], transfer_id: uuid.UUID) -> Any:
    """A cost of a shipped first leg or transfer that arrives later (accrued until billed):
    allocated to its lines and added to the stock still held; the sold share goes to COGS."""
    return landed_cost_view(landed.enter(transfer_id, data))


@blp.route("/landed-costs/<uuid:landed_cost_id>/apply", methods=["POST"])
@blp.response(200, LandedCostSchema)
@requires("finance:write")
def apply_landed_cost(landed_cost_id: uuid.UUID) -> Any:
    """Try again a landed cost that waited for a rate or had no basis (after the box plan was fixed)."""
    return landed_cost_view(landed.retry(landed_cost_id))


@blp.route("/bills")
class Bills(MethodView):
    @blp.arguments(BillQuerySchema, location="query")
    @blp.response(200, BillSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        """Supplier and forwarder bills, newest first."""
        return [bill_view(b) for b in paged(payables.bill_query(**args), pagination_parameters)]

    @blp.arguments(PurchaseBillInSchema)
    @blp.response(201, BillSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Record a supplier's bill for received goods, matched three ways with the order and the
        receipts; refused naming the line when a quantity or price is outside the tolerance."""
        return bill_view(payables.create_purchase_bill(data))


@blp.route("/freight-bills", methods=["POST"])
@blp.arguments(FreightBillInSchema)
@blp.response(201, BillSchema)
@requires("finance:write")
def create_freight_bill(data: dict[str, Any]) -> Any:
    """Record a forwarder's bill for first legs: it clears their accrued landed cost and books
    the difference as landed cost."""
    return bill_view(payables.create_freight_bill(data))


@blp.route("/bills/<uuid:bill_id>", methods=["GET"])
@blp.response(200, BillSchema)
@requires("finance:read")
def get_bill(bill_id: uuid.UUID) -> Any:
    return bill_view(payables.get_bill(bill_id))


@blp.route("/payments")
class Payments(MethodView):
    @blp.arguments(PaymentQuerySchema, location="query")
    @blp.response(200, PaymentSchema(many=True))
    @blp.paginate()
    @requires("finance:read")
    def get(self, args: dict[str, Any], pagination_parameters: Any) -> Any:
        return [payment_view(p) for p in paged(payables.payment_query(**args), pagination_parameters)]

    @blp.arguments(PaymentInSchema)
    @blp.response(201, PaymentSchema)
    @requires("finance:write")
    def post(self, data: dict[str, Any]) -> Any:
        """Pay a supplier: settle bills (`allocations`); what is left is a prepayment."""
        return payment_view(payables.create_payment(data))


@blp.route("/payments/<uuid:payment_id>", methods=["GET"])
@blp.response(200, PaymentSchema)
@requires("finance:read")
def get_payment(payment_id: uuid.UUID) -> Any:
    return payment_view(payables.get_payment(payment_id))


@blp.route("/payments/<uuid:payment_id>/apply", methods=["POST"])
@blp.arguments(ApplyInSchema)
@blp.response(200, PaymentSchema)
@requires("finance:write")
def apply_prepayment(data: dict[str, Any], payment_id: uuid.UUID) -> Any:
    """Apply what a prepayment left to a bill of the same supplier."""
    return payment_view(payables.apply_prepayment(payment_id, data))


@blp.route("/reports/ageing")
class Ageing(MethodView):
    @blp.arguments(AgeingExportQuerySchema, location="query")
    @blp.response(200, AgeingRowSchema(many=True))
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """Open payables per supplier by days past due (current, 1-30, 31-60, 61-90, 90+);
        `format=csv|xlsx` downloads it."""
        rows = [row.to_json() for row in payables.ageing(args.get("as_of"))]
        return _maybe_file(args["format"], "ageing", exports.ageing(rows)) or rows


def _maybe_file(fmt: str, name: str, table: exports.Table) -> Any:
    """A CSV or XLSX download of a report, or None for JSON."""
    return exports.download(table, name, fmt) if fmt in ("csv", "xlsx") else None


@blp.route("/reports/general-ledger")
class GeneralLedger(MethodView):
    @blp.arguments(LedgerQuerySchema, location="query")
    @blp.response(200, GeneralLedgerSchema)
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """明细账 of an account (with its sub-accounts) for a period, with running balance."""
        report = reports.general_ledger(args["account_id"], args["period"])
        name = f"ledger-{report['account']['code']}-{args['period']}"
        return _maybe_file(args["format"], name, exports.general_ledger(report)) or report


@blp.route("/reports/balance-sheet")
class BalanceSheet(MethodView):
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, BalanceSheetSchema)
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """资产负债表 at the end of the period."""
        report = reports.balance_sheet(args["period"])
        return _maybe_file(args["format"], f"balance-sheet-{args['period']}", exports.balance_sheet(report)) or report


@blp.route("/reports/profit-and-loss")
class ProfitAndLoss(MethodView):
    @blp.arguments(ReportQuerySchema, location="query")
    @blp.response(200, ProfitLossSchema)
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """利润表 of the period."""
        report = reports.profit_and_loss(args["period"])
        return (
            _maybe_file(args["format"], f"profit-and-loss-{args['period']}", exports.profit_and_loss(report)) or report
        )


@blp.route("/reports/profit")
class Profit(MethodView):
    @blp.arguments(ProfitQuerySchema, location="query")
    @blp.response(200, ProfitRowSchema(many=True))
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """Profit per order, SKU, shop or month: revenue - refunds - COGS (with landed cost) -
        fees - outbound freight. Fees not yet known from settlements are estimated and marked."""
        rows = [r.to_json() for r in profit_report.profit(args["group"], args["period_from"], args.get("period_to"))]
        name = f"profit-by-{args['group']}-{args['period_from']}"
        return _maybe_file(args["format"], name, exports.profit(rows)) or rows


@blp.route("/reports/stock-value")
class StockValue(MethodView):
    @blp.arguments(TrendQuerySchema, location="query")
    @blp.response(200, TrendPointSchema(many=True))
    @requires("finance:read")
    def get(self, args: dict[str, Any]) -> Any:
        """The stock accounts' value at the end of each period (the stock value trend)."""
        from core.finance.service.periods import month_keys

        return reports.stock_value_trend(month_keys(args["period_from"], args["period_to"]))


@blp.route("/periods/<uuid:period_id>/revalue", methods=["POST"])
@blp.response(202, JobRefSchema)
@requires("finance:close")
def revalue_period(period_id: uuid.UUID) -> Any:
    """Revalue the period's foreign monetary balances at the closing rate (a job on the finance
    queue), reversed on the first day of the next period."""
    from core import jobs

    period = service.get_period(period_id)
    job = jobs.enqueue("finance.revalue", dedupe_key=f"finance.revalue:{period.key}", period=period.key)
    return {"job_id": job.id, "kind": job.kind, "status": job.status}


@blp.route("/rates/ecb", methods=["POST"])
@blp.response(200, RatesImportSchema)
@requires("finance:write")
def import_ecb_rates() -> Any:
    """Import an ECB reference-rate file (eurofxref XML, CSV or zip), uploaded as `file`
    (multipart) or as the request body; vouchers that waited for these rates post."""
    from flask import request

    from core.errors import ValidationError
    from core.finance.service import fxrates

    upload = request.files.get("file")
    data = upload.read(fxrates.ecb.MAX_BYTES + 1) if upload else request.get_data(cache=False)
    if not data:
        raise ValidationError.field("file", Msg("finance.upload_ecb_file"))
    return {"imported": fxrates.import_ecb(data, filename=upload.filename if upload else "").to_json()}


@blp.route("/rates/fetch", methods=["POST"])
@blp.response(202, JobRefSchema)
@requires("finance:write")
def fetch_rates() -> Any:
    """Fetch the rate feed now (the job that also runs every day)."""
    from core import jobs

    if not (service.settings().rate_feed_url or "").strip():
        from core.errors import ValidationError

        raise ValidationError.field("rate_feed_url", Msg("finance.set_rate_feed"))
    job = jobs.enqueue("finance.fetch_rates", dedupe_key="finance.fetch_rates")
    return {"job_id": job.id, "kind": job.kind, "status": job.status}


# Settlements add their endpoints to this blueprint.
from core.finance import posting_api  # noqa: E402 - posting's routes on this blueprint (docs/accounting.md)
from core.finance.settlements import api as _settlements_api  # noqa: E402, F401

posting_api.register(blp)
from core.finance.expenses import api as _expenses_api  # noqa: E402, F401
