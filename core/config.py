"""Configuration from the environment.

DATABASE_URL       database; default a SQLite file under the instance directory (embedded mode)
DATABASE_APP_ROLE  PostgreSQL role tenant sessions switch to (default tradelane_app)
REDIS_URL          Redis for RQ; unset means jobs run on the in-process worker
TRADELANE_QUEUE_PREFIX  prefix of RQ queue names and other Redis keys when deployments share a Redis
TRADELANE_JOBS_HEARTBEAT  seconds between a running job's heartbeats (default 10); a job silent
                   for five of them is requeued, and the scheduler ticks every one and a half
TRADELANE_ENV      "production" (default) or "development": development serves the session
                   cookie without Secure, for plain http (the embedded demo sets it)
TRADELANE_TRUSTED_PROXIES  how many reverse proxies in front set X-Forwarded-For/-Proto (0)
TRADELANE_LOGIN_RATE_LIMIT   login attempts per client address, "<requests>/<seconds>" (20/60)
TRADELANE_SIGNUP_RATE_LIMIT  sign-ups per client address (10/3600); "0" switches a limit off
SECRET_KEY         signs session cookies and CSRF tokens
TRADELANE_ENCRYPTION_KEY  Fernet key(s), comma-separated newest first, for stored credentials
TRADELANE_INSTANCE_DIR    where the SQLite file, uploads and generated keys live (./instance)
TRADELANE_PLUGINS  comma-separated plugin names to load (default: all installed)
TRADELANE_DISABLE_PLUGIN_AUTOLOAD  "1" loads no entry-point plugins (tests register their own)
TRADELANE_IDEMPOTENCY_WAIT  seconds a request waits for a running copy with its Idempotency-Key (2)

In embedded mode the secret and encryption keys are generated once into the instance
directory, so the demo needs no setup; production sets them in the environment.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def instance_dir() -> Path:
    path = Path(os.environ.get("TRADELANE_INSTANCE_DIR", "instance")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _persisted_secret(name: str, make: Any) -> str:
    path = instance_dir() / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    env = os.environ
    overrides = dict(overrides or {})
    cfg: dict[str, Any] = {
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'tradelane.db'}",
        "DATABASE_APP_ROLE": env.get("DATABASE_APP_ROLE", "tradelane_app"),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Prefix of RQ queue names: several deployments (or test runs) can share one Redis.
        "QUEUE_PREFIX": env.get("TRADELANE_QUEUE_PREFIX", ""),
        "JOBS_HEARTBEAT": float(env.get("TRADELANE_JOBS_HEARTBEAT") or 10),
        "INSTANCE_DIR": str(instance_dir()),
        "TRADELANE_PLUGINS": env.get("TRADELANE_PLUGINS") or None,
        "TRADELANE_DISABLE_PLUGIN_AUTOLOAD": env.get("TRADELANE_DISABLE_PLUGIN_AUTOLOAD") == "1",
        # Jobs run synchronously right after commit (tests of anything but the job system).
        "JOBS_INLINE": False,
        # Mount the plugins' API emulators inside this process (embedded demo and tests).
        "MOUNT_EMULATORS": env.get("TRADELANE_MOUNT_EMULATORS") == "1",
        "PUBLIC_URL": env.get("TRADELANE_PUBLIC_URL", "http://127.0.0.1:5000"),
        # flask-smorest
        "API_TITLE": "Tradelane",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "TRADELANE_ENV": env.get("TRADELANE_ENV", "production"),
        "TRUSTED_PROXIES": int(env.get("TRADELANE_TRUSTED_PROXIES", "0")),
        # Per client address, on login and sign-up (API and portal): core/ratelimit.py.
        "LOGIN_RATE_LIMIT": env.get("TRADELANE_LOGIN_RATE_LIMIT", "20/60"),
        "SIGNUP_RATE_LIMIT": env.get("TRADELANE_SIGNUP_RATE_LIMIT", "10/3600"),
        # Flask / portal
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in core.http for cookie-authenticated writes
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        # How long a request waits for a concurrent copy with the same Idempotency-Key to
        # finish (then it replays that response) before it answers 409.
        "IDEMPOTENCY_WAIT_SECONDS": float(env.get("TRADELANE_IDEMPOTENCY_WAIT", "2")),
        "JSON_SORT_KEYS": False,
    }
    cfg.update(overrides)
    if cfg["TRADELANE_ENV"] not in ("production", "development"):
        raise RuntimeError(f"TRADELANE_ENV is production or development, not {cfg['TRADELANE_ENV']!r}")
    # The session cookie travels over https only, except in development (plain http).
    cfg.setdefault("SESSION_COOKIE_SECURE", cfg["TRADELANE_ENV"] != "development")
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = env.get("SECRET_KEY") or _persisted_secret("secret_key", lambda: secrets.token_urlsafe(48))
    if not cfg.get("TRADELANE_ENCRYPTION_KEY"):
        cfg["TRADELANE_ENCRYPTION_KEY"] = env.get("TRADELANE_ENCRYPTION_KEY") or _persisted_secret(
            "encryption.key", _fernet_key
        )
    return cfg
