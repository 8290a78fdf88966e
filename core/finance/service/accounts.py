"""The chart of accounts: reading, adding, renaming, deactivating; and resolving the role a
rule posts to into the account it means for this tenant, shop and warehouse."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists, func, select

from core import money
from core import validation as f
from core.db import get_or_none, session, uuid7
from core.errors import Conflict, NotFound, ValidationError
from core.finance.charts import ROLE_KEYS, SUB_SEPARATOR, parent_code, role
from core.finance.ledger import Dims
from core.finance.models import ACCOUNT_TYPES, Account, AccountMapping, Balance
from core.finance.service.setup import settings
from core.messages import Msg

CODE_CHARS = frozenset("0123456789.")


def list_accounts(*, active: bool | None = None, type: str | None = None, q: str | None = None) -> Any:  # noqa: A002
    stmt = select(Account).order_by(Account.code)
    if active is not None:
        stmt = stmt.where(Account.active.is_(active))
    if type:
        stmt = stmt.where(Account.type == type)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(Account.code.like(like) | Account.name.like(like))
    return stmt


def all_accounts() -> list[Account]:
    settings()
    return list(session.execute(list_accounts()).scalars())


def get_account(account_id: uuid.UUID | str) -> Account:
    acc = get_or_none(Account, account_id)
    if acc is None:
        raise NotFound("account", account_id)
    return acc


def account_by_code(code: str) -> Account | None:
    return session.execute(select(Account).where(Account.code == code)).scalar_one_or_none()


def is_used(account_id: uuid.UUID) -> bool:
    """An account is used once any voucher posted to it (its balance rows exist)."""
    return bool(session.execute(select(exists().where(Balance.account_id == account_id))).scalar())


def used_accounts(ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these accounts have postings (and so are never deleted)."""
    return set(
        session.execute(select(Balance.account_id).where(Balance.account_id.in_(list(ids))).distinct()).scalars()
    )


def parent_accounts(ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these accounts have sub-accounts (postings go to the sub-accounts)."""
    return set(session.execute(select(Account.parent_id).where(Account.parent_id.in_(list(ids))).distinct()).scalars())


def has_children(account_id: uuid.UUID) -> bool:
    return bool(session.execute(select(exists().where(Account.parent_id == account_id))).scalar())


def _check_code(errors: f.Errors, code: Any) -> str:
    code = f.text(errors, "code", code, max_len=32, required=True)
    if code and (not set(code) <= CODE_CHARS or code.startswith(".") or code.endswith(".") or ".." in code):
        errors.add("code", Msg("finance.account_code_digits"))
    return code


def create_account(data: dict[str, Any]) -> Account:
    """Add an account. A code with a dot (6601.07) is a sub-account of the code before it,
    which must exist, has the same type and takes no postings of its own once it has one."""
    settings()
    errors = f.Errors()
    code = _check_code(errors, data.get("code"))
    name = f.text(errors, "name", data.get("name"), max_len=200, required=True)
    parent = None
    if code and parent_code(code):
        parent = account_by_code(parent_code(code) or "")
        if parent is None:
            errors.add("code", Msg("finance.parent_account_does_not", code=parent_code(code)))
    type_ = data.get("type") or (parent.type if parent else None)
    if type_ not in ACCOUNT_TYPES:
        errors.add("type", Msg("one_of", choices=", ".join(ACCOUNT_TYPES)))
    elif parent is not None and parent.type != type_:
        errors.add("type", Msg("finance.must_as_parent", type=parent.type, code=parent.code))
    currency = _currency(errors, data.get("currency"))
    errors.raise_if_any()
    if account_by_code(code) is not None:
        raise Conflict(Msg("finance.account_already_exists", code=code), {"code": [Msg("finance.code_taken")]})
    if parent is not None and not has_children(parent.id) and is_used(parent.id):
        raise Conflict(
            Msg("finance.account_already_has_postings", code=parent.code),
            {"code": [Msg("finance.parent_has_postings", code=parent.code)]},
        )
    acc = Account(
        id=uuid7(),
        code=code,
        name=name,
        type=type_,
        parent_id=parent.id if parent else None,
        currency=currency,
        monetary=bool(data.get("monetary", False)),
        active=True,
    )
    session.add(acc)
    session.flush()
    return acc


def _currency(errors: f.Errors, value: Any) -> str | None:
    if value in (None, ""):
        return None
    code = str(value).strip().upper()
    if not money.is_currency(code):
        errors.add("currency", Msg("finance.not_iso_currency", value=repr(value)))
        return None
    return code


def update_account(account_id: uuid.UUID, data: dict[str, Any]) -> Account:
    """Rename, (de)activate, or change the currency or monetary flag of an unused account."""
    acc = get_account(account_id)
    errors = f.Errors()
    if "name" in data:
        acc.name = f.text(errors, "name", data["name"], max_len=200, required=True)
    if "active" in data:
        acc.active = bool(data["active"])
    for key in ("currency", "monetary"):
        if key in data and is_used(acc.id):
            errors.add(key, Msg("finance.fixed_once_posted"))
    if "currency" in data and not errors:
        acc.currency = _currency(errors, data["currency"])
    if "monetary" in data and not errors:
        acc.monetary = bool(data["monetary"])
    errors.raise_if_any()
    session.flush()
    return acc


def delete_account(account_id: uuid.UUID) -> None:
    acc = get_account(account_id)
    if is_used(acc.id):
        raise Conflict(
            Msg("finance.account_has_postings_deactivate", code=acc.code), {"account": [Msg("finance.account_used")]}
        )
    if has_children(acc.id):
        raise Conflict(
            Msg("finance.account_has_sub_accounts_2", code=acc.code), {"account": [Msg("finance.has_sub_accounts")]}
        )
    if session.execute(select(exists().where(AccountMapping.account_id == acc.id))).scalar():
        raise Conflict(
            Msg("finance.account_mapped_rule", code=acc.code), {"account": [Msg("finance.account_is_mapped")]}
        )
    session.delete(acc)
    session.flush()


# ---------------------------------------------------------------------------------------------
# Resolving roles


class Resolver:
    """Turns (role, rule, dimensions) into account ids for one posting batch, caching what it
    read and creating the per-shop and per-warehouse sub-accounts it needs."""

    def __init__(self) -> None:
        self.chart = settings().chart
        self.mappings: dict[tuple[str, str, str], uuid.UUID] = {
            (m.role, m.rule, m.dimension_value): m.account_id for m in session.execute(select(AccountMapping)).scalars()
        }
        self.by_role: dict[str, Account] = {}
        self.children: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
        for acc in session.execute(select(Account)).scalars():
            if acc.role and acc.dimension_value is None and acc.role not in self.by_role:
                self.by_role[acc.role] = acc
            if acc.parent_id and acc.dimension_value:
                self.children[(acc.parent_id, acc.dimension_value)] = acc.id

    def account(self, role_key: str, rule: str = "", dims: Dims | None = None) -> uuid.UUID:
        if role_key not in ROLE_KEYS:
            raise ValueError(f"unknown role {role_key!r}")
        dims = dims or Dims()
        dim = dimension_value(role_key, dims)
        # A mapping may name the line's shop or warehouse whatever the role: revenue of one
        # shop, freight of one warehouse. The most specific wins: rule and dimension, rule,
        # dimension, then the role alone.
        wanted = [d for d in (dim, str(dims.shop_id or ""), str(dims.warehouse_id or "")) if d]
        for key in (
            *((role_key, rule, d) for d in wanted),
            (role_key, rule, ""),
            *((role_key, "", d) for d in wanted),
            (role_key, "", ""),
        ):
            if key in self.mappings:
                return self.mappings[key]
        base = self.by_role.get(role_key)
        if base is None:
            raise MissingAccount(role_key)
        if not base.sub_per:
            return base.id
        child = self.children.get((base.id, dim))
        if child is None:
            child = self._sub_account(base, dim).id
            self.children[(base.id, dim)] = child
        return child

    def _sub_account(self, base: Account, dim: str) -> Account:
        last = session.execute(
            select(func.max(Account.code)).where(Account.parent_id == base.id, Account.code.like(f"{base.code}.%"))
        ).scalar_one_or_none()
        n = int(last.rpartition(".")[2]) + 1 if last and last.rpartition(".")[2].isdigit() else 1
        acc = Account(
            id=uuid7(),
            code=f"{base.code}.{n:02d}",
            name=f"{base.name}{SUB_SEPARATOR[self.chart]}{dimension_label(base.sub_per or '', dim)}"[:200],
            type=base.type,
            parent_id=base.id,
            currency=None,
            role=None,
            monetary=base.monetary,
            sub_per=None,
            dimension_value=dim,
            active=True,
        )
        session.add(acc)
        session.flush()
        return acc


class MissingAccount(LookupError):
    def __init__(self, role_key: str) -> None:
        super().__init__(f"no account is set for {role(role_key).label.lower()} (role {role_key})")
        self.role = role_key


def dimension_value(role_key: str, dims: Dims) -> str:
    """The shop or warehouse a per-shop or per-warehouse role is booked for ('' otherwise).
    Orders entered by hand have no shop: they share the "manual" sub-account."""
    per = role(role_key).sub_per
    if per == "shop":
        return str(dims.shop_id) if dims.shop_id else "manual"
    if per == "warehouse":
        return str(dims.warehouse_id) if dims.warehouse_id else ""
    return ""


def dimension_label(per: str, value: str) -> str:
    """A readable name for a sub-account: the shop's name, the warehouse's code and name."""
    if per == "shop":
        if value == "manual":
            return "manual orders" if settings().chart == "en" else "手工订单"
        from tenants.service import get_connection

        try:
            return get_connection(uuid.UUID(value)).display_name
        except (NotFound, ValueError):
            return value
    if per == "warehouse" and value:
        from core.inventory.service.warehouses import get_warehouse

        try:
            wh = get_warehouse(uuid.UUID(value))
            return f"{wh.code} {wh.name}".strip()
        except (NotFound, ValueError):
            return value
    return value


def set_mapping(role_key: str, account_id: uuid.UUID, *, rule: str = "", dimension_value: str = "") -> AccountMapping:
    """Point a role (for one rule, shop or warehouse, or for all) at an account."""
    if role_key not in ROLE_KEYS:
        raise ValidationError.field("role", Msg("finance.unknown_role", role_key=repr(role_key)))
    acc = get_account(account_id)
    if not acc.active:
        raise ValidationError.field("account_id", Msg("finance.account_inactive", code=acc.code))
    if has_children(acc.id):
        raise ValidationError.field("account_id", Msg("finance.account_has_sub_accounts", code=acc.code))
    row = session.execute(
        select(AccountMapping).where(
            AccountMapping.role == role_key,
            AccountMapping.rule == rule,
            AccountMapping.dimension_value == dimension_value,
        )
    ).scalar_one_or_none()
    if row is None:
        row = AccountMapping(role=role_key, rule=rule, dimension_value=dimension_value, account_id=acc.id)
        session.add(row)
    else:
        row.account_id = acc.id
    session.flush()
    return row


def remove_mapping(mapping_id: uuid.UUID) -> None:
    row = get_or_none(AccountMapping, mapping_id)
    if row is None:
        raise NotFound("account mapping", mapping_id)
    session.delete(row)
    session.flush()


def list_mappings() -> list[AccountMapping]:
    return list(
        session.execute(
            select(AccountMapping).order_by(AccountMapping.role, AccountMapping.rule, AccountMapping.dimension_value)
        ).scalars()
    )


def check_postable(accounts: Iterable[uuid.UUID], currencies: dict[uuid.UUID, set[str]]) -> dict[str, list[str]]:
    """Problems with posting to these accounts: unknown, inactive, not a leaf, or a line in
    another currency than the account allows (reference finance.md §6: open, leaf, allowed
    currency). Keyed by account code."""
    ids = set(accounts)
    rows = {a.id: a for a in session.execute(select(Account).where(Account.id.in_(ids))).scalars()}
    parents = set(session.execute(select(Account.parent_id).where(Account.parent_id.in_(ids))).scalars())
    problems: dict[str, list[str]] = {}
    for acc_id in ids:
        acc = rows.get(acc_id)
        if acc is None:
            problems[str(acc_id)] = [Msg("finance.no_such_account")]
            continue
        msgs = []
        if not acc.active:
            msgs.append("is inactive")
        if acc_id in parents:
            msgs.append("has sub-accounts: post to one of them")
        wrong = currencies.get(acc_id, set()) - {acc.currency} if acc.currency else set()
        if wrong:
            msgs.append(f"takes {acc.currency} only, not {', '.join(sorted(wrong))}")
        if msgs:
            problems[acc.code] = msgs
    return problems
