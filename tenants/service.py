"""Use cases of tenants, users, API keys and plugin connections. No Flask import."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as pysecrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import validation
from core.db import get_or_none, session, system_session, utcnow, uuid7
from core.errors import Conflict, NotFound, PermissionDenied, TooManyAttempts, Unauthorized, ValidationError
from core.messages import Msg, msg
from core.plugins import AdapterInfo, registry
from core.tenancy import Actor, actor_context, current_actor, current_tenant_id, tenant_context
from tenants import roles as role_rules
from tenants.models import ApiKey, PluginConnection, Tenant, User
from tenants.secrets import decrypt_json, encrypt_json

LOCALES = ("en", "zh_CN")
MIN_PASSWORD = 10
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
# Verifying against this when an e-mail is unknown keeps login time independent of it.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _email(value: str | None) -> str:
    value = (value or "").strip().lower()
    if not EMAIL_RE.match(value) or len(value) > 254:
        raise ValidationError.field("email", Msg("tenants.email_invalid"))
    return value


def _password(value: str | None, field: str = "password") -> str:
    if not value or len(value) < MIN_PASSWORD:
        raise ValidationError.field(field, Msg("tenants.use_at_least_characters", min_password=MIN_PASSWORD))
    if len(value) > 256:
        raise ValidationError.field(field, Msg("too_long", max_len=256))
    return value


def _currency(value: str | None, field: str = "functional_currency") -> str:
    value = (value or "").strip().upper()
    if not value:
        raise ValidationError.field(field, msg("required"))
    code = validation.currency_code(value)  # RMB is CNY
    if code is None:
        raise ValidationError.field(field, msg("not_currency", value=validation.printable(value)[:20]))
    return code


def _timezone(value: str | None) -> str:
    value = (value or "").strip()
    if validation.timezone_problem(value):
        # the value leads the message, as the portal's catalogue translates it (web/messages.py)
        raise ValidationError.field("timezone", msg("not_a_timezone", value=validation.printable(value)[:64]))
    return value


def _locale(value: str | None, field: str = "default_locale") -> str:
    if value not in LOCALES:
        raise ValidationError.field(field, msg("one_of", choices=", ".join(LOCALES)))
    return value


def _text(value: str | None, field: str, max_len: int = 200, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError.field(field, msg("required"))
    if len(value) > max_len:
        raise ValidationError.field(field, msg("too_long", max_len=max_len))
    return value


# ---------------------------------------------------------------------------------------------
# Tenants and sign-up


def signup(
    *,
    company: str,
    email: str,
    password: str,
    name: str = "",
    currency: str = "CNY",
    timezone: str = "Asia/Shanghai",
    locale: str = "zh_CN",
) -> tuple[Tenant, User]:
    """Create a tenant and its owner. The caller's unit of work commits."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, check in (
        ("company", lambda: _text(company, "company")),
        ("email", lambda: _email(email)),
        ("password", lambda: _password(password)),
        ("currency", lambda: _currency(currency, "currency")),
        ("timezone", lambda: _timezone(timezone)),
        ("locale", lambda: _locale(locale, "locale")),
    ):
        try:
            values[field] = check()
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    _ensure_email_free(values["email"])
    tenant_id = uuid7()
    with tenant_context(tenant_id):
        tenant = Tenant(
            id=tenant_id,
            name=values["company"],
            functional_currency=values["currency"],
            timezone=values["timezone"],
            default_locale=values["locale"],
        )
        session.add(tenant)
        session.flush()
        user = User(
            email=values["email"],
            name=_text(name, "name", required=False),
            password_hash=_hasher.hash(values["password"]),
            roles=["owner"],
            locale=values["locale"],
        )
        session.add(user)
        session.flush()
    return tenant, user


def _ensure_email_free(email: str, except_user: uuid.UUID | None = None) -> None:
    with system_session() as s:
        existing = s.execute(select(User.id).where(User.email == email)).scalar_one_or_none()
    if existing is not None and existing != except_user:
        raise ValidationError.field("email", Msg("tenants.email_registered"))


def current_tenant() -> Tenant:
    tenant = session.execute(select(Tenant).where(Tenant.id == current_tenant_id())).scalar_one_or_none()
    if tenant is None:
        raise NotFound("tenant")
    return tenant


# ---------------------------------------------------------------------------------------------
# What other capabilities read about the tenant (the one lookup of its functional currency)

FACTS = "tenants.facts"


@dataclass(frozen=True)
class TenantFacts:
    functional_currency: str
    timezone: str
    locale: str

    def local_date(self, moment: datetime) -> date:
        """The calendar day of `moment` in the tenant's time zone (a voucher's, a receipt's date)."""
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):  # an unknown zone name falls back to UTC, never fails
            zone = ZoneInfo("UTC")
        return moment.astimezone(zone).date()


def tenant_facts() -> TenantFacts:
    """The current tenant's functional currency, time zone and language, read once per session
    (update_tenant forgets them)."""
    cache = session().info.setdefault(FACTS, {})
    tenant_id = current_tenant_id()
    if tenant_id not in cache:
        row = session.execute(
            select(Tenant.functional_currency, Tenant.timezone, Tenant.default_locale).where(Tenant.id == tenant_id)
        ).one_or_none()
        if row is None:
            raise NotFound("tenant")
        cache[tenant_id] = TenantFacts(row.functional_currency, row.timezone or "UTC", row.default_locale or "en")
    return cache[tenant_id]


def functional_currency() -> str:
    """The currency of every book value of the tenant (stock, orders' comparisons, vouchers)."""
    return tenant_facts().functional_currency


def people_counts() -> tuple[int, int]:
    """(active users, API keys not revoked) of the tenant, for the dashboard."""
    users = session.execute(select(func.count()).select_from(User).where(User.active.is_(True))).scalar_one()
    keys = session.execute(select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))).scalar_one()
    return users, keys


def api_key_creator(key_id: uuid.UUID | str) -> uuid.UUID | None:
    """The user who created an API key (None for a key no user created, or an unknown id)."""
    try:
        ident = key_id if isinstance(key_id, uuid.UUID) else uuid.UUID(str(key_id))
    except ValueError:
        return None
    return session.execute(select(ApiKey.created_by).where(ApiKey.id == ident)).scalar()


# Capabilities that have valued something in the functional currency register a check that
# returns why it can no longer change (inventory: stock has a book value), or None.
_currency_guards: list[Callable[[], str | None]] = []


def guard_functional_currency(check: Callable[[], str | None]) -> Callable[[], str | None]:
    _currency_guards.append(check)
    return check


def update_tenant(**changes: Any) -> Tenant:
    """Change the company settings; every problem is reported at once, field by field."""
    tenant = current_tenant()
    checks = {
        "name": lambda v: _text(v, "name"),
        "timezone": _timezone,
        "default_locale": _locale,
        "functional_currency": _currency,
        "separate_approver": _flag,
    }
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key not in checks:
            errors[key] = [Msg("tenants.not_changed_here")]
            continue
        try:
            values[key] = checks[key](value)
        except ValidationError as exc:
            errors.update(exc.errors)
    new_currency = values.get("functional_currency")
    blocked = None
    if new_currency is not None and new_currency != tenant.functional_currency:
        blocked = next((reason for reason in (check() for check in _currency_guards) if reason), None)
        if blocked:
            errors["functional_currency"] = [blocked]
    if errors:
        if blocked and len(errors) == 1:
            raise Conflict(Msg("tenants.functional_currency_cannot_change", blocked=blocked), errors)
        raise ValidationError(errors)
    for key, value in values.items():
        setattr(tenant, key, value)
    session.flush()
    session().info.pop(FACTS, None)
    return tenant


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError.field("separate_approver", Msg("not_true_false"))
    return value


def actor_identity() -> str:
    """Who is acting, as a stable "kind:id" (labels can be renamed; ids cannot). An API key a
    user created acts for that user, so one person cannot approve their own submission by
    switching from the portal to their key."""
    actor = current_actor()
    if actor.kind == "api_key" and actor.id:
        creator = api_key_creator(actor.id)
        if creator is not None:
            return f"user:{creator}"
    return f"{actor.kind}:{actor.id or actor.label}"[:200]


def require_separate_approver(submitted_by: str | None, what: str) -> None:
    """Refuse (403) the approval of `what` by the person who submitted it, when the tenant's
    separation of duties is on. `submitted_by` is the submitter's `actor_identity()`; a
    document submitted before identities were kept (None) is not checked."""
    if submitted_by is None or not current_tenant().separate_approver:
        return
    if actor_identity() == submitted_by:
        raise PermissionDenied(Msg("tenants.you_submitted_this_this", what=what))


def active_tenant_ids(s: Session) -> list[uuid.UUID]:
    """Every active tenant (system code: the scheduler's fan-out)."""
    return list(s.execute(select(Tenant.id).where(Tenant.active.is_(True)).order_by(Tenant.id)).scalars())


# ---------------------------------------------------------------------------------------------
# Authentication


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user (portal or API session) or an API key."""

    tenant_id: uuid.UUID
    kind: str  # user | api_key
    id: uuid.UUID
    label: str
    roles: tuple[str, ...]
    locale: str | None = None
    session_version: int = 0

    @property
    def permissions(self) -> frozenset[str]:
        return role_rules.permissions_for(self.roles)

    def can(self, permission: str) -> bool:
        return role_rules.allows(self.permissions, permission)


MAX_FAILED_LOGINS = 10
LOGIN_LOCKOUT = timedelta(minutes=15)


def authenticate(email: str, password: str) -> Principal:
    """Check an e-mail and password; the error never says which of the two was wrong.

    After MAX_FAILED_LOGINS wrong passwords in a row an account refuses every login for
    LOGIN_LOCKOUT (TooManyAttempts, HTTP 429 with Retry-After), so a password cannot be
    guessed at machine speed; a successful login starts the count again."""
    email = (email or "").strip().lower()
    with system_session() as s:
        user = s.execute(select(User).where(User.email == email)).scalar_one_or_none()
        now = utcnow()
        if user is not None and user.locked_until is not None and user.locked_until > now:
            wait = int((user.locked_until - now).total_seconds()) + 1
            raise TooManyAttempts(Msg("tenants.too_many_failed_logins", n=-(-wait // 60)), wait)
        tenant_active = (
            user is not None
            and s.execute(select(Tenant.active).where(Tenant.id == user.tenant_id)).scalar_one_or_none()
        )
        try:
            _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
        except (VerificationError, InvalidHashError):
            if user is not None:
                _count_failed_login(s, user.id, now)
            user = None
        if user is None or not user.active or not tenant_active:
            raise Unauthorized(Msg("tenants.login_incorrect"))
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.last_login_at, user.failed_logins, user.locked_until = now, 0, None
        with actor_context(Actor("user", str(user.id), user.email)):
            s.flush()  # the audit log names the user who logged in, not "system"
        return principal_for_user(user)


def _count_failed_login(s: Session, user_id: uuid.UUID, now: datetime) -> None:
    """One more failure, counted atomically (guesses arrive in parallel) and committed even
    though the login fails; the last one allowed locks the account."""
    failures = s.execute(
        update(User)
        .where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    if failures >= MAX_FAILED_LOGINS:
        s.execute(update(User).where(User.id == user_id).values(failed_logins=0, locked_until=now + LOGIN_LOCKOUT))
    s.commit()


def principal_for_user(user: User) -> Principal:
    return Principal(
        tenant_id=user.tenant_id,
        kind="user",
        id=user.id,
        label=user.email,
        roles=tuple(user.roles),
        locale=user.locale,
        session_version=user.session_version,
    )


def principal_for_session(tenant_id: uuid.UUID, user_id: uuid.UUID, version: int) -> Principal | None:
    """The user behind a (signed) session cookie, if it is still valid. Runs in the tenant
    context named by the cookie."""
    user = get_or_none(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    tenant = session.execute(select(Tenant.active).where(Tenant.id == tenant_id)).scalar_one_or_none()
    if not tenant:
        return None
    return principal_for_user(user)


API_KEY_PREFIX = "tl"


def _hash_secret(secret: str) -> str:
    # API keys carry 256 bits of randomness, so a fast hash is enough to make a leaked table
    # useless; argon2 is for low-entropy passwords.
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_for_api_key(token: str) -> Principal | None:
    parts = (token or "").split("_")
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    _, prefix, secret = parts
    with system_session() as s:
        # One round trip for the key and its tenant's standing: this runs on every API request.
        found = s.execute(
            select(ApiKey, Tenant.active).join(Tenant, Tenant.id == ApiKey.tenant_id).where(ApiKey.prefix == prefix)
        ).one_or_none()
        if found is None:
            return None
        key, active = found
        if key.revoked_at is not None or not active:
            return None
        if not hmac.compare_digest(key.secret_hash, _hash_secret(secret)):
            return None
        now = utcnow()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            key.last_used_at = now  # at most once a minute: no write per request
        return Principal(
            tenant_id=key.tenant_id, kind="api_key", id=key.id, label=f"api-key:{key.name}", roles=tuple(key.roles)
        )


def end_sessions(user_id: uuid.UUID) -> None:
    """Log the user out everywhere: every session cookie issued so far stops working (logout;
    a password change and deactivation do the same)."""
    user = get_user(user_id)
    user.session_version += 1
    session.flush()


def change_password(user_id: uuid.UUID, current_password: str, new_password: str) -> User:
    user = get_or_none(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    try:
        _hasher.verify(user.password_hash, current_password or "")
    except (VerificationError, InvalidHashError):
        raise ValidationError.field("current_password", Msg("tenants.password_incorrect")) from None
    user.password_hash = _hasher.hash(_password(new_password, "new_password"))
    user.session_version += 1
    session.flush()
    return user


# ---------------------------------------------------------------------------------------------
# Users of the tenant


def list_users() -> Any:
    return select(User).order_by(User.created_at)


def get_user(user_id: uuid.UUID) -> User:
    user = get_or_none(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def create_user(
    actor: Principal, *, email: str, password: str, roles: Iterable[str], name: str = "", locale: str | None = None
) -> User:
    email_v = _email(email)
    roles_v = role_rules.validate_roles(roles)
    _check_can_grant(actor, roles_v)
    _ensure_email_free(email_v)
    user = User(
        email=email_v,
        name=_text(name, "name", required=False),
        roles=roles_v,
        password_hash=_hasher.hash(_password(password)),
        locale=_locale(locale, "locale") if locale else None,
    )
    session.add(user)
    session.flush()
    return user


def update_user(
    actor: Principal,
    user_id: uuid.UUID,
    *,
    name: str | None = None,
    roles: Iterable[str] | None = None,
    active: bool | None = None,
    locale: str | None = None,
) -> User:
    """Change a user. An owner's roles and status (active or not) change only by an owner's
    hand, so an admin can neither lock the owners out nor take their standing."""
    user = get_user(user_id)
    new_roles = role_rules.validate_roles(roles) if roles is not None else list(user.roles)
    roles_change = set(new_roles) != set(user.roles)
    standing_changes = roles_change or (active is not None and active != user.active)
    if standing_changes and "owner" in user.roles and "owner" not in actor.roles:
        raise PermissionDenied(Msg("tenants.owner_changes_owner"))
    if name is not None:
        user.name = _text(name, "name", required=False)
    if locale is not None:
        user.locale = _locale(locale, "locale")
    if roles_change:
        _check_can_grant(actor, new_roles)
        if "owner" in user.roles and "owner" not in new_roles:
            _ensure_another_owner(user)
        user.roles = new_roles
    if active is not None and active != user.active:
        if not active:
            if user.id == actor.id:
                raise Conflict(Msg("tenants.cannot_deactivate_self"))
            if "owner" in user.roles:
                _ensure_another_owner(user)
        user.active = active
        user.session_version += 1
    session.flush()
    return user


def _check_can_grant(actor: Principal, roles: Iterable[str]) -> None:
    if "owner" in roles and "owner" not in actor.roles:
        raise PermissionDenied(Msg("tenants.owner_grants_owner"))


def _ensure_another_owner(user: User) -> None:
    owners = [
        u
        for u in session.execute(select(User).where(User.active.is_(True))).scalars()
        if "owner" in u.roles and u.id != user.id
    ]
    if not owners:
        raise Conflict(Msg("tenants.keep_one_owner"))


# ---------------------------------------------------------------------------------------------
# API keys


def create_api_key(actor: Principal, *, name: str, roles: Iterable[str]) -> tuple[ApiKey, str]:
    """Create a key; the plaintext is returned once and only its hash is stored."""
    roles_v = role_rules.validate_roles(roles)
    if not set(role_rules.permissions_for(roles_v)) <= set(actor.permissions) and "*" not in actor.permissions:
        raise PermissionDenied(Msg("tenants.key_roles_beyond_own"))
    _check_can_grant(actor, roles_v)
    prefix = pysecrets.token_hex(6)
    secret = pysecrets.token_urlsafe(32).replace("_", "-")
    key = ApiKey(
        name=_text(name, "name"),
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        roles=roles_v,
        created_by=actor.id if actor.kind == "user" else None,
    )
    session.add(key)
    session.flush()
    return key, f"{API_KEY_PREFIX}_{prefix}_{secret}"


def list_api_keys() -> Any:
    return select(ApiKey).order_by(ApiKey.created_at.desc())


def revoke_api_key(actor: Principal, key_id: uuid.UUID) -> ApiKey:
    key = get_or_none(ApiKey, key_id)
    if key is None:
        raise NotFound("API key", key_id)
    if "owner" in key.roles and "owner" not in actor.roles:
        raise PermissionDenied(Msg("tenants.owner_revokes_owner_key"))
    if key.revoked_at is not None:
        raise Conflict(Msg("tenants.key_already_revoked"), {"state": ["revoked"]})
    key.revoked_at = utcnow()
    session.flush()
    return key


# ---------------------------------------------------------------------------------------------
# Plugin connections


def adapter_info(kind: str, plugin: str) -> AdapterInfo:
    if kind not in ("channel", "carrier", "accounting", "payment"):
        raise ValidationError.field("kind", Msg("tenants.connection_kind"))
    try:
        return registry().adapter(kind, plugin)
    except KeyError:
        raise ValidationError.field(
            "plugin", Msg("tenants.no_plugin_named_installed", kind=kind, plugin=repr(plugin))
        ) from None


def _validate_settings(
    info: AdapterInfo, values: dict[str, Any], existing_secrets: dict[str, Any] | None, partial: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split and check submitted values against the adapter's settings schema."""
    errors: dict[str, list[str]] = {}
    settings: dict[str, Any] = {}
    creds: dict[str, Any] = dict(existing_secrets or {})
    known = {f.name for f in info.cls.settings}
    for key in values:
        if key not in known:
            errors[key] = [Msg("tenants.no_setting", plugin=info.display_name, key=repr(key))]
    for f in info.cls.settings:
        present = f.name in values and values[f.name] not in (None, "")
        if not present:
            if f.secret and f.name in creds:
                continue  # a blank secret keeps the stored one
            if f.required and f.default is None and not partial:
                errors[f.name] = [Msg("required")]
            elif f.default is not None and not f.secret and not partial:
                settings[f.name] = f.default
            continue
        raw = values[f.name]
        try:
            value = _coerce_setting(f.type, raw, f.choices)
        except ValueError as exc:
            errors[f.name] = [exc.args[0]]  # the coded message itself, not its English
            continue
        (creds if f.secret else settings)[f.name] = value
    if errors:
        raise ValidationError({"settings": errors}, "; ".join(f"{k}: {v[0]}" for k, v in errors.items()))
    return settings, creds


def _coerce_setting(kind: str, raw: Any, choices: tuple[str, ...]) -> Any:
    if kind == "int":
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ValueError(Msg("not_whole_number")) from None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("1", "true", "yes", "on"):
            return True
        if str(raw).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(Msg("not_true_false"))
    value = str(raw).strip()
    if kind == "connection":
        # Another connection of this tenant (the tenant filter sees no other's), of a kind the
        # field allows: a payment source names the shop whose orders it pays.
        found = connection_facts(value)
        if found is None or (choices and found.kind not in choices):
            if tuple(choices) == ("channel",):
                raise ValueError(Msg("tenants.setting_choose_shop"))
            raise ValueError(Msg("tenants.setting_choose_connection"))
        return str(found.id)
    if kind == "url":
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(Msg("tenants.setting_url"))
        return value.rstrip("/")
    if kind == "choice" and value not in choices:
        raise ValueError(Msg("one_of", choices=", ".join(choices)))
    if len(value) > 4000:
        raise ValueError(Msg("tenants.setting_too_long"))
    return value


def list_connections(kind: str | None = None) -> Any:
    stmt = select(PluginConnection).order_by(PluginConnection.kind, PluginConnection.display_name)
    if kind:
        stmt = stmt.where(PluginConnection.kind == kind)
    return stmt


def get_connection(connection_id: uuid.UUID) -> PluginConnection:
    conn = get_or_none(PluginConnection, connection_id)
    if conn is None:
        raise NotFound("connection", connection_id)
    return conn


@dataclass(frozen=True)
class ConnectionFacts:
    """What other capabilities read about a plugin connection (never its secrets)."""

    id: uuid.UUID
    kind: str
    plugin: str
    display_name: str
    enabled: bool


def connection_facts(connection_id: Any) -> ConnectionFacts | None:
    """The connection of this tenant with that id, or None (an unknown or malformed id)."""
    found = connections_facts([connection_id])
    return next(iter(found.values()), None)


def connections_facts(ids: Iterable[Any] | None = None) -> dict[uuid.UUID, ConnectionFacts]:
    """{id: facts} of the tenant's connections with those ids (every connection with None)."""
    stmt = select(
        PluginConnection.id,
        PluginConnection.kind,
        PluginConnection.plugin,
        PluginConnection.display_name,
        PluginConnection.enabled,
    )
    if ids is not None:
        wanted = set()
        for ident in ids:
            try:
                wanted.add(ident if isinstance(ident, uuid.UUID) else uuid.UUID(str(ident)))
            except (TypeError, ValueError):
                continue
        if not wanted:
            return {}
        stmt = stmt.where(PluginConnection.id.in_(wanted))
    return {row.id: ConnectionFacts(*row) for row in session.execute(stmt).all()}


def create_connection(
    *, kind: str, plugin: str, display_name: str, settings: dict[str, Any] | None = None, enabled: bool = True
) -> PluginConnection:
    info = adapter_info(kind, plugin)
    name = _text(display_name, "display_name")
    _ensure_connection_name_free(kind, name)
    plain, creds = _validate_settings(info, dict(settings or {}), None, partial=False)
    conn = PluginConnection(
        kind=kind,
        plugin=plugin,
        display_name=name,
        settings=plain,
        credentials_encrypted=encrypt_json(creds) if creds else None,
        enabled=enabled,
    )
    session.add(conn)
    session.flush()
    return conn


def _ensure_connection_name_free(kind: str, name: str, except_id: uuid.UUID | None = None) -> None:
    existing = (
        session.execute(
            select(PluginConnection.id).where(
                PluginConnection.kind == kind, func.lower(PluginConnection.display_name) == name.lower()
            )
        )
        .scalars()
        .all()
    )
    if any(e != except_id for e in existing):
        raise ValidationError.field(
            "display_name", Msg("tenants.another_connection_already_named", kind=kind, name=repr(name))
        )


def update_connection(
    connection_id: uuid.UUID,
    *,
    display_name: str | None = None,
    settings: dict[str, Any] | None = None,
    enabled: bool | None = None,
) -> PluginConnection:
    conn = get_connection(connection_id)
    if display_name is not None:
        name = _text(display_name, "display_name")
        _ensure_connection_name_free(conn.kind, name, conn.id)
        conn.display_name = name
    if settings is not None:
        info = adapter_info(conn.kind, conn.plugin)
        merged = {**conn.settings, **settings}
        plain, creds = _validate_settings(info, merged, decrypt_json(conn.credentials_encrypted), partial=False)
        conn.settings = plain
        conn.credentials_encrypted = encrypt_json(creds) if creds else None
        conn.status = "untested"
    if enabled is not None:
        conn.enabled = enabled
    session.flush()
    return conn


def delete_connection(connection_id: uuid.UUID) -> None:
    conn = get_connection(connection_id)
    session.delete(conn)
    session.flush()


def masked_credentials(conn: PluginConnection) -> dict[str, str]:
    """What responses show of stored secrets: that they are set, never their value."""
    return {name: "********" for name in decrypt_json(conn.credentials_encrypted)}


def connection_credentials(conn: PluginConnection) -> dict[str, Any]:
    """The connection's decrypted credentials (for the adapter runtime, core.connections)."""
    return decrypt_json(conn.credentials_encrypted)


def connection_state(conn: PluginConnection) -> dict[str, Any]:
    """What the connection's adapter keeps between calls, decrypted."""
    return decrypt_json(conn.state_encrypted)


HEALTH_FIELDS = frozenset({"status", "last_error", "last_checked_at", "account"})


def change_connection(
    conn: PluginConnection,
    *,
    credentials: dict[str, str] | None = None,
    state: dict[str, Any] | None = None,
    **health: Any,
) -> None:
    """Write what the adapter runtime learned about a connection: rotated credentials (merged
    into the stored ones, encrypted), the adapter's state (encrypted), and its health
    (`status`, `last_error`, `last_checked_at`, `account`). The caller flushes."""
    unknown = set(health) - HEALTH_FIELDS
    if unknown:
        raise TypeError(f"not a health field of a connection: {sorted(unknown)}")
    if credentials:
        current = decrypt_json(conn.credentials_encrypted)
        current.update(credentials)
        conn.credentials_encrypted = encrypt_json(current)
    if state is not None and state != decrypt_json(conn.state_encrypted):
        conn.state_encrypted = encrypt_json(dict(state)) if state else None
    for name, value in health.items():
        setattr(conn, name, value)
