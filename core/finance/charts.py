"""Chart of accounts templates: the Chinese standard chart (企业会计准则 codes, the names
Kingdee uses) and an English one. A tenant's chart is copied from one of them at set-up and is
the tenant's own from then on (accounts can be added, renamed and deactivated).

Each template account may carry a `role`: the name voucher rules post to ("revenue",
"inventory", ...). Rules never name account codes, so the same rules serve both charts and a
tenant can point a role at another account (`finance_account_mappings`). Accounts with
`sub_per` grow a sub-account per shop (应收账款—<shop>) or per warehouse (库存商品—<warehouse>)
the first time one is booked (reference finance.md §1.1: a clearing account per store, cost
pools per location).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateAccount:
    code: str
    name: str
    type: str
    role: str | None = None
    monetary: bool = False
    sub_per: str | None = None  # shop | warehouse
    currency: str | None = None  # "functional" or "USD": a bank account's currency


@dataclass(frozen=True)
class Role:
    key: str
    label: str  # English; the portal translates it
    sub_per: str | None = None


# What rules post to. The order is the order of the mapping page.
ROLES: tuple[Role, ...] = (
    Role("bank", "Bank (functional currency)"),
    Role("bank_foreign", "Bank (foreign currency)"),
    Role("marketplace_receivable", "Marketplace receivable, per shop", "shop"),
    Role("reserve_receivable", "Platform reserve held"),
    Role("prepayment", "Prepayments to suppliers"),
    Role("stock_lent", "Stock lent out"),
    Role("in_transit", "Inventory in transit, per destination warehouse", "warehouse"),
    Role("inventory", "Inventory, per warehouse", "warehouse"),
    Role("goods_shipped", "Goods shipped, not yet recognised"),
    Role("pending_loss", "Stock gains and losses pending approval"),
    Role("payable", "Accounts payable: suppliers"),
    Role("grni", "Goods received not invoiced (accrued payables)"),
    Role("payable_forwarder", "Accounts payable: forwarders"),
    Role("payable_carrier", "Accounts payable: carriers"),
    Role("contract_liability", "Contract liabilities (paid before shipment)"),
    Role("input_vat", "Input VAT (recoverable)"),
    Role("output_vat", "Output VAT"),
    Role("sales_tax", "Sales tax collected by the seller"),
    Role("opening_balance", "Opening balances (equity)"),
    Role("revenue", "Sales revenue"),
    Role("shipping_income", "Shipping charged to buyers"),
    Role("sales_discount", "Discounts and promotions"),
    Role("other_income", "Other income (reimbursements, stock gains)"),
    Role("cogs", "Cost of goods sold"),
    Role("commission", "Marketplace commissions"),
    Role("fulfilment_fee", "Fulfilment fees"),
    Role("storage_fee", "Storage fees"),
    Role("advertising", "Advertising"),
    Role("freight_out", "Outbound freight"),
    Role("samples", "Samples and requisitions"),
    Role("stock_loss", "Normal stock losses"),
    Role("scrap", "Scrapped stock and abnormal losses"),
    Role("fx", "Exchange gains and losses"),
    Role("bank_charges", "Bank and collection charges"),
    Role("rounding", "Rounding differences"),
)
ROLE_KEYS = frozenset(r.key for r in ROLES)


def role(key: str) -> Role:
    for r in ROLES:
        if r.key == key:
            return r
    raise KeyError(key)


A = TemplateAccount

CN: tuple[TemplateAccount, ...] = (
    A("1001", "库存现金", "asset", monetary=True),
    A("1002", "银行存款", "asset"),
    A("1002.01", "银行存款—本币", "asset", "bank", True, currency="functional"),
    A("1002.02", "银行存款—美元", "asset", "bank_foreign", True, currency="USD"),
    A("1012", "其他货币资金", "asset", monetary=True),
    A("1122", "应收账款", "asset", "marketplace_receivable", True, "shop"),
    A("1123", "预付账款", "asset", "prepayment"),
    A("1221", "其他应收款", "asset"),
    A("1221.01", "其他应收款—平台保留款", "asset", "reserve_receivable", True),
    A("1221.02", "其他应收款—借出存货", "asset", "stock_lent"),
    A("1402", "在途物资", "asset", "in_transit", False, "warehouse"),
    A("1405", "库存商品", "asset", "inventory", False, "warehouse"),
    A("1406", "发出商品", "asset", "goods_shipped"),
    A("1901", "待处理财产损溢", "asset", "pending_loss"),
    A("2202", "应付账款", "liability"),
    A("2202.01", "应付账款—供应商", "liability", "payable", True),
    A("2202.02", "应付账款—暂估", "liability", "grni", True),
    A("2202.03", "应付账款—货代", "liability", "payable_forwarder", True),
    A("2202.04", "应付账款—物流", "liability", "payable_carrier", True),
    A("2204", "合同负债", "liability", "contract_liability"),
    A("2221", "应交税费", "liability"),
    A("2221.01", "应交税费—应交增值税(进项税额)", "liability", "input_vat"),
    A("2221.02", "应交税费—应交增值税(销项税额)", "liability", "output_vat"),
    A("2221.03", "应交税费—代收销售税", "liability", "sales_tax", True),
    A("4001", "实收资本", "equity"),
    A("4103", "本年利润", "equity"),
    A("4104", "利润分配—未分配利润", "equity", "opening_balance"),
    A("6001", "主营业务收入", "income"),
    A("6001.01", "主营业务收入—商品销售", "income", "revenue"),
    A("6001.02", "主营业务收入—运费收入", "income", "shipping_income"),
    A("6001.03", "主营业务收入—折扣与促销", "income", "sales_discount"),
    A("6301", "营业外收入", "income", "other_income"),
    A("6401", "主营业务成本", "expense", "cogs"),
    A("6601", "销售费用", "expense"),
    A("6601.01", "销售费用—平台佣金", "expense", "commission"),
    A("6601.02", "销售费用—FBA配送费", "expense", "fulfilment_fee"),
    A("6601.03", "销售费用—仓储费", "expense", "storage_fee"),
    A("6601.04", "销售费用—广告费", "expense", "advertising"),
    A("6601.05", "销售费用—运费", "expense", "freight_out"),
    A("6601.06", "销售费用—样品及领用", "expense", "samples"),
    A("6602", "管理费用", "expense"),
    A("6602.01", "管理费用—存货盘亏", "expense", "stock_loss"),
    A("6603", "财务费用", "expense"),
    A("6603.01", "财务费用—汇兑损益", "expense", "fx"),
    A("6603.02", "财务费用—手续费", "expense", "bank_charges"),
    A("6603.03", "财务费用—尾差", "expense", "rounding"),
    A("6711", "营业外支出", "expense", "scrap"),
)

EN: tuple[TemplateAccount, ...] = (
    A("1000", "Cash on hand", "asset", monetary=True),
    A("1010", "Bank", "asset"),
    A("1010.01", "Bank - functional currency", "asset", "bank", True, currency="functional"),
    A("1010.02", "Bank - USD", "asset", "bank_foreign", True, currency="USD"),
    A("1020", "Payment and collection accounts", "asset", monetary=True),
    A("1100", "Marketplace receivables", "asset", "marketplace_receivable", True, "shop"),
    A("1150", "Prepayments to suppliers", "asset", "prepayment"),
    A("1190", "Other receivables", "asset"),
    A("1190.01", "Platform reserves held", "asset", "reserve_receivable", True),
    A("1190.02", "Stock lent out", "asset", "stock_lent"),
    A("1210", "Inventory in transit", "asset", "in_transit", False, "warehouse"),
    A("1200", "Inventory", "asset", "inventory", False, "warehouse"),
    A("1250", "Goods shipped not recognised", "asset", "goods_shipped"),
    A("1290", "Stock differences pending approval", "asset", "pending_loss"),
    A("2000", "Accounts payable", "liability"),
    A("2000.01", "Accounts payable - suppliers", "liability", "payable", True),
    A("2000.02", "Goods received not invoiced", "liability", "grni", True),
    A("2000.03", "Accounts payable - forwarders", "liability", "payable_forwarder", True),
    A("2000.04", "Accounts payable - carriers", "liability", "payable_carrier", True),
    A("2100", "Contract liabilities", "liability", "contract_liability"),
    A("2200", "Taxes payable", "liability"),
    A("2200.01", "Input VAT", "liability", "input_vat"),
    A("2200.02", "Output VAT", "liability", "output_vat"),
    A("2200.03", "Sales tax collected", "liability", "sales_tax", True),
    A("3000", "Share capital", "equity"),
    A("3100", "Current year earnings", "equity"),
    A("3200", "Retained earnings", "equity", "opening_balance"),
    A("4000", "Sales", "income"),
    A("4000.01", "Sales - goods", "income", "revenue"),
    A("4000.02", "Sales - shipping charged", "income", "shipping_income"),
    A("4000.03", "Sales - discounts and promotions", "income", "sales_discount"),
    A("4100", "Other income", "income", "other_income"),
    A("5000", "Cost of goods sold", "expense", "cogs"),
    A("6000", "Selling expenses", "expense"),
    A("6000.01", "Marketplace commissions", "expense", "commission"),
    A("6000.02", "Fulfilment fees", "expense", "fulfilment_fee"),
    A("6000.03", "Storage fees", "expense", "storage_fee"),
    A("6000.04", "Advertising", "expense", "advertising"),
    A("6000.05", "Outbound freight", "expense", "freight_out"),
    A("6000.06", "Samples and requisitions", "expense", "samples"),
    A("6100", "Administrative expenses", "expense"),
    A("6100.01", "Stock losses", "expense", "stock_loss"),
    A("6200", "Finance costs", "expense"),
    A("6200.01", "Exchange gains and losses", "expense", "fx"),
    A("6200.02", "Bank and collection charges", "expense", "bank_charges"),
    A("6200.03", "Rounding differences", "expense", "rounding"),
    A("6900", "Other expenses and abnormal losses", "expense", "scrap"),
)

TEMPLATES: dict[str, tuple[TemplateAccount, ...]] = {"cn": CN, "en": EN}
# Voucher number prefix per chart: 记 (记账凭证) or JV.
VOUCHER_PREFIX = {"cn": "记", "en": "JV"}
# Sub-account names: "应收账款—Amazon US" / "Marketplace receivables - Amazon US".
SUB_SEPARATOR = {"cn": "—", "en": " - "}


def parent_code(code: str) -> str | None:
    head, dot, _ = code.rpartition(".")
    return head if dot else None
